import type { Button, KnownBlock } from '@slack/types';
import { STATUS_LABELS } from '../../core/lifecycle.ts';
import { formatBusinessHours } from '../../core/sla.ts';
import type { LeadView } from '../../core/types.ts';
import { ACTION_BLOCKS, ACTIONS, encodeLeadRef } from '../ids.ts';

import {
  actions,
  BLOCK_KIT,
  button,
  context,
  listBlocks,
  message,
  type SlackMessage,
  section,
} from '../limits.ts';
import { formatDate, mention, plural, userText } from '../mrkdwn.ts';
import { leadLink } from '../permalink.ts';
import { routingButtons } from './routing-post.ts';

// One batched DM of reminders and nudges for one person (PRODUCT.md section 6): every SLA step, progress
// nudge and expiry notice due to them in the batch window, grouped by kind, each with what they can do
// right there (progress buttons, Assign, Grant extension) and a link to the routing post.

export const REMINDER_KINDS = [
  'claim_escalation',
  'claim_reminder',
  'progress_nudge',
  'expiry_warning',
  'expired',
] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export interface ReminderEntry {
  kind: ReminderKind;
  lead: LeadView;
  routingPostChannel: string | null;
  routingPostTs: string | null;
  /** Business hours an unclaimed EQL has waited (claim steps). */
  waitedHours?: number | null;
  /** When the lead expires (warning) or expired. */
  expiresAt?: number | null;
}

export interface ReminderContext {
  timeZone: string;
  now: number;
  claimHours: number;
}

const GROUP_TITLE: Record<ReminderKind, (n: number, ctx: ReminderContext) => string> = {
  claim_escalation: (n, c) =>
    `🚨 *Escalated: ${plural(n, 'EQL')} still unclaimed after ${formatBusinessHours(2 * c.claimHours)}*`,
  claim_reminder: (n, c) =>
    `⏰ *${plural(n, 'EQL')} waiting more than ${formatBusinessHours(c.claimHours)} for a claim*`,
  progress_nudge: (n) => `🐢 *${plural(n, 'lead')} of yours with no progress lately*`,
  expiry_warning: (n) => `⏳ *${plural(n, 'lead')} about to expire*`,
  expired: (n) => `⌛ *${plural(n, 'lead')} expired*`,
};

const SUMMARY: Record<ReminderKind, (n: number) => string> = {
  claim_escalation: (n) => `${plural(n, 'EQL')} escalated`,
  claim_reminder: (n) => `${plural(n, 'EQL')} waiting for a claim`,
  progress_nudge: (n) => `${plural(n, 'lead')} with no progress`,
  expiry_warning: (n) => `${plural(n, 'lead')} about to expire`,
  expired: (n) => `${plural(n, 'lead')} expired`,
};

function title(e: ReminderEntry): string {
  const named = leadLink({
    accountName: e.lead.accountName,
    routingPostChannel: e.routingPostChannel,
    routingPostTs: e.routingPostTs,
  });
  return `${named} (${userText(e.lead.domain, 253)}) · from ${userText(e.lead.partner.name, 80)}`;
}

function idleDays(lead: LeadView, now: number): number {
  return Math.max(0, Math.floor((now - lead.lastProgressAt) / 86_400_000));
}

function line(e: ReminderEntry, ctx: ReminderContext): string {
  const lead = e.lead;
  switch (e.kind) {
    case 'claim_escalation':
    case 'claim_reminder': {
      const waited = e.waitedHours != null ? `waiting ${formatBusinessHours(e.waitedHours)}` : 'unclaimed';
      const next = lead.suggestedUserId ? ` · up next: ${mention(lead.suggestedUserId)}` : '';
      return `${title(e)}\n${waited}${next}`;
    }
    case 'progress_nudge':
      return `${title(e)}\n${STATUS_LABELS[lead.status]} · no progress for ${plural(idleDays(lead, ctx.now), 'day')}. Record where it stands:`;
    case 'expiry_warning': {
      const when = e.expiresAt != null ? formatDate(e.expiresAt, ctx.timeZone) : 'soon';
      return `${title(e)}\n${STATUS_LABELS[lead.status]} · expires on ${when} unless it moves forward.`;
    }
    case 'expired':
      return `${title(e)}\nExpired after no progress since ${formatDate(lead.lastProgressAt, ctx.timeZone)}. The partner has been told and can ask for more time.`;
  }
}

const ref = (lead: LeadView) => encodeLeadRef({ leadId: lead.id, version: lead.version });

function grantButton(lead: LeadView): Button {
  return button({ text: 'Grant extension', actionId: ACTIONS.grantExtension, value: ref(lead) });
}

/** Buttons that record progress from the DM (the routing post's actions, minus admin ones and History). */
const NOT_IN_REMINDERS: ReadonlySet<string> = new Set([
  ACTIONS.reassign,
  ACTIONS.disqualify,
  ACTIONS.history,
]);
function progressButtons(lead: LeadView): Button[] {
  return routingButtons(lead).filter((b) => !NOT_IN_REMINDERS.has(b.action_id ?? ''));
}

/** `n`: the entry's place in the message. One lead can have two entries (a nudge and an expiry warning), and
 * block ids must be unique within a message or Slack refuses all of it. */
function entryBlocks(e: ReminderEntry, ctx: ReminderContext, n: number): KnownBlock[] {
  const text = line(e, ctx);
  const blockId = `${ACTION_BLOCKS.lead}_${e.lead.id}_${n}`;
  switch (e.kind) {
    case 'claim_escalation':
      return [
        section(text, {
          accessory: button({ text: 'Assign', actionId: ACTIONS.reassign, value: ref(e.lead) }),
        }),
      ];
    case 'claim_reminder':
      return [section(text)];
    case 'progress_nudge': {
      const buttons = progressButtons(e.lead);
      return buttons.length > 0 ? [section(text), actions(blockId, buttons)] : [section(text)];
    }
    case 'expiry_warning':
      return [section(text), actions(blockId, [...progressButtons(e.lead), grantButton(e.lead)])];
    case 'expired':
      return [section(text, { accessory: grantButton(e.lead) })];
  }
}

/** The batched reminder DM: grouped by kind (most urgent first), within Slack's 50 blocks. */
export function reminderBatchMessage(entries: readonly ReminderEntry[], ctx: ReminderContext): SlackMessage {
  const groups = REMINDER_KINDS.map((kind) => ({
    kind,
    items: entries.filter((e) => e.kind === kind),
  })).filter((g) => g.items.length > 0);
  const summary = groups.map((g) => SUMMARY[g.kind](g.items.length)).join(', ');
  const items: KnownBlock[][] = [];
  for (const g of groups) {
    g.items.forEach((e, i) => {
      const blocks = entryBlocks(e, ctx, items.length);
      items.push(i === 0 ? [section(GROUP_TITLE[g.kind](g.items.length, ctx)), ...blocks] : blocks);
    });
  }
  const body = listBlocks(
    items,
    BLOCK_KIT.messageBlocks - 2,
    (n) => `and ${plural(n, 'more lead')} not shown.`,
  );
  return message(`Foothold: ${summary}.`, [
    ...body,
    context([
      'Reminders are batched (at most one message an hour) and held during quiet hours (20:00–08:00 your time).',
    ]),
  ]);
}

/** The reply in an unclaimed EQL's routing-post thread at a claim SLA step. */
export function claimThreadReply(
  stage: 'reminder' | 'escalation',
  waitedHours: number,
  lead: Pick<LeadView, 'suggestedUserId'>,
): SlackMessage {
  const waited = formatBusinessHours(waitedHours);
  const text =
    stage === 'escalation'
      ? `🚨 Still unclaimed after ${waited}: escalated to program leaders.`
      : `⏰ This EQL has waited ${waited} for a claim. The partner manager has been reminded.`;
  const next = lead.suggestedUserId
    ? `Up next in the rotation: ${mention(lead.suggestedUserId)}. The first click on *Claim* takes it.`
    : 'The first click on *Claim* takes it.';
  return message(text, [section(text), context([next])]);
}

import type { Button, KnownBlock } from '@slack/types';
import { creditCandidates, creditHolder } from '../../core/credit.ts';
import type { LeadScore } from '../../core/eql-score.ts';
import { STATUS_LABELS } from '../../core/lifecycle.ts';
import { formatBusinessHours } from '../../core/sla.ts';
import type { GateResult, LeadStatus, LeadView } from '../../core/types.ts';
import { ACTION_BLOCKS, ACTIONS, type ActionId, encodeLeadRef } from '../ids.ts';
import { GATE_EMOJI, gate, gateLine, RELATIONSHIP_LABEL, STATUS_EMOJI, STRENGTH_LABEL } from '../labels.ts';
import { actions, button, context, fields, header, message, type SlackMessage, section } from '../limits.ts';
import {
  formatAge,
  formatCalendarDate,
  formatDate,
  listPhrase,
  mention,
  oneLine,
  slackMessageLink,
  truncate,
  userText,
} from '../mrkdwn.ts';
import { corroboratorBlocks } from './corroborators.ts';
import { crmBlocks } from './crm-messages.ts';
import { scoreLine } from './insight.ts';

// The routing post: one message per lead in the INTERNAL routing channel, updated in place as the lead
// moves. Everything a rep needs to decide and act, and the buttons for the next step.

export interface RoutingContext {
  timeZone: string;
  now: number;
  /** An unclaimed EQL's wait, shown when the SLA job re-renders the post at a reminder or escalation. */
  claimWait?: { waitedHours: number; stage: 'reminder' | 'escalation' } | null;
  /** The EQL score (it prioritises, never gates): "likely to reach opportunity: 42%" and its top reasons. */
  score?: LeadScore | null;
  /** Partners that convert in the account's segment, for a lead still waiting for a partner's attestation. */
  partnerHint?: string | null;
}

/** Which buttons a status shows, in order. Role checks happen on click, so everyone sees the same post. */
export const ROUTING_BUTTONS: Readonly<Record<LeadStatus, readonly ActionId[]>> = {
  surfaced: [ACTIONS.disqualify],
  awaiting_attestation: [ACTIONS.disqualify],
  candidate: [ACTIONS.disqualify],
  qualified: [ACTIONS.claim, ACTIONS.disqualify, ACTIONS.reassign],
  claimed: [
    ACTIONS.requestIntro,
    ACTIONS.meetingHeld,
    ACTIONS.opportunity,
    ACTIONS.won,
    ACTIONS.lost,
    ACTIONS.disqualify,
    ACTIONS.reassign,
  ],
  intro_requested: [
    ACTIONS.meetingHeld,
    ACTIONS.opportunity,
    ACTIONS.won,
    ACTIONS.lost,
    ACTIONS.disqualify,
    ACTIONS.reassign,
  ],
  meeting_held: [ACTIONS.opportunity, ACTIONS.won, ACTIONS.lost, ACTIONS.disqualify, ACTIONS.reassign],
  opportunity: [ACTIONS.won, ACTIONS.lost, ACTIONS.disqualify, ACTIONS.reassign],
  won: [],
  lost: [],
  disqualified: [],
  merged: [],
  // Not closed: the owner or a leader can bring it back for another stretch.
  expired: [ACTIONS.grantExtension],
};

function leadButton(action: ActionId, lead: LeadView): Button {
  const value = encodeLeadRef({ leadId: lead.id, version: lead.version });
  switch (action) {
    case ACTIONS.claim:
      return button({ text: 'Claim', actionId: action, value, style: 'primary' });
    case ACTIONS.requestIntro:
      return button({ text: 'Request intro', actionId: action, value, style: 'primary' });
    case ACTIONS.meetingHeld:
      return button({ text: 'Meeting held', actionId: action, value });
    case ACTIONS.opportunity:
      return button({ text: 'Opportunity', actionId: action, value });
    case ACTIONS.won:
      return button({
        text: 'Won',
        actionId: action,
        value,
        confirm: {
          title: 'Mark as won?',
          text: `${oneLine(lead.accountName)} will be recorded as won and the partner thanked.`,
          confirm: 'Mark won',
          deny: 'Not yet',
        },
      });
    case ACTIONS.lost:
      return button({ text: 'Lost', actionId: action, value });
    case ACTIONS.disqualify:
      return button({ text: 'Disqualify', actionId: action, value, style: 'danger' });
    case ACTIONS.reassign:
      return button({ text: lead.status === 'qualified' ? 'Assign' : 'Reassign', actionId: action, value });
    case ACTIONS.changeCredit:
      return button({ text: 'Change credit', actionId: action, value });
    case ACTIONS.grantExtension:
      return button({ text: 'Grant extension', actionId: action, value, style: 'primary' });
    case ACTIONS.history:
      return button({ text: 'History', actionId: action, value });
    default:
      return button({ text: action, actionId: action, value });
  }
}

/** Outcomes a linked CRM opportunity's stage decides: their buttons give way to the CRM. */
const CRM_DRIVEN: ReadonlySet<ActionId> = new Set([
  ACTIONS.meetingHeld,
  ACTIONS.opportunity,
  ACTIONS.won,
  ACTIONS.lost,
]);

export function routingButtons(lead: LeadView): Button[] {
  const linked = Boolean(lead.crm?.opportunityId);
  const buttons = ROUTING_BUTTONS[lead.status]
    .filter((a) => !(linked && CRM_DRIVEN.has(a)))
    .map((a) => leadButton(a, lead));
  // Only an account more than one partner flagged has credit to move; closed leads too (credit is often
  // settled after the deal).
  if (creditCandidates(lead).length > 0 && lead.status !== 'merged')
    buttons.push(leadButton(ACTIONS.changeCredit, lead));
  // The audit log, for the vendor team (the routing channel is internal; the click is checked too).
  buttons.push(leadButton(ACTIONS.history, lead));
  return buttons;
}

interface Criterion {
  field: string;
  outcome: string;
  weight: number | null;
  reason: string;
}

function criteriaOf(fit: GateResult | undefined): Criterion[] {
  const raw = fit?.details.criteria;
  if (!Array.isArray(raw)) return [];
  const out: Criterion[] = [];
  for (const c of raw) {
    if (typeof c !== 'object' || c === null) continue;
    const r = c as Record<string, unknown>;
    out.push({
      field: typeof r.field === 'string' ? r.field : 'criterion',
      outcome: typeof r.outcome === 'string' ? r.outcome : 'unknown',
      weight: typeof r.weight === 'number' ? r.weight : null,
      reason: typeof r.reason === 'string' ? r.reason : '',
    });
  }
  return out;
}

const CRITERION_EMOJI: Record<string, string> = { match: '✓', miss: '✗' };

/** One compact context line per ICP criterion: "✓ industry software is in software, fintech · 30 pts". */
export function icpCriteriaLine(fit: GateResult | undefined): string[] {
  return criteriaOf(fit).map((c) => {
    const pts = c.weight === null ? '' : ` · ${c.weight} pts`;
    return `${CRITERION_EMOJI[c.outcome] ?? '?'} ${userText(c.reason || c.field, 200)}${pts}`;
  });
}

function icpScoreText(lead: LeadView): string {
  const fit = gate(lead, 'fit');
  const min = typeof fit?.details.minScore === 'number' ? fit.details.minScore : null;
  if (lead.icpScore === null) return fit ? `${GATE_EMOJI[fit.outcome]} not scored yet` : 'Not scored yet';
  const excluded = typeof fit?.details.excluded === 'string' ? ' · excluded' : '';
  return `${fit ? `${GATE_EMOJI[fit.outcome]} ` : ''}${lead.icpScore}/100${min !== null ? ` (needs ${min})` : ''}${excluded}`;
}

function partnerText(lead: LeadView): string {
  const first = `${userText(lead.partner.name, 80)}${lead.attribution === 'influenced' ? ' · influenced' : ''}`;
  const own = lead.creditedPartner
    ? `${userText(lead.creditedPartner.name, 80)} · credit changed by a leader\n_first registered by ${first}_`
    : first;
  const others = lead.corroborators.filter((p) => p.slug !== lead.creditedPartner?.slug);
  if (others.length === 0) return own;
  const names = others.slice(0, 5).map((p) => userText(p.name, 80));
  const more = others.length - names.length;
  return `${own}\n_corroborated by ${listPhrase(more > 0 ? [...names, `${more} more`] : names)}_`;
}

function relationshipText(lead: LeadView): string {
  if (!lead.relationship) return '❔ Not stated yet';
  return `${RELATIONSHIP_LABEL[lead.relationship]} · ${lead.overlapVerified ? 'verified by account mapping' : 'attested'}`;
}

function ownerText(lead: LeadView, ctx: RoutingContext): string {
  if (lead.ownerUserId) {
    const since = lead.claimedAt ? `\nclaimed ${formatAge(lead.claimedAt, ctx.now)} ago` : '';
    return `${mention(lead.ownerUserId)}${since}`;
  }
  const waiting =
    ctx.claimWait && lead.status === 'qualified' ? `\n${waitedText(ctx.claimWait.waitedHours)}` : '';
  if (lead.suggestedUserId) return `Unclaimed · up next: ${mention(lead.suggestedUserId)}${waiting}`;
  return `Unclaimed${waiting}`;
}

function waitedText(hours: number): string {
  return `⏰ waiting ${formatBusinessHours(hours)}`;
}

function claimWaitLine(lead: LeadView, ctx: RoutingContext): string | null {
  if (!ctx.claimWait || lead.status !== 'qualified') return null;
  const what =
    ctx.claimWait.stage === 'escalation'
      ? 'escalated to program leaders'
      : 'the partner manager has been reminded';
  return `${ctx.claimWait.stage === 'escalation' ? '🚨' : '⏰'} Waiting ${formatBusinessHours(ctx.claimWait.waitedHours)} for a claim: ${what}.`;
}

const INTRO_TEXT = {
  requested: '🤝 Requested, waiting on the partner',
  made: '✅ Made by the partner',
  declined: "❌ Partner can't introduce",
} as const;

export function warmthSummary(lead: LeadView, ctx: RoutingContext): string {
  const w = lead.warmth;
  if (!w) {
    return lead.status === 'awaiting_attestation'
      ? '⏳ Waiting for the partner to attest warmth.'
      : 'No warmth attestation yet.';
  }
  const parts = [`${w.strength}/5 ${STRENGTH_LABEL[w.strength]}`];
  if (w.contactName) {
    parts.push(
      `${userText(w.contactName, 120)}${w.contactTitle ? `, ${userText(w.contactTitle, 120)}` : ''}`,
    );
  }
  if (w.lastInteractionOn) parts.push(`last spoke ${formatCalendarDate(w.lastInteractionOn)}`);
  parts.push(w.willingToIntroduce ? 'willing to introduce' : 'not willing to introduce');
  const by = `attested by ${mention(w.attestedByUserId)} on ${formatDate(w.attestedAt, ctx.timeZone)}`;
  return `*Warmth* ${parts.join(' · ')}\n_${by}_`;
}

function closingLine(lead: LeadView, ctx: RoutingContext): string | null {
  const when = formatDate(lead.updatedAt, ctx.timeZone);
  const reason = lead.reasonLabel ? `: ${userText(lead.reasonLabel, 75)}` : '';
  const detail = lead.reasonText ? ` — ${userText(oneLine(lead.reasonText), 500)}` : '';
  switch (lead.status) {
    case 'won':
      return `🏆 Won on ${when}${lead.ownerUserId ? ` by ${mention(lead.ownerUserId)}` : ''}. The partner has been thanked.`;
    case 'lost':
      return `Lost on ${when}${reason}${detail}`;
    case 'disqualified':
      return `🚫 Disqualified on ${when}${reason}${detail}`;
    case 'merged':
      return `🔗 Merged into lead #${lead.mergedIntoLeadId ?? '?'} on ${when}; its partner is credited there.`;
    case 'expired':
      return `⌛ Expired on ${when} after no progress since ${formatDate(lead.lastProgressAt, ctx.timeZone)}. The partner can ask for an extension; the owner or a leader can grant one.`;
    default:
      return null;
  }
}

export function routingPost(lead: LeadView, ctx: RoutingContext): SlackMessage {
  const status = STATUS_LABELS[lead.status];
  const blocks: KnownBlock[] = [
    header(`${STATUS_EMOJI[lead.status]} ${truncate(oneLine(lead.accountName), 110)} · ${status}`),
    fields(
      `*Domain*\n${userText(lead.domain, 253)}`,
      `*Partner*\n${partnerText(lead)}`,
      `*Relationship*\n${relationshipText(lead)}`,
      `*ICP score*\n${icpScoreText(lead)}`,
      `*Owner*\n${ownerText(lead, ctx)}`,
      lead.introStatus && `*Intro*\n${INTRO_TEXT[lead.introStatus]}`,
      `*Surfaced*\n${formatDate(lead.createdAt, ctx.timeZone)} by ${lead.surfacedBy === 'rep' ? 'a rep, ' : ''}${mention(lead.submittedByUserId)}`,
    ),
  ];

  const gates = lead.gates.map((g) => gateLine(g, 600));
  if (gates.length > 0) blocks.push(section(`*Gates*\n${gates.join('\n')}`));
  const criteria = icpCriteriaLine(gate(lead, 'fit'));
  if (criteria.length > 0) blocks.push(context(criteria));
  blocks.push(section(warmthSummary(lead, ctx)));
  if (ctx.score) blocks.push(context([scoreLine(ctx.score)]));
  if (ctx.partnerHint) blocks.push(context([ctx.partnerHint]));
  blocks.push(...corroboratorBlocks(lead, ctx));
  if (lead.need) blocks.push(section(`*Need*\n${userText(lead.need, 1500)}`));
  if (lead.notes) blocks.push(section(`*Notes*\n${userText(lead.notes, 1500)}`));
  const meta = [`Lead #${lead.id}`, `updated ${formatAge(lead.updatedAt, ctx.now)} ago`];
  if (lead.sourceMessageUrl) meta.push(slackMessageLink(lead.sourceMessageUrl, 'source message'));
  blocks.push(context(meta));

  blocks.push(...crmBlocks(lead));
  const closing = closingLine(lead, ctx) ?? claimWaitLine(lead, ctx);
  if (closing) blocks.push(context([closing]));
  const buttons = routingButtons(lead);
  if (buttons.length > 0) blocks.push(actions(ACTION_BLOCKS.lead, buttons));

  const who = lead.ownerUserId ? ` · owner ${mention(lead.ownerUserId)}` : '';
  const text = `${STATUS_EMOJI[lead.status]} ${userText(oneLine(lead.accountName), 120)} (${userText(lead.domain, 253)}) · ${status} · from ${userText(creditHolder(lead).name, 80)}${who}`;
  return message(text, blocks);
}

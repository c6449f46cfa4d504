import type { KnownBlock } from '@slack/types';
import { STATUS_LABELS } from '../../core/lifecycle.ts';
import type { LeadView } from '../../core/types.ts';
import { ACTION_BLOCKS, ACTIONS, encodeLeadRef } from '../ids.ts';
import { accountTitle, gateLine, PARTNER_STATUS, STATUS_EMOJI, STRENGTH_LABEL } from '../labels.ts';
import {
  actions,
  BLOCK_KIT,
  button,
  context,
  linesWithin,
  listBlocks,
  message,
  type SlackMessage,
  section,
} from '../limits.ts';
import {
  channelLink,
  formatAge,
  formatDate,
  listPhrase,
  mention,
  oneLine,
  plural,
  userText,
} from '../mrkdwn.ts';
import { partnerLeadCard } from './lead-card.ts';

// Messages for internal people (reps, leaders, partner managers) and the ephemeral replies of `/eql`.
// `statusReply` and `mineList` also serve partners (audience 'partner'): then they show no routing
// channel, no partner names and no corroborators, only the partner's own side.

export type Audience = 'partner' | 'internal';

export interface ListContext {
  timeZone: string;
  now: number;
}

const refOf = (lead: LeadView) => encodeLeadRef({ leadId: lead.id, version: lead.version });
const nameOf = (lead: Pick<LeadView, 'accountName'>) => userText(oneLine(lead.accountName), 120);

function claimButton(lead: LeadView) {
  return button({ text: 'Claim', actionId: ACTIONS.claim, value: refOf(lead), style: 'primary' });
}

function signalLine(lead: LeadView): string {
  const parts: string[] = [`from *${userText(lead.partner.name, 80)}*`];
  if (lead.corroborators.length > 0)
    parts.push(`+${plural(lead.corroborators.length, 'corroborating partner')}`);
  if (lead.icpScore !== null) parts.push(`ICP ${lead.icpScore}/100`);
  if (lead.warmth) parts.push(`warmth ${lead.warmth.strength}/5 ${STRENGTH_LABEL[lead.warmth.strength]}`);
  return parts.join(' · ');
}

function postLink(lead: LeadView): string {
  return lead.routeChannel ? `Details in ${channelLink(lead.routeChannel)}` : '';
}

/** To the rep next in rotation: the lead is theirs to claim (first click still wins). */
export function repSuggestionDm(lead: LeadView): SlackMessage {
  return message(`You’re up next: ${nameOf(lead)} is ready to claim.`, [
    section(`🎯 *You’re up next in the rotation.* ${accountTitle(lead)} is a new EQL, ${signalLine(lead)}.`),
    ...(lead.need ? [section(`*Need*\n${userText(lead.need, 600)}`)] : []),
    actions(ACTION_BLOCKS.claim, [claimButton(lead)]),
    context([postLink(lead) || 'Claim it if you can take it: first click wins.']),
  ]);
}

/**
 * To a rep who has just been given a lead (CRM owner, or a leader's assignment). `why` is shown escaped;
 * the services' "Reassigned by <@U…>: reason" keeps its mention, and only that.
 */
export function repAssignedDm(
  lead: LeadView,
  why: string | { byUserId: string; reason: string },
): SlackMessage {
  let reason: string;
  if (typeof why === 'object') {
    reason = `Assigned by ${mention(why.byUserId)}: ${userText(why.reason, 1000)}`;
  } else {
    const m = /^Reassigned by <@([UW][A-Z0-9]+)>: ([\s\S]*)$/.exec(why);
    reason = m ? `Assigned by ${mention(m[1])}: ${userText(m[2], 1000)}` : userText(why, 1000);
  }
  return message(`${nameOf(lead)} is yours now.`, [
    section(`🙋 *${nameOf(lead)} is yours now* (${userText(lead.domain, 253)}), ${signalLine(lead)}.`),
    section(`_${reason}_`),
    context([
      postLink(lead) || `Lead #${lead.id}`,
      'Next step: request an intro from the partner or log the first meeting.',
    ]),
  ]);
}

/** The partner's answer to a tracked intro request (thread reply on the routing post and DM to the owner). */
export function introAnsweredDm(lead: LeadView, made: boolean): SlackMessage {
  const partner = userText(lead.partner.name, 80);
  const contact = lead.warmth?.contactName ? userText(lead.warmth.contactName, 120) : 'their contact';
  const text = made
    ? `✅ ${partner} made the intro to ${contact} at ${nameOf(lead)}.`
    : `❌ ${partner} can’t introduce us to ${contact} at ${nameOf(lead)} right now.`;
  const next = made
    ? 'Watch for the intro email and log the meeting once it happens.'
    : 'Reach out directly, or check with the partner manager about another way in.';
  return message(text, [section(text), context([next])]);
}

/** Ephemeral to a rep who clicked Claim second. */
export function claimTakenEphemeral(ownerUserId: string, accountName?: string | null): SlackMessage {
  const what = accountName ? nameOf({ accountName }) : 'This lead';
  const text = `${what} was just claimed by ${mention(ownerUserId)}. First click wins; nothing changed on your side.`;
  return message(text, [section(text)]);
}

/** To the partner manager: a partner flagged an account that is already a customer or in a deal. */
export function partnerManagerConflict(facts: {
  accountName: string;
  domain: string;
  partnerName: string;
  reason: 'customer' | 'open_opportunity';
  /** Who flagged it: someone at the partner, or one of our reps naming the partner. */
  flaggedBy?: { userId: string; side: 'partner' | 'rep' };
}): SlackMessage {
  const partner = userText(facts.partnerName, 80);
  const why = facts.reason === 'customer' ? 'is already a customer' : 'already has an open opportunity';
  const who =
    facts.flaggedBy?.side === 'rep'
      ? `${mention(facts.flaggedBy.userId)} flagged ${accountTitle(facts)} for *${partner}*`
      : `*${partner}*${facts.flaggedBy ? ` (${mention(facts.flaggedBy.userId)})` : ''} flagged ${accountTitle(facts)}`;
  const text = `${facts.flaggedBy?.side === 'rep' ? 'A rep' : partner} flagged ${nameOf(facts)}, which ${why}.`;
  return message(text, [
    section(`⚠️ ${who}, which ${why}.`),
    context([
      facts.flaggedBy?.side === 'rep'
        ? 'It can’t become a new lead; the rep was told.'
        : 'They were told politely that it can’t become a new lead and that you’d follow up. Worth a quick note to them.',
    ]),
  ]);
}

/** Optional heads-up to the partner manager when a partner's submission lands as a candidate. */
export function partnerManagerCandidate(lead: LeadView): SlackMessage {
  const failing = lead.gates.filter((g) => g.outcome !== 'pass');
  const text = `${userText(lead.partner.name, 80)} flagged ${nameOf(lead)}; it’s a candidate, not an EQL yet.`;
  return message(text, [
    section(
      `🌱 *${userText(lead.partner.name, 80)}* flagged ${accountTitle(lead)}. It’s a candidate, not an EQL yet.`,
    ),
    ...(failing.length > 0 ? [section(failing.map((g) => gateLine(g, 500)).join('\n'))] : []),
    context(['The partner has been told what’s missing. You may be able to help them close the gap.']),
  ]);
}

/** To the owner (and leaders): the partner asks for more time on an expiring or expired lead. */
export function extensionRequestDm(
  lead: LeadView,
  requestedByUserId: string,
  ctx: ListContext,
): SlackMessage {
  const text = `${mention(requestedByUserId)} asks for more time on ${nameOf(lead)}.`;
  return message(text, [
    section(
      `⏳ ${mention(requestedByUserId)} from *${userText(lead.partner.name, 80)}* asks for more time on ${accountTitle(lead)} (${STATUS_LABELS[lead.status]}, no progress for ${formatAge(lead.lastProgressAt, ctx.now)}).`,
    ),
    actions(ACTION_BLOCKS.extension, [
      button({
        text: 'Grant extension',
        actionId: ACTIONS.grantExtension,
        value: refOf(lead),
        style: 'primary',
      }),
    ]),
  ]);
}

/** An ephemeral "no": why nothing happened. */
export function refusal(text: string): SlackMessage {
  const t = userText(text, 2900);
  return message(t, [section(`🚫 ${t}`)]);
}

function statusBlocks(lead: LeadView, audience: Audience, ctx: ListContext): KnownBlock[] {
  if (audience === 'partner') return partnerLeadCard(lead, ctx, { gates: 'always' });
  const owner = lead.ownerUserId ? `owner ${mention(lead.ownerUserId)}` : 'unclaimed';
  const corroborated =
    lead.corroborators.length > 0
      ? ` · corroborated by ${listPhrase(lead.corroborators.slice(0, 5).map((p) => userText(p.name, 80)))}`
      : '';
  return [
    section(
      `${STATUS_EMOJI[lead.status]} ${accountTitle(lead)} · *${STATUS_LABELS[lead.status]}* · ${owner}\nfrom ${userText(lead.partner.name, 80)}${corroborated}\n${lead.gates.map((g) => gateLine(g, 300)).join('\n')}`,
      lead.status === 'qualified' ? { accessory: claimButton(lead) } : {},
    ),
    context([
      `Lead #${lead.id} · flagged ${formatDate(lead.createdAt, ctx.timeZone)} · updated ${formatAge(lead.updatedAt, ctx.now)} ago`,
      postLink(lead),
    ]),
  ];
}

/** `/eql status <domain>`: each lead on the account (the partner's own only, for partners). */
export function statusReply(
  leads: LeadView[],
  audience: Audience,
  ctx: ListContext & { domain?: string | null; hint?: string | null },
): SlackMessage {
  const domain = ctx.domain ? userText(ctx.domain, 253) : 'that account';
  // Internal people only: the ecosystem map names partners.
  const hint = audience === 'internal' && ctx.hint ? [context([ctx.hint])] : [];
  if (leads.length === 0) {
    const text =
      audience === 'partner'
        ? `Your organisation hasn’t flagged ${domain} yet. Use \`/eql ${domain}\` to flag it.`
        : `No leads on ${domain} yet.`;
    return message(text, [section(text), ...hint]);
  }
  const intro = `${plural(leads.length, 'lead')} on ${domain}`;
  const body = listBlocks(
    leads.map((l) => statusBlocks(l, audience, ctx)),
    BLOCK_KIT.messageBlocks - 1 - hint.length,
    (n) => `and ${plural(n, 'more lead')} not shown.`,
  );
  return message(intro, [context([intro]), ...body, ...hint]);
}

function mineLine(lead: LeadView, audience: Audience, ctx: ListContext): string {
  if (audience === 'partner') {
    return `• ${accountTitle(lead, 80)} · ${PARTNER_STATUS[lead.status]} · flagged ${formatDate(lead.createdAt, ctx.timeZone)}`;
  }
  return `• ${STATUS_EMOJI[lead.status]} ${accountTitle(lead, 80)} · ${STATUS_LABELS[lead.status]} · from ${userText(lead.partner.name, 60)} · last progress ${formatAge(lead.lastProgressAt, ctx.now)} ago`;
}

/** `/eql mine`: a partner's submissions, or the leads a rep owns. */
export function mineList(leads: LeadView[], audience: Audience, ctx: ListContext): SlackMessage {
  if (leads.length === 0) {
    const text =
      audience === 'partner'
        ? 'You haven’t flagged any accounts yet. Try `/eql acme.com` to flag one.'
        : 'You don’t own any leads yet. New EQLs show up in the routing channel, ready to claim.';
    return message(text, [section(text)]);
  }
  const title =
    audience === 'partner' ? `Accounts you’ve flagged (${leads.length})` : `Your leads (${leads.length})`;
  return message(title, [
    section(`*${title}*`),
    ...linesWithin(
      leads.map((l) => mineLine(l, audience, ctx)),
      BLOCK_KIT.messageBlocks - 1,
      (n) => `and ${plural(n, 'more lead')}… See App Home for everything.`,
    ),
  ]);
}

/** `/eql help`, with the commands this person may use. */
export function helpText(isAdmin: boolean, isLeader: boolean): SlackMessage {
  const lines = [
    '`/eql` — flag an account (opens a short form)',
    '`/eql acme.com` — flag an account, with the website filled in',
    '`/eql status acme.com` — where an account stands',
    '`/eql mine` — the leads you flagged or own',
  ];
  if (isLeader || isAdmin)
    lines.push('`/eql digest` — the program digest: funnel, conversion and partner leaderboard');
  if (isAdmin)
    lines.push('`/eql setup` — post or refresh the pinned “Flag an account” card in partner channels');
  lines.push('`/eql help` — this list');
  return message('Foothold commands: /eql, /eql status <domain>, /eql mine, /eql help', [
    section(`*Foothold commands*\n${lines.join('\n')}`),
    context(['You can also use the “Flag as EQL” shortcut on any message, or the button in App Home.']),
  ]);
}

import type { Button, KnownBlock } from '@slack/types';
import { isOpen } from '../../core/lifecycle.ts';
import type { GateResult, LeadView } from '../../core/types.ts';
import { ACTION_BLOCKS, ACTIONS, encodeLeadRef } from '../ids.ts';
import { accountTitle, GATE_EMOJI, GATE_LABEL, ownerRef, PARTNER_STATUS } from '../labels.ts';
import { actions, button, context, header, message, type SlackMessage, section } from '../limits.ts';
import { formatDate, listPhrase, mention, oneLine, userText } from '../mrkdwn.ts';

// Direct messages to the PARTNER person who surfaced (or attested) a lead, written for them: what
// happened, who owns it now, what (if anything) they should do next.
// What a partner must never see here: other partners' names (corroborators), internal channel ids,
// ICP internals beyond their own gate reasons, and a rep's free-text reasons (only the reason label).

export const PARTNER_MESSAGE_KINDS = [
  'received',
  'awaiting_attestation',
  'candidate',
  'claimed',
  'intro_requested',
  'meeting_held',
  'opportunity',
  'won',
  'lost',
  'disqualified',
  'expired',
  'expiry_warning',
  'merged',
  'duplicate',
  'conflict',
  'credit_gained',
  'credit_moved',
] as const;
export type PartnerMessageKind = (typeof PARTNER_MESSAGE_KINDS)[number];

export interface PartnerMessageContext {
  timeZone: string;
  now: number;
  /** The owner's display name, when known (else the owner is mentioned). */
  ownerName?: string | null;
  /** When the lead will expire (expiry warning), if known. */
  expiresAt?: number | null;
  /** Why a submission conflicts (already a customer, or an open deal); defaults to an active deal. */
  conflictReason?: 'customer' | 'open_opportunity' | null;
}

const refOf = (lead: LeadView) => encodeLeadRef({ leadId: lead.id, version: lead.version });

function attestButton(lead: LeadView, text: string): Button {
  return button({ text, actionId: ACTIONS.attestOpen, value: refOf(lead), style: 'primary' });
}

function extensionButton(lead: LeadView): Button {
  return button({
    text: 'Request extension',
    actionId: ACTIONS.requestExtension,
    value: refOf(lead),
    style: 'primary',
  });
}

function footer(lead: LeadView, ctx: PartnerMessageContext): KnownBlock {
  return context([
    `${PARTNER_STATUS[lead.status]} · flagged ${formatDate(lead.createdAt, ctx.timeZone)} · ref #${lead.id}`,
  ]);
}

/** The contact as the partner named them: "Jane Doe (VP Engineering)", or "your contact". */
function contactPhrase(lead: LeadView): string {
  const name = lead.warmth?.contactName;
  if (!name) return 'your contact';
  const title = lead.warmth?.contactTitle;
  return `*${userText(name, 120)}*${title ? ` (${userText(title, 120)})` : ''}`;
}

const GATE_FIX = {
  overlap:
    'Tell us how your organisation knows the account (customer, prospect or open opportunity) by updating the attestation.',
  warmth:
    'If anything has changed, update the attestation: a recent conversation and a contact you can introduce make the difference.',
  fitFail:
    'Fit is judged against our ideal customer profile and our own account data, so partner input can’t override it. If our data looks wrong, your partner manager can check it.',
  fitUnknown:
    'We don’t have enough company details to score it yet: add what you know with *Update attestation*.',
  motion:
    'No sales team covers this kind of account yet. It stays on file and is routed as soon as one does.',
} as const;

/**
 * The fit gate's verdict in words fit for an external partner: which of the account's facts fall outside the
 * profile, never the profile itself (the target industries, sizes and countries are the vendor's strategy).
 */
export function partnerFitReason(g: GateResult): string {
  const d = g.details as {
    excluded?: 'customer' | 'domain';
    criteria?: Array<{ field: string; outcome: string; value?: unknown }>;
    unknown?: string[];
  };
  if (d.excluded === 'customer') return 'This account is already a customer of ours.';
  if (d.excluded === 'domain') return 'This account can’t be registered through the partner program.';
  const misses = (d.criteria ?? []).filter((c) => c.outcome === 'miss');
  const unknown = d.unknown ?? [];
  if (g.outcome === 'unknown' || misses.length === 0) {
    return unknown.length
      ? `We can’t score the fit yet: we’re missing ${listPhrase(unknown)}.`
      : 'We can’t score the fit yet.';
  }
  const facts = misses.map((c) =>
    c.value == null || c.value === '' ? c.field : `${c.field} (${String(c.value)})`,
  );
  return `The account is outside the customer profile we sell to on ${listPhrase(facts)}.`;
}

function candidateBlocks(lead: LeadView): { blocks: KnownBlock[]; canAttest: boolean } {
  const open = lead.gates.filter((g) => g.outcome !== 'pass');
  const passed = lead.gates.filter((g) => g.outcome === 'pass').map((g) => GATE_LABEL[g.gate]);
  const lines = open.map((g: GateResult) => {
    const fix =
      g.gate === 'fit'
        ? g.outcome === 'fail'
          ? GATE_FIX.fitFail
          : GATE_FIX.fitUnknown
        : g.gate === 'overlap'
          ? GATE_FIX.overlap
          : g.gate === 'warmth'
            ? GATE_FIX.warmth
            : GATE_FIX.motion;
    // Warmth reasons already say how to fix them ("update the attestation if…"): don't repeat it.
    const tip = g.gate === 'warmth' && /attestation/i.test(g.reason) ? '' : `\n_${fix}_`;
    // Fit and motion reasons are written for the vendor (profile lists, routing rules); partners get their own words.
    const reason =
      g.gate === 'fit'
        ? partnerFitReason(g)
        : g.gate === 'motion'
          ? 'It doesn’t fall in any of our sales teams’ territories yet.'
          : g.reason;
    return `${GATE_EMOJI[g.outcome]} *${GATE_LABEL[g.gate]}*: ${userText(reason, 600)}${tip}`;
  });
  const canAttest = open.some(
    (g) => g.gate === 'warmth' || g.gate === 'overlap' || (g.gate === 'fit' && g.outcome === 'unknown'),
  );
  const blocks: KnownBlock[] = [
    section(
      `${accountTitle(lead)} isn’t an Ecosystem Qualified Lead yet. It’s saved, and here’s what’s missing:`,
    ),
  ];
  if (lines.length > 0) blocks.push(section(lines.join('\n')));
  if (passed.length > 0) blocks.push(context([`✅ Already passed: ${passed.join(', ')}`]));
  return { blocks, canAttest };
}

/** The partner's DM for one lifecycle moment. */
export function partnerMessage(
  kind: PartnerMessageKind,
  lead: LeadView,
  ctx: PartnerMessageContext,
): SlackMessage {
  const account = accountTitle(lead);
  const name = userText(oneLine(lead.accountName), 120);
  const owner = ownerRef(lead.ownerUserId, ctx.ownerName);
  const blocks: KnownBlock[] = [];
  let text: string;

  switch (kind) {
    case 'received':
      text = `${name} is an Ecosystem Qualified Lead. Thank you!`;
      blocks.push(
        section(
          `🎯 ${account} is an *Ecosystem Qualified Lead*. Thank you! It cleared all four checks and has gone to our sales team.\nYou’ll hear from me as soon as a rep claims it. Nothing else to do for now.`,
        ),
      );
      break;
    case 'awaiting_attestation':
      text = `Can you confirm your relationship with ${name}?`;
      blocks.push(
        section(
          `${mention(lead.submittedByUserId)} from our team flagged ${account} as an account we share. Only your organisation can say how warm the relationship is. Could you confirm it? It takes under a minute.`,
        ),
        actions(ACTION_BLOCKS.attest, [attestButton(lead, 'Attest relationship')]),
      );
      break;
    case 'candidate': {
      text = `${name} isn’t an EQL yet. Here’s what’s missing.`;
      const c = candidateBlocks(lead);
      blocks.push(...c.blocks);
      if (c.canAttest) blocks.push(actions(ACTION_BLOCKS.attest, [attestButton(lead, 'Update attestation')]));
      break;
    }
    case 'claimed':
      text = `${name} has an owner on our team.`;
      blocks.push(
        section(
          `🙋 Good news: ${owner} now owns ${account} on our side.\nThey may ask you for an introduction to ${contactPhrase(lead)}. I’ll bring that request to you here.`,
        ),
      );
      break;
    case 'intro_requested':
      text = `Can you introduce our team to your contact at ${name}?`;
      blocks.push(
        section(
          `🤝 ${owner} is ready to engage ${account} and would like an introduction to ${contactPhrase(lead)}.\nOnce you’ve made the intro, let us know below. If you can’t right now, that’s fine too: just say so.`,
        ),
        actions(ACTION_BLOCKS.intro, [
          button({ text: 'Intro made', actionId: ACTIONS.introMade, value: refOf(lead), style: 'primary' }),
          button({ text: 'Can’t introduce', actionId: ACTIONS.introDeclined, value: refOf(lead) }),
        ]),
      );
      break;
    case 'meeting_held':
      text = `Our team met with ${name}.`;
      blocks.push(
        section(`📅 ${owner} has met with ${account}. Thanks for opening the door. Nothing for you to do.`),
      );
      break;
    case 'opportunity':
      text = `${name} is now an open opportunity.`;
      blocks.push(
        section(
          `💼 ${account} is now an open opportunity, owned by ${owner}. We’ll let you know how it ends.`,
        ),
      );
      break;
    case 'won':
      text = `${name} is won. Thank you!`;
      blocks.push(
        section(
          !lead.creditedPartner
            ? `🏆 *We won ${name}!* Thank you: your signal started this one, and it’s credited to *${userText(lead.partner.name, 80)}* as partner-${lead.attribution}.`
            : lead.creditedPartner.slug === lead.partner.slug
              ? `🏆 *We won ${name}!* After a review it’s credited to your organisation. Thank you for the work behind it!`
              : `🏆 *We won ${name}!* Thank you: your signal helped bring this one in.`,
        ),
      );
      break;
    case 'lost':
      text = `${name} didn’t close this time.`;
      blocks.push(
        section(
          `${account} didn’t close this time${lead.reasonLabel ? ` (reason: ${userText(lead.reasonLabel, 75)})` : ''}. Thanks for bringing it to us. If things change on their side, you’re welcome to flag it again.`,
        ),
      );
      break;
    case 'disqualified':
      text = `${name} was closed without going further.`;
      blocks.push(
        section(
          `${account} was closed without going further${lead.reasonLabel ? ` (reason: ${userText(lead.reasonLabel, 75)})` : ''}. Thanks for the signal; keep them coming.`,
        ),
      );
      break;
    case 'expired':
      text = `${name} expired after a long stretch without progress.`;
      blocks.push(
        section(
          `⌛ ${account} has expired: nothing has moved since ${formatDate(lead.lastProgressAt, ctx.timeZone)}.\nIf the opportunity is still live, ask for an extension, or flag the account again with a fresh attestation to renew it.`,
        ),
        actions(ACTION_BLOCKS.extension, [extensionButton(lead)]),
      );
      break;
    case 'expiry_warning': {
      const when = ctx.expiresAt ? `on ${formatDate(ctx.expiresAt, ctx.timeZone)}` : 'in about a week';
      text = `${name} expires ${when} unless it moves forward.`;
      blocks.push(
        section(
          `⏳ ${account} expires ${when} unless it moves forward. If the deal is still alive, ask for more time and the owner can extend it.`,
        ),
        actions(ACTION_BLOCKS.extension, [extensionButton(lead)]),
      );
      break;
    }
    case 'merged':
      text = `${name} is already registered with us; you’re credited.`;
      blocks.push(
        section(
          `🔗 Thanks! ${account} is already registered with our team, so your submission has been added to it as extra signal. You’re credited as a corroborating partner.`,
        ),
      );
      break;
    case 'duplicate':
      text = `You’ve already flagged ${name}.`;
      blocks.push(
        section(
          `Your organisation has already flagged ${account}. Where it stands: *${PARTNER_STATUS[lead.status]}*${lead.ownerUserId ? `, owned by ${owner}` : ''}.\nNothing else to do; I’ll message you when it moves.`,
        ),
      );
      break;
    case 'conflict':
      return conflictMessage(lead, ctx.conflictReason ?? null);
    // Credit changes name neither the other partner nor the leader's reason: both are internal.
    // They do not even say whether another organisation is involved: each partner sees only its own side.
    case 'credit_gained': {
      text = `You’re now credited with ${name}.`;
      const standing =
        lead.status === 'won'
          ? `${account}, which we won. Thank you for the work behind it!`
          : isOpen(lead.status)
            ? `${account}. Its progress now counts towards our partnership with you. Thank you for the work behind it!`
            : `${account}. It counts towards our partnership with you.`;
      blocks.push(
        section(
          `🏅 After a review, our partner team has credited your organisation with ${standing}\nYour partner manager can tell you more.`,
        ),
      );
      break;
    }
    case 'credit_moved': {
      text = `An update on the credit for ${name}.`;
      // Only the partner whose own lead this is keeps hearing about it (a merged submission does not).
      const follows = lead.mergedIntoLeadId === null && isOpen(lead.status);
      blocks.push(
        section(
          `After a review, our partner team has changed the credit for ${account}: it no longer counts towards our partnership with you. Your submission stays on record.${follows ? ' I’ll keep you posted as it moves.' : ''}\nQuestions? Your partner manager can explain.`,
        ),
      );
      break;
    }
  }
  blocks.push(footer(lead, ctx));
  return message(text, blocks);
}

/** A submission that can't become a lead because the account is already ours (nothing was stored). */
export function conflictMessage(
  facts: { accountName: string; domain: string },
  reason: 'customer' | 'open_opportunity' | null,
): SlackMessage {
  const account = accountTitle(facts);
  const why =
    reason === 'customer' ? 'is already one of our customers' : 'is already in an active deal with our team';
  return message(`Thanks for flagging ${userText(oneLine(facts.accountName), 120)}.`, [
    section(
      `Thanks for flagging ${account}. It ${why}, so it can’t be registered as a new lead.\nYour partner manager has been told and will reach out if there’s a way to work on it together.`,
    ),
  ]);
}

/** The first-time primer: what makes an EQL, what happens after flagging, how they'll hear back. */
export function primer(): SlackMessage {
  return message('Welcome to Foothold: how flagging an account works', [
    header('👋 Welcome to Foothold'),
    section(
      'Foothold turns what you know about shared accounts into *Ecosystem Qualified Leads* (EQLs) that our sales team acts on, and reports back to you at every step.',
    ),
    section(
      '*An account becomes an EQL when it passes four checks:*\n' +
        '• *Overlap*: your organisation knows the account (customer, prospect or open opportunity).\n' +
        '• *Warmth*: the relationship is warm, you spoke recently, and you’re happy to introduce us.\n' +
        '• *Fit*: it matches our ideal customer profile (we check this against our own data).\n' +
        '• *Motion*: a sales team is ready to act on it.',
    ),
    section(
      '*After you flag an account:* if it passes, it goes straight to a rep, who may ask you for an intro. If something is missing, I’ll tell you exactly what and how to fix it.',
    ),
    context([
      '📬 You’ll hear back here by DM on every step that matters: claimed, intro requests, meetings, and the outcome.',
    ]),
  ]);
}

/**
 * Asks the partner org to attest a rep-surfaced account (their shared channel or DMs). Only the account,
 * its domain and the rep who flagged it are shown: the channel may hold people from more than one org.
 */
export function attestationRequest(lead: LeadView, _ctx: { timeZone: string; now: number }): SlackMessage {
  const name = userText(oneLine(lead.accountName), 120);
  return message(`Can someone confirm the relationship with ${name}?`, [
    section(
      `👋 ${mention(lead.submittedByUserId)} flagged ${accountTitle(lead)} as an account we share. Could someone who knows the relationship confirm how warm it is? It takes under a minute, and only your organisation can attest it.`,
    ),
    actions(ACTION_BLOCKS.attest, [attestButton(lead, 'Attest relationship')]),
    context(['Your answer goes only to our team; it isn’t posted here.']),
  ]);
}

/** Replaces the intro request DM once the partner answers, so its buttons can't be pressed twice. */
export function introThanks(lead: LeadView, made: boolean): SlackMessage {
  const owner = lead.ownerUserId ? mention(lead.ownerUserId) : 'the account owner';
  const text = made
    ? `🤝 Thank you! We’ve told ${owner} that you made the intro to ${contactPhrase(lead)} at ${accountTitle(lead)}.`
    : `👍 Thanks for letting us know. We’ve told ${owner} you can’t introduce ${contactPhrase(lead)} at ${accountTitle(lead)} right now; they’ll find another way in.`;
  return message(text, [section(text)]);
}

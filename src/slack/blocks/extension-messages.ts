import { STATUS_LABELS } from '../../core/lifecycle.ts';
import type { LeadView } from '../../core/types.ts';
import { accountTitle } from '../labels.ts';
import { context, message, type SlackMessage, section } from '../limits.ts';
import { formatDate, mention, oneLine, userText } from '../mrkdwn.ts';

// Messages about extensions (PRODUCT.md section 6): the partner's request is acknowledged, and a grant is
// announced to the partner (written for them) and to the owner. The request itself, with its Grant button,
// is `extensionRequestDm` in internal-messages.ts.

const nameOf = (lead: Pick<LeadView, 'accountName'>) => userText(oneLine(lead.accountName), 120);

/** To whoever asked: the request went to the owner (or the program's leaders). */
export function extensionRequestedAck(lead: LeadView): SlackMessage {
  const who = lead.ownerUserId ? mention(lead.ownerUserId) : 'our team';
  const text = `Thanks: I’ve asked for more time on ${nameOf(lead)}.`;
  return message(text, [
    section(
      `⏳ Thanks: I’ve asked ${who} for more time on ${accountTitle(lead)}. I’ll let you know as soon as it’s extended.`,
    ),
  ]);
}

/** To the partner: the lead has more time. */
export function extensionGrantedPartner(
  lead: LeadView,
  ctx: { timeZone: string; expiresAt: number },
): SlackMessage {
  const text = `${nameOf(lead)} has more time: it stays open until ${formatDate(ctx.expiresAt, ctx.timeZone)}.`;
  return message(text, [
    section(
      `✅ Good news: ${accountTitle(lead)} has more time. It stays open until *${formatDate(ctx.expiresAt, ctx.timeZone)}* while our team works it. Thanks for keeping it alive.`,
    ),
    context([`Ref #${lead.id}`]),
  ]);
}

/** To the owner (when someone else granted it). */
export function extensionGrantedInternal(
  lead: LeadView,
  ctx: { timeZone: string; expiresAt: number; byUserId: string; days: number; restoredFrom: boolean },
): SlackMessage {
  const back = ctx.restoredFrom ? ` It’s back to *${STATUS_LABELS[lead.status]}*.` : '';
  const text = `${nameOf(lead)} was extended until ${formatDate(ctx.expiresAt, ctx.timeZone)}.`;
  return message(text, [
    section(
      `⏳ ${mention(ctx.byUserId)} extended ${accountTitle(lead)} by ${ctx.days} days: it now expires on *${formatDate(ctx.expiresAt, ctx.timeZone)}* unless it moves forward.${back}`,
    ),
  ]);
}

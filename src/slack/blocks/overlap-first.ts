import type { KnownBlock } from '@slack/types';
import type { OverlapAskItem, OverlapAskStatus } from '../../core/overlap-first.ts';
import { ACTIONS, encodeIdRef, overlapAskBlockId } from '../ids.ts';
import { RELATIONSHIP_LABEL } from '../labels.ts';
import { actions, button, context, lineSections, message, type SlackMessage, section } from '../limits.ts';
import { escapeMrkdwn, mention, oneLine, plural, userText } from '../mrkdwn.ts';

// Overlap first (issue 13, item 4): the weekly question to a partner about imported overlap accounts that
// fit. Only the partner's own data is shown (the account, its domain and how the partner's own account
// mapping lists it): nothing about other partners, leads, routing or the profile itself.

export type { OverlapAskItem };

const ANSWERED: Record<Exclude<OverlapAskStatus, 'asked'>, string> = {
  known: '✅ You know them: thanks, the form to flag it is open',
  snoozed: '⏸️ Not now: we’ll ask again later',
  unknown: '🙅 You don’t know them: we won’t ask about it again',
};

function itemText(i: OverlapAskItem): string {
  return `*${userText(oneLine(i.accountName), 120)}* (${userText(i.domain, 253)}) · in your account mapping as: ${RELATIONSHIP_LABEL[i.relationship].toLowerCase()}`;
}

/** The batch as its partner sees it; answered accounts show their answer instead of buttons. */
export function overlapAskMessage(items: readonly OverlapAskItem[]): SlackMessage {
  const open = items.filter((i) => i.status === 'asked').length;
  const blocks: KnownBlock[] = [
    section(
      `👋 Your account mapping shows ${plural(items.length, 'account')} you share with us that fit what we sell well. Do you know someone there well enough to introduce us? If you do, flag it in under a minute: it becomes an Ecosystem Qualified Lead once you confirm the relationship.`,
    ),
  ];
  items.forEach((i, n) => {
    if (i.status === 'asked') {
      const value = encodeIdRef(i.askId);
      blocks.push(
        section(itemText(i)),
        actions(overlapAskBlockId(n), [
          button({ text: 'We know them', actionId: ACTIONS.overlapKnown, value, style: 'primary' }),
          button({ text: 'Not now', actionId: ACTIONS.overlapSnooze, value }),
          button({ text: 'We don’t know them', actionId: ACTIONS.overlapUnknown, value }),
        ]),
      );
    } else {
      const who = i.answeredByUserId ? ` (${mention(i.answeredByUserId)})` : '';
      blocks.push(section(`${itemText(i)}\n${ANSWERED[i.status]}${who}`));
    }
  });
  blocks.push(
    context([
      'Your answers go only to our team. “We don’t know them” means we won’t ask about that account again; “Not now” means we’ll check back in a few weeks.',
    ]),
  );
  const text =
    open > 0
      ? `Do you know these ${plural(items.length, 'account')} from your account mapping?`
      : 'Thanks for answering about your overlap accounts.';
  return message(text, blocks);
}

/** To the partner manager when nobody at the partner can be asked in Slack yet (no buttons: only the partner can answer). */
export function overlapAskManagerMessage(
  partnerName: string,
  items: readonly OverlapAskItem[],
): SlackMessage {
  const name = escapeMrkdwn(partnerName);
  return message(`Overlap accounts to ask ${partnerName} about`, [
    section(
      `Nobody at *${name}* has used Foothold yet and it has no shared channel registered, so please ask them about these overlap accounts that fit our profile and are not leads yet:`,
    ),
    ...lineSections(items.map((i) => `• ${itemText(i)}`)),
    context(['Once they flag one (or use Foothold once), next week’s questions go to them directly.']),
  ]);
}

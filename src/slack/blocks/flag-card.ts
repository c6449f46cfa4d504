import { ACTION_BLOCKS, ACTIONS } from '../ids.ts';
import { actions, button, context, message, type SlackMessage, section } from '../limits.ts';
import { userText } from '../mrkdwn.ts';

/**
 * The card pinned in each registered shared channel: the door for partners whose workspace has not
 * installed Foothold (anyone in the channel can press an app's button). Nothing lead-specific is posted
 * here; what they submit and what happens next stays in the modal and their DMs.
 */
export function flagCard(partnerName: string): SlackMessage {
  const partner = userText(partnerName, 80);
  return message(`Flag an account to co-sell with us, ${partner}`, [
    section(
      `🤝 *Know an account we should work together, ${partner}?*\nFlag it here. It becomes an Ecosystem Qualified Lead when you know the account, the relationship is warm, it fits our customer profile, and a team is ready to act.`,
    ),
    actions(ACTION_BLOCKS.flag, [
      button({ text: 'Flag an account', actionId: ACTIONS.flagAccount, style: 'primary' }),
    ]),
    context([
      'Takes under a minute. What you submit stays private, and we’ll DM you with what happens next.',
    ]),
  ]);
}

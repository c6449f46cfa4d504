import type { KnownBlock } from '@slack/types';
import {
  type AwardTotals,
  formatAward,
  formatTotals,
  type RewardMilestone,
  type RewardStatus,
} from '../../core/rewards.ts';
import type { LeadView } from '../../core/types.ts';
import type { AwardListing } from '../../db/stores/reward-store.ts';
import { ACTION_BLOCKS, ACTIONS, encodeIdRef } from '../ids.ts';
import { accountTitle } from '../labels.ts';
import { actions, button, context, message, type SlackMessage, section } from '../limits.ts';
import { formatDate, mention, oneLine, userText } from '../mrkdwn.ts';

// Partner rewards in Slack. Leaders get each pending award with Approve / Reject; partners hear the decision
// and see their own awards. What a partner never sees: the basis (it can name the deal's amount), the
// leader's reason for a rejection, or any other partner.

export const MILESTONE_PHRASE: Record<RewardMilestone, string> = {
  opportunity: 'reaching opportunity',
  won: 'being won',
};

const STATUS_TEXT: Record<RewardStatus, string> = {
  pending: '⏳ waiting for approval',
  approved: '✅ approved',
  rejected: '✖️ not approved',
};

/** The Approve / Reject buttons of one pending award (block id unique per award, for lists). */
export function rewardButtons(
  award: Pick<AwardListing, 'id' | 'partnerName'> & {
    value: number;
    kind: AwardListing['kind'];
    currency: string | null;
  },
): KnownBlock {
  const value = encodeIdRef(award.id);
  return actions(`${ACTION_BLOCKS.reward}_${award.id}`, [
    button({
      text: 'Approve',
      actionId: ACTIONS.rewardApprove,
      value,
      style: 'primary',
      confirm: {
        title: 'Approve this reward?',
        text: `${formatAward(award)} to ${oneLine(award.partnerName)}. The partner will be told.`,
        confirm: 'Approve',
        deny: 'Not yet',
      },
    }),
    button({ text: 'Reject', actionId: ACTIONS.rewardReject, value }),
  ]);
}

/** One award as a leader reads it: partner, value, account, milestone and how it was computed. */
export function awardLine(a: AwardListing, timeZone: string): string {
  return `🎁 *${userText(a.partnerName, 80)}* · *${formatAward(a)}* for ${accountTitle(a)} ${MILESTONE_PHRASE[a.milestone]}\n_${userText(a.basis, 300)} · award #${a.id} · lead #${a.leadId} · ${formatDate(a.createdAt, timeZone)}_`;
}

/** DM to a leader: a milestone earned a partner a reward that needs approval. */
export function rewardApprovalRequest(a: AwardListing, ctx: { timeZone: string }): SlackMessage {
  const text = `Reward to approve: ${formatAward(a)} to ${oneLine(a.partnerName)} for ${oneLine(a.accountName)}`;
  return message(userText(text, 500), [
    section(awardLine(a, ctx.timeZone)),
    rewardButtons(a),
    context([
      'Rewards pay only on conversion. Approved rewards go into `foothold export rewards` for payout.',
    ]),
  ]);
}

/** Replaces the leader's DM once the award is decided, so its buttons cannot be pressed again. */
export function rewardDecidedMessage(a: AwardListing, ctx: { timeZone: string }): SlackMessage {
  const by = a.decidedByUserId ? ` by ${mention(a.decidedByUserId)}` : '';
  const head =
    a.status === 'approved'
      ? `✅ Approved${by}`
      : `✖️ Rejected${by}${a.decisionReason ? `: ${userText(oneLine(a.decisionReason), 500)}` : ''}`;
  return message(`${head} · ${userText(oneLine(a.partnerName), 80)} · ${formatAward(a)}`, [
    section(awardLine(a, ctx.timeZone)),
    context([head]),
  ]);
}

/**
 * The partner's DM when a leader decides its award: the value and the milestone, about the account as the
 * partner itself named it (`own` is the partner's own side of the lead).
 */
export function partnerRewardMessage(
  status: Exclude<RewardStatus, 'pending'>,
  a: Pick<AwardListing, 'kind' | 'value' | 'currency' | 'milestone'>,
  own: Pick<LeadView, 'accountName' | 'domain' | 'id'>,
  _ctx: { timeZone: string; now: number },
): SlackMessage {
  const account = accountTitle(own);
  const name = userText(oneLine(own.accountName), 120);
  if (status === 'approved') {
    const text = `🎁 Reward approved: ${formatAward(a)} for ${name}.`;
    return message(text, [
      section(
        `🎁 *Reward approved:* ${formatAward(a)} for ${account} ${MILESTONE_PHRASE[a.milestone]}. Thank you: rewards follow conversion, and this one is yours.`,
      ),
      context([`Your App Home lists your rewards · ref #${own.id}`]),
    ]);
  }
  const text = `The reward for ${name} wasn’t approved.`;
  return message(text, [
    section(
      `The reward for ${account} ${MILESTONE_PHRASE[a.milestone]} wasn’t approved this time. Your partner manager can tell you more.`,
    ),
    context([`ref #${own.id}`]),
  ]);
}

/** An award as its partner sees it (App Home): value, its own account name, status. */
export function partnerAwardLine(
  a: {
    kind: AwardListing['kind'];
    value: number;
    currency: string | null;
    milestone: RewardMilestone;
    status: RewardStatus;
    ownAccountName: string;
    createdAt: number;
  },
  timeZone: string,
): string {
  return `${formatAward(a)} · *${userText(a.ownAccountName, 120)}* ${MILESTONE_PHRASE[a.milestone]} · ${STATUS_TEXT[a.status]} · ${formatDate(a.createdAt, timeZone)}`;
}

/** "Approved: … · waiting: …", a partner's reward totals. */
export function rewardTotalsLine(approved: AwardTotals, pending: AwardTotals): string {
  return `Approved: *${formatTotals(approved)}* · waiting for approval: ${formatTotals(pending)}`;
}

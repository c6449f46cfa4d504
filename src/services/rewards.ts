import { z } from 'zod';
import { creditHolder } from '../core/credit.ts';
import { DomainError } from '../core/errors.ts';
import { awardsForMilestone, type Money, milestonesReached } from '../core/rewards.ts';
import type { LeadStatus, LeadView } from '../core/types.ts';
import { type Tx, transaction } from '../db/connection.ts';
import { appendEvent } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { usersWithRole } from '../db/stores/program-store.ts';
import {
  type AwardListing,
  decideAward,
  getAward,
  insertAward,
  movePendingAwards,
  wonAmountOfLead,
} from '../db/stores/reward-store.ts';
import {
  partnerRewardMessage,
  rewardApprovalRequest,
  rewardDecidedMessage,
} from '../slack/blocks/rewards.ts';
import { loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { actorSchema, writtenReason } from './inputs.ts';
import { dm, replaceMessage } from './notify.ts';
import { partnerSide } from './transition.ts';
import { parseInput } from './validation.ts';

// Partner rewards (issue 13, item 7): quality over volume. Awards are created PENDING in the transaction that
// reaches a conversion milestone, credited to the partner holding the credit; a leader approves or rejects
// each one in Slack; the partner hears the decision and sees its own awards. Every step is an audit event.

/**
 * The won deal's amount (the CRM opportunity linked to the lead), in its own currency, or the reporting
 * currency (`revenue.currency`) when the CRM gave none; null when either is unknown (the share is skipped).
 */
async function wonAmountFor(tx: Tx, deps: ServiceDeps, leadId: number): Promise<Money | null> {
  if (deps.wonAmount) return deps.wonAmount(tx, leadId);
  const won = await wonAmountOfLead(tx, leadId);
  const currency = won?.currency ?? deps.config.revenue?.currency ?? null;
  return won && currency ? { amount: won.amount, currency } : null;
}

/** Who approves: the leaders, or the admins when the program has no leader. */
async function approvers(tx: Tx): Promise<string[]> {
  const leaders = await usersWithRole(tx, 'leader');
  return leaders.length > 0 ? leaders : await usersWithRole(tx, 'admin');
}

/**
 * Called by every lifecycle transition, inside its transaction: a lead reaching opportunity or won earns the
 * configured rewards for the partner holding its credit (won implies opportunity; an award exists once per
 * lead, milestone and rule, so a lead re-entering a milestone is never paid twice). Returns the messages
 * asking the leaders to approve.
 */
export async function awardMilestones(
  tx: Tx,
  deps: ServiceDeps,
  lead: LeadView,
  to: LeadStatus,
): Promise<OutboxMessage[]> {
  const rules = deps.config.rewards.rules;
  const milestones = milestonesReached(to);
  if (rules.length === 0 || milestones.length === 0) return [];
  const now = deps.now();
  const holder = creditHolder(lead);
  const wonAmount = to === 'won' ? await wonAmountFor(tx, deps, lead.id) : null;
  const out: OutboxMessage[] = [];
  const leaders = await approvers(tx);
  for (const milestone of milestones) {
    const { awards, skipped } = awardsForMilestone(rules, deps.config.rewards.currency, milestone, {
      attribution: lead.attribution,
      wonAmount,
    });
    for (const draft of awards) {
      const id = await insertAward(tx, {
        ...draft,
        leadId: lead.id,
        partnerSlug: holder.slug,
        createdAt: now,
      });
      if (id === null) continue;
      await appendEvent(tx, {
        leadId: lead.id,
        type: 'reward_awarded',
        data: {
          awardId: id,
          partnerSlug: holder.slug,
          milestone,
          ruleIndex: draft.ruleIndex,
          kind: draft.kind,
          value: draft.value,
          currency: draft.currency,
          basis: draft.basis,
        },
        at: now,
      });
      const award = await getAward(tx, id);
      if (!award) continue;
      const rendered = rewardApprovalRequest(award, { timeZone: deps.config.timezone });
      for (const u of leaders) out.push(dm(u, `reward:${id}:approve:${u}`, rendered, lead.id));
    }
    for (const s of skipped) {
      await appendEvent(tx, {
        leadId: lead.id,
        type: 'reward_skipped',
        reason: s.reason,
        data: { partnerSlug: holder.slug, milestone, ruleIndex: s.ruleIndex },
        at: now,
      });
    }
  }
  return out;
}

/**
 * A leader moved a lead's credit: its PENDING awards move to the new holder (approved and rejected awards are
 * settled and stay where they were decided). Audited per award; returns nothing to send (the partners hear
 * about the credit itself, and about the award when it is decided).
 */
export async function moveRewardsWithCredit(
  tx: Tx,
  deps: ServiceDeps,
  lead: { id: number },
  to: string,
  actorUserId: string,
): Promise<number> {
  const moved = await movePendingAwards(tx, lead.id, to);
  const now = deps.now();
  for (const a of moved) {
    await appendEvent(tx, {
      leadId: lead.id,
      type: 'reward_moved',
      actorUserId,
      data: { awardId: a.id, from: a.partnerSlug, to },
      at: now,
    });
  }
  return moved.length;
}

const decideInputSchema = z.discriminatedUnion('approve', [
  z.object({
    actor: actorSchema,
    awardId: z.number().int().positive(),
    approve: z.literal(true),
    sourceMessage: z.object({ channel: z.string().min(1), ts: z.string().min(1) }).optional(),
  }),
  z.object({
    actor: actorSchema,
    awardId: z.number().int().positive(),
    approve: z.literal(false),
    reason: writtenReason('Write why the reward is not approved'),
    sourceMessage: z.object({ channel: z.string().min(1), ts: z.string().min(1) }).optional(),
  }),
]);
export type DecideRewardInput = z.input<typeof decideInputSchema>;

/**
 * A leader (or admin) approves or rejects a pending award. First decision wins; the partner credited with
 * the award is told (in its own words of the account, never the reason given internally).
 */
export async function decideReward(
  deps: ServiceDeps,
  raw: DecideRewardInput,
): Promise<{ award: AwardListing; partnerContact: string | null }> {
  const input = parseInput(decideInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    requirePermission('approve_rewards', actor);
    const award = await getAward(tx, input.awardId);
    if (!award) throw new DomainError('not_found', 'That reward no longer exists.');
    if (award.status !== 'pending') {
      // Plain text; the edge may name who decided from `data.decidedByUserId`.
      throw new DomainError('stale', `This reward was already ${award.status}; nothing changed.`, {
        data: { awardId: award.id, status: award.status, decidedByUserId: award.decidedByUserId },
      });
    }
    const now = deps.now();
    const status = input.approve ? ('approved' as const) : ('rejected' as const);
    const reason = input.approve ? null : input.reason;
    if (!(await decideAward(tx, award.id, { status, byUserId: input.actor.userId, reason, at: now }))) {
      throw new DomainError('stale', 'Another leader decided this reward a moment ago; nothing changed.');
    }
    await appendEvent(tx, {
      leadId: award.leadId,
      type: input.approve ? 'reward_approved' : 'reward_rejected',
      actorUserId: input.actor.userId,
      reason,
      data: {
        awardId: award.id,
        partnerSlug: award.partnerSlug,
        value: award.value,
        currency: award.currency,
        kind: award.kind,
      },
      at: now,
    });
    const decided = (await getAward(tx, award.id)) ?? award;
    const lead = await loadLeadFor(tx, deps, award.leadId);
    const side = await partnerSide(tx, deps, lead, award.partnerSlug);
    const ctx = { timeZone: deps.config.timezone, now };
    const messages: OutboxMessage[] = [];
    if (side?.contact) {
      messages.push(
        dm(
          side.contact,
          `reward:${award.id}:partner:${status}`,
          partnerRewardMessage(status, decided, side.view, ctx),
          side.view.id,
        ),
      );
    }
    if (input.sourceMessage) {
      messages.push(
        replaceMessage(
          `reward:${award.id}:decided:${input.sourceMessage.channel}:${input.sourceMessage.ts}`,
          input.sourceMessage,
          rewardDecidedMessage(decided, ctx),
          award.leadId,
        ),
      );
    }
    await enqueue(tx, messages, now);
    return { award: decided, partnerContact: side?.contact ?? null };
  });
}

import type { RewardRule } from '../config/program-config.ts';
import type { Attribution } from './types.ts';

// Partner rewards (PRODUCT.md section 12): quality over volume. A rule pays only when a lead reaches a
// conversion milestone (opportunity or won), to the partner holding the lead's credit. Pure: which awards a
// milestone earns, and how award totals are shown without summing different currencies.

export const REWARD_MILESTONES = ['opportunity', 'won'] as const;
export type RewardMilestone = (typeof REWARD_MILESTONES)[number];

export const REWARD_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type RewardStatus = (typeof REWARD_STATUSES)[number];

export type RewardKind = 'points' | 'amount';

export interface Money {
  amount: number;
  /** ISO 4217. */
  currency: string;
}

/** What a milestone earns under one rule, before it is stored as a pending award. */
export interface AwardDraft {
  milestone: RewardMilestone;
  ruleIndex: number;
  kind: RewardKind;
  value: number;
  /** ISO 4217 for amounts; null for points. */
  currency: string | null;
  /** How it was computed, in words a leader and the partner can check. */
  basis: string;
}

/** A rule that could not be applied (a share of a won amount nobody recorded yet), for the audit log. */
export interface AwardSkip {
  milestone: RewardMilestone;
  ruleIndex: number;
  reason: string;
}

export interface MilestoneFacts {
  attribution: Attribution;
  /** The won deal's amount; null when unknown (CRM sync not configured or not linked yet). */
  wonAmount: Money | null;
}

const MILESTONE_WORDS: Record<RewardMilestone, string> = {
  opportunity: 'reached opportunity',
  won: 'won',
};

/** Money to two decimals (cents), as payouts are made. */
export function roundMoney(n: number): number {
  return Math.round(n * 100) / 100;
}

export function formatMoney(value: number, currency: string): string {
  return `${value.toLocaleString('en-US', { minimumFractionDigits: Number.isInteger(value) ? 0 : 2, maximumFractionDigits: 2 })} ${currency}`;
}

export function formatAward(a: { kind: RewardKind; value: number; currency: string | null }): string {
  if (a.kind === 'points') return `${a.value.toLocaleString('en-US')} point${a.value === 1 ? '' : 's'}`;
  return formatMoney(a.value, a.currency ?? '');
}

function percentOf(share: number): string {
  return `${roundMoney(share * 100).toLocaleString('en-US')}%`;
}

/**
 * The awards a lead earns on reaching `milestone`, one per matching rule, in rule order. Reaching won also
 * means it reached opportunity: the caller asks for both milestones then (stored awards are unique per lead,
 * milestone and rule, so nothing is paid twice).
 */
export function awardsForMilestone(
  rules: readonly RewardRule[],
  currency: string,
  milestone: RewardMilestone,
  facts: MilestoneFacts,
): { awards: AwardDraft[]; skipped: AwardSkip[] } {
  const awards: AwardDraft[] = [];
  const skipped: AwardSkip[] = [];
  rules.forEach((rule, ruleIndex) => {
    if (rule.on !== milestone) return;
    if (rule.attribution && rule.attribution !== facts.attribution) return;
    const when = `partner-${facts.attribution} EQL ${MILESTONE_WORDS[milestone]}`;
    if (rule.points !== undefined) {
      awards.push({
        milestone,
        ruleIndex,
        kind: 'points',
        value: rule.points,
        currency: null,
        basis: `${formatAward({ kind: 'points', value: rule.points, currency: null })} per ${when}`,
      });
    } else if (rule.amount !== undefined) {
      awards.push({
        milestone,
        ruleIndex,
        kind: 'amount',
        value: roundMoney(rule.amount),
        currency,
        basis: `${formatMoney(roundMoney(rule.amount), currency)} per ${when}`,
      });
    } else if (rule.shareOfWon !== undefined) {
      const won = facts.wonAmount;
      if (!won || !(won.amount > 0)) {
        skipped.push({ milestone, ruleIndex, reason: 'the won amount is not known' });
        return;
      }
      // In the deal's own currency: an amount is never converted (or summed with another currency) silently.
      const value = roundMoney(won.amount * rule.shareOfWon);
      if (value <= 0) {
        skipped.push({ milestone, ruleIndex, reason: 'the share rounds to nothing' });
        return;
      }
      awards.push({
        milestone,
        ruleIndex,
        kind: 'amount',
        value,
        currency: won.currency,
        basis: `${percentOf(rule.shareOfWon)} of ${formatMoney(won.amount, won.currency)} won`,
      });
    }
  });
  return { awards, skipped };
}

/** The milestones a transition to `to` reaches (won implies opportunity). */
export function milestonesReached(to: string): RewardMilestone[] {
  if (to === 'won') return ['opportunity', 'won'];
  if (to === 'opportunity') return ['opportunity'];
  return [];
}

export interface AwardTotals {
  points: number;
  /** One entry per currency, never summed across currencies; sorted by currency. */
  amounts: Money[];
  count: number;
}

/** Totals of a list of awards: points together, amounts per currency. */
export function awardTotals(
  awards: ReadonlyArray<{ kind: RewardKind; value: number; currency: string | null }>,
): AwardTotals {
  let points = 0;
  const byCurrency = new Map<string, number>();
  for (const a of awards) {
    if (a.kind === 'points') points += a.value;
    else {
      const c = a.currency ?? '';
      byCurrency.set(c, roundMoney((byCurrency.get(c) ?? 0) + a.value));
    }
  }
  const amounts = [...byCurrency]
    .map(([currency, amount]) => ({ currency, amount }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
  return { points, amounts, count: awards.length };
}

/** "120 points · 1,500 USD · 200 EUR", or "nothing yet". */
export function formatTotals(t: AwardTotals): string {
  const parts: string[] = [];
  if (t.points > 0) parts.push(formatAward({ kind: 'points', value: t.points, currency: null }));
  for (const m of t.amounts) parts.push(formatMoney(m.amount, m.currency));
  return parts.length > 0 ? parts.join(' · ') : 'nothing yet';
}

import type { Relationship } from './types.ts';

// Overlap first (PRODUCT.md section 12, seed 001: "the data finds the candidate; the partner conversation
// qualifies it"). Imported account-mapping overlaps that fit the ideal customer profile and are not leads yet
// become questions to the partner, a few a week, best fit first. Pure: which accounts a batch asks about.

export const OVERLAP_ANSWERS = ['known', 'snoozed', 'unknown'] as const;
export type OverlapAnswer = (typeof OVERLAP_ANSWERS)[number];
export type OverlapAskStatus = 'asked' | OverlapAnswer;

export interface OverlapCandidate {
  domain: string;
  accountName: string;
  relationship: Relationship;
  /** ICP score of the CRM account (the fit gate passed). */
  icpScore: number;
}

export interface PreviousAsk {
  status: OverlapAskStatus;
  askedAt: number;
  snoozedUntil: number | null;
}

/**
 * Whether an account may be asked about again, given the last ask: never after "we don't know them" or
 * "we know them" (the partner took it from there); after "not now" once the snooze ends; an ask nobody
 * answered comes back after the same period, so a busy week does not bury an account for good.
 */
export function askable(prev: PreviousAsk | undefined, now: number, snoozeMs: number): boolean {
  if (!prev) return true;
  switch (prev.status) {
    case 'unknown':
    case 'known':
      return false;
    case 'snoozed':
      return prev.snoozedUntil !== null && prev.snoozedUntil <= now;
    case 'asked':
      return prev.askedAt + snoozeMs <= now;
  }
}

/** The accounts one partner's batch asks about: askable ones, best fit first (then by domain), at most `cap`. */
export function selectBatch(
  candidates: readonly OverlapCandidate[],
  previous: ReadonlyMap<string, PreviousAsk>,
  opts: { now: number; snoozeMs: number; cap: number },
): OverlapCandidate[] {
  return candidates
    .filter((c) => askable(previous.get(c.domain), opts.now, opts.snoozeMs))
    .sort((a, b) => b.icpScore - a.icpScore || a.domain.localeCompare(b.domain))
    .slice(0, Math.max(0, opts.cap));
}

/** One account of a sent batch, with its answer so far (what the partner's message shows). */
export interface OverlapAskItem {
  askId: number;
  accountName: string;
  domain: string;
  relationship: Relationship;
  status: OverlapAskStatus;
  answeredByUserId: string | null;
}

import { DomainError } from './errors.ts';
import type { LeadStatus } from './types.ts';

// The lead lifecycle (PRODUCT.md section 3) as an explicit transition table. Every status change in the
// app goes through assertTransition, so an illegal move is refused with a sentence fit to show the user.

export const OPEN_STATUSES: readonly LeadStatus[] = [
  'awaiting_attestation',
  'candidate',
  'qualified',
  'claimed',
  'intro_requested',
  'meeting_held',
  'opportunity',
];

export const TERMINAL_STATUSES: readonly LeadStatus[] = ['won', 'lost', 'disqualified', 'merged'];

/** Open leads count for deduplication and are worked; `surfaced` is transient and `expired` can be renewed. */
export function isOpen(s: LeadStatus): boolean {
  return OPEN_STATUSES.includes(s);
}

export function isTerminal(s: LeadStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

export const TRANSITIONS: Readonly<Record<LeadStatus, readonly LeadStatus[]>> = {
  surfaced: ['awaiting_attestation', 'candidate', 'qualified', 'merged'],
  awaiting_attestation: ['candidate', 'qualified', 'disqualified', 'expired', 'merged'],
  candidate: ['qualified', 'candidate', 'disqualified', 'expired', 'merged'],
  qualified: ['claimed', 'candidate', 'disqualified', 'expired', 'merged'],
  claimed: ['intro_requested', 'meeting_held', 'opportunity', 'won', 'lost', 'disqualified', 'expired'],
  intro_requested: ['meeting_held', 'opportunity', 'won', 'lost', 'disqualified', 'expired'],
  meeting_held: ['opportunity', 'won', 'lost', 'disqualified', 'expired'],
  opportunity: ['won', 'lost', 'disqualified', 'expired'],
  won: [],
  lost: [],
  disqualified: [],
  // Renewal re-runs the gates; an extension restores the lead to the open status it expired from.
  expired: [
    'awaiting_attestation',
    'candidate',
    'qualified',
    'claimed',
    'intro_requested',
    'meeting_held',
    'opportunity',
  ],
  merged: [],
};

export const STATUS_LABELS: Record<LeadStatus, string> = {
  surfaced: 'Surfaced',
  awaiting_attestation: 'Awaiting attestation',
  candidate: 'Candidate',
  qualified: 'Qualified (EQL)',
  claimed: 'Claimed',
  intro_requested: 'Intro requested',
  meeting_held: 'Meeting held',
  opportunity: 'Opportunity',
  won: 'Won',
  lost: 'Lost',
  disqualified: 'Disqualified',
  expired: 'Expired',
  merged: 'Merged',
};

/** "This lead is <phrase>; …" */
const STATE_PHRASE: Record<LeadStatus, string> = {
  surfaced: 'just surfaced',
  awaiting_attestation: 'awaiting attestation',
  candidate: 'a candidate',
  qualified: 'qualified',
  claimed: 'claimed',
  intro_requested: 'waiting on an intro',
  meeting_held: 'past its first meeting',
  opportunity: 'an opportunity',
  won: 'already won',
  lost: 'already lost',
  disqualified: 'already disqualified',
  expired: 'expired',
  merged: 'already merged into another lead',
};

/** "…it can't be moved to <target>." */
const TARGET_PHRASE: Record<LeadStatus, string> = {
  surfaced: 'surfaced',
  awaiting_attestation: 'awaiting attestation',
  candidate: 'candidate',
  qualified: 'qualified (EQL)',
  claimed: 'claimed',
  intro_requested: 'intro requested',
  meeting_held: 'meeting held',
  opportunity: 'opportunity',
  won: 'won',
  lost: 'lost',
  disqualified: 'disqualified',
  expired: 'expired',
  merged: 'merged',
};

export function canTransition(from: LeadStatus, to: LeadStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function transitionRefusal(from: LeadStatus, to: LeadStatus): string {
  if (from === to) return `This lead is already ${TARGET_PHRASE[to]}.`;
  return `This lead is ${STATE_PHRASE[from]}; it can't be moved to ${TARGET_PHRASE[to]}.`;
}

export function assertTransition(from: LeadStatus, to: LeadStatus): void {
  if (canTransition(from, to)) return;
  throw new DomainError('illegal_transition', transitionRefusal(from, to), { data: { from, to } });
}

/** The worked motion, in order; won and lost are both its final step. */
const PROGRESS_RANK: Partial<Record<LeadStatus, number>> = {
  qualified: 0,
  claimed: 1,
  intro_requested: 2,
  meeting_held: 3,
  opportunity: 4,
  won: 5,
  lost: 5,
};

/**
 * True for a legal forward step along qualified → claimed → intro_requested → meeting_held → opportunity
 * → won | lost (steps may be skipped). Used to reset the no-progress and expiry clocks. Claiming counts;
 * re-evaluation, disqualification, expiry and renewal do not (an extension resets its own clock).
 */
export function isProgress(from: LeadStatus, to: LeadStatus): boolean {
  const a = PROGRESS_RANK[from];
  const b = PROGRESS_RANK[to];
  return a !== undefined && b !== undefined && b > a && canTransition(from, to);
}

import { DomainError } from './errors.ts';
import type { LeadStatus } from './types.ts';

// The lead lifecycle (PRODUCT.md section 3) as an explicit transition table. Every status change in the
// app goes through assertTransition, so an illegal move is refused with a sentence fit to show the user.

/** Where a status stands in the lifecycle. */
export interface StatusPlace {
  /** Counts for deduplication and is being worked toward a decision (`surfaced` is transient, `expired` renewable). */
  open: boolean;
  /** An Ecosystem Qualified Lead: qualified, or further along (won and lost EQLs stay EQLs). */
  eql: boolean;
  /** Claimed by a rep and not closed: the motion, where a lack of progress earns a nudge. */
  worked: boolean;
  /** Closed for good. */
  terminal: boolean;
}

const place = (open: boolean, eql: boolean, worked: boolean, terminal: boolean): StatusPlace => ({
  open,
  eql,
  worked,
  terminal,
});

/**
 * Every status's place, defined once: the status sets below are read from it, so a new status cannot be added
 * without saying where it stands (the Record makes the compiler ask).
 */
export const STATUS_PLACE: Record<LeadStatus, StatusPlace> = {
  surfaced: place(false, false, false, false),
  awaiting_attestation: place(true, false, false, false),
  candidate: place(true, false, false, false),
  qualified: place(true, true, false, false),
  claimed: place(true, true, true, false),
  intro_requested: place(true, true, true, false),
  meeting_held: place(true, true, true, false),
  opportunity: place(true, true, true, false),
  won: place(false, true, false, true),
  lost: place(false, true, false, true),
  disqualified: place(false, false, false, true),
  expired: place(false, false, false, false),
  merged: place(false, false, false, true),
};

function statusesWhere(test: (p: StatusPlace) => boolean): readonly LeadStatus[] {
  return (Object.keys(STATUS_PLACE) as LeadStatus[]).filter((s) => test(STATUS_PLACE[s]));
}

export const OPEN_STATUSES = statusesWhere((p) => p.open);
export const TERMINAL_STATUSES = statusesWhere((p) => p.terminal);
/** Claimed and still being worked (claimed, intro requested, meeting held, opportunity). */
export const WORKED_STATUSES = statusesWhere((p) => p.worked);
/** Every EQL, open or closed. */
export const EQL_STATUSES = statusesWhere((p) => p.eql);
/** EQLs still open: waiting for a rep or being worked. */
export const OPEN_EQL_STATUSES = statusesWhere((p) => p.eql && p.open);

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

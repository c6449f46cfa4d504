import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/core/errors.ts';
import {
  assertTransition,
  canTransition,
  isOpen,
  isProgress,
  OPEN_STATUSES,
  STATUS_LABELS,
  TERMINAL_STATUSES,
  TRANSITIONS,
} from '../../src/core/lifecycle.ts';
import { LEAD_STATUSES, type LeadStatus } from '../../src/core/types.ts';

// Hand-written from PRODUCT.md section 3: one row per source status, one column per target, in
// LEAD_STATUSES order (surfaced, awaiting_attestation, candidate, qualified, claimed, intro_requested,
// meeting_held, opportunity, won, lost, disqualified, expired, merged). 1 = legal.
//                     su aw ca qu cl ir mh op wo lo di ex me
const EXPECTED: Record<LeadStatus, string> = {
  surfaced: '            0  1  1  1  0  0  0  0  0  0  0  0  1',
  awaiting_attestation: ' 0  0  1  1  0  0  0  0  0  0  1  1  1',
  candidate: '           0  0  1  1  0  0  0  0  0  0  1  1  1',
  qualified: '           0  0  1  0  1  0  0  0  0  0  1  1  1',
  claimed: '             0  0  0  0  0  1  1  1  1  1  1  1  0',
  intro_requested: '     0  0  0  0  0  0  1  1  1  1  1  1  0',
  meeting_held: '        0  0  0  0  0  0  0  1  1  1  1  1  0',
  opportunity: '         0  0  0  0  0  0  0  0  1  1  1  1  0',
  won: '                 0  0  0  0  0  0  0  0  0  0  0  0  0',
  lost: '                0  0  0  0  0  0  0  0  0  0  0  0  0',
  disqualified: '        0  0  0  0  0  0  0  0  0  0  0  0  0',
  expired: '             0  1  1  1  1  1  1  1  0  0  0  0  0',
  merged: '              0  0  0  0  0  0  0  0  0  0  0  0  0',
};

const matrix = LEAD_STATUSES.flatMap((from) => {
  const row = EXPECTED[from].trim().split(/\s+/);
  expect(row).toHaveLength(LEAD_STATUSES.length);
  return LEAD_STATUSES.map((to, i) => [from, to, row[i] === '1'] as const);
});

describe('transition matrix (13 × 13)', () => {
  it('covers every pair', () => {
    expect(matrix).toHaveLength(169);
  });

  it.each(matrix)('%s → %s legal: %s', (from, to, legal) => {
    expect(canTransition(from, to)).toBe(legal);
    if (legal) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      let caught: unknown;
      try {
        assertTransition(from, to);
      } catch (err) {
        caught = err;
      }
      expect(isDomainError(caught)).toBe(true);
      if (isDomainError(caught)) {
        expect(caught.code).toBe('illegal_transition');
        expect(caught.data).toEqual({ from, to });
        expect(caught.message).toMatch(/^This lead is .+\.$/);
      }
    }
  });

  it('TRANSITIONS has no duplicates and only known statuses', () => {
    for (const from of LEAD_STATUSES) {
      const targets = TRANSITIONS[from];
      expect(new Set(targets).size).toBe(targets.length);
      for (const t of targets) expect(LEAD_STATUSES).toContain(t);
    }
  });
});

describe('refusal sentences', () => {
  it.each<[LeadStatus, LeadStatus, string]>([
    ['won', 'lost', "This lead is already won; it can't be moved to lost."],
    ['lost', 'won', "This lead is already lost; it can't be moved to won."],
    ['merged', 'claimed', "This lead is already merged into another lead; it can't be moved to claimed."],
    [
      'meeting_held',
      'intro_requested',
      "This lead is past its first meeting; it can't be moved to intro requested.",
    ],
    ['candidate', 'claimed', "This lead is a candidate; it can't be moved to claimed."],
    ['claimed', 'claimed', 'This lead is already claimed.'],
    ['expired', 'won', "This lead is expired; it can't be moved to won."],
  ])('%s → %s', (from, to, message) => {
    expect(() => assertTransition(from, to)).toThrow(message);
  });
});

describe('open and terminal statuses', () => {
  it.each(LEAD_STATUSES.map((s) => [s] as const))('%s', (s) => {
    const open = [
      'awaiting_attestation',
      'candidate',
      'qualified',
      'claimed',
      'intro_requested',
      'meeting_held',
      'opportunity',
    ].includes(s);
    const terminal = ['won', 'lost', 'disqualified', 'merged'].includes(s);
    expect(isOpen(s)).toBe(open);
    expect(OPEN_STATUSES.includes(s)).toBe(open);
    expect(TERMINAL_STATUSES.includes(s)).toBe(terminal);
    // Terminal statuses lead nowhere; every other status leads somewhere.
    expect(TRANSITIONS[s].length === 0).toBe(terminal);
    expect(STATUS_LABELS[s]).toMatch(/^[A-Z]/);
  });

  it('expired is neither open nor terminal', () => {
    expect(isOpen('expired')).toBe(false);
    expect(TERMINAL_STATUSES).not.toContain('expired');
  });

  it('labels', () => {
    expect(STATUS_LABELS.qualified).toBe('Qualified (EQL)');
    expect(STATUS_LABELS.awaiting_attestation).toBe('Awaiting attestation');
    expect(STATUS_LABELS.intro_requested).toBe('Intro requested');
  });
});

describe('isProgress', () => {
  it.each<[LeadStatus, LeadStatus, boolean]>([
    ['qualified', 'claimed', true],
    ['claimed', 'intro_requested', true],
    ['claimed', 'meeting_held', true],
    ['claimed', 'won', true],
    ['intro_requested', 'meeting_held', true],
    ['meeting_held', 'opportunity', true],
    ['opportunity', 'won', true],
    ['opportunity', 'lost', true],
    ['claimed', 'lost', true],
    ['qualified', 'candidate', false],
    ['candidate', 'qualified', false],
    ['surfaced', 'qualified', false],
    ['claimed', 'disqualified', false],
    ['opportunity', 'expired', false],
    ['expired', 'claimed', false],
    ['expired', 'qualified', false],
    ['meeting_held', 'intro_requested', false],
    ['won', 'lost', false],
  ])('%s → %s: %s', (from, to, progress) => {
    expect(isProgress(from, to)).toBe(progress);
  });
});

import { describe, expect, it } from 'vitest';
import {
  askable,
  type OverlapCandidate,
  type PreviousAsk,
  selectBatch,
} from '../../src/core/overlap-first.ts';

// Which imported overlaps a weekly batch asks a partner about: best fit first, capped, and remembering every
// answer ("we don't know them" never again, "not now" after the snooze, silence after the same period).

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-16T15:00:00Z');
const SNOOZE = 30 * DAY;

const cases: Array<[string, PreviousAsk | undefined, boolean]> = [
  ['never asked', undefined, true],
  [
    'answered “we don’t know them”',
    { status: 'unknown', askedAt: NOW - 400 * DAY, snoozedUntil: null },
    false,
  ],
  ['answered “we know them”', { status: 'known', askedAt: NOW - 400 * DAY, snoozedUntil: null }, false],
  [
    'snoozed, snooze not over',
    { status: 'snoozed', askedAt: NOW - 10 * DAY, snoozedUntil: NOW + DAY },
    false,
  ],
  ['snoozed, snooze over', { status: 'snoozed', askedAt: NOW - 40 * DAY, snoozedUntil: NOW - 1 }, true],
  ['snoozed, ends exactly now', { status: 'snoozed', askedAt: NOW - 30 * DAY, snoozedUntil: NOW }, true],
  ['asked last week, no answer yet', { status: 'asked', askedAt: NOW - 7 * DAY, snoozedUntil: null }, false],
  [
    'asked a snooze period ago, never answered',
    { status: 'asked', askedAt: NOW - SNOOZE, snoozedUntil: null },
    true,
  ],
];

describe('askable', () => {
  for (const [name, prev, expected] of cases) {
    it(`${name} → ${expected ? 'ask' : 'do not ask'}`, () => {
      expect(askable(prev, NOW, SNOOZE)).toBe(expected);
    });
  }
});

describe('selectBatch', () => {
  const c = (domain: string, icpScore: number): OverlapCandidate => ({
    domain,
    accountName: domain,
    relationship: 'customer',
    icpScore,
  });
  const candidates = [c('b.com', 70), c('a.com', 100), c('c.com', 100), c('d.com', 60), c('e.com', 90)];

  it('takes the best fit first (ties by domain), up to the cap', () => {
    expect(
      selectBatch(candidates, new Map(), { now: NOW, snoozeMs: SNOOZE, cap: 3 }).map((x) => x.domain),
    ).toEqual(['a.com', 'c.com', 'e.com']);
  });

  it('skips what was answered and fills the cap from the rest', () => {
    const prev = new Map<string, PreviousAsk>([
      ['a.com', { status: 'unknown', askedAt: NOW - DAY, snoozedUntil: null }],
      ['c.com', { status: 'snoozed', askedAt: NOW - DAY, snoozedUntil: NOW + DAY }],
    ]);
    expect(
      selectBatch(candidates, prev, { now: NOW, snoozeMs: SNOOZE, cap: 3 }).map((x) => x.domain),
    ).toEqual(['e.com', 'b.com', 'd.com']);
  });

  it('asks nothing with a cap of 0 or nothing askable', () => {
    expect(selectBatch(candidates, new Map(), { now: NOW, snoozeMs: SNOOZE, cap: 0 })).toEqual([]);
    expect(selectBatch([], new Map(), { now: NOW, snoozeMs: SNOOZE, cap: 5 })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { RewardRule } from '../../src/config/program-config.ts';
import {
  awardsForMilestone,
  awardTotals,
  formatTotals,
  type MilestoneFacts,
  milestonesReached,
  type RewardMilestone,
} from '../../src/core/rewards.ts';
import { testConfig } from '../helpers/db.ts';

// Reward rules (issue 13, item 7): pay only on conversion milestones; points, a fixed amount, or a share of
// the won amount in the deal's own currency; attribution filters; nothing for a share with no won amount.

const RULES: RewardRule[] = [
  { on: 'opportunity', points: 10 },
  { on: 'won', amount: 500 },
  { on: 'won', shareOfWon: 0.02 },
  { on: 'opportunity', amount: 100, attribution: 'sourced' },
];

const SOURCED: MilestoneFacts = { attribution: 'sourced', wonAmount: null };
const INFLUENCED_WON: MilestoneFacts = {
  attribution: 'influenced',
  wonAmount: { amount: 50_000, currency: 'EUR' },
};

const CASES: Array<{
  name: string;
  milestone: RewardMilestone;
  facts: MilestoneFacts;
  awards: Array<[number, 'points' | 'amount', number, string | null, string]>;
  skipped: number[];
}> = [
  {
    name: 'opportunity, partner-sourced: points and the sourced-only amount',
    milestone: 'opportunity',
    facts: SOURCED,
    awards: [
      [0, 'points', 10, null, '10 points per partner-sourced EQL reached opportunity'],
      [3, 'amount', 100, 'USD', '100 USD per partner-sourced EQL reached opportunity'],
    ],
    skipped: [],
  },
  {
    name: 'opportunity, partner-influenced: the sourced-only rule does not apply',
    milestone: 'opportunity',
    facts: { attribution: 'influenced', wonAmount: null },
    awards: [[0, 'points', 10, null, '10 points per partner-influenced EQL reached opportunity']],
    skipped: [],
  },
  {
    name: 'won with a known amount: the fixed amount and 2% of it, in the deal’s currency',
    milestone: 'won',
    facts: INFLUENCED_WON,
    awards: [
      [1, 'amount', 500, 'USD', '500 USD per partner-influenced EQL won'],
      [2, 'amount', 1000, 'EUR', '2% of 50,000 EUR won'],
    ],
    skipped: [],
  },
  {
    name: 'won without a recorded amount: the share is skipped (and said why), never guessed',
    milestone: 'won',
    facts: SOURCED,
    awards: [[1, 'amount', 500, 'USD', '500 USD per partner-sourced EQL won']],
    skipped: [2],
  },
  {
    name: 'a share that rounds to cents',
    milestone: 'won',
    facts: { attribution: 'sourced', wonAmount: { amount: 1234.56, currency: 'GBP' } },
    awards: [
      [1, 'amount', 500, 'USD', '500 USD per partner-sourced EQL won'],
      [2, 'amount', 24.69, 'GBP', '2% of 1,234.56 GBP won'],
    ],
    skipped: [],
  },
];

describe('awardsForMilestone', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { awards, skipped } = awardsForMilestone(RULES, 'USD', c.milestone, c.facts);
      expect(awards.map((a) => [a.ruleIndex, a.kind, a.value, a.currency, a.basis])).toEqual(c.awards);
      expect(awards.every((a) => a.milestone === c.milestone)).toBe(true);
      expect(skipped.map((s) => s.ruleIndex)).toEqual(c.skipped);
    });
  }

  it('pays nothing without rules, and nothing for other milestones', () => {
    expect(awardsForMilestone([], 'USD', 'won', INFLUENCED_WON).awards).toEqual([]);
    expect(milestonesReached('claimed')).toEqual([]);
    expect(milestonesReached('meeting_held')).toEqual([]);
    expect(milestonesReached('opportunity')).toEqual(['opportunity']);
    expect(milestonesReached('won')).toEqual(['opportunity', 'won']);
  });
});

describe('award totals', () => {
  it('adds points together and amounts per currency, never across currencies', () => {
    const t = awardTotals([
      { kind: 'points', value: 10, currency: null },
      { kind: 'points', value: 5, currency: null },
      { kind: 'amount', value: 500, currency: 'USD' },
      { kind: 'amount', value: 0.1, currency: 'EUR' },
      { kind: 'amount', value: 0.2, currency: 'EUR' },
    ]);
    expect(t).toEqual({
      points: 15,
      amounts: [
        { currency: 'EUR', amount: 0.3 },
        { currency: 'USD', amount: 500 },
      ],
      count: 5,
    });
    expect(formatTotals(t)).toBe('15 points · 0.30 EUR · 500 USD');
    expect(formatTotals(awardTotals([]))).toBe('nothing yet');
  });
});

describe('the rewards config', () => {
  const bad: Array<[unknown, string]> = [
    [[{ on: 'won' }], 'expected exactly one of points, amount or shareOfWon'],
    [[{ on: 'won', points: 1, amount: 2 }], 'expected exactly one of points, amount or shareOfWon'],
    [[{ on: 'opportunity', shareOfWon: 0.1 }], 'shareOfWon pays on "won" only'],
    [[{ on: 'won', shareOfWon: 1.5 }], 'expected a fraction between 0 and 1'],
    [[{ on: 'claimed', points: 1 }], 'expected "opportunity" or "won"'],
  ];
  for (const [rules, message] of bad) {
    it(`refuses ${JSON.stringify(rules)}`, () => {
      expect(() => testConfig((raw) => Object.assign(raw, { rewards: { rules } }))).toThrow(message);
    });
  }
  it('defaults to no rules in USD, and overlap first on with a weekly cap of 5', () => {
    const c = testConfig();
    expect(c.rewards).toEqual({ currency: 'USD', rules: [] });
    expect(c.overlapFirst).toEqual({ enabled: true, cron: '0 10 * * 1', maxPerBatch: 5, snoozeDays: 30 });
    expect(c.partnerScorecards).toEqual({ minPeers: 3 });
  });
});

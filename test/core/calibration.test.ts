import { describe, expect, it } from 'vitest';
import {
  type CalibrationOptions,
  calibrationReport,
  employeeBand,
  icpBand,
  isWeak,
  rateCell,
  rateWithMargin,
  recencyBand,
  type SignalCell,
  type SignalLevels,
  signalLevels,
  signalTables,
  suggestChanges,
  wilson,
} from '../../src/core/calibration.ts';
import { signalCell } from '../insight/fixtures.ts';

// Wilson intervals computed by hand: centre = (p + z²/2n)/(1 + z²/n), half = z·√(p(1−p)/n + z²/4n²)/(1 + z²/n).
describe('wilson', () => {
  it.each([
    // k, n, low, high
    [4, 100, 0.01566, 0.09837],
    [0, 10, 0, 0.27753],
    [10, 10, 0.72247, 1],
    [40, 100, 0.3094, 0.498],
    [1, 2, 0.09453, 0.90547],
  ])('%i of %i → [%f, %f]', (k, n, low, high) => {
    const ci = wilson(k, n)!;
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });
  it('is null without trials and always contains the rate', () => {
    expect(wilson(0, 0)).toBeNull();
    for (const [k, n] of [
      [3, 7],
      [99, 100],
      [1, 1000],
    ] as const) {
      const ci = wilson(k, n)!;
      expect(ci.low).toBeLessThanOrEqual(k / n);
      expect(ci.high).toBeGreaterThanOrEqual(k / n);
    }
  });
});

describe('bands', () => {
  it.each([
    [0, '0-14'],
    [14, '0-14'],
    [15, '15-30'],
    [60, '31-60'],
    [90, '61-90'],
    [91, '91+'],
    [400, '91+'],
    [null, 'unknown'],
  ])('recency %s → %s', (d, band) => expect(recencyBand(d)).toBe(band));
  it.each([
    [0, '0-39'],
    [39.9, '0-39'],
    [60, '60-69'],
    [69, '60-69'],
    [100, '90-100'],
    [null, 'unknown'],
  ])('icp %s → %s', (s, band) => expect(icpBand(s)).toBe(band));
  it.each([
    [10, '1-49'],
    [200, '200-999'],
    [4999, '1000-4999'],
    [5000, '5000+'],
    [null, 'unknown'],
  ])('employees %s → %s', (e, band) => expect(employeeBand(e)).toBe(band));
  it('maps a lead’s raw signals to levels', () => {
    expect(
      signalLevels({
        strength: 5,
        relationship: 'prospect',
        willingToIntroduce: false,
        interactionDays: 20,
        icpScore: 85,
        overlapVerified: true,
        corroborators: 3,
      }),
    ).toEqual({
      strength: '5',
      relationship: 'prospect',
      willing: 'no',
      recency: '15-30',
      icp: '80-89',
      overlap: 'verified',
      corroboration: '2+',
    });
  });
});

const cell = (patch: Partial<SignalLevels>, n: number, opportunity: number, won = 0): SignalCell =>
  signalCell(patch, n, opportunity, { won });
const OPTS: CalibrationOptions = {
  minSample: 30,
  weakRatio: 0.5,
  current: { minStrength: 3, maxAgeDays: 90, minScore: 60 },
};

describe('signal tables and minimum samples', () => {
  it('sums the cells per level, with intervals, and marks small cells', () => {
    const tables = signalTables([cell({ strength: '5' }, 100, 40, 10), cell({ strength: '3' }, 20, 1)], 30);
    const strength = tables.find((t) => t.signal === 'strength')!;
    const five = strength.rows.find((r) => r.level === '5')!;
    expect(five).toMatchObject({
      n: 100,
      opportunity: 40,
      won: 10,
      opportunityRate: 0.4,
      winRate: 0.1,
      belowSample: false,
    });
    expect(five.opportunityCi!.low).toBeCloseTo(0.3094, 4);
    const three = strength.rows.find((r) => r.level === '3')!;
    expect(three).toMatchObject({ n: 20, belowSample: true });
    // levels with no leads still show (as empty) except unknown
    expect(strength.rows.map((r) => r.level)).toEqual(['1', '2', '3', '4', '5']);
    expect(strength.rows.find((r) => r.level === '1')).toMatchObject({
      n: 0,
      opportunityRate: null,
      opportunityCi: null,
    });
  });
  it('formats a rate with its interval margin in whole points', () => {
    // 4/100: 4%, interval [1.6%, 9.8%] → the larger half-width is 5.8 → "± 6"
    expect(rateWithMargin(rateCell('3', { n: 100, opportunity: 4, won: 0 }, 30))).toBe('4% ± 6');
    expect(rateWithMargin(rateCell('3', { n: 0, opportunity: 0, won: 0 }, 30))).toBe('—');
  });
});

describe('suggestion rules (hand-computed fixtures)', () => {
  // overall: 400 leads, 80 opportunities → 20%; weak means the upper bound < 10%.
  const overall = rateCell('all', { n: 400, opportunity: 80, won: 0 }, 30);

  it('weak needs the minimum sample and an upper bound below weakRatio × overall', () => {
    expect(isWeak(rateCell('3', { n: 100, opportunity: 4, won: 0 }, 30), overall, OPTS)).toBe(true); // high 9.8%
    expect(isWeak(rateCell('3', { n: 100, opportunity: 5, won: 0 }, 30), overall, OPTS)).toBe(false); // high 11.2%
    expect(isWeak(rateCell('3', { n: 20, opportunity: 0, won: 0 }, 30), overall, OPTS)).toBe(false); // small
  });

  it('raise_min_strength: the lowest admitted strength converts far below the program', () => {
    const tables = signalTables(
      [cell({ strength: '3' }, 100, 4), cell({ strength: '4' }, 150, 30), cell({ strength: '5' }, 150, 46)],
      30,
    );
    const s = suggestChanges(overall, tables, OPTS);
    expect(s).toEqual([
      {
        rule: 'raise_min_strength',
        setting: 'warmth.minStrength',
        value: 4,
        text: "Strength 3 reaches opportunity at 4% ± 6 (n=100) against the program's 20% ± 4 (n=400); consider warmth.minStrength: 4.",
      },
    ]);
  });

  it('says nothing when the lowest strength is small or merely lower', () => {
    const small = signalTables([cell({ strength: '3' }, 25, 0), cell({ strength: '5' }, 375, 80)], 30);
    expect(suggestChanges(overall, small, OPTS)).toEqual([]);
    const fine = signalTables([cell({ strength: '3' }, 100, 12), cell({ strength: '5' }, 300, 68)], 30);
    expect(suggestChanges(overall, fine, OPTS)).toEqual([]);
    // already at 5: nothing higher to suggest
    const five = signalTables([cell({ strength: '5' }, 100, 2), cell({ strength: '4' }, 300, 78)], 30);
    expect(suggestChanges(overall, five, { ...OPTS, current: { ...OPTS.current, minStrength: 5 } })).toEqual(
      [],
    );
  });

  it('shorten_max_age: the oldest admitted recency bands are weak', () => {
    const tables = signalTables(
      [
        cell({ recency: '0-14' }, 150, 45),
        cell({ recency: '15-30' }, 100, 30),
        cell({ recency: '31-60' }, 50, 3), // 6%: [2.1%, 16.2%] → not weak
        cell({ recency: '61-90' }, 100, 2), // 2%: high 7.0% → weak
      ],
      30,
    );
    const s = suggestChanges(overall, tables, OPTS);
    expect(s.map((x) => [x.rule, x.setting, x.value])).toEqual([
      ['shorten_max_age', 'warmth.maxAgeDays', 60],
    ]);
    expect(s[0]!.text).toContain('61-90 days 2% ± 5 (n=100)');
  });

  it('raise_min_score: the lowest admitted ICP bands are weak, up to the first that is not', () => {
    const tables = signalTables(
      [
        cell({ icp: '60-69' }, 100, 3), // high 8.5% → weak
        cell({ icp: '70-79' }, 100, 4), // high 9.8% → weak
        cell({ icp: '80-89' }, 100, 30),
        cell({ icp: '90-100' }, 100, 43),
      ],
      30,
    );
    const s = suggestChanges(overall, tables, OPTS);
    expect(s.map((x) => [x.rule, x.value])).toEqual([['raise_min_score', 80]]);
    expect(s[0]!.text).toBe(
      "ICP 60-69 3% ± 5 (n=100), ICP 70-79 4% ± 6 (n=100) against the program's 20% ± 4 (n=400); consider icp.minScore: 80.",
    );
  });

  it('a rule that would cut every band says nothing', () => {
    const tables = signalTables([cell({ icp: '60-69' }, 200, 3), cell({ icp: '70-79' }, 200, 77)], 30);
    // 70-79 is fine, so only 60-69 is cut → 70
    expect(suggestChanges(overall, tables, OPTS).map((x) => x.value)).toEqual([70]);
    const allWeak = signalTables([cell({ icp: '90-100' }, 100, 1)], 30);
    expect(suggestChanges(overall, allWeak, { ...OPTS, current: { ...OPTS.current, minScore: 90 } })).toEqual(
      [],
    );
  });

  it('the whole report: overall, tables and segments', () => {
    const r = calibrationReport(
      [cell({}, 50, 10, 5)],
      [
        {
          partnerSlug: 'northwind',
          industry: 'fintech',
          country: 'DE',
          employees: '200-999',
          n: 50,
          opportunity: 10,
          won: 5,
        },
      ],
      OPTS,
    );
    expect(r.overall).toMatchObject({ n: 50, opportunity: 10, won: 5, opportunityRate: 0.2 });
    expect(r.segments.map((s) => [s.dimension, s.level, s.n])).toEqual([
      ['industry', 'fintech', 50],
      ['country', 'DE', 50],
      ['employees', '200-999', 50],
    ]);
  });
});

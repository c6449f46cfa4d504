import { describe, expect, it } from 'vitest';
import type { SignalCell, SignalLevels } from '../../src/core/calibration.ts';
import {
  evaluate,
  fitLogistic,
  fitPrior,
  fitScore,
  modelScore,
  scoreLead,
} from '../../src/core/eql-score.ts';
import { BASE_LEVELS, signalCell } from '../insight/fixtures.ts';

const L = BASE_LEVELS;
const cell = (patch: Partial<SignalLevels>, n: number, opportunity: number, train?: boolean): SignalCell =>
  signalCell(patch, n, opportunity, train === undefined ? {} : { train });
const SETTINGS = { minOutcomes: 100, l2: 1, priorWeight: 20, holdoutShare: 0.2 };

describe('evaluate', () => {
  it('computes AUC with ties as half, Brier and calibration bins (hand-computed)', () => {
    // scores: A 0.8 (3 pos, 1 neg), B 0.2 (1 pos, 3 neg)
    const cells = [cell({ strength: '5' }, 4, 3), cell({ strength: '3' }, 4, 1)];
    const e = evaluate(cells, (l) => (l.strength === '5' ? 0.8 : 0.2));
    // pairs: 4 pos × 4 neg = 16; A-pos over B-neg 3×3 = 9; ties: A 3×1 + B 1×3 = 6 half → 3 → (9 + 3)/16... plus B-pos over nothing
    // pos in A beat B's 3 negs (9), tie A's 1 neg (3 × 0.5 = 1.5); pos in B ties B's 3 negs (1.5) → 12/16
    expect(e.auc).toBeCloseTo(0.75, 10);
    // Brier: A: 3×0.04 + 1×0.64 = 0.76; B: 1×0.64 + 3×0.04 = 0.76 → 1.52 / 8 = 0.19
    expect(e.brier).toBeCloseTo(0.19, 10);
    expect(e.calibration).toEqual([
      { from: 0.2, to: 0.4, n: 4, predicted: 0.2, observed: 0.25 },
      { from: 0.8, to: 1, n: 4, predicted: 0.8, observed: 0.75 },
    ]);
  });
  it('has no AUC without both outcomes', () => {
    expect(evaluate([cell({}, 5, 5)], () => 0.5).auc).toBeNull();
    expect(evaluate([], () => 0.5)).toMatchObject({ n: 0, auc: null, brier: null, calibration: [] });
  });
});

describe('the prior', () => {
  it('smooths each strength towards the overall rate with priorWeight pseudo-leads', () => {
    const prior = fitPrior([cell({ strength: '5' }, 80, 40), cell({ strength: '3' }, 20, 0)], 20);
    expect(prior.overall).toBeCloseTo(0.4, 10);
    expect(prior.strength['5']!.rate).toBeCloseTo((40 + 20 * 0.4) / (80 + 20), 10); // 0.48
    expect(prior.strength['3']!.rate).toBeCloseTo((0 + 8) / 40, 10); // 0.2
    expect(prior.strength['1']!.rate).toBeCloseTo(0.4, 10); // no data: the overall rate
  });
});

describe('logistic regression', () => {
  it('recovers a one-signal process: predictions match the cell rates', () => {
    const m = fitLogistic([cell({ strength: '5' }, 1000, 400), cell({ strength: '3' }, 1000, 50)], 0.01);
    expect(modelScore(m, { ...L, strength: '5' })).toBeCloseTo(0.4, 2);
    expect(modelScore(m, { ...L, strength: '3' })).toBeCloseTo(0.05, 2);
    expect(m.iterations).toBeLessThan(50);
  });
  it('shrinks coefficients towards zero as λ grows', () => {
    const cells = [cell({ strength: '5' }, 50, 20), cell({ strength: '3' }, 50, 3)];
    const weak = fitLogistic(cells, 0.01);
    const strong = fitLogistic(cells, 100);
    expect(Math.abs(strong.coefficients['strength=5']!)).toBeLessThan(
      Math.abs(weak.coefficients['strength=5']!),
    );
  });
});

describe('fitScore', () => {
  it('falls back to the prior below minOutcomes, and says so', () => {
    const f = fitScore([cell({}, 50, 10, true), cell({}, 10, 2, false)], SETTINGS);
    expect(f).toMatchObject({ use: 'prior', model: null, heldOut: null, n: 60, nTrain: 50, nTest: 10 });
    expect(f.reason).toBe('only 60 judged EQLs so far; the model needs 100');
  });
  it('falls back when a part has one outcome only', () => {
    const f = fitScore([cell({}, 150, 30, true), cell({}, 50, 0, false)], SETTINGS);
    expect(f.use).toBe('prior');
    expect(f.reason).toMatch(/all ended the same way/);
  });
  it('keeps the prior when the model does not beat it on the held-out leads', () => {
    // training: willingness looks decisive; held out: it is the other way round, strength carries it
    const train = [
      cell({ strength: '5', willing: 'yes' }, 100, 50, true),
      cell({ strength: '5', willing: 'no' }, 100, 10, true),
      cell({ strength: '3', willing: 'yes' }, 100, 50, true),
      cell({ strength: '3', willing: 'no' }, 100, 10, true),
    ];
    const test = [
      cell({ strength: '5', willing: 'yes' }, 50, 10, false),
      cell({ strength: '5', willing: 'no' }, 50, 25, false),
      cell({ strength: '3', willing: 'yes' }, 50, 10, false),
      cell({ strength: '3', willing: 'no' }, 50, 25, false),
    ];
    const f = fitScore([...train, ...test], SETTINGS);
    expect(f.use).toBe('prior');
    expect(f.reason).toBe(
      'on the newest leads the model did not predict better than warmth strength alone (Brier score and AUC)',
    );
    expect(f.heldOut!.model.brier!).toBeGreaterThan(f.heldOut!.prior.brier!);
  });
});

describe('scoreLead', () => {
  it('gives the model’s probability and its three largest contributions in points', () => {
    const stored = {
      use: 'model' as const,
      prior: fitPrior([cell({}, 10, 2)], 20),
      model: {
        intercept: -1,
        coefficients: { 'strength=5': 1, 'willing=no': -0.5, 'overlap=verified': 0.1, 'icp=80-89': 0.3 },
      },
    };
    const s = scoreLead(stored, { ...L, strength: '5', willing: 'no' })!;
    // z = -1 + 1 - 0.5 + 0.1 + 0.3 = -0.1
    expect(s.probability).toBeCloseTo(1 / (1 + Math.exp(0.1)), 10);
    expect(s.source).toBe('model');
    expect(s.reasons.map((r) => r.phrase)).toEqual(['warmth 5/5', 'not willing to introduce', 'ICP 80-89']);
    const p = s.probability;
    expect(s.reasons[0]!.points).toBeCloseTo((p - 1 / (1 + Math.exp(1.1))) * 100, 8);
    expect(s.reasons[1]!.points).toBeLessThan(0);
  });
  it('uses the prior with one reason, and shows nothing without data', () => {
    const prior = fitPrior([cell({ strength: '5' }, 80, 40), cell({ strength: '3' }, 20, 0)], 20);
    const s = scoreLead({ use: 'prior', prior, model: null }, { ...L, strength: '5' })!;
    expect(s).toMatchObject({ source: 'prior', probability: prior.strength['5']!.rate });
    expect(s.reasons).toEqual([
      { signal: 'strength', level: '5', phrase: 'warmth 5/5', points: (0.48 - 0.4) * 100 },
    ]);
    expect(scoreLead(null, L)).toBeNull();
    expect(scoreLead({ use: 'prior', prior: fitPrior([], 20), model: null }, L)).toBeNull();
  });
});

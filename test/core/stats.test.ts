import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/core/stats.ts';

// Wilson score intervals at 95%, against published and hand-computed values.
describe('wilsonInterval', () => {
  it.each([
    // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I: 81/263.
    { k: 81, n: 263, low: 0.2553, high: 0.3662 },
    // Newcombe (1998) Table I: 15/148.
    { k: 15, n: 148, low: 0.0624, high: 0.1605 },
    // Newcombe (1998) Table I: 0/20 and 1/29.
    { k: 0, n: 20, low: 0, high: 0.1611 },
    { k: 1, n: 29, low: 0.0061, high: 0.1718 },
    // By hand: 25/50, 3/5, 10/10.
    { k: 25, n: 50, low: 0.3664, high: 0.6336 },
    { k: 3, n: 5, low: 0.2307, high: 0.8824 },
    { k: 10, n: 10, low: 0.7225, high: 1 },
  ])('$k of $n → [$low, $high]', ({ k, n, low, high }) => {
    const ci = wilsonInterval(k, n);
    expect(ci?.low).toBeCloseTo(low, 4);
    expect(ci?.high).toBeCloseTo(high, 4);
  });

  it('is null with no trials and stays inside [0, 1]', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    for (let n = 1; n <= 60; n++) {
      for (let k = 0; k <= n; k++) {
        const ci = wilsonInterval(k, n)!;
        expect(ci.low).toBeGreaterThanOrEqual(0);
        expect(ci.high).toBeLessThanOrEqual(1);
        expect(ci.low).toBeLessThanOrEqual(k / n);
        expect(ci.high).toBeGreaterThanOrEqual(k / n);
      }
    }
  });
});

// Small statistics shared by the reports: confidence intervals for rates, so small samples do not win.

/** The normal quantile for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * The Wilson score interval for `successes` out of `n` (Wilson 1927; the interval recommended for binomial
 * proportions by Brown, Cai & DasGupta 2001). Unlike `p ± z·√(p(1−p)/n)` it stays inside [0, 1] and is
 * honest for small n and for 0 or n successes. Null when n is 0.
 */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // All or none: the bound on that side is exactly 1 or 0 (the formula gets there up to rounding).
  return {
    low: successes <= 0 ? 0 : Math.max(0, centre - half),
    high: successes >= n ? 1 : Math.min(1, centre + half),
  };
}

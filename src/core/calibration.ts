import { type Interval, wilsonInterval } from './stats.ts';
import type { Relationship } from './types.ts';

// The learning loop's arithmetic (PRODUCT.md section 12): which signals convert. Pure: the store groups
// leads into cells (one row per combination of signal levels, with how many leads reached opportunity and
// won), this file turns cells into rates with 95% Wilson intervals, marks cells below the minimum sample,
// and derives suggested configuration changes by the explicit rules in `suggestChanges`. Nothing here is
// ever applied automatically.

// ---------------------------------------------------------------------------------------------------------
// Wilson score interval

/** The 95% Wilson score interval of src/core/stats.ts (null for n = 0), under the name this file uses. */
export const wilson = wilsonInterval;
export type { Interval };

// ---------------------------------------------------------------------------------------------------------
// Signals and their levels (one vocabulary, used by the store's SQL, the report, the score and the charts)

export const SIGNALS = [
  'strength',
  'relationship',
  'willing',
  'recency',
  'icp',
  'overlap',
  'corroboration',
] as const;
export type Signal = (typeof SIGNALS)[number];

export const SIGNAL_LABEL: Record<Signal, string> = {
  strength: 'Warmth strength',
  relationship: 'Relationship',
  willing: 'Willing to introduce',
  recency: 'Days since last interaction',
  icp: 'ICP score',
  overlap: 'Overlap',
  corroboration: 'Corroborating partners',
};

export const UNKNOWN = 'unknown';

/** Days-since-interaction bands: [label, lowest day, highest day]. */
export const RECENCY_BANDS: ReadonlyArray<readonly [string, number, number]> = [
  ['0-14', 0, 14],
  ['15-30', 15, 30],
  ['31-60', 31, 60],
  ['61-90', 61, 90],
  ['91+', 91, Number.POSITIVE_INFINITY],
];

/** ICP score bands: [label, lowest score, highest score (exclusive)]. */
export const ICP_BANDS: ReadonlyArray<readonly [string, number, number]> = [
  ['0-39', 0, 40],
  ['40-59', 40, 60],
  ['60-69', 60, 70],
  ['70-79', 70, 80],
  ['80-89', 80, 90],
  ['90-100', 90, 101],
];

/** Employee bands for segments: [label, lowest, highest]. */
export const EMPLOYEE_BANDS: ReadonlyArray<readonly [string, number, number]> = [
  ['1-49', 0, 49],
  ['50-199', 50, 199],
  ['200-999', 200, 999],
  ['1000-4999', 1000, 4999],
  ['5000+', 5000, Number.POSITIVE_INFINITY],
];

const RELATIONSHIP_LEVELS: readonly Relationship[] = ['customer', 'prospect', 'open_opportunity'];

/** Every level of each signal, in display order (`unknown` last where a value can be missing). */
export const SIGNAL_LEVELS: Record<Signal, readonly string[]> = {
  strength: ['1', '2', '3', '4', '5', UNKNOWN],
  relationship: [...RELATIONSHIP_LEVELS, UNKNOWN],
  willing: ['yes', 'no', UNKNOWN],
  recency: [...RECENCY_BANDS.map((b) => b[0]), UNKNOWN],
  icp: [...ICP_BANDS.map((b) => b[0]), UNKNOWN],
  overlap: ['verified', 'attested'],
  corroboration: ['0', '1', '2+'],
};

/** How a level reads in a sentence ("strength 5", "verified overlap", "2+ corroborating partners"). */
export function levelPhrase(signal: Signal, level: string): string {
  switch (signal) {
    case 'strength':
      return level === UNKNOWN ? 'no warmth attestation' : `warmth ${level}/5`;
    case 'relationship':
      return level === UNKNOWN ? 'relationship not stated' : level.replace('_', ' ');
    case 'willing':
      return level === 'yes'
        ? 'willing to introduce'
        : level === 'no'
          ? 'not willing to introduce'
          : 'willingness unknown';
    case 'recency':
      return level === UNKNOWN ? 'last interaction unknown' : `last spoke ${level} days before`;
    case 'icp':
      return level === UNKNOWN ? 'no ICP score' : `ICP ${level}`;
    case 'overlap':
      return level === 'verified' ? 'verified overlap' : 'attested overlap';
    case 'corroboration':
      return level === '0'
        ? 'no corroborating partner'
        : `${level} corroborating partner${level === '1' ? '' : 's'}`;
  }
}

function band(
  bands: ReadonlyArray<readonly [string, number, number]>,
  v: number,
  inclusive: boolean,
): string {
  for (const [label, lo, hi] of bands) if (v >= lo && (inclusive ? v <= hi : v < hi)) return label;
  return UNKNOWN;
}

export const recencyBand = (days: number | null): string =>
  days === null || !Number.isFinite(days)
    ? UNKNOWN
    : band(RECENCY_BANDS, Math.max(0, Math.floor(days)), true);
export const icpBand = (score: number | null): string =>
  score === null || !Number.isFinite(score) ? UNKNOWN : band(ICP_BANDS, Math.floor(score), false);
export const employeeBand = (n: number | null): string =>
  n === null || !Number.isFinite(n) ? UNKNOWN : band(EMPLOYEE_BANDS, Math.floor(n), true);
export const corroborationBand = (n: number): string => (n <= 0 ? '0' : n === 1 ? '1' : '2+');

/** Raw signals of one lead, as the routing post and the score see them. */
export interface LeadSignalInput {
  strength: number | null;
  relationship: Relationship | null;
  willingToIntroduce: boolean | null;
  /** Days between the last interaction the partner attested and the lead's submission. */
  interactionDays: number | null;
  icpScore: number | null;
  overlapVerified: boolean;
  corroborators: number;
}

export type SignalLevels = Record<Signal, string>;

export function signalLevels(s: LeadSignalInput): SignalLevels {
  return {
    strength: s.strength !== null && s.strength >= 1 && s.strength <= 5 ? String(s.strength) : UNKNOWN,
    relationship: s.relationship ?? UNKNOWN,
    willing: s.willingToIntroduce === null ? UNKNOWN : s.willingToIntroduce ? 'yes' : 'no',
    recency: recencyBand(s.interactionDays),
    icp: icpBand(s.icpScore),
    overlap: s.overlapVerified ? 'verified' : 'attested',
    corroboration: corroborationBand(s.corroborators),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Cells and rates

/** Counts of a group of judged EQLs (the population of PRODUCT.md §12). */
export interface Counts {
  n: number;
  opportunity: number;
  won: number;
}

/** One combination of signal levels and its counts (what the store's GROUP BY returns). */
export interface SignalCell extends Counts {
  levels: SignalLevels;
  /** Set when the cell belongs to the training part of a time-ordered split (the score's held-out test). */
  train?: boolean;
}

/** Partner × segment counts. */
export interface SegmentCell extends Counts {
  partnerSlug: string;
  industry: string;
  country: string;
  employees: string;
}

export interface RateCell {
  level: string;
  n: number;
  opportunity: number;
  won: number;
  opportunityRate: number | null;
  opportunityCi: Interval | null;
  winRate: number | null;
  winCi: Interval | null;
  /** Fewer than the minimum sample: shown greyed out, never used by a suggestion. */
  belowSample: boolean;
}

export function rateCell(level: string, c: Counts, minSample: number): RateCell {
  return {
    level,
    n: c.n,
    opportunity: c.opportunity,
    won: c.won,
    opportunityRate: c.n > 0 ? c.opportunity / c.n : null,
    opportunityCi: wilson(c.opportunity, c.n),
    winRate: c.n > 0 ? c.won / c.n : null,
    winCi: wilson(c.won, c.n),
    belowSample: c.n < minSample,
  };
}

const zero = (): Counts => ({ n: 0, opportunity: 0, won: 0 });
function add(into: Counts, c: Counts): void {
  into.n += c.n;
  into.opportunity += c.opportunity;
  into.won += c.won;
}

export interface SignalTable {
  signal: Signal;
  label: string;
  rows: RateCell[];
}

export interface SegmentRow extends RateCell {
  partnerSlug: string;
  dimension: SegmentDimension;
}

export const SEGMENT_DIMENSIONS = ['industry', 'country', 'employees'] as const;
export type SegmentDimension = (typeof SEGMENT_DIMENSIONS)[number];
export const SEGMENT_LABEL: Record<SegmentDimension, string> = {
  industry: 'Industry',
  country: 'Country',
  employees: 'Employees',
};

export interface CalibrationOptions {
  minSample: number;
  /** A cell is weak when its opportunity interval's upper bound is below this share of the overall rate. */
  weakRatio: number;
  /** The program's current settings, so suggestions can say what to change. */
  current: { minStrength: number; maxAgeDays: number; minScore: number };
}

export interface Suggestion {
  rule: SuggestionRule;
  /** The config path and the value proposed. */
  setting: string;
  value: number;
  /** One sentence, no markup: what was seen and what to consider. */
  text: string;
}

export interface CalibrationReport {
  overall: RateCell;
  signals: SignalTable[];
  /** Partner × each segment dimension, largest samples first. */
  segments: SegmentRow[];
  suggestions: Suggestion[];
  minSample: number;
}

/** Marginal counts of each signal's levels over `cells`. */
export function signalTables(cells: readonly SignalCell[], minSample: number): SignalTable[] {
  return SIGNALS.map((signal) => {
    const by = new Map<string, Counts>(SIGNAL_LEVELS[signal].map((l) => [l, zero()]));
    for (const c of cells) {
      let acc = by.get(c.levels[signal]);
      if (!acc) {
        acc = zero();
        by.set(c.levels[signal], acc);
      }
      add(acc, c);
    }
    const rows = [...by]
      .filter(([level, c]) => c.n > 0 || level !== UNKNOWN)
      .map(([level, c]) => rateCell(level, c, minSample));
    return { signal, label: SIGNAL_LABEL[signal], rows };
  });
}

/** Partner × segment rows (each dimension on its own), largest samples first, then by slug and value. */
export function segmentRows(cells: readonly SegmentCell[], minSample: number): SegmentRow[] {
  const by = new Map<
    string,
    { partnerSlug: string; dimension: SegmentDimension; level: string; c: Counts }
  >();
  for (const cell of cells) {
    for (const dimension of SEGMENT_DIMENSIONS) {
      const level = cell[dimension];
      const key = `${cell.partnerSlug}\u0000${dimension}\u0000${level}`;
      let e = by.get(key);
      if (!e) {
        e = { partnerSlug: cell.partnerSlug, dimension, level, c: zero() };
        by.set(key, e);
      }
      add(e.c, cell);
    }
  }
  return [...by.values()]
    .map((e) => ({
      ...rateCell(e.level, e.c, minSample),
      partnerSlug: e.partnerSlug,
      dimension: e.dimension,
    }))
    .sort(
      (a, b) =>
        SEGMENT_DIMENSIONS.indexOf(a.dimension) - SEGMENT_DIMENSIONS.indexOf(b.dimension) ||
        b.n - a.n ||
        (a.partnerSlug < b.partnerSlug ? -1 : a.partnerSlug > b.partnerSlug ? 1 : 0) ||
        (a.level < b.level ? -1 : 1),
    );
}

export function calibrationReport(
  cells: readonly SignalCell[],
  segments: readonly SegmentCell[],
  opts: CalibrationOptions,
): CalibrationReport {
  const total = zero();
  for (const c of cells) add(total, c);
  const overall = rateCell('all', total, opts.minSample);
  const signals = signalTables(cells, opts.minSample);
  return {
    overall,
    signals,
    segments: segmentRows(segments, opts.minSample),
    suggestions: suggestChanges(overall, signals, opts),
    minSample: opts.minSample,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Suggestions: explicit rules, each documented in README ("Suggestions")

export const SUGGESTION_RULES = ['raise_min_strength', 'shorten_max_age', 'raise_min_score'] as const;
export type SuggestionRule = (typeof SUGGESTION_RULES)[number];

/** "4% ± 3" (the Wilson interval's larger half-width, whole points). */
export function rateWithMargin(c: RateCell): string {
  if (c.opportunityRate === null || !c.opportunityCi) return '—';
  const p = c.opportunityRate;
  const margin = Math.max(p - c.opportunityCi.low, c.opportunityCi.high - p);
  return `${Math.round(p * 100)}% ± ${Math.max(1, Math.round(margin * 100))}`;
}

/**
 * A cell is weak when it has at least the minimum sample and even its interval's upper bound converts below
 * `weakRatio` × the overall opportunity rate: the data are confident it converts far worse than the program.
 */
export function isWeak(c: RateCell, overall: RateCell, opts: Pick<CalibrationOptions, 'weakRatio'>): boolean {
  if (c.belowSample || !c.opportunityCi || overall.opportunityRate === null) return false;
  return c.opportunityCi.high < opts.weakRatio * overall.opportunityRate;
}

function rowOf(tables: readonly SignalTable[], signal: Signal, level: string): RateCell | undefined {
  return tables.find((t) => t.signal === signal)?.rows.find((r) => r.level === level);
}

/**
 * The rules, in order:
 * 1. raise_min_strength: the lowest strength the warmth gate admits (`warmth.minStrength`, below 5) is weak →
 *    suggest `warmth.minStrength: minStrength + 1`.
 * 2. shorten_max_age: walking the recency bands from the oldest one the gate admits (its lowest day ≤
 *    `warmth.maxAgeDays`) towards the newest, every weak band is cut → suggest `warmth.maxAgeDays:` the day
 *    before the oldest weak band's lowest day (never below 1), when that is below the current setting.
 * 3. raise_min_score: walking the ICP bands from the lowest one at or above `icp.minScore` upwards, every
 *    weak band is cut → suggest `icp.minScore:` the lowest score of the first band that is not weak.
 * A rule only looks at cells with the minimum sample, and a rule that would cut every band says nothing.
 */
export function suggestChanges(
  overall: RateCell,
  tables: readonly SignalTable[],
  opts: CalibrationOptions,
): Suggestion[] {
  const out: Suggestion[] = [];
  const overallText = `the program's ${rateWithMargin(overall)} (n=${overall.n})`;

  const s = opts.current.minStrength;
  const lowest = rowOf(tables, 'strength', String(s));
  if (s < 5 && lowest && isWeak(lowest, overall, opts)) {
    out.push({
      rule: 'raise_min_strength',
      setting: 'warmth.minStrength',
      value: s + 1,
      text: `Strength ${s} reaches opportunity at ${rateWithMargin(lowest)} (n=${lowest.n}) against ${overallText}; consider warmth.minStrength: ${s + 1}.`,
    });
  }

  const admitted = RECENCY_BANDS.filter(([, lo]) => lo <= opts.current.maxAgeDays);
  let cutFrom: (typeof RECENCY_BANDS)[number] | null = null;
  for (let i = admitted.length - 1; i >= 1; i--) {
    const b = admitted[i]!;
    const row = rowOf(tables, 'recency', b[0]);
    if (!row || !isWeak(row, overall, opts)) break;
    cutFrom = b;
  }
  if (cutFrom) {
    const value = Math.max(1, cutFrom[1] - 1);
    if (value < opts.current.maxAgeDays) {
      const weak = admitted.filter(([, lo]) => lo >= cutFrom[1]);
      const detail = weak
        .map((b) => {
          const r = rowOf(tables, 'recency', b[0])!;
          return `${b[0]} days ${rateWithMargin(r)} (n=${r.n})`;
        })
        .join(', ');
      out.push({
        rule: 'shorten_max_age',
        setting: 'warmth.maxAgeDays',
        value,
        text: `Leads whose partner last spoke to the account long before convert poorly (${detail}) against ${overallText}; consider warmth.maxAgeDays: ${value}.`,
      });
    }
  }

  const eligible = ICP_BANDS.filter(([, lo, hi]) => hi > opts.current.minScore && lo < 101);
  const weakIcp: string[] = [];
  let firstGood: (typeof ICP_BANDS)[number] | null = null;
  for (const b of eligible) {
    const row = rowOf(tables, 'icp', b[0]);
    if (row && isWeak(row, overall, opts)) {
      weakIcp.push(`ICP ${b[0]} ${rateWithMargin(row)} (n=${row.n})`);
      continue;
    }
    firstGood = b;
    break;
  }
  if (weakIcp.length > 0 && firstGood && firstGood[1] > opts.current.minScore) {
    out.push({
      rule: 'raise_min_score',
      setting: 'icp.minScore',
      value: firstGood[1],
      text: `${weakIcp.join(', ')} against ${overallText}; consider icp.minScore: ${firstGood[1]}.`,
    });
  }
  return out;
}

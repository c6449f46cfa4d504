import {
  type Counts,
  employeeBand,
  type RateCell,
  rateCell,
  SEGMENT_DIMENSIONS,
  type SegmentCell,
  type SegmentDimension,
  UNKNOWN,
} from './calibration.ts';

// The ecosystem map (PRODUCT.md section 12): which partners convert in which segments, and so which partner
// to ask about an account. Pure: built from the same partner × segment cells as the calibration report.
//
// Ranking rule: within a segment value, partners are ordered by the lower bound of their opportunity rate's
// 95% Wilson interval (a small lucky sample does not beat a large steady one), among partners with at least
// the minimum sample; the rest are listed after, unranked.

export interface MapEntry extends RateCell {
  partnerSlug: string;
}

export interface MapSegment {
  dimension: SegmentDimension;
  value: string;
  total: number;
  partners: MapEntry[];
}

const lowOf = (c: RateCell) => c.opportunityCi?.low ?? -1;

function rank(entries: MapEntry[]): MapEntry[] {
  return entries.sort(
    (a, b) =>
      Number(a.belowSample) - Number(b.belowSample) ||
      lowOf(b) - lowOf(a) ||
      b.n - a.n ||
      (a.partnerSlug < b.partnerSlug ? -1 : 1),
  );
}

/** Segment values (each dimension on its own) with their partners ranked, largest segments first. */
export function ecosystemMap(cells: readonly SegmentCell[], minSample: number): MapSegment[] {
  const by = new Map<string, { dimension: SegmentDimension; value: string; partners: Map<string, Counts> }>();
  for (const cell of cells) {
    for (const dimension of SEGMENT_DIMENSIONS) {
      const value = cell[dimension];
      if (value === UNKNOWN) continue;
      const key = `${dimension}\u0000${value}`;
      let seg = by.get(key);
      if (!seg) {
        seg = { dimension, value, partners: new Map() };
        by.set(key, seg);
      }
      const c = seg.partners.get(cell.partnerSlug) ?? { n: 0, opportunity: 0, won: 0 };
      c.n += cell.n;
      c.opportunity += cell.opportunity;
      c.won += cell.won;
      seg.partners.set(cell.partnerSlug, c);
    }
  }
  return [...by.values()]
    .map((s) => {
      const partners = rank(
        [...s.partners].map(([partnerSlug, c]) => ({ ...rateCell(s.value, c, minSample), partnerSlug })),
      );
      return {
        dimension: s.dimension,
        value: s.value,
        total: partners.reduce((t, p) => t + p.n, 0),
        partners,
      };
    })
    .sort(
      (a, b) =>
        SEGMENT_DIMENSIONS.indexOf(a.dimension) - SEGMENT_DIMENSIONS.indexOf(b.dimension) ||
        b.total - a.total ||
        (a.value < b.value ? -1 : 1),
    );
}

export interface AccountSegment {
  industry?: string | null | undefined;
  country?: string | null | undefined;
  employees?: number | null | undefined;
}

export interface PartnerHint {
  partnerSlug: string;
  /** Mean of the Wilson lower bounds over the account's segments where the partner has the sample. */
  score: number;
  /** The segment cells behind it ("fintech: 38% of 45"). */
  evidence: Array<{ dimension: SegmentDimension; value: string; cell: RateCell }>;
}

/**
 * "Which partner should we ask about a fintech account in Germany?": partners with at least the minimum
 * sample in at least one of the account's segments (industry, country, employee band), scored by the mean
 * lower bound over those segments, best first, at most `limit`. Partners named in `exclude` (already on
 * the lead) are left out.
 */
export function partnersToAsk(
  map: readonly MapSegment[],
  account: AccountSegment,
  opts: { limit?: number; exclude?: readonly string[] } = {},
): PartnerHint[] {
  const wanted: Array<[SegmentDimension, string]> = [];
  if (account.industry) wanted.push(['industry', account.industry.toLowerCase()]);
  if (account.country) wanted.push(['country', account.country.toUpperCase()]);
  if (account.employees != null) wanted.push(['employees', employeeBand(account.employees)]);
  const by = new Map<string, PartnerHint>();
  for (const [dimension, value] of wanted) {
    const seg = map.find((s) => s.dimension === dimension && s.value === value);
    if (!seg) continue;
    for (const p of seg.partners) {
      if (p.belowSample || opts.exclude?.includes(p.partnerSlug)) continue;
      const h = by.get(p.partnerSlug) ?? { partnerSlug: p.partnerSlug, score: 0, evidence: [] };
      h.evidence.push({ dimension, value, cell: p });
      by.set(p.partnerSlug, h);
    }
  }
  for (const h of by.values())
    h.score = h.evidence.reduce((s, e) => s + lowOf(e.cell), 0) / Math.max(1, h.evidence.length);
  return [...by.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.evidence.length - a.evidence.length ||
        (a.partnerSlug < b.partnerSlug ? -1 : 1),
    )
    .slice(0, opts.limit ?? 3);
}

/**
 * The same cells folded to one dimension at a time (the others `unknown`): all the map reads, far fewer rows
 * (partners × (industries + countries + bands) instead of their product), for keeping with a nightly fit.
 */
export function marginalCells(cells: readonly SegmentCell[]): SegmentCell[] {
  const by = new Map<string, SegmentCell>();
  for (const cell of cells) {
    for (const dimension of SEGMENT_DIMENSIONS) {
      const value = cell[dimension];
      if (value === UNKNOWN) continue;
      const key = `${cell.partnerSlug}\u0000${dimension}\u0000${value}`;
      let m = by.get(key);
      if (!m) {
        m = {
          partnerSlug: cell.partnerSlug,
          industry: UNKNOWN,
          country: UNKNOWN,
          employees: UNKNOWN,
          n: 0,
          opportunity: 0,
          won: 0,
        };
        m[dimension] = value;
        by.set(key, m);
      }
      m.n += cell.n;
      m.opportunity += cell.opportunity;
      m.won += cell.won;
    }
  }
  return [...by.values()];
}

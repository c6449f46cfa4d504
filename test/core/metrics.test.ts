import { describe, expect, it } from 'vitest';
import { businessHoursBetween } from '../../src/core/business-hours.ts';
import {
  agingLeads,
  attributionSplit,
  cohorts,
  compareBaselines,
  countSlaBreaches,
  expiringLeads,
  funnel,
  intake,
  isoWeek,
  leaderboard,
  type MetricLead,
  median,
  medianTimeToClaim,
  programMetrics,
  rate,
  reachOf,
  revenue,
} from '../../src/core/metrics.ts';
import { claimSlaBreached } from '../../src/core/sla.ts';
import type { Attribution, GateName, GateOutcome, LeadStatus } from '../../src/core/types.ts';

const at = (iso: string): number => Date.parse(iso);
const H = 3_600_000;
const DAY = 86_400_000;
const NY = 'America/New_York';
const NOW = at('2026-03-30T16:00:00Z'); // Mon 12:00 EDT
const MIN_AGE = 14; // mature: created at or before 2026-03-16T16:00Z

type Row = [
  id: number,
  partner: string,
  status: LeadStatus,
  attribution: Attribution,
  created: string,
  qualifiedAt: string | null,
  claimedAt: string | null,
  opportunityAt: string | null,
  closedAt: string | null,
  gates?: Partial<Record<GateName, GateOutcome>>,
];

// The hand-computed fixture. ISO weeks (Monday start) in New York: W09 Feb 23, W10 Mar 2, W11 Mar 9,
// W12 Mar 16, W13 Mar 23. Reach: what the lead counts as in the funnel.
const ROWS: Row[] = [
  // W09
  [
    1,
    'alpha',
    'won',
    'sourced',
    '2026-02-24T15:00:00Z',
    '2026-02-24T15:00:00Z',
    '2026-02-24T17:00:00Z',
    '2026-03-01T15:00:00Z',
    '2026-03-20T15:00:00Z',
  ],
  // Sun Mar 1 22:00 EST: W09 in New York although W10 in UTC. Won with no claim or opportunity stamps.
  [
    2,
    'alpha',
    'won',
    'sourced',
    '2026-03-02T03:00:00Z',
    '2026-03-02T03:00:00Z',
    null,
    null,
    '2026-03-25T15:00:00Z',
  ],
  [16, 'delta', 'expired', 'sourced', '2026-02-25T15:00:00Z', '2026-02-25T15:00:00Z', null, null, null], // EQL only
  // W10
  [
    3,
    'alpha',
    'opportunity',
    'influenced',
    '2026-03-03T15:00:00Z',
    '2026-03-03T15:00:00Z',
    '2026-03-03T19:00:00Z',
    '2026-03-10T15:00:00Z',
    null,
  ],
  [
    4,
    'alpha',
    'lost',
    'sourced',
    '2026-03-04T15:00:00Z',
    '2026-03-04T15:00:00Z',
    '2026-03-05T15:00:00Z',
    null,
    '2026-03-20T15:00:00Z',
  ],
  [
    6,
    'beta',
    'opportunity',
    'sourced',
    '2026-03-03T15:00:00Z',
    '2026-03-03T15:00:00Z',
    '2026-03-04T03:00:00Z',
    '2026-03-12T15:00:00Z',
    null,
  ],
  // W11
  [7, 'beta', 'qualified', 'influenced', '2026-03-10T15:00:00Z', '2026-03-10T15:00:00Z', null, null, null],
  [
    8,
    'beta',
    'disqualified',
    'sourced',
    '2026-03-10T15:00:00Z',
    '2026-03-10T15:00:00Z',
    '2026-03-11T15:00:00Z',
    null,
    '2026-03-15T15:00:00Z',
  ],
  [
    9,
    'beta',
    'candidate',
    'sourced',
    '2026-03-11T15:00:00Z',
    null,
    null,
    null,
    null,
    { overlap: 'pass', warmth: 'fail', fit: 'fail' },
  ],
  [
    15,
    'delta',
    'won',
    'influenced',
    '2026-03-09T15:00:00Z',
    '2026-03-09T15:00:00Z',
    '2026-03-09T23:00:00Z',
    null,
    '2026-03-20T15:00:00Z',
  ],
  // W12 (14 is mature: created 14 days and 1 hour before now; 10, 11, 12 are young)
  [14, 'gamma', 'qualified', 'sourced', '2026-03-16T15:00:00Z', '2026-03-16T15:00:00Z', null, null, null],
  [
    10,
    'gamma',
    'candidate',
    'influenced',
    '2026-03-17T15:00:00Z',
    null,
    null,
    null,
    null,
    { warmth: 'fail', motion: 'unknown' },
  ],
  [
    11,
    'gamma',
    'candidate',
    'sourced',
    '2026-03-18T15:00:00Z',
    null,
    null,
    null,
    null,
    { overlap: 'fail', fit: 'fail' },
  ],
  [12, 'gamma', 'awaiting_attestation', 'sourced', '2026-03-23T03:30:00Z', null, null, null, null], // Sun 23:30 EDT
  // W13
  [
    5,
    'alpha',
    'claimed',
    'sourced',
    '2026-03-24T15:00:00Z',
    '2026-03-24T15:00:00Z',
    '2026-03-24T21:00:00Z',
    null,
    null,
  ],
  [13, 'gamma', 'merged', 'sourced', '2026-03-25T15:00:00Z', null, null, null, null],
];

const toLead = ([
  id,
  partnerSlug,
  status,
  attribution,
  created,
  q,
  c,
  o,
  closed,
  gates,
]: Row): MetricLead => ({
  id,
  partnerSlug,
  status,
  attribution,
  createdAt: at(created),
  qualifiedAt: q === null ? null : at(q),
  claimedAt: c === null ? null : at(c),
  opportunityAt: o === null ? null : at(o),
  closedAt: closed === null ? null : at(closed),
  gateOutcomes: gates ?? null,
});
const LEADS = ROWS.map(toLead);

const BASELINES = [
  { leadType: 'MQL', opportunityRate: 0.2, winRate: 0.05 },
  { leadType: 'SQL', opportunityRate: 0.6, winRate: 0.35 },
];

describe('basics', () => {
  it('rates are null for an empty denominator, never NaN', () => {
    expect(rate(1, 4)).toBe(0.25);
    expect(rate(0, 4)).toBe(0);
    expect(rate(0, 0)).toBeNull();
  });

  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 2], 6],
    [[24, 24, 2, 12, 6, 4], 9],
  ])('median(%o) = %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it.each<[Partial<MetricLead>, number]>([
    [{ status: 'candidate' }, 0],
    [{ status: 'qualified' }, 1],
    [{ status: 'expired', qualifiedAt: 1 }, 1],
    [{ status: 'claimed' }, 2], // no timestamps at all: the status decides
    [{ status: 'intro_requested' }, 2],
    [{ status: 'meeting_held' }, 2],
    [{ status: 'lost' }, 2],
    [{ status: 'disqualified', qualifiedAt: 1, claimedAt: 2 }, 2],
    [{ status: 'opportunity' }, 3],
    [{ status: 'lost', opportunityAt: 3 }, 3],
    [{ status: 'won' }, 4], // a leader jumped straight to won
  ])('reachOf(%o) = %s', (over, expected) => {
    expect(
      reachOf({ status: 'surfaced', qualifiedAt: null, claimedAt: null, opportunityAt: null, ...over }),
    ).toBe(expected);
  });

  it.each([
    ['2026-03-02T03:00:00Z', NY, '2026-W09', '2026-02-23'],
    ['2026-03-02T03:00:00Z', 'UTC', '2026-W10', '2026-03-02'],
    ['2026-01-01T12:00:00Z', 'UTC', '2026-W01', '2025-12-29'], // Thursday Jan 1: week 1
    ['2027-01-01T12:00:00Z', 'UTC', '2026-W53', '2026-12-28'], // 2026 has 53 ISO weeks
    ['2021-01-03T12:00:00Z', 'UTC', '2020-W53', '2020-12-28'],
    ['2024-12-30T12:00:00Z', 'UTC', '2025-W01', '2024-12-30'],
    ['2026-06-30T20:00:00Z', 'Pacific/Auckland', '2026-W27', '2026-06-29'], // Wed Jul 1 local
  ])('isoWeek(%s, %s) = %s from %s', (when, tz, key, start) => {
    expect(isoWeek(at(when), tz)).toEqual({ key, start });
  });
});

describe('on the fixture', () => {
  const m = programMetrics(LEADS, {
    tz: NY,
    nowMs: NOW,
    minAgeDays: MIN_AGE,
    minSample: 3,
    baselines: BASELINES,
  });

  it('counts surfaced / qualified / candidates with rates and the most failed gate', () => {
    expect(m.intake).toEqual({
      surfaced: 16,
      // 11 + 3 + 1 merged corroboration + 1 awaiting attestation = 16
      parts: { eql: 11, candidates: 3, corroborations: 1, awaitingAttestation: 1, closedBeforeQualifying: 0 },
      qualified: 11,
      qualifiedRate: 11 / 16,
      candidates: 3,
      candidateRate: 3 / 16,
      failingGates: { overlap: 1, warmth: 2, fit: 2, motion: 0 },
      // warmth and fit tie at 2: the earlier gate wins
      topFailingGate: { gate: 'warmth', count: 2, rate: 2 / 3 },
    });
    expect(intake(LEADS)).toEqual(m.intake);
  });

  it('builds the funnel with step and overall rates', () => {
    expect(m.funnel).toEqual({
      eql: 11,
      claimed: 8,
      opportunity: 5,
      won: 3,
      lost: 1,
      step: { claimed: 8 / 11, opportunity: 5 / 8, won: 3 / 5 },
      overall: { claimed: 8 / 11, opportunity: 5 / 11, won: 3 / 11 },
    });
    expect(funnel(LEADS)).toEqual(m.funnel);
  });

  it('builds submission-week cohorts whose rates leave young leads out', () => {
    const rows = m.cohorts.map((c) => [
      c.week,
      c.weekStart,
      c.surfaced,
      c.eql,
      c.young,
      c.funnel.eql,
      c.funnel.claimed,
      c.funnel.opportunity,
      c.funnel.won,
      c.funnel.lost,
    ]);
    expect(rows).toEqual([
      ['2026-W09', '2026-02-23', 3, 3, 0, 3, 2, 2, 2, 0],
      ['2026-W10', '2026-03-02', 3, 3, 0, 3, 3, 2, 0, 1],
      ['2026-W11', '2026-03-09', 4, 3, 0, 3, 2, 1, 1, 0],
      ['2026-W12', '2026-03-16', 4, 1, 0, 1, 0, 0, 0, 0],
      ['2026-W13', '2026-03-23', 2, 1, 1, 0, 0, 0, 0, 0],
    ]);
    const [w09, w10, , w12, w13] = m.cohorts;
    expect(w09?.funnel.overall).toEqual({ claimed: 2 / 3, opportunity: 2 / 3, won: 2 / 3 });
    expect(w10?.funnel.step).toEqual({ claimed: 1, opportunity: 2 / 3, won: 0 });
    expect(w12?.funnel.step).toEqual({ claimed: 0, opportunity: null, won: null });
    expect(w13?.funnel.overall).toEqual({ claimed: null, opportunity: null, won: null });
    expect(cohorts(LEADS, NY, NOW, MIN_AGE)).toEqual(m.cohorts);
  });

  it('counts every lead in a cohort when minAgeDays is 0', () => {
    const w13 = cohorts(LEADS, NY, NOW, 0).find((c) => c.week === '2026-W13');
    expect([w13?.young, w13?.funnel.eql, w13?.funnel.claimed]).toEqual([0, 1, 1]);
  });

  it('compares mature EQL conversion with each baseline in points', () => {
    expect([
      m.matureFunnel.eql,
      m.matureFunnel.claimed,
      m.matureFunnel.opportunity,
      m.matureFunnel.won,
    ]).toEqual([10, 7, 5, 3]);
    expect(m.baselines).toMatchObject([
      {
        leadType: 'MQL',
        baseline: { opportunityRate: 0.2, winRate: 0.05 },
        eql: { opportunityRate: 0.5, winRate: 0.3 },
        diffPoints: { opportunity: 30, won: 25 },
      },
      {
        leadType: 'SQL',
        baseline: { opportunityRate: 0.6, winRate: 0.35 },
        eql: { opportunityRate: 0.5, winRate: 0.3 },
        diffPoints: { opportunity: -10, won: -5 },
        // Opportunities won: 3 of 5 mature; the baseline's 0.35 / 0.6. No deal amounts in this fixture.
        dealWinRate: { eql: 0.6, baseline: 0.35 / 0.6 },
        currency: null,
        avgDealSize: { eql: null, baseline: null },
      },
    ]);
  });

  it('splits sourced and influenced, each with counts and rates', () => {
    const { sourced, influenced } = m.attribution;
    expect([
      sourced.surfaced,
      sourced.eql,
      sourced.claimed,
      sourced.opportunity,
      sourced.won,
      sourced.share,
    ]).toEqual([12, 8, 6, 3, 2, 8 / 11]);
    expect(sourced.overall).toEqual({ claimed: 6 / 8, opportunity: 3 / 8, won: 2 / 8 });
    expect([
      influenced.surfaced,
      influenced.eql,
      influenced.claimed,
      influenced.opportunity,
      influenced.won,
      influenced.share,
    ]).toEqual([4, 3, 2, 2, 1, 3 / 11]);
    expect(influenced.step).toEqual({ claimed: 2 / 3, opportunity: 1, won: 1 / 2 });
    expect(attributionSplit(LEADS)).toEqual(m.attribution);
  });

  it('takes the median time to claim, in wall-clock or business hours', () => {
    // Wall-clock hours: 2, 4, 24, 6, 12, 24, 8 → sorted 2 4 6 8 12 24 24 → 8 (lead 2 has no claim stamp).
    expect(m.timeToClaim).toEqual({ medianHours: 8, count: 7 });
    // Business hours (09–17 New York): 2, 4, 8, 6, 7, 8, 6 → 2 4 6 6 7 8 8 → 6.
    const bh = (a: number, b: number): number => businessHoursBetween(a, b, NY, { start: 9, end: 17 });
    expect(medianTimeToClaim(LEADS, bh)).toEqual({ medianHours: 6, count: 7 });
    // Even count without lead 15: 2 4 6 12 24 24 → (6 + 12) / 2.
    expect(medianTimeToClaim(LEADS.filter((l) => l.id !== 15))).toEqual({ medianHours: 9, count: 6 });
  });

  it('counts SLA breaches among EQLs with a given predicate', () => {
    // 6 business hours: 4 (8), 6 (7), 8 (8) were claimed late; 7 and 14 are still waiting; 15 was claimed at
    // 19:00, after its 17:00 deadline (6 business hours, but the reminder was due); 5 was claimed at 17:00 sharp.
    const config = { sla: { claimHours: 6, progressDays: 14, businessHours: { start: 9, end: 17 } } };
    const isBreach = (l: MetricLead): boolean => claimSlaBreached(l, config, NY, NOW);
    const expected = { breaches: 6, of: 11, rate: 6 / 11 };
    expect(countSlaBreaches(LEADS, isBreach)).toEqual(expected);
    expect(programMetrics(LEADS, { tz: NY, nowMs: NOW, minAgeDays: 0, isBreach }).slaBreaches).toEqual(
      expected,
    );
    expect(m.slaBreaches).toBeNull();
  });

  it('ranks partners by EQL → opportunity above the minimum sample, the rest after with counts', () => {
    expect(
      m.leaderboard.map((e) => [
        e.partnerSlug,
        e.rank,
        e.belowSample,
        e.surfaced,
        e.eql,
        e.opportunity,
        e.won,
        e.opportunityRate,
        e.winRate,
      ]),
    ).toEqual([
      ['alpha', 1, false, 5, 5, 3, 2, 3 / 5, 2 / 5],
      ['beta', 2, false, 4, 3, 1, 0, 1 / 3, 0],
      ['delta', null, true, 2, 2, 1, 1, 1 / 2, 1 / 2], // a better rate than beta, but only 2 EQLs
      ['gamma', null, true, 5, 1, 0, 0, 0, 0],
    ]);
    // The default minimum sample is 5.
    expect(leaderboard(LEADS).map((e) => [e.partnerSlug, e.rank])).toEqual([
      ['alpha', 1],
      ['beta', null],
      ['delta', null],
      ['gamma', null],
    ]);
  });
});

describe('leaderboard ties and edges', () => {
  function partnerLeads(slug: string, eql: number, opp: number, startId: number): MetricLead[] {
    return Array.from({ length: eql }, (_, i) => ({
      id: startId + i,
      partnerSlug: slug,
      status: i < opp ? ('opportunity' as const) : ('qualified' as const),
      attribution: 'sourced' as const,
      createdAt: 0,
      qualifiedAt: 0,
      claimedAt: null,
      opportunityAt: null,
      closedAt: null,
    }));
  }

  it('gives equal rates the same rank, larger samples first, and skips ranks after a tie', () => {
    const leads = [
      ...partnerLeads('p1', 4, 2, 100),
      ...partnerLeads('p3', 4, 1, 200),
      ...partnerLeads('p2', 6, 3, 300),
      ...partnerLeads('p4', 2, 1, 400),
      ...partnerLeads('p5', 2, 1, 500),
      ...partnerLeads('p0', 1, 1, 600),
    ];
    // All but p3 convert at 50%; the interval's lower bound puts the larger samples first, and equal samples
    // (p4, p5: 1 of 2) share a rank.
    expect(leaderboard(leads, 2).map((e) => [e.partnerSlug, e.rank])).toEqual([
      ['p2', 1],
      ['p1', 2],
      ['p4', 3],
      ['p5', 3],
      ['p3', 5],
      ['p0', null],
    ]);
  });

  it('ranks by the lower bound of the 95% interval: 3 of 5 does not beat 25 of 50', () => {
    const leads = [...partnerLeads('small', 5, 3, 100), ...partnerLeads('large', 50, 25, 200)];
    const board = leaderboard(leads, 5);
    expect(board.map((e) => [e.partnerSlug, e.rank, e.opportunityRate])).toEqual([
      ['large', 1, 0.5],
      ['small', 2, 0.6],
    ]);
    // Hand-computed Wilson bounds (z = 1.96): 25/50 → [0.3664, 0.6336]; 3/5 → [0.2307, 0.8824].
    expect(board[0]?.opportunityInterval?.low).toBeCloseTo(0.3664, 4);
    expect(board[0]?.opportunityInterval?.high).toBeCloseTo(0.6336, 4);
    expect(board[1]?.opportunityInterval?.low).toBeCloseTo(0.2307, 4);
    expect(board[1]?.opportunityInterval?.high).toBeCloseTo(0.8824, 4);
  });

  it('handles empty input', () => {
    const m = programMetrics([], {
      tz: NY,
      nowMs: NOW,
      minAgeDays: 30,
      baselines: BASELINES,
      isBreach: () => true,
    });
    expect(m.intake).toMatchObject({
      surfaced: 0,
      qualifiedRate: null,
      candidateRate: null,
      topFailingGate: null,
    });
    expect(m.funnel.step).toEqual({ claimed: null, opportunity: null, won: null });
    expect(m.funnel.overall).toEqual({ claimed: null, opportunity: null, won: null });
    expect(m.cohorts).toEqual([]);
    expect(m.baselines.map((b) => b.diffPoints)).toEqual([
      { opportunity: null, won: null },
      { opportunity: null, won: null },
    ]);
    expect(m.attribution.sourced.share).toBeNull();
    expect(m.timeToClaim).toEqual({ medianHours: null, count: 0 });
    expect(m.slaBreaches).toEqual({ breaches: 0, of: 0, rate: null });
    expect(m.leaderboard).toEqual([]);
    expect(compareBaselines(m.funnel, [])).toEqual([]);
  });
});

describe('aging and about to expire', () => {
  const now = at('2026-06-01T00:00:00Z');
  const row = (id: number, status: LeadStatus, idleDays: number, extensionDays = 0) => ({
    id,
    status,
    lastProgressAt: now - idleDays * DAY,
    extensionDays,
    url: `https://slack.example/${id}`,
  });

  it('lists open leads idle for at least the given days, longest idle first', () => {
    const leads = [
      row(1, 'claimed', 20),
      row(2, 'qualified', 14),
      row(3, 'opportunity', 13.9),
      row(4, 'won', 100),
      row(5, 'candidate', 30),
    ];
    expect(agingLeads(leads, now, 14).map((a) => [a.lead.id, a.idleDays, a.lead.url])).toEqual([
      [5, 30, 'https://slack.example/5'],
      [1, 20, 'https://slack.example/1'],
      [2, 14, 'https://slack.example/2'],
    ]);
  });

  it('lists open leads in their expiry warning (or past expiry), soonest first', () => {
    const config = { expiry: { days: 90, warnDays: 7 } };
    const leads = [
      row(1, 'claimed', 87), // expires in 3 days
      row(2, 'claimed', 80), // warning starts at day 83
      row(3, 'qualified', 95), // past expiry, not yet closed
      row(4, 'claimed', 87, 30), // extended
      row(5, 'won', 89),
      row(6, 'candidate', 84), // expires in 6 days
    ];
    expect(
      expiringLeads(leads, config, 'UTC', now).map((e) => [e.lead.id, e.stage, (e.expiresAt - now) / DAY]),
    ).toEqual([
      [3, 'expired', -5],
      [1, 'warning', 3],
      [6, 'warning', 6],
    ]);
  });
});

describe('scale', () => {
  it('computes a digest over 10,000 leads and 500 partners quickly', () => {
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const statuses: LeadStatus[] = [
      'candidate',
      'qualified',
      'claimed',
      'meeting_held',
      'opportunity',
      'won',
      'lost',
      'disqualified',
      'expired',
    ];
    const start = at('2026-01-01T00:00:00Z');
    const leads: MetricLead[] = Array.from({ length: 10_000 }, (_, i) => {
      const createdAt = start + Math.floor(rnd() * 90 * DAY);
      const status = statuses[Math.floor(rnd() * statuses.length)]!;
      const claimed = !['candidate', 'qualified'].includes(status);
      return {
        id: i,
        partnerSlug: `p${i % 500}`,
        status,
        attribution: rnd() < 0.5 ? 'sourced' : 'influenced',
        createdAt,
        qualifiedAt: status === 'candidate' ? null : createdAt,
        claimedAt: claimed ? createdAt + Math.floor(rnd() * 72 * H) : null,
        opportunityAt: null,
        closedAt: null,
        gateOutcomes: status === 'candidate' ? { warmth: 'fail' } : null,
      };
    });
    const bh = { start: 9, end: 17 };
    const t0 = performance.now();
    const m = programMetrics(leads, {
      tz: NY,
      nowMs: start + 120 * DAY,
      minAgeDays: 30,
      baselines: BASELINES,
      claimHours: (a, b) => businessHoursBetween(a, b, NY, bh),
      isBreach: (l) => l.claimedAt !== null && l.qualifiedAt !== null && l.claimedAt - l.qualifiedAt > 24 * H,
    });
    const elapsed = performance.now() - t0;
    expect(m.intake.surfaced).toBe(10_000);
    expect(m.leaderboard).toHaveLength(500);
    expect(m.cohorts.length).toBeGreaterThanOrEqual(13);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('revenue and speed', () => {
  // A deal: status, attribution, amount, currency, days from EQL to opportunity (CRM creation) and to close.
  type Deal = [
    status: LeadStatus,
    attribution: Attribution,
    amount: number | null,
    currency: string | null,
    oppDays: number | null,
    closeDays: number | null,
    crm?: boolean,
  ];
  const Q = at('2026-01-05T15:00:00Z');
  const deal = (
    [status, attribution, amount, currency, oppDays, closeDays, crm = true]: Deal,
    i: number,
  ) => ({
    id: i + 1,
    partnerSlug: 'alpha',
    status,
    attribution,
    createdAt: Q,
    qualifiedAt: status === 'candidate' ? null : Q,
    claimedAt: status === 'candidate' ? null : Q + H,
    opportunityAt: oppDays === null ? null : crm ? Q + 99 * DAY : Q + oppDays * DAY,
    closedAt: closeDays === null ? null : crm ? Q + 199 * DAY : Q + closeDays * DAY,
    amount,
    currency,
    crmCreatedAt: crm && oppDays !== null ? Q + oppDays * DAY : null,
    crmClosedAt: crm && closeDays !== null ? Q + closeDays * DAY : null,
  });
  const DEALS: Deal[] = [
    ['won', 'sourced', 100_000, 'USD', 10, 40],
    ['won', 'influenced', 50_000, 'usd', 20, 80],
    ['won', 'sourced', 30_000, 'EUR', 6, 30],
    ['opportunity', 'sourced', 70_000, 'USD', 12, null],
    ['meeting_held', 'influenced', 20_000, 'USD', null, null],
    ['opportunity', 'sourced', null, null, 4, null],
    ['won', 'sourced', null, null, 8, 60, false], // a click, no CRM: Foothold's own stamps, no amount
    ['lost', 'sourced', 90_000, 'USD', 15, 50],
    ['claimed', 'sourced', null, null, null, null],
    ['candidate', 'sourced', 5_000, 'USD', null, null],
  ];
  const leads = DEALS.map(deal);

  it('groups money by currency and never sums currencies without a rate', () => {
    const r = revenue(leads);
    expect(r.reportingCurrency).toBeNull();
    expect(r.groups.map((g) => [g.currency, g.won, g.wonDeals, g.pipeline, g.pipelineDeals])).toEqual([
      ['USD', 150_000, 2, 90_000, 2],
      ['EUR', 30_000, 1, 0, 0],
    ]);
    const usd = r.groups[0]!;
    expect(usd.avgDealSize).toBe(75_000);
    expect(usd.sourced).toEqual({ won: 100_000, wonDeals: 1, pipeline: 70_000, pipelineDeals: 1 });
    expect(usd.influenced).toEqual({ won: 50_000, wonDeals: 1, pipeline: 20_000, pipelineDeals: 1 });
    expect(usd.convertedFrom).toEqual([]);
    expect(r.withoutAmount).toEqual({ open: 1, won: 1 });
  });

  it('converts only at configured rates, and says which currencies it converted', () => {
    const r = revenue(leads, { currency: { currency: 'USD', rates: { EUR: 1.1 } } });
    expect(r.reportingCurrency).toBe('USD');
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]).toMatchObject({ currency: 'USD', convertedFrom: ['EUR'], wonDeals: 3 });
    expect(r.groups[0]!.won).toBeCloseTo(183_000, 6);
    // A rate for another currency converts nothing here.
    const gbp = revenue(leads, { currency: { currency: 'GBP', rates: { JPY: 0.005 } } });
    expect(gbp.groups.map((g) => g.currency)).toEqual(['USD', 'EUR']);
  });

  it.each<[string, Deal[], { toOpp: number | null; toClose: number | null; n: [number, number] }]>([
    [
      'CRM dates first',
      DEALS,
      { toOpp: (10 + 20 + 6 + 12 + 4 + 8 + 15) / 7, toClose: (40 + 80 + 30 + 60) / 4, n: [7, 4] },
    ],
    [
      'no deals',
      [['qualified', 'sourced', null, null, null, null]],
      { toOpp: null, toClose: null, n: [0, 0] },
    ],
    [
      'Foothold stamps without a CRM',
      [['won', 'sourced', null, null, 3, 9, false]],
      { toOpp: 3, toClose: 9, n: [1, 1] },
    ],
  ])('days from EQL to opportunity and to close: %s', (_name, rows, want) => {
    const r = revenue(rows.map(deal));
    expect(r.daysToOpportunity.average).toBe(want.toOpp);
    expect(r.daysToClose.average).toBe(want.toClose);
    expect([r.daysToOpportunity.count, r.daysToClose.count]).toEqual(want.n);
  });

  it('splits speed by attribution', () => {
    const r = revenue(leads);
    expect(r.speedBy.influenced.daysToClose).toEqual({ average: 80, median: 80, count: 1 });
    expect(r.speedBy.sourced.daysToClose.median).toBe(40);
  });

  it('sets each revenue figure beside the baseline in the same currency only', () => {
    const m = programMetrics(leads, {
      tz: 'UTC',
      nowMs: Q + 200 * DAY,
      minAgeDays: 28,
      cohorts: false,
      baselines: [
        {
          leadType: 'MQL',
          opportunityRate: 0.2,
          winRate: 0.05,
          avgDealSize: 40_000,
          currency: 'USD',
          daysToOpportunity: 30,
          daysToClose: 95,
        },
        { leadType: 'Events', opportunityRate: 0.1, winRate: 0.02, avgDealSize: 9_000, currency: 'GBP' },
        { leadType: 'SQL', opportunityRate: 0.5, winRate: 0.25 },
      ],
    });
    const [mql, events, sql] = m.baselines;
    // 9 EQLs (the candidate is none); 4 won of 7 at opportunity (the lost one reached opportunity).
    expect(mql?.dealWinRate).toEqual({ eql: 4 / 7, baseline: 0.25 });
    expect(mql?.currency).toBe('USD');
    expect(mql?.avgDealSize).toEqual({ eql: 75_000, baseline: 40_000 });
    expect(mql?.revenuePerLead).toEqual({ eql: 150_000 / 9, baseline: 2_000 });
    expect(mql?.daysToClose).toEqual({ eql: 52.5, baseline: 95 });
    expect(events?.currency).toBeNull();
    expect(events?.avgDealSize).toEqual({ eql: null, baseline: null });
    // No currency on the baseline and two EQL currencies: nothing to compare money with.
    expect(sql?.currency).toBeNull();
    expect(sql?.daysToOpportunity).toEqual({ eql: m.revenue.daysToOpportunity.average, baseline: null });
  });

  it('compares a baseline without a currency with the only EQL currency', () => {
    const usdOnly = leads.filter((l) => l.currency !== 'EUR');
    const m = programMetrics(usdOnly, {
      tz: 'UTC',
      nowMs: Q + 200 * DAY,
      minAgeDays: 28,
      cohorts: false,
      baselines: [{ leadType: 'MQL', opportunityRate: 0.2, winRate: 0.05, avgDealSize: 40_000 }],
    });
    expect(m.baselines[0]?.currency).toBe('USD');
    expect(m.baselines[0]?.revenuePerLead.baseline).toBe(2_000);
  });

  it('uses mature EQLs only for revenue per lead', () => {
    const m = programMetrics(leads, { tz: 'UTC', nowMs: Q + 10 * DAY, minAgeDays: 28, cohorts: false });
    expect(m.revenue.groups[0]?.wonPerMatureEql).toBeNull();
  });
});

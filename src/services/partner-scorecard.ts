import { instantAtLocal, localTime } from '../core/business-hours.ts';
import {
  type Funnel,
  type Intake,
  intake,
  type LeaderboardEntry,
  type Rate,
  type Revenue,
  rate,
} from '../core/metrics.ts';
import { GATES, type GateName } from '../core/types.ts';
import { type LeadFacts, loadLeadFacts } from '../db/stores/job-store.ts';
import { listPartners } from '../db/stores/program-store.ts';
import { reasonLabeler, type ServiceDeps } from './context.ts';
import { type ReasonCount, reasonCounts } from './program-digest.ts';
import { COHORT_MIN_AGE_DAYS, computeMetrics } from './program-metrics.ts';

// Monthly partner scorecards (issue 4, item 6): for each partner, what its partner manager needs to coach
// it: the month's submissions, conversion over the trailing 12 months against the program average, the
// gates its candidates fail (what to coach), and how its EQLs ended.

const DAY = 86_400_000;

export interface ScorecardPeriod {
  /** The reported month, `YYYY-MM`: the calendar month before `now` in the program's zone. */
  key: string;
  /** "October 2026". */
  label: string;
  since: number;
  until: number;
  /** Start of the trailing 12 months that end with the reported month. */
  trailingSince: number;
}

export interface PartnerScorecard {
  partner: { slug: string; name: string; managerUserId: string };
  period: ScorecardPeriod;
  timeZone: string;
  minAgeDays: number;
  minSample: number;
  /** Leads the partner surfaced in the reported month. */
  month: Intake;
  /** The trailing 12 months. */
  trailing: Intake;
  /** Conversion of the partner's EQLs old enough to rate (the cohort rule), trailing 12 months. */
  funnel: Funnel;
  /** The same for the whole program: the average the partner is compared with. */
  program: Funnel;
  /** The partner's leaderboard line over the trailing 12 months; rank null below the minimum sample. */
  standing: LeaderboardEntry | null;
  rankedPartners: number;
  /** The partner's won and pipeline revenue by currency and its speed, trailing 12 months. */
  revenue: Revenue;
  /** The program's, for comparison. */
  programRevenue: Revenue;
  /** Gates the partner's candidates fail, most common first (trailing 12 months). */
  failingGates: Array<{ gate: GateName; count: number; rate: Rate }>;
  outcomes: {
    eql: number;
    surfaced: number;
    won: number;
    lost: number;
    disqualified: number;
    expired: number;
    lostReasons: ReasonCount[];
    disqualifiedReasons: ReasonCount[];
  };
}

function monthStart(year: number, month: number, tz: string): number {
  // month may be 0 or negative: Date.UTC normalises it into the previous year.
  return instantAtLocal(Math.round(Date.UTC(year, month - 1, 1) / DAY), 0, tz);
}

/** The calendar month before the one `now` falls in, in `tz`. */
export function scorecardPeriod(now: number, tz: string): ScorecardPeriod {
  const [y, m] = localTime(now, tz).date.split('-').map(Number) as [number, number];
  const since = monthStart(y, m - 1, tz);
  const until = monthStart(y, m, tz);
  const reported = new Date(Date.UTC(y, m - 2, 1));
  const key = reported.toISOString().slice(0, 7);
  const label = reported.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return { key, label, since, until, trailingSince: monthStart(y, m - 12, tz) };
}

/** One scorecard per active partner, for the month before `now`. */
export async function buildScorecards(
  deps: ServiceDeps,
  now: number = deps.now(),
): Promise<{ period: ScorecardPeriod; cards: PartnerScorecard[] }> {
  const { db, config } = deps;
  const tz = config.timezone;
  const period = scorecardPeriod(now, tz);
  const facts = await loadLeadFacts(db, { since: period.trailingSince, until: period.until });
  const program = computeMetrics(config, facts, now);
  const ranked = program.leaderboard.filter((e) => !e.belowSample).length;
  const bySlug = new Map<string, LeadFacts[]>();
  // A card is about the leads credited to the partner (a lead a leader credited elsewhere moves with it).
  for (const f of facts) {
    let list = bySlug.get(f.creditSlug);
    if (!list) {
      list = [];
      bySlug.set(f.creditSlug, list);
    }
    list.push(f);
  }
  const label = reasonLabeler(config);
  const cards = (await listPartners(db)).map((p): PartnerScorecard => {
    const own = bySlug.get(p.slug) ?? [];
    const m = computeMetrics(config, own, now);
    const lost = reasonCounts(own, 'lost', label);
    const disqualified = reasonCounts(own, 'disqualified', label);
    const failingGates = GATES.map((gate) => ({
      gate,
      count: m.intake.failingGates[gate],
      rate: rate(m.intake.failingGates[gate], m.intake.candidates),
    }))
      .filter((g) => g.count > 0)
      .sort((a, b) => b.count - a.count);
    return {
      partner: { slug: p.slug, name: p.name, managerUserId: p.managerUserId },
      period,
      timeZone: tz,
      minAgeDays: COHORT_MIN_AGE_DAYS,
      minSample: config.leaderboard.minSample,
      month: intake(own.filter((f) => f.createdAt >= period.since)),
      trailing: m.intake,
      funnel: m.matureFunnel,
      program: program.matureFunnel,
      standing: program.leaderboard.find((e) => e.partnerSlug === p.slug) ?? null,
      rankedPartners: ranked,
      revenue: m.revenue,
      programRevenue: program.revenue,
      failingGates,
      outcomes: {
        eql: m.funnel.eql,
        surfaced: m.intake.surfaced,
        won: m.funnel.won,
        lost: lost.total,
        disqualified: disqualified.total,
        expired: own.filter((f) => f.status === 'expired').length,
        lostReasons: lost.list,
        disqualifiedReasons: disqualified.list,
      },
    };
  });
  return { period, cards };
}

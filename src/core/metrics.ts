import { dayNumberToIso, localDayNumber, weekdayOfDayNumber } from './business-hours.ts';
import { isOpen } from './lifecycle.ts';
import { expiryStage, type SlaConfig } from './sla.ts';
import { type Interval, wilsonInterval } from './stats.ts';
import { type Attribution, GATES, type GateName, type GateOutcome, type LeadStatus } from './types.ts';

// Measurement (PRODUCT.md section 7): pure functions from lead records to counts with rates, the funnel,
// submission-week cohorts, baselines, attribution, time to claim, SLA breaches, the partner leaderboard and
// the aging lists. `programMetrics` computes everything in one pass over the leads with maps, so a digest
// over 10,000 leads and 500 partners stays fast; the single-purpose functions below share its rules.
//
// Rules:
// - A rate is `number | null`: null when its denominator is 0, never NaN.
// - A lead "reached" a stage if its timestamp is set or its status is at or past it: won implies
//   opportunity, claimed and EQL; opportunity implies claimed; claimed/intro/meeting/lost imply claimed.
//   (A leader may jump stages, leaving timestamps empty.) Disqualified and expired leads keep the stages
//   their timestamps show.
// - Surfaced counts every lead given (merged duplicates included), and splits into parts that add up to it
//   (`IntakeParts`): EQLs (leads that reached EQL), candidates (status `candidate`, never an EQL),
//   corroborations (another partner's submission merged into an open lead), awaiting attestation, and closed
//   before qualifying (disqualified or expired without reaching EQL).

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type Rate = number | null;

/** `count / of`, or null when `of` is 0. */
export function rate(count: number, of: number): Rate {
  return of > 0 ? count / of : null;
}

/** Median of `values` (mean of the two middle values for an even count); null for none. */
export function median(values: ReadonlyArray<number>): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface MetricLead {
  id: number;
  /** The partner that submitted the lead: its intake. */
  partnerSlug: string;
  /** The partner holding the credit when a leader moved it (else the submitter): its conversion. */
  creditSlug?: string | undefined;
  status: LeadStatus;
  attribution: Attribution;
  createdAt: number;
  qualifiedAt: number | null;
  claimedAt: number | null;
  opportunityAt: number | null;
  closedAt: number | null;
  gateOutcomes?: Partial<Record<GateName, GateOutcome>> | null | undefined;
  /** The linked CRM opportunity's amount and ISO 4217 currency; null when unknown or not linked. */
  amount?: number | null | undefined;
  currency?: string | null | undefined;
  /** When the linked opportunity was created and closed in the CRM (else Foothold's own stamps are used). */
  crmCreatedAt?: number | null | undefined;
  crmClosedAt?: number | null | undefined;
}

/** 0 not an EQL, 1 EQL, 2 claimed, 3 opportunity, 4 won. */
export type Reach = 0 | 1 | 2 | 3 | 4;

const CLAIMED_STATUSES = new Set<LeadStatus>(['claimed', 'intro_requested', 'meeting_held', 'lost']);

/** The furthest funnel stage a lead reached (see the rules at the top of this file). */
export function reachOf(
  lead: Pick<MetricLead, 'status' | 'qualifiedAt' | 'claimedAt' | 'opportunityAt'>,
): Reach {
  if (lead.status === 'won') return 4;
  if (lead.opportunityAt !== null || lead.status === 'opportunity') return 3;
  if (lead.claimedAt !== null || CLAIMED_STATUSES.has(lead.status)) return 2;
  if (lead.qualifiedAt !== null || lead.status === 'qualified') return 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Funnel

export interface FunnelCounts {
  eql: number;
  claimed: number;
  opportunity: number;
  won: number;
  /** EQLs whose status is `lost` (for context beside won; not a funnel step). */
  lost: number;
}

export interface Funnel extends FunnelCounts {
  /** Each step over the step before it: claimed/EQL, opportunity/claimed, won/opportunity. */
  step: { claimed: Rate; opportunity: Rate; won: Rate };
  /** Each step over EQLs: claimed/EQL, opportunity/EQL, won/EQL. */
  overall: { claimed: Rate; opportunity: Rate; won: Rate };
}

function emptyCounts(): FunnelCounts {
  return { eql: 0, claimed: 0, opportunity: 0, won: 0, lost: 0 };
}

function addReach(c: FunnelCounts, reach: Reach, status: LeadStatus): void {
  if (reach >= 1) c.eql++;
  if (reach >= 2) c.claimed++;
  if (reach >= 3) c.opportunity++;
  if (reach >= 4) c.won++;
  if (reach >= 1 && status === 'lost') c.lost++;
}

/** Counts with their step and overall rates. */
export function toFunnel(c: FunnelCounts): Funnel {
  return {
    ...c,
    step: {
      claimed: rate(c.claimed, c.eql),
      opportunity: rate(c.opportunity, c.claimed),
      won: rate(c.won, c.opportunity),
    },
    overall: {
      claimed: rate(c.claimed, c.eql),
      opportunity: rate(c.opportunity, c.eql),
      won: rate(c.won, c.eql),
    },
  };
}

/** The funnel EQL → claimed → opportunity → won over `leads`. */
export function funnel(leads: ReadonlyArray<MetricLead>): Funnel {
  const c = emptyCounts();
  for (const lead of leads) addReach(c, reachOf(lead), lead.status);
  return toFunnel(c);
}

// ---------------------------------------------------------------------------------------------------------
// Intake: surfaced / qualified / candidates

/** The parts of `surfaced`; they always add up to it. */
export interface IntakeParts {
  eql: number;
  candidates: number;
  corroborations: number;
  awaitingAttestation: number;
  closedBeforeQualifying: number;
}
export const INTAKE_PARTS = [
  'eql',
  'candidates',
  'corroborations',
  'awaitingAttestation',
  'closedBeforeQualifying',
] as const satisfies ReadonlyArray<keyof IntakeParts>;

/** Which part of `surfaced` a lead is (its reach first: a lead that was an EQL is counted as one). */
export function intakePart(lead: Pick<MetricLead, 'status'>, reach: Reach): keyof IntakeParts {
  if (reach >= 1) return 'eql';
  switch (lead.status) {
    case 'candidate':
      return 'candidates';
    case 'merged':
      return 'corroborations';
    case 'surfaced':
    case 'awaiting_attestation':
      return 'awaitingAttestation';
    default:
      return 'closedBeforeQualifying';
  }
}

export interface Intake {
  surfaced: number;
  /** `surfaced` split into parts that add up to it. */
  parts: IntakeParts;
  qualified: number;
  /** qualified / surfaced */
  qualifiedRate: Rate;
  candidates: number;
  /** candidates / surfaced */
  candidateRate: Rate;
  /** How many candidates fail each gate. */
  failingGates: Record<GateName, number>;
  /** The gate candidates fail most (ties go to the earlier gate in gate order); null when none fail. */
  topFailingGate: { gate: GateName; count: number; rate: Rate } | null;
}

interface IntakeAcc {
  surfaced: number;
  parts: IntakeParts;
  failing: Record<GateName, number>;
}

function emptyIntake(): IntakeAcc {
  return {
    surfaced: 0,
    parts: { eql: 0, candidates: 0, corroborations: 0, awaitingAttestation: 0, closedBeforeQualifying: 0 },
    failing: { overlap: 0, warmth: 0, fit: 0, motion: 0 },
  };
}

function addIntake(acc: IntakeAcc, lead: MetricLead, reach: Reach): void {
  acc.surfaced++;
  const part = intakePart(lead, reach);
  acc.parts[part]++;
  if (part !== 'candidates') return;
  const g = lead.gateOutcomes;
  if (!g) return;
  for (const gate of GATES) if (g[gate] === 'fail') acc.failing[gate]++;
}

function toIntake(acc: IntakeAcc): Intake {
  let top: Intake['topFailingGate'] = null;
  for (const gate of GATES) {
    const count = acc.failing[gate];
    if (count > 0 && (top === null || count > top.count))
      top = { gate, count, rate: rate(count, acc.parts.candidates) };
  }
  return {
    surfaced: acc.surfaced,
    parts: { ...acc.parts },
    qualified: acc.parts.eql,
    qualifiedRate: rate(acc.parts.eql, acc.surfaced),
    candidates: acc.parts.candidates,
    candidateRate: rate(acc.parts.candidates, acc.surfaced),
    failingGates: { ...acc.failing },
    topFailingGate: top,
  };
}

export function intake(leads: ReadonlyArray<MetricLead>): Intake {
  const acc = emptyIntake();
  for (const lead of leads) addIntake(acc, lead, reachOf(lead));
  return toIntake(acc);
}

// ---------------------------------------------------------------------------------------------------------
// Submission-week cohorts

/** ISO 8601 week of local day `day` (a day number): key `2026-W09` and the Monday that starts it. */
export function isoWeekOfDay(day: number): { key: string; start: string } {
  const wd = weekdayOfDayNumber(day);
  const isoWd = wd === 0 ? 7 : wd;
  const thursday = day + 4 - isoWd;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1) / DAY_MS;
  const week = Math.floor((thursday - jan1) / 7) + 1;
  return { key: `${year}-W${String(week).padStart(2, '0')}`, start: dayNumberToIso(day - (isoWd - 1)) };
}

/** ISO week of the instant `ms` on the wall calendar of `tz`. */
export function isoWeek(ms: number, tz: string): { key: string; start: string } {
  return isoWeekOfDay(localDayNumber(ms, tz));
}

export interface Cohort {
  /** ISO week of submission (createdAt) in the program time zone, e.g. `2026-W09`. */
  week: string;
  /** Monday of that week, `YYYY-MM-DD`. */
  weekStart: string;
  /** Every lead submitted that week. */
  surfaced: number;
  /** Every EQL submitted that week, mature or not. */
  eql: number;
  /** EQLs younger than `minAgeDays`, left out of `funnel`. */
  young: number;
  /** Counts and rates over the mature EQLs only (submitted at least `minAgeDays` before now). */
  funnel: Funnel;
}

/**
 * The cohort rule: a lead is mature when `nowMs - createdAt >= minAgeDays × 24 h`. Counts of all leads are
 * shown (`surfaced`, `eql`, `young`); the funnel and its rates use mature leads only, so a week whose leads
 * have not had time to convert does not drag its rates (or the pooled baseline comparison) down.
 */
export function isMature(lead: Pick<MetricLead, 'createdAt'>, nowMs: number, minAgeDays: number): boolean {
  return nowMs - lead.createdAt >= minAgeDays * DAY_MS;
}

interface CohortAcc {
  week: string;
  weekStart: string;
  surfaced: number;
  eql: number;
  young: number;
  mature: FunnelCounts;
}

function toCohort(a: CohortAcc): Cohort {
  return {
    week: a.week,
    weekStart: a.weekStart,
    surfaced: a.surfaced,
    eql: a.eql,
    young: a.young,
    funnel: toFunnel(a.mature),
  };
}

/** Cohorts by submission week, oldest first (see `isMature` for the rule). */
export function cohorts(
  leads: ReadonlyArray<MetricLead>,
  tz: string,
  nowMs: number,
  minAgeDays: number,
): Cohort[] {
  return programMetrics(leads, { tz, nowMs, minAgeDays }).cohorts;
}

// ---------------------------------------------------------------------------------------------------------
// Baselines

export interface Baseline {
  leadType: string;
  /** Share of that lead type reaching opportunity (0–1). */
  opportunityRate: number;
  /** Share of that lead type won (0–1). */
  winRate: number;
  /** Average won deal of that lead type, in `currency` (null when unknown). */
  avgDealSize?: number | null | undefined;
  currency?: string | null | undefined;
  /** Average days from lead to opportunity, and from lead to a won close. */
  daysToOpportunity?: number | null | undefined;
  daysToClose?: number | null | undefined;
}

/** One revenue-and-speed figure for EQLs beside the same figure for a baseline lead type. */
export interface Beside {
  eql: number | null;
  baseline: number | null;
}

export interface BaselineComparison {
  leadType: string;
  baseline: { opportunityRate: number; winRate: number };
  eql: { opportunityRate: Rate; winRate: Rate };
  /** EQL rate minus baseline rate, in percentage points (e.g. 12.5); null when the EQL rate is null. */
  diffPoints: { opportunity: number | null; won: number | null };
  /** Opportunities won over opportunities: EQLs' mature step rate beside the baseline's win ÷ opportunity rate. */
  dealWinRate: Beside;
  /**
   * Money figures in `currency`: the baseline's currency (else the reporting currency, else the EQLs' only
   * currency). Null when no EQL revenue group is in that currency, so amounts are never compared across
   * currencies.
   */
  currency: string | null;
  avgDealSize: Beside;
  /** Won revenue per lead: EQLs' won revenue ÷ mature EQLs, the baseline's win rate × average deal size. */
  revenuePerLead: Beside;
  daysToOpportunity: Beside;
  daysToClose: Beside;
}

function points(eql: Rate, base: number): number | null {
  // Rounded to 1e-9 so 0.3 - 0.1 style float noise does not show as 19.999999999999996.
  return eql === null ? null : Math.round((eql - base) * 100 * 1e9) / 1e9;
}

/**
 * EQL conversion beside each baseline lead type. `eqlFunnel` should be the mature funnel (the cohort rule),
 * and baseline rates are read as "of all leads of that type", like the EQL overall rates.
 */
export function compareBaselines(
  eqlFunnel: Funnel,
  baselines: ReadonlyArray<Baseline>,
  revenue: Revenue = emptyRevenue(),
): BaselineComparison[] {
  const opp = eqlFunnel.overall.opportunity;
  const won = eqlFunnel.overall.won;
  return baselines.map((b) => {
    const currency =
      b.currency ??
      revenue.reportingCurrency ??
      (revenue.groups.length === 1 ? (revenue.groups[0]?.currency ?? null) : null);
    const group = currency === null ? undefined : revenue.groups.find((g) => g.currency === currency);
    const avgDeal = b.avgDealSize ?? null;
    return {
      leadType: b.leadType,
      baseline: { opportunityRate: b.opportunityRate, winRate: b.winRate },
      eql: { opportunityRate: opp, winRate: won },
      diffPoints: { opportunity: points(opp, b.opportunityRate), won: points(won, b.winRate) },
      dealWinRate: {
        eql: eqlFunnel.step.won,
        baseline: b.opportunityRate > 0 ? b.winRate / b.opportunityRate : null,
      },
      currency: group ? currency : null,
      avgDealSize: { eql: group?.avgDealSize ?? null, baseline: group ? avgDeal : null },
      revenuePerLead: {
        eql: group?.wonPerMatureEql ?? null,
        baseline: group && avgDeal !== null ? b.winRate * avgDeal : null,
      },
      daysToOpportunity: { eql: revenue.daysToOpportunity.average, baseline: b.daysToOpportunity ?? null },
      daysToClose: { eql: revenue.daysToClose.average, baseline: b.daysToClose ?? null },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Revenue and speed (PRODUCT.md section 11)
//
// Rules:
// - Money is grouped by currency and never summed across currencies. With configured rates, an amount in a
//   rated currency is converted into the reporting currency and its group lists the currencies it converted.
//   An amount with no currency stays in its own group (currency null).
// - Pipeline: open leads (awaiting attestation through opportunity) with an amount. Won revenue: won leads.
//   Lost, disqualified and expired leads count in neither.
// - Average deal size: won revenue ÷ won deals with an amount, per currency.
// - Won revenue per mature EQL (the cohort rule) is what compares with a baseline's win rate × deal size.
// - Days to opportunity: qualified → the CRM opportunity's creation (else Foothold's opportunity stamp), over
//   EQLs at opportunity or won. Days to close: qualified → the CRM close (else Foothold's close), won EQLs.
// - Opportunities and won deals with no amount are counted, so a revenue figure is never silently short.

export interface CurrencyRates {
  /** The currency rated amounts are reported in. */
  currency: string;
  /** Units of `currency` for one unit of each other currency, e.g. { EUR: 1.08 } for USD. */
  rates: Readonly<Record<string, number>>;
}

export interface RevenueSplit {
  pipeline: number;
  pipelineDeals: number;
  won: number;
  wonDeals: number;
}

export interface MoneyGroup extends RevenueSplit {
  /** ISO 4217 code; null for amounts the CRM gave without a currency. */
  currency: string | null;
  /** Currencies converted into this group at the configured rates, sorted; empty when none. */
  convertedFrom: string[];
  sourced: RevenueSplit;
  influenced: RevenueSplit;
  avgDealSize: number | null;
  /** Won revenue of mature EQLs ÷ mature EQLs (every mature EQL, with or without a deal). */
  wonPerMatureEql: number | null;
}

export interface DaysStat {
  average: number | null;
  median: number | null;
  count: number;
}

export interface Revenue {
  /** The configured reporting currency, when rates are configured. */
  reportingCurrency: string | null;
  /** Largest won revenue first, then pipeline, then currency code. */
  groups: MoneyGroup[];
  /** Open opportunities and won EQLs whose deal has no amount. */
  withoutAmount: { open: number; won: number };
  daysToOpportunity: DaysStat;
  daysToClose: DaysStat;
  /** The same speeds for partner-sourced and partner-influenced EQLs. */
  speedBy: Record<Attribution, { daysToOpportunity: DaysStat; daysToClose: DaysStat }>;
}

function emptySplit(): RevenueSplit {
  return { pipeline: 0, pipelineDeals: 0, won: 0, wonDeals: 0 };
}

export function emptyRevenue(): Revenue {
  return toRevenue(emptyRevenueAcc(), 0, undefined);
}

/** An amount in the currency it is reported in: converted at a configured rate, or as it came. */
export function reportedMoney(
  amount: number,
  currency: string | null,
  rates: CurrencyRates | undefined,
): { amount: number; currency: string | null; convertedFrom: string | null } {
  const code = currency?.toUpperCase() ?? null;
  if (rates && code !== null && code !== rates.currency) {
    const r = rates.rates[code];
    if (r !== undefined && Number.isFinite(r) && r > 0)
      return { amount: amount * r, currency: rates.currency, convertedFrom: code };
  }
  return { amount, currency: code, convertedFrom: null };
}

interface GroupAcc {
  group: MoneyGroup;
  converted: Set<string>;
  matureWon: number;
}

interface SpeedAcc {
  toOpportunity: number[];
  toClose: number[];
}

interface RevenueAcc {
  groups: Map<string, GroupAcc>;
  withoutAmount: { open: number; won: number };
  speed: Record<Attribution | 'all', SpeedAcc>;
}

function emptyRevenueAcc(): RevenueAcc {
  const speed = (): SpeedAcc => ({ toOpportunity: [], toClose: [] });
  return {
    groups: new Map(),
    withoutAmount: { open: 0, won: 0 },
    speed: { all: speed(), sourced: speed(), influenced: speed() },
  };
}

function addRevenue(
  acc: RevenueAcc,
  lead: MetricLead,
  reach: Reach,
  mature: boolean,
  rates: CurrencyRates | undefined,
): void {
  if (reach < 1) return;
  const won = lead.status === 'won';
  const open = isOpen(lead.status);
  if (lead.qualifiedAt !== null) {
    // No per-lead allocation: the digest runs this over up to a million leads.
    const split = acc.speed[lead.attribution] as SpeedAcc | undefined;
    const oppAt = lead.crmCreatedAt ?? lead.opportunityAt;
    if (reach >= 3 && oppAt != null) {
      const days = Math.max(0, oppAt - lead.qualifiedAt) / DAY_MS;
      acc.speed.all.toOpportunity.push(days);
      split?.toOpportunity.push(days);
    }
    const closeAt = lead.crmClosedAt ?? lead.closedAt;
    if (won && closeAt != null) {
      const days = Math.max(0, closeAt - lead.qualifiedAt) / DAY_MS;
      acc.speed.all.toClose.push(days);
      split?.toClose.push(days);
    }
  }
  if (!won && !open) return;
  const amount = lead.amount;
  if (amount == null || !Number.isFinite(amount)) {
    if (won) acc.withoutAmount.won++;
    else if (reach >= 3) acc.withoutAmount.open++;
    return;
  }
  const money = reportedMoney(amount, lead.currency ?? null, rates);
  const key = money.currency ?? '';
  let g = acc.groups.get(key);
  if (!g) {
    g = {
      group: {
        currency: money.currency,
        convertedFrom: [],
        ...emptySplit(),
        sourced: emptySplit(),
        influenced: emptySplit(),
        avgDealSize: null,
        wonPerMatureEql: null,
      },
      converted: new Set(),
      matureWon: 0,
    };
    acc.groups.set(key, g);
  }
  if (money.convertedFrom) g.converted.add(money.convertedFrom);
  const split = lead.attribution === 'influenced' ? g.group.influenced : g.group.sourced;
  addDeal(g.group, won, money.amount);
  addDeal(split, won, money.amount);
  if (won && mature) g.matureWon += money.amount;
}

function addDeal(s: RevenueSplit, won: boolean, amount: number): void {
  if (won) {
    s.won += amount;
    s.wonDeals++;
  } else {
    s.pipeline += amount;
    s.pipelineDeals++;
  }
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function daysStat(values: readonly number[]): DaysStat {
  return { average: mean(values), median: median(values), count: values.length };
}

function toRevenue(acc: RevenueAcc, matureEqls: number, rates: CurrencyRates | undefined): Revenue {
  const groups = [...acc.groups.values()].map(({ group, converted, matureWon }) => ({
    ...group,
    convertedFrom: [...converted].sort(),
    avgDealSize: group.wonDeals > 0 ? group.won / group.wonDeals : null,
    wonPerMatureEql: matureEqls > 0 ? matureWon / matureEqls : null,
  }));
  groups.sort(
    (a, b) =>
      b.won - a.won || b.pipeline - a.pipeline || ((a.currency ?? '~') < (b.currency ?? '~') ? -1 : 1),
  );
  return {
    reportingCurrency: rates?.currency ?? null,
    groups,
    withoutAmount: { ...acc.withoutAmount },
    daysToOpportunity: daysStat(acc.speed.all.toOpportunity),
    daysToClose: daysStat(acc.speed.all.toClose),
    speedBy: {
      sourced: {
        daysToOpportunity: daysStat(acc.speed.sourced.toOpportunity),
        daysToClose: daysStat(acc.speed.sourced.toClose),
      },
      influenced: {
        daysToOpportunity: daysStat(acc.speed.influenced.toOpportunity),
        daysToClose: daysStat(acc.speed.influenced.toClose),
      },
    },
  };
}

/** Pipeline, won revenue and speed over `leads` (see the rules above). */
export function revenue(
  leads: ReadonlyArray<MetricLead>,
  options: { nowMs?: number; minAgeDays?: number; currency?: CurrencyRates } = {},
): Revenue {
  return programMetrics(leads, {
    tz: 'UTC',
    nowMs: options.nowMs ?? 0,
    minAgeDays: options.minAgeDays ?? 0,
    cohorts: false,
    ...(options.currency ? { currency: options.currency } : {}),
  }).revenue;
}

// ---------------------------------------------------------------------------------------------------------
// Attribution, time to claim, SLA breaches

export interface AttributionSplit {
  /** Funnel per attribution plus its share of all EQLs. */
  sourced: Funnel & { surfaced: number; share: Rate };
  influenced: Funnel & { surfaced: number; share: Rate };
}

export interface TimeToClaim {
  /** Median hours from qualified to claimed (business hours when a business-hours function is given). */
  medianHours: number | null;
  /** How many claimed EQLs had both timestamps. */
  count: number;
}

export interface SlaBreaches {
  breaches: number;
  /** EQLs examined. */
  of: number;
  rate: Rate;
}

// ---------------------------------------------------------------------------------------------------------
// Leaderboard

export interface LeaderboardEntry {
  partnerSlug: string;
  /**
   * 1-based, by the lower bound of the EQL → opportunity rate's 95% Wilson interval (so 3 of 5 does not
   * outrank 25 of 50); partners with the same lower bound share a rank. Null below the minimum sample.
   */
  rank: number | null;
  belowSample: boolean;
  surfaced: number;
  eql: number;
  opportunity: number;
  won: number;
  /** EQL → opportunity. */
  opportunityRate: Rate;
  /** Its 95% Wilson interval; the ranking uses `low`. Null with no EQLs. */
  opportunityInterval: Interval | null;
  /** EQL → won. */
  winRate: Rate;
}

interface PartnerAcc {
  surfaced: number;
  counts: FunnelCounts;
}

function partnerAcc(partners: Map<string, PartnerAcc>, slug: string): PartnerAcc {
  let p = partners.get(slug);
  if (!p) {
    p = { surfaced: 0, counts: emptyCounts() };
    partners.set(slug, p);
  }
  return p;
}

function toLeaderboard(partners: Map<string, PartnerAcc>, minSample: number): LeaderboardEntry[] {
  const ranked: LeaderboardEntry[] = [];
  const rest: LeaderboardEntry[] = [];
  for (const [slug, p] of partners) {
    const c = p.counts;
    const belowSample = c.eql < Math.max(1, minSample);
    const entry: LeaderboardEntry = {
      partnerSlug: slug,
      rank: null,
      belowSample,
      surfaced: p.surfaced,
      eql: c.eql,
      opportunity: c.opportunity,
      won: c.won,
      opportunityRate: rate(c.opportunity, c.eql),
      opportunityInterval: wilsonInterval(c.opportunity, c.eql),
      winRate: rate(c.won, c.eql),
    };
    (belowSample ? rest : ranked).push(entry);
  }
  const bySlug = (a: LeaderboardEntry, b: LeaderboardEntry): number =>
    a.partnerSlug < b.partnerSlug ? -1 : a.partnerSlug > b.partnerSlug ? 1 : 0;
  // Ranked: the interval's lower bound, then the larger sample, then slug (order only: equal bounds share a
  // rank). Ranked entries have at least one EQL, so they have an interval.
  const low = (e: LeaderboardEntry) => e.opportunityInterval?.low ?? 0;
  ranked.sort((a, b) => low(b) - low(a) || b.eql - a.eql || bySlug(a, b));
  ranked.forEach((e, i) => {
    const prev = ranked[i - 1];
    e.rank = prev && low(prev) === low(e) ? prev.rank : i + 1;
  });
  rest.sort((a, b) => b.eql - a.eql || b.surfaced - a.surfaced || bySlug(a, b));
  return [...ranked, ...rest];
}

/**
 * Partners ranked by EQL → opportunity (the lower bound of its 95% interval) among those with at least
 * `minSample` EQLs; the others follow,
 * unranked, by EQL count. Every entry carries its counts beside its rates.
 */
export function leaderboard(leads: ReadonlyArray<MetricLead>, minSample = 5): LeaderboardEntry[] {
  return programMetrics(leads, { tz: 'UTC', nowMs: 0, minAgeDays: 0, minSample, cohorts: false }).leaderboard;
}

// ---------------------------------------------------------------------------------------------------------
// Everything in one pass

export interface MetricsOptions<L extends MetricLead = MetricLead> {
  /** Program time zone (cohort weeks). */
  tz: string;
  nowMs: number;
  /** Cohort maturity: leads younger than this many days are left out of cohort and baseline rates. */
  minAgeDays: number;
  /** Leaderboard minimum sample of EQLs (default 5). */
  minSample?: number;
  baselines?: ReadonlyArray<Baseline>;
  /** Hours between qualified and claimed; default wall-clock hours. Pass business hours bound to the program. */
  claimHours?: (fromMs: number, toMs: number) => number;
  /** SLA breach predicate, asked for each EQL; without it `slaBreaches` is null. */
  isBreach?: (lead: L) => boolean;
  /** Skip cohort week computation (it needs the time zone per lead). Default true. */
  cohorts?: boolean;
  /** Configured exchange rates: without them, money is only ever grouped by currency. */
  currency?: CurrencyRates;
}

export interface ProgramMetrics {
  intake: Intake;
  funnel: Funnel;
  /** The funnel over mature leads only (the cohort rule), pooled across weeks. */
  matureFunnel: Funnel;
  cohorts: Cohort[];
  baselines: BaselineComparison[];
  attribution: AttributionSplit;
  timeToClaim: TimeToClaim;
  slaBreaches: SlaBreaches | null;
  leaderboard: LeaderboardEntry[];
  revenue: Revenue;
}

/** All digest metrics over `leads` in a single pass (filter the leads to the window you report on first). */
export function programMetrics<L extends MetricLead>(
  leads: ReadonlyArray<L>,
  options: MetricsOptions<L>,
): ProgramMetrics {
  const { tz, nowMs, minAgeDays, isBreach } = options;
  const wantCohorts = options.cohorts !== false;
  const claimHours = options.claimHours ?? ((a: number, b: number) => (b - a) / HOUR_MS);
  const intakeAcc = emptyIntake();
  const all = emptyCounts();
  const mature = emptyCounts();
  const attr: Record<Attribution, PartnerAcc> = {
    sourced: { surfaced: 0, counts: emptyCounts() },
    influenced: { surfaced: 0, counts: emptyCounts() },
  };
  const partners = new Map<string, PartnerAcc>();
  const weeks = new Map<string, CohortAcc>();
  const weekOfDay = new Map<number, { key: string; start: string }>();
  const claimDurations: number[] = [];
  const money = emptyRevenueAcc();
  let breaches = 0;

  for (const lead of leads) {
    const reach = reachOf(lead);
    const status = lead.status;
    addIntake(intakeAcc, lead, reach);
    addReach(all, reach, status);

    const a = attr[lead.attribution];
    if (a) {
      a.surfaced++;
      addReach(a.counts, reach, status);
    }

    const submitter = partnerAcc(partners, lead.partnerSlug);
    submitter.surfaced++;
    const holder =
      lead.creditSlug && lead.creditSlug !== lead.partnerSlug
        ? partnerAcc(partners, lead.creditSlug)
        : submitter;
    addReach(holder.counts, reach, status);

    const isMatureLead = isMature(lead, nowMs, minAgeDays);
    if (isMatureLead) addReach(mature, reach, status);
    addRevenue(money, lead, reach, isMatureLead, options.currency);

    if (wantCohorts) {
      const day = localDayNumber(lead.createdAt, tz);
      let w = weekOfDay.get(day);
      if (!w) {
        w = isoWeekOfDay(day);
        weekOfDay.set(day, w);
      }
      let c = weeks.get(w.key);
      if (!c) {
        c = { week: w.key, weekStart: w.start, surfaced: 0, eql: 0, young: 0, mature: emptyCounts() };
        weeks.set(w.key, c);
      }
      c.surfaced++;
      if (reach >= 1) {
        c.eql++;
        if (isMatureLead) addReach(c.mature, reach, status);
        else c.young++;
      }
    }

    if (reach >= 1) {
      if (
        reach >= 2 &&
        lead.qualifiedAt !== null &&
        lead.claimedAt !== null &&
        lead.claimedAt >= lead.qualifiedAt
      ) {
        claimDurations.push(claimHours(lead.qualifiedAt, lead.claimedAt));
      }
      if (isBreach?.(lead)) breaches++;
    }
  }

  const matureFunnel = toFunnel(mature);
  const share = (c: FunnelCounts): Rate => rate(c.eql, all.eql);
  const revenue = toRevenue(money, mature.eql, options.currency);
  return {
    intake: toIntake(intakeAcc),
    funnel: toFunnel(all),
    matureFunnel,
    cohorts: [...weeks.values()].sort((x, y) => (x.weekStart < y.weekStart ? -1 : 1)).map(toCohort),
    baselines: compareBaselines(matureFunnel, options.baselines ?? [], revenue),
    attribution: {
      sourced: {
        ...toFunnel(attr.sourced.counts),
        surfaced: attr.sourced.surfaced,
        share: share(attr.sourced.counts),
      },
      influenced: {
        ...toFunnel(attr.influenced.counts),
        surfaced: attr.influenced.surfaced,
        share: share(attr.influenced.counts),
      },
    },
    timeToClaim: { medianHours: median(claimDurations), count: claimDurations.length },
    slaBreaches: isBreach ? { breaches, of: all.eql, rate: rate(breaches, all.eql) } : null,
    leaderboard: toLeaderboard(partners, options.minSample ?? 5),
    revenue,
  };
}

/** Median time from qualified to claimed over claimed EQLs with both timestamps. */
export function medianTimeToClaim(
  leads: ReadonlyArray<MetricLead>,
  claimHours: (fromMs: number, toMs: number) => number = (a, b) => (b - a) / HOUR_MS,
): TimeToClaim {
  return programMetrics(leads, { tz: 'UTC', nowMs: 0, minAgeDays: 0, claimHours, cohorts: false })
    .timeToClaim;
}

/** EQLs for which `isBreach` holds, with the rate over all EQLs. */
export function countSlaBreaches<L extends MetricLead>(
  leads: ReadonlyArray<L>,
  isBreach: (lead: L) => boolean,
): SlaBreaches {
  let breaches = 0;
  let of = 0;
  for (const lead of leads) {
    if (reachOf(lead) < 1) continue;
    of++;
    if (isBreach(lead)) breaches++;
  }
  return { breaches, of, rate: rate(breaches, of) };
}

/** Partner-sourced vs partner-influenced funnels. */
export function attributionSplit(leads: ReadonlyArray<MetricLead>): AttributionSplit {
  return programMetrics(leads, { tz: 'UTC', nowMs: 0, minAgeDays: 0, cohorts: false }).attribution;
}

// ---------------------------------------------------------------------------------------------------------
// Aging and about-to-expire

export interface AgingLead {
  status: LeadStatus;
  lastProgressAt: number;
}

/**
 * Open leads (awaiting attestation through opportunity) with no progress for at least `minIdleDays` whole
 * days, longest idle first, each with its idle days.
 */
export function agingLeads<L extends AgingLead>(
  leads: ReadonlyArray<L>,
  nowMs: number,
  minIdleDays: number,
): Array<{ lead: L; idleDays: number }> {
  const out: Array<{ lead: L; idleDays: number }> = [];
  for (const lead of leads) {
    if (!isOpen(lead.status)) continue;
    const idleDays = Math.floor((nowMs - lead.lastProgressAt) / DAY_MS);
    if (idleDays >= minIdleDays) out.push({ lead, idleDays });
  }
  return out.sort((a, b) => a.lead.lastProgressAt - b.lead.lastProgressAt);
}

/**
 * Open leads whose expiry warning is due (`warning`), or that are past expiry but not yet closed by the job
 * (`expired`), soonest expiry first.
 */
export function expiringLeads<L extends AgingLead & { id: number; extensionDays: number }>(
  leads: ReadonlyArray<L>,
  config: Pick<SlaConfig, 'expiry'>,
  tz: string,
  nowMs: number,
): Array<{ lead: L; expiresAt: number; stage: 'warning' | 'expired' }> {
  const out: Array<{ lead: L; expiresAt: number; stage: 'warning' | 'expired' }> = [];
  for (const lead of leads) {
    const e = expiryStage(lead, config, tz, nowMs);
    if (e.stage !== 'none' && e.expiresAt !== null)
      out.push({ lead, expiresAt: e.expiresAt, stage: e.stage });
  }
  return out.sort((a, b) => a.expiresAt - b.expiresAt);
}

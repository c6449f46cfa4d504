import { OPEN_STATUSES } from '../core/lifecycle.ts';
import { agingLeads, expiringLeads, type ProgramMetrics } from '../core/metrics.ts';
import { MOTION_STATUSES } from '../core/sla.ts';
import type { LeadStatus } from '../core/types.ts';
import { type LeadFacts, loadLeadFacts, partnerNames } from '../db/stores/job-store.ts';
import { reasonLabeler, type ServiceDeps } from './context.ts';
import {
  COHORT_MIN_AGE_DAYS,
  computeMetrics,
  type ProgramBaseline,
  programBaselines,
} from './program-metrics.ts';

// The program digest (PRODUCT.md section 7): the numbers leaders read every week and with `/eql digest`,
// for the last 7 days and the trailing 90 days, all from src/core/metrics.ts. Lists are cut here to what a
// message can show; their totals are kept so the message can say "and N more".

const DAY = 86_400_000;
export const DIGEST_LIST_LIMIT = 8;

export interface DigestWindow {
  label: string;
  since: number;
  metrics: ProgramMetrics;
}

export interface DigestLead {
  id: number;
  accountName: string;
  domain: string;
  partnerName: string;
  status: LeadStatus;
  ownerUserId: string | null;
  routingPostChannel: string | null;
  routingPostTs: string | null;
  idleDays: number;
  expiresAt: number | null;
}

export interface ReasonCount {
  code: string;
  label: string;
  count: number;
}

export interface ProgramDigest {
  generatedAt: number;
  timeZone: string;
  minAgeDays: number;
  minSample: number;
  claimHours: number;
  progressDays: number;
  expiryWarnDays: number;
  week: DigestWindow;
  trailing: DigestWindow;
  baselines: ProgramBaseline[];
  partnerNames: Record<string, string>;
  /** Why leads in the trailing window closed without a win. */
  closed: {
    lost: ReasonCount[];
    lostTotal: number;
    disqualified: ReasonCount[];
    disqualifiedTotal: number;
    expired: number;
  };
  /** Leads being worked (qualified through opportunity) with no progress for `progressDays` or more. */
  aging: { total: number; leads: DigestLead[] };
  /** Open leads in their expiry warning week (or past expiry, not yet closed by the job). */
  expiring: { total: number; leads: DigestLead[] };
}

/** Why leads in `status` closed: reason codes with their labels and counts, most common first. */
export function reasonCounts(
  leads: readonly LeadFacts[],
  status: LeadStatus,
  label: (c: string) => string | null,
): { list: ReasonCount[]; total: number } {
  const counts = new Map<string, number>();
  let total = 0;
  for (const l of leads) {
    if (l.status !== status) continue;
    total++;
    const code = l.reasonCode ?? 'unspecified';
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const list = [...counts]
    .map(([code, count]) => ({
      code,
      count,
      label: code === 'unspecified' ? 'No reason given' : (label(code) ?? code),
    }))
    .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
  return { list, total };
}

/** Everything the digest shows, computed at `now`. */
export async function buildProgramDigest(
  deps: ServiceDeps,
  now: number = deps.now(),
): Promise<ProgramDigest> {
  const { db, config } = deps;
  const tz = config.timezone;
  const names = await partnerNames(db);
  const baselines = await programBaselines(db, config);
  const trailingSince = now - 90 * DAY;
  const weekSince = now - 7 * DAY;
  const trailingLeads = await loadLeadFacts(db, { since: trailingSince, until: now + 1 });
  const weekLeads = trailingLeads.filter((l) => l.createdAt >= weekSince);
  const label = reasonLabeler(config);
  const lost = reasonCounts(trailingLeads, 'lost', label);
  const disqualified = reasonCounts(trailingLeads, 'disqualified', label);

  // Open leads: those in the window already loaded, plus older ones still open.
  const open = [
    ...(await loadLeadFacts(db, { statuses: OPEN_STATUSES, until: trailingSince })),
    ...trailingLeads.filter((l) => OPEN_STATUSES.includes(l.status)),
  ];
  const toRef = (l: LeadFacts, expiresAt: number | null): DigestLead => ({
    id: l.id,
    accountName: l.accountName,
    domain: l.domain,
    partnerName: names.get(l.creditSlug) ?? l.creditSlug,
    status: l.status,
    ownerUserId: l.ownerUserId,
    routingPostChannel: l.routingPostChannel,
    routingPostTs: l.routingPostTs,
    idleDays: Math.max(0, Math.floor((now - l.lastProgressAt) / DAY)),
    expiresAt,
  });
  // Only leads idle for nearly their whole expiry period can be in the warning window: skip the calendar
  // arithmetic for the rest (a day of slack covers DST shifts).
  const nearExpiry = open.filter(
    (l) =>
      now - l.lastProgressAt >= (config.expiry.days + l.extensionDays - config.expiry.warnDays - 1) * DAY,
  );
  const expiring = expiringLeads(nearExpiry, config, tz, now);
  const expiringIds = new Set(expiring.map((e) => e.lead.id));
  const worked = open.filter((l) => l.status === 'qualified' || MOTION_STATUSES.includes(l.status));
  const aging = agingLeads(worked, now, config.sla.progressDays).filter((a) => !expiringIds.has(a.lead.id));

  return {
    generatedAt: now,
    timeZone: tz,
    minAgeDays: COHORT_MIN_AGE_DAYS,
    minSample: config.leaderboard.minSample,
    claimHours: config.sla.claimHours,
    progressDays: config.sla.progressDays,
    expiryWarnDays: config.expiry.warnDays,
    week: {
      label: 'Last 7 days',
      since: weekSince,
      metrics: computeMetrics(config, weekLeads, now, baselines),
    },
    trailing: {
      label: 'Trailing 90 days',
      since: trailingSince,
      metrics: computeMetrics(config, trailingLeads, now, baselines),
    },
    baselines,
    partnerNames: Object.fromEntries(names),
    closed: {
      lost: lost.list,
      lostTotal: lost.total,
      disqualified: disqualified.list,
      disqualifiedTotal: disqualified.total,
      expired: trailingLeads.filter((l) => l.status === 'expired').length,
    },
    aging: {
      total: aging.length,
      leads: aging.slice(0, DIGEST_LIST_LIMIT).map((a) => toRef(a.lead, null)),
    },
    expiring: {
      total: expiring.length,
      leads: expiring.slice(0, DIGEST_LIST_LIMIT).map((e) => toRef(e.lead, e.expiresAt)),
    },
  };
}

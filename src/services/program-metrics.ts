import type { ProgramConfig } from '../config/program-config.ts';
import { businessHoursBetween } from '../core/business-hours.ts';
import { type Baseline, type MetricsOptions, type ProgramMetrics, programMetrics } from '../core/metrics.ts';
import { claimSlaBreached } from '../core/sla.ts';
import type { Db } from '../db/connection.ts';
import { type LeadFacts, latestImportedBaselines } from '../db/stores/job-store.ts';

// The glue between the database and the pure metrics of src/core/metrics.ts: the program's options (time
// zone, business hours for time to claim, the SLA breach rule, the leaderboard's minimum sample, baselines)
// so the digest, scorecards, App Home and the `report` command all compute the same numbers the same way.

/**
 * The cohort rule's maturity: conversion rates count only leads submitted at least this many days before
 * now, so a young cohort that has not had time to convert does not drag the rates down.
 */
export const COHORT_MIN_AGE_DAYS = 28;

export type ProgramBaseline = Baseline & { source: 'import' | 'config'; period: string | null };

/** Baselines to compare EQLs with: each lead type's latest imported period, else the config's rates. */
export async function programBaselines(db: Db, config: ProgramConfig): Promise<ProgramBaseline[]> {
  const imported = await latestImportedBaselines(db);
  const out: ProgramBaseline[] = imported.map((b) => ({ ...b, source: 'import' as const }));
  for (const b of config.baselines) {
    if (!out.some((o) => o.leadType.toLowerCase() === b.leadType.toLowerCase()))
      out.push({ ...b, source: 'config', period: null });
  }
  return out;
}

export function metricsOptions(
  config: ProgramConfig,
  now: number,
  baselines: readonly Baseline[],
): MetricsOptions<LeadFacts> {
  const tz = config.timezone;
  const bh = config.sla.businessHours;
  return {
    tz,
    nowMs: now,
    minAgeDays: COHORT_MIN_AGE_DAYS,
    minSample: config.leaderboard.minSample,
    baselines,
    claimHours: (from, to) => businessHoursBetween(from, to, tz, bh),
    isBreach: (lead) => claimSlaBreached(lead, config, tz, now),
    ...(config.revenue
      ? { currency: { currency: config.revenue.currency, rates: config.revenue.rates } }
      : {}),
  };
}

export function computeMetrics(
  config: ProgramConfig,
  leads: readonly LeadFacts[],
  now: number,
  baselines: readonly Baseline[] = [],
): ProgramMetrics {
  return programMetrics(leads, metricsOptions(config, now, baselines));
}

import { z } from 'zod';
import type { ProgramConfig } from '../config/program-config.ts';
import { type CalibrationReport, calibrationReport, type SegmentCell } from '../core/calibration.ts';
import {
  ecosystemMap,
  type MapSegment,
  marginalCells,
  type PartnerHint,
  partnersToAsk,
} from '../core/ecosystem-map.ts';
import { type FittedScore, fitScore, type ScoreSettings } from '../core/eql-score.ts';
import { needThemes, type Theme } from '../core/needs-themes.ts';
import { calendarDate } from '../core/time.ts';
import {
  accountSegment,
  latestModel,
  type NewEqlModel,
  needRows,
  type PopulationQuery,
  saveModel,
  segmentCells,
  signalCells,
  splitPoint,
} from '../db/stores/insight-store.ts';
import { partnerNames } from '../db/stores/job-store.ts';
import type { ServiceDeps } from './context.ts';

// The learning loop's use cases (PRODUCT.md section 12): the calibration report, the EQL score's nightly fit,
// the ecosystem map and product input. The arithmetic is in src/core (calibration.ts, eql-score.ts,
// ecosystem-map.ts, needs-themes.ts); the grouping in SQL in src/db/stores/insight-store.ts.
//
// Revenue: conversion here is to opportunity and to won. When the CRM sync records an amount per lead, add
// it to the store's GROUP BY (sum per currency, never across currencies) and to `Counts`; nothing else
// changes shape.

export function populationQuery(config: ProgramConfig, now: number): PopulationQuery {
  return {
    now,
    matureDays: config.insight.matureDays,
    includeDisqualified: config.insight.includeDisqualified,
    includeExpired: config.insight.includeExpired,
  };
}

/** Says in one sentence which EQLs a report counts. */
export function populationText(config: ProgramConfig): string {
  const closed = ['won', 'lost'];
  if (config.insight.includeDisqualified) closed.push('disqualified');
  if (config.insight.includeExpired) closed.push('expired');
  return `EQLs ${closed.join(', ')}, plus open EQLs at least ${config.insight.matureDays} days old`;
}

export interface CalibrationResult {
  generatedAt: number;
  population: string;
  report: CalibrationReport;
  partnerNames: Record<string, string>;
}

export async function buildCalibration(
  deps: ServiceDeps,
  now: number = deps.now(),
): Promise<CalibrationResult> {
  const { db, config } = deps;
  const q = populationQuery(config, now);
  const report = calibrationReport(await signalCells(db, q), await segmentCells(db, q), {
    minSample: config.insight.minSample,
    weakRatio: config.insight.weakRatio,
    current: {
      minStrength: config.warmth.minStrength,
      maxAgeDays: config.warmth.maxAgeDays,
      minScore: config.icp.minScore,
    },
  });
  return {
    generatedAt: now,
    population: populationText(config),
    report,
    partnerNames: Object.fromEntries(await partnerNames(db)),
  };
}

export function scoreSettings(config: ProgramConfig): ScoreSettings {
  const { minOutcomes, l2, priorWeight, holdoutShare } = config.score;
  return { minOutcomes, l2, priorWeight, holdoutShare };
}

/** Fits the score on the judged EQLs (time-ordered split), without saving it. */
export async function computeScoreFit(deps: ServiceDeps, now: number = deps.now()): Promise<FittedScore> {
  const { db, config } = deps;
  const q = populationQuery(config, now);
  const settings = scoreSettings(config);
  const splitAt = await splitPoint(db, q, settings.holdoutShare);
  return fitScore(await signalCells(db, { ...q, splitAt }), settings);
}

/** The partner × segment cells the nightly fit keeps for "partners to ask" hints (one dimension at a time). */
export async function computeSegments(deps: ServiceDeps, now: number = deps.now()): Promise<SegmentCell[]> {
  return marginalCells(await segmentCells(deps.db, populationQuery(deps.config, now)));
}

/** The `eql_models` row recording a fit. */
export function modelRow(
  fit: FittedScore,
  config: ProgramConfig,
  now: number,
  segments: readonly SegmentCell[] = [],
): NewEqlModel {
  return {
    segments: segments.map((c) => ({ ...c })),
    fittedAt: now,
    use: fit.use,
    reason: fit.reason,
    n: fit.n,
    positives: fit.positives,
    nTrain: fit.nTrain,
    nTest: fit.nTest,
    model: fit.model ? { ...fit.model } : null,
    prior: { ...fit.prior },
    heldOut: fit.heldOut ? { ...fit.heldOut } : null,
    settings: { ...scoreSettings(config) },
  };
}

/** Fits and stores the score (the newest row is what surfaces use). */
export async function fitAndSaveScore(
  deps: ServiceDeps,
  now: number = deps.now(),
): Promise<{ id: number; fit: FittedScore }> {
  const fit = await computeScoreFit(deps, now);
  return {
    id: await saveModel(deps.db, modelRow(fit, deps.config, now, await computeSegments(deps, now))),
    fit,
  };
}

export interface EcosystemMapResult {
  generatedAt: number;
  population: string;
  minSample: number;
  segments: MapSegment[];
  partnerNames: Record<string, string>;
}

export async function buildEcosystemMap(
  deps: ServiceDeps,
  now: number = deps.now(),
): Promise<EcosystemMapResult> {
  const { db, config } = deps;
  return {
    generatedAt: now,
    population: populationText(config),
    minSample: config.insight.minSample,
    segments: ecosystemMap(await segmentCells(db, populationQuery(config, now)), config.insight.minSample),
    partnerNames: Object.fromEntries(await partnerNames(db)),
  };
}

const segmentCellSchema = z.array(
  z.object({
    partnerSlug: z.string(),
    industry: z.string(),
    country: z.string(),
    employees: z.string(),
    n: z.number(),
    opportunity: z.number(),
    won: z.number(),
  }),
);

/** The ecosystem map as of the newest nightly fit (no scan of the leads), or null before the first fit. */
export async function storedEcosystemMap(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
): Promise<MapSegment[] | null> {
  const parsed = segmentCellSchema.safeParse((await latestModel(deps.db))?.segments);
  return parsed.success ? ecosystemMap(parsed.data, deps.config.insight.minSample) : null;
}

/**
 * The partners to ask about an account (its CRM or partner-supplied firmographics), from the newest nightly
 * fit's map. Internal surfaces only: it names partners.
 */
export async function partnerHintsFor(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  domain: string,
  opts: { exclude?: readonly string[]; map?: MapSegment[] | null } = {},
): Promise<PartnerHint[]> {
  const map = opts.map === undefined ? await storedEcosystemMap(deps) : opts.map;
  if (!map) return [];
  const account = await accountSegment(deps.db, domain);
  if (!account) return [];
  return partnersToAsk(map, account, { exclude: opts.exclude ?? [] });
}

export interface NeedsResult {
  since: number;
  until: number;
  needs: number;
  themes: Theme[];
  method: 'configured' | 'extracted';
}

/** Product input over leads submitted in [since, until): themes by industry and month, never naming partners. */
export async function buildNeeds(
  deps: ServiceDeps,
  range: { since: number; until: number },
): Promise<NeedsResult> {
  const { db, config } = deps;
  const names = [...(await partnerNames(db)).values()];
  const slugs = config.partners.map((p) => p.slug);
  const rows = await needRows(db, range);
  const needs = rows.map((r) => ({
    id: r.id,
    text: r.need,
    segment: r.industry,
    period: calendarDate(r.createdAt, config.timezone).slice(0, 7),
    redact: [...names, ...slugs, ...(r.contactName ? [r.contactName] : [])],
  }));
  return {
    ...range,
    needs: needs.length,
    method: config.needs.themes.length > 0 ? 'configured' : 'extracted',
    themes: needThemes(needs, {
      themes: config.needs.themes,
      minCount: config.needs.minCount,
      maxThemes: config.needs.maxThemes,
    }),
  };
}

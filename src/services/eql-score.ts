import { z } from 'zod';
import { type LeadSignalInput, signalLevels } from '../core/calibration.ts';
import { type LeadScore, type StoredScore, scoreLead } from '../core/eql-score.ts';
import { OPEN_EQL_STATUSES } from '../core/lifecycle.ts';
import { calendarDate, daysBetween, isIsoDate } from '../core/time.ts';
import type { LeadStatus, LeadView } from '../core/types.ts';
import type { Db, Tx } from '../db/connection.ts';
import { type EqlModelRow, latestScoreRow } from '../db/stores/insight-store.ts';
import { partnerNames } from '../db/stores/job-store.ts';
import { hintLine } from '../slack/blocks/insight.ts';
import type { RoutingContext } from '../slack/blocks/routing-post.ts';
import type { ServiceDeps } from './context.ts';
import { partnerHintsFor } from './insight.ts';
import type { NotifyContext } from './notify.ts';

// Model access for the EQL score: the newest fit from `eql_models`, validated, and the score of one lead.
// This is the one module that surfaces (routing post, App Home, reps' queues) call: `currentScore(db)` once,
// then `scoreLeadView(score, view)` per lead. The score prioritises; nothing gates on it.

const priorSchema = z.object({
  overall: z.number(),
  n: z.number(),
  strength: z.record(z.string(), z.object({ rate: z.number(), n: z.number(), opportunity: z.number() })),
});
const modelSchema = z.object({ intercept: z.number(), coefficients: z.record(z.string(), z.number()) });

/** A stored fit as the scorer needs it, or null when none is usable (none yet, or a row that does not parse). */
export function toStoredScore(row: Pick<EqlModelRow, 'use' | 'prior' | 'model'> | null): StoredScore | null {
  if (!row) return null;
  const prior = priorSchema.safeParse(row.prior);
  if (!prior.success) return null;
  const model = row.model ? modelSchema.safeParse(row.model) : null;
  return {
    use: row.use === 'model' && model?.success ? 'model' : 'prior',
    prior: prior.data,
    model: model?.success ? model.data : null,
  };
}

export async function currentScore(h: Db | Tx): Promise<StoredScore | null> {
  return toStoredScore(await latestScoreRow(h));
}

/** The signals of a lead as the routing post shows them (days counted on the UTC calendar, as the store does). */
export function leadSignals(view: LeadView): LeadSignalInput {
  const w = view.warmth;
  const submitted = calendarDate(view.createdAt, 'UTC');
  return {
    strength: w?.strength ?? null,
    relationship: view.relationship,
    willingToIntroduce: w ? w.willingToIntroduce : null,
    interactionDays:
      w?.lastInteractionOn && isIsoDate(w.lastInteractionOn)
        ? daysBetween(w.lastInteractionOn, submitted)
        : null,
    icpScore: view.icpScore,
    overlapVerified: view.overlapVerified,
    corroborators: view.corroborators.length,
  };
}

/** "likely to reach opportunity" for one lead: null with no fit yet. */
export function scoreLeadView(score: StoredScore | null, view: LeadView): LeadScore | null {
  return scoreLead(score, signalLevels(leadSignals(view)));
}

/**
 * The message context of a use case or job: time zone, clock, and the scorer for routing posts. The newest
 * fit is read once, on the first lead scored, through `deps.db`: inside a transaction pass its handle
 * (`{ ...deps, db: tx }`), so the reads stay on the transaction's connection.
 */
export function notifyContext(
  deps: Pick<ServiceDeps, 'db' | 'config'>,
  now: number,
  extra: Pick<RoutingContext, 'claimWait'> = {},
): NotifyContext & Pick<RoutingContext, 'claimWait'> {
  let score: StoredScore | null | undefined;
  return {
    timeZone: deps.config.timezone,
    now,
    ...extra,
    scorer: async (view) => {
      if (!OPEN_FOR_SCORE.has(view.status)) return null;
      if (score === undefined) score = await currentScore(deps.db);
      return scoreLeadView(score, view);
    },
    hinter: async (view) => {
      if (view.surfacedBy !== 'rep' || view.status !== 'awaiting_attestation') return null;
      const hints = await partnerHintsFor(deps, view.domain, { exclude: [view.partner.slug] });
      return hints.length > 0 ? hintLine(hints, Object.fromEntries(await partnerNames(deps.db))) : null;
    },
  };
}

/** Statuses whose routing post shows the score: EQLs being worked. Closed leads need no priority. */
const OPEN_FOR_SCORE = new Set<LeadStatus>(OPEN_EQL_STATUSES);

import { z } from 'zod';
import { type LeadSignalInput, signalLevels } from '../core/calibration.ts';
import { type LeadScore, type StoredScore, scoreLead } from '../core/eql-score.ts';
import { calendarDate, daysBetween, isIsoDate } from '../core/time.ts';
import type { LeadView } from '../core/types.ts';
import type { Db } from '../db/connection.ts';
import { type EqlModelRow, latestModel } from '../db/stores/insight-store.ts';
import type { Tx } from '../db/stores/lead-store.ts';

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
export function toStoredScore(row: EqlModelRow | null): StoredScore | null {
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

export function currentScore(h: Db | Tx): StoredScore | null {
  return toStoredScore(latestModel(h));
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

import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { transaction } from '../db/connection.ts';
import { accessOf, loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { crmClickConflict } from './crm-outcomes.ts';
import { actorSchema, reasonInputSchema } from './inputs.ts';
import { applyTransition, type TransitionResult } from './transition.ts';
import { parseInput } from './validation.ts';

export const OUTCOMES = ['intro_requested', 'meeting_held', 'opportunity', 'won', 'lost'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const outcomeInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  outcome: z.enum(OUTCOMES),
  version: z.number().int().positive().optional(),
  reason: reasonInputSchema.optional(),
});
export type OutcomeInput = z.input<typeof outcomeInputSchema>;

/**
 * The owner (or a leader) moves the motion forward: intro requested, meeting held, opportunity, won or lost.
 * Lost needs a reason code from the configured list so the digest can count why deals die.
 */
export async function recordOutcome(deps: ServiceDeps, raw: OutcomeInput): Promise<TransitionResult> {
  const input = parseInput(outcomeInputSchema, raw);
  let reasonCode: string | null = null;
  let reasonText: string | null = null;
  if (input.outcome === 'lost') {
    if (!input.reason) {
      throw new DomainError('invalid_input', 'Pick why the deal was lost.', {
        fields: { reasonCode: 'Pick a reason' },
      });
    }
    if (!deps.config.reasons.lost.some((r) => r.code === input.reason?.reasonCode)) {
      throw new DomainError('invalid_input', 'Pick one of the listed reasons.', {
        fields: { reasonCode: 'Pick one of the listed reasons' },
      });
    }
    reasonCode = input.reason.reasonCode;
    reasonText = input.reason.reasonText;
  }
  const done = await transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('progress', actor, accessOf(view));
    // A lead linked to a CRM opportunity follows its stage: the click is logged with what the CRM says, and
    // refused (after this transaction commits the log) so the CRM stays the source of truth.
    const conflict = await crmClickConflict(tx, deps, view, input.outcome, input.actor.userId);
    if (conflict) return { conflict };
    return await applyTransition(tx, deps, {
      view,
      to: input.outcome,
      actorUserId: input.actor.userId,
      ...(input.version !== undefined ? { expectedVersion: input.version } : {}),
      patch: {
        ...(input.outcome === 'intro_requested' ? { introStatus: 'requested' as const } : {}),
        ...(reasonCode ? { reasonCode, reasonText } : {}),
      },
      reason: reasonCode,
      data: reasonText ? { reasonText } : {},
      partnerMessage: input.outcome,
    });
  });
  if ('conflict' in done) throw done.conflict;
  return done;
}

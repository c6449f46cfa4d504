import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { transaction } from '../db/connection.ts';
import { accessOf, loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { actorSchema, reasonInputSchema } from './inputs.ts';
import { applyTransition, type TransitionResult } from './transition.ts';
import { parseInput } from './validation.ts';

const disqualifyInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  version: z.number().int().positive().optional(),
  reason: reasonInputSchema,
});
export type DisqualifyInput = z.input<typeof disqualifyInputSchema>;

/** Ends an open lead with a configured reason code (plus optional text), so the digest can count why. */
export async function disqualifyLead(deps: ServiceDeps, raw: DisqualifyInput): Promise<TransitionResult> {
  const input = parseInput(disqualifyInputSchema, raw);
  if (!deps.config.reasons.disqualify.some((r) => r.code === input.reason.reasonCode)) {
    throw new DomainError('invalid_input', 'Pick one of the listed reasons.', {
      fields: { reasonCode: 'Pick one of the listed reasons' },
    });
  }
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('progress', actor, accessOf(view));
    return await applyTransition(tx, deps, {
      view,
      to: 'disqualified',
      actorUserId: input.actor.userId,
      ...(input.version !== undefined ? { expectedVersion: input.version } : {}),
      patch: { reasonCode: input.reason.reasonCode, reasonText: input.reason.reasonText },
      reason: input.reason.reasonCode,
      data: input.reason.reasonText ? { reasonText: input.reason.reasonText } : {},
      partnerMessage: 'disqualified',
    });
  });
}

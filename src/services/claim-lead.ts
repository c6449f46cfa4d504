import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { isOpen, STATUS_LABELS } from '../core/lifecycle.ts';
import { transaction } from '../db/connection.ts';
import { accessOf, loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { actorSchema } from './inputs.ts';
import { alreadyClaimed, applyTransition, type TransitionResult } from './transition.ts';
import { parseInput } from './validation.ts';

const claimInputSchema = z.object({ actor: actorSchema, leadId: z.number().int().positive() });
export type ClaimInput = z.input<typeof claimInputSchema>;

/**
 * First click wins: the update only applies while the lead is still `qualified`, inside an IMMEDIATE
 * transaction, so of any number of simultaneous clicks exactly one becomes the owner and the rest are told who.
 * The version is deliberately not checked: a corroboration arriving between render and click must not
 * cost a rep the claim.
 */
export async function claimLead(deps: ServiceDeps, raw: ClaimInput): Promise<TransitionResult> {
  const input = parseInput(claimInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('claim', actor, accessOf(view));
    if (view.status !== 'qualified') {
      if (view.ownerUserId && isOpen(view.status)) {
        throw alreadyClaimed(view.ownerUserId, view.accountName, input.actor.userId);
      }
      throw new DomainError(
        'illegal_transition',
        isOpen(view.status)
          ? 'Only a qualified lead (an EQL) can be claimed.'
          : `This lead is closed (${STATUS_LABELS[view.status]}); there is nothing to claim.`,
      );
    }
    const now = deps.now();
    return await applyTransition(tx, deps, {
      view,
      to: 'claimed',
      actorUserId: input.actor.userId,
      patch: { ownerUserId: input.actor.userId, claimedAt: now },
      partnerMessage: 'claimed',
    });
  });
}

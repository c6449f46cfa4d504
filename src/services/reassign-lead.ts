import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { isOpen } from '../core/lifecycle.ts';
import { transaction } from '../db/connection.ts';
import { appendEvent, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { rolesOf } from '../db/stores/program-store.ts';
import {
  accessOf,
  loadLeadFor,
  partnerContact,
  requirePermission,
  resolveActor,
  type ServiceDeps,
} from './context.ts';
import { actorSchema, writtenReason } from './inputs.ts';
import { ownerAssignedDm, partnerDm } from './notify.ts';
import { applyTransition, refreshRoutingPost, staleError, type TransitionResult } from './transition.ts';
import { parseInput } from './validation.ts';

const reassignInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  newOwnerUserId: z.string().regex(/^[UW][A-Z0-9]+$/, 'Pick a person'),
  reason: writtenReason('Write why the lead is being reassigned'),
});
export type ReassignInput = z.input<typeof reassignInputSchema>;

/** A leader hands a lead to another rep (or assigns an unclaimed EQL), with a written, logged reason. */
export async function reassignLead(deps: ServiceDeps, raw: ReassignInput): Promise<TransitionResult> {
  const input = parseInput(reassignInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('reassign', actor, accessOf(view));
    const roles = await rolesOf(tx, input.newOwnerUserId);
    if (roles.length === 0) {
      throw new DomainError('invalid_input', 'Pick someone with a role in the program (a rep or a leader).', {
        fields: { newOwnerUserId: 'Pick a rep or a leader' },
      });
    }
    const now = deps.now();
    const why = { byUserId: input.actor.userId, reason: input.reason };
    if (view.status === 'qualified') {
      return await applyTransition(tx, deps, {
        view,
        to: 'claimed',
        actorUserId: input.actor.userId,
        patch: { ownerUserId: input.newOwnerUserId, claimedAt: now },
        reason: input.reason,
        data: { assignedBy: input.actor.userId },
        partnerMessage: 'claimed',
        extraMessages: (after, eventId) => ownerAssignedDm(after, eventId, why),
      });
    }
    if (!isOpen(view.status) || !view.ownerUserId) {
      throw new DomainError('illegal_transition', 'Only a claimed, open lead can be reassigned.');
    }
    if (view.ownerUserId === input.newOwnerUserId) {
      throw new DomainError('invalid_input', 'That person already owns this lead.', {
        fields: { newOwnerUserId: 'That person already owns this lead' },
      });
    }
    if (
      !(await updateLeadIf(
        tx,
        view.id,
        { fromStatuses: [view.status] },
        { ownerUserId: input.newOwnerUserId, updatedAt: now },
      ))
    ) {
      throw await staleError(tx, view);
    }
    const eventId = await appendEvent(tx, {
      leadId: view.id,
      type: 'reassigned',
      actorUserId: input.actor.userId,
      reason: input.reason,
      data: { from: view.ownerUserId, to: input.newOwnerUserId },
      at: now,
    });
    const after = await refreshRoutingPost(tx, deps, view.id, eventId);
    const ctx = { timeZone: deps.config.timezone, now };
    await enqueue(
      tx,
      [
        ...ownerAssignedDm(after, eventId, why),
        ...partnerDm(partnerContact(after), 'claimed', after, ctx, eventId),
      ],
      now,
    );
    return { view: after, eventId };
  });
}

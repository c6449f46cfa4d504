import { z } from 'zod';
import { creditCandidates, creditHolder } from '../core/credit.ts';
import { DomainError } from '../core/errors.ts';
import { transaction } from '../db/connection.ts';
import { appendEvent, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { accessOf, loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { queueCrmWriteBack } from './crm-write-back.ts';
import { actorSchema, writtenReason } from './inputs.ts';
import { partnerDm } from './notify.ts';
import { moveRewardsWithCredit } from './rewards.ts';
import { partnerSide, refreshRoutingPost, staleError, type TransitionResult } from './transition.ts';
import { parseInput } from './validation.ts';

const changeCreditInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  creditedPartnerSlug: z.string().min(1, 'Pick a partner').max(64),
  /** The lead's version when the modal opened: a change someone made meanwhile wins. */
  version: z.number().int().positive().optional(),
  creditReason: writtenReason('Write why the credit is changing'),
});
export type ChangeCreditInput = z.input<typeof changeCreditInputSchema>;

/**
 * A leader overrides first-to-register attribution: primary credit moves to another partner that flagged
 * the account (or back to the first). Credit decides whose conversion the lead counts towards; the lead
 * itself stays in the submitting partner's view. Logged with the reason; both partners are told the outcome.
 */
export async function changeCredit(deps: ServiceDeps, raw: ChangeCreditInput): Promise<TransitionResult> {
  const input = parseInput(changeCreditInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('override_attribution', actor, accessOf(view));
    if (view.status === 'merged') {
      throw new DomainError(
        'illegal_transition',
        'Credit is set on the lead this submission was merged into.',
      );
    }
    const from = creditHolder(view);
    if (from.slug === input.creditedPartnerSlug) {
      throw new DomainError('invalid_input', `${from.name} already holds the credit.`, {
        fields: { creditedPartnerSlug: 'That partner already holds the credit' },
      });
    }
    const to = creditCandidates(view).find((p) => p.slug === input.creditedPartnerSlug);
    if (!to) {
      throw new DomainError('invalid_input', 'Credit can go only to a partner that flagged this account.', {
        fields: { creditedPartnerSlug: 'Pick a partner that flagged this account' },
      });
    }
    const now = deps.now();
    const credited = to.slug === view.partner.slug ? null : to.slug;
    if (
      !(await updateLeadIf(
        tx,
        view.id,
        { fromStatuses: [view.status], ...(input.version !== undefined ? { version: input.version } : {}) },
        { creditedPartnerSlug: credited, updatedAt: now },
      ))
    ) {
      throw await staleError(tx, view);
    }
    const eventId = await appendEvent(tx, {
      leadId: view.id,
      type: 'credit_changed',
      actorUserId: input.actor.userId,
      reason: input.creditReason,
      data: { from: from.slug, to: to.slug },
      at: now,
    });
    // Pending rewards follow the credit; decided ones stay where a leader settled them.
    await moveRewardsWithCredit(tx, deps, view, to.slug, input.actor.userId);
    const after = await refreshRoutingPost(tx, deps, view.id, eventId);
    // The CRM's partner field follows the credit.
    await queueCrmWriteBack(tx, deps, after, eventId);
    const ctx = { timeZone: deps.config.timezone, now };
    const gained = await partnerSide(tx, deps, after, to.slug);
    const moved = await partnerSide(tx, deps, after, from.slug);
    await enqueue(
      tx,
      [
        ...(gained ? partnerDm(gained.contact, 'credit_gained', gained.view, ctx, eventId) : []),
        ...(moved ? partnerDm(moved.contact, 'credit_moved', moved.view, ctx, eventId) : []),
      ],
      now,
    );
    return { view: after, eventId };
  });
}

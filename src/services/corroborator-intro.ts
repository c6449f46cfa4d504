import { z } from 'zod';
import { corroboratorSide } from '../core/credit.ts';
import { DomainError } from '../core/errors.ts';
import { MOTION_STATUSES } from '../core/sla.ts';
import type { LeadView } from '../core/types.ts';
import { type Tx, transaction } from '../db/connection.ts';
import {
  answerIntroRequest,
  corroboratingLeadId,
  getCorroboratorIntro,
  saveIntroRequest,
} from '../db/stores/corroboration-store.ts';
import { appendEvent, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { introAnsweredDm } from '../slack/blocks/internal-messages.ts';
import { introThanks } from '../slack/blocks/partner-messages.ts';
import {
  accessOf,
  loadLeadFor,
  partnerContact,
  requirePermission,
  resolveActor,
  type ServiceDeps,
} from './context.ts';
import { actorSchema } from './inputs.ts';
import { dm, partnerDm, replaceMessage, threadReply } from './notify.ts';
import { refreshRoutingPost, staleError } from './transition.ts';
import { parseInput } from './validation.ts';

// Corroboration as signal (issue 13, item 3): the owner can ask ANY corroborating partner for an intro, with
// the same tracked flow as the submitting partner's (a DM with Intro made / Can't introduce). The request is
// recorded per partner and shown on the routing post. The corroborating partner is asked about the account
// as it flagged it, from its own submission: it never learns that another organisation is involved.

const requestInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  partnerSlug: z.string().min(1).max(64),
});
export type CorroboratorIntroInput = z.input<typeof requestInputSchema>;

export async function requestCorroboratorIntro(
  deps: ServiceDeps,
  raw: CorroboratorIntroInput,
): Promise<{ view: LeadView; eventId: number; partnerContact: string | null }> {
  const input = parseInput(requestInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('progress', actor, accessOf(view));
    if (!MOTION_STATUSES.includes(view.status)) {
      throw new DomainError(
        'illegal_transition',
        view.ownerUserId
          ? 'Intros can be requested while the lead is being worked (claimed, up to opportunity).'
          : 'Claim the lead first; then you can ask any partner that flagged it for an intro.',
      );
    }
    const ownId = await corroboratingLeadId(tx, view.id, input.partnerSlug);
    if (ownId === null) {
      throw new DomainError('invalid_input', 'That partner did not corroborate this lead.');
    }
    const existing = await getCorroboratorIntro(tx, view.id, input.partnerSlug);
    if (existing?.status === 'requested') {
      throw new DomainError('stale', 'An intro request to that partner is already waiting for an answer.');
    }
    if (existing?.status === 'made') {
      throw new DomainError('stale', 'That partner already made the intro.');
    }
    const own = await loadLeadFor(tx, deps, ownId);
    const contact = partnerContact(own);
    if (!contact) throw new DomainError('invalid_input', 'Nobody at that partner can be asked yet.');
    const now = deps.now();
    // Asking a partner for an intro is forward motion: it resets the no-progress clock.
    if (
      !(await updateLeadIf(
        tx,
        view.id,
        { fromStatuses: [view.status] },
        { updatedAt: now, lastProgressAt: now },
      ))
    ) {
      throw await staleError(tx, view);
    }
    await saveIntroRequest(tx, {
      leadId: view.id,
      partnerSlug: input.partnerSlug,
      sourceLeadId: ownId,
      requestedByUserId: input.actor.userId,
      at: now,
    });
    const eventId = await appendEvent(tx, {
      leadId: view.id,
      type: 'corroborator_intro_requested',
      actorUserId: input.actor.userId,
      data: { partnerSlug: input.partnerSlug, sourceLeadId: ownId },
      at: now,
    });
    const after = await refreshRoutingPost(tx, deps, view.id, eventId);
    const side = corroboratorSide(own, after);
    const ctx = { timeZone: deps.config.timezone, now };
    await enqueue(tx, partnerDm(contact, 'intro_requested', side, ctx, eventId), now);
    return { view: after, eventId, partnerContact: contact };
  });
}

/**
 * A corroborating partner answers its intro request from its own (merged) submission's DM. Called by
 * `answerIntro` when the lead the buttons name is a merged submission; `own` is that submission.
 */
export async function answerCorroboratorIntroInTransaction(
  tx: Tx,
  deps: ServiceDeps,
  own: LeadView,
  input: { userId: string; made: boolean; sourceMessage?: { channel: string; ts: string } | undefined },
): Promise<{ view: LeadView; eventId: number }> {
  const leadId = own.mergedIntoLeadId;
  const request = leadId === null ? null : await getCorroboratorIntro(tx, leadId, own.partner.slug);
  if (leadId === null || !request) {
    throw new DomainError('stale', 'There is no open intro request on this lead.');
  }
  const now = deps.now();
  const status = input.made ? ('made' as const) : ('declined' as const);
  if (
    !(await answerIntroRequest(
      tx,
      { leadId, partnerSlug: own.partner.slug },
      { status, byUserId: input.userId, at: now },
    ))
  ) {
    throw new DomainError('stale', 'This intro request was already answered. Thank you!');
  }
  const eventId = await appendEvent(tx, {
    leadId,
    type: 'corroborator_intro_answered',
    actorUserId: input.userId,
    data: { introStatus: status, partnerSlug: own.partner.slug, sourceLeadId: own.id },
    at: now,
  });
  const primary = await refreshRoutingPost(tx, deps, leadId, eventId);
  // Internal: the owner hears which partner answered, about that partner's contact.
  const internal = introAnsweredDm({ ...primary, partner: own.partner, warmth: own.warmth }, input.made);
  const messages: OutboxMessage[] = [
    ...threadReply(primary, `lead:${leadId}:corroborator-intro-thread:${eventId}`, internal),
  ];
  if (primary.ownerUserId) {
    messages.push(dm(primary.ownerUserId, `lead:${leadId}:corroborator-intro:${eventId}`, internal, leadId));
  }
  if (input.sourceMessage) {
    messages.push(
      replaceMessage(
        `lead:${own.id}:intro-thanks:${eventId}`,
        input.sourceMessage,
        introThanks(corroboratorSide(own, primary), input.made),
        own.id,
      ),
    );
  }
  await enqueue(tx, messages, now);
  return { view: corroboratorSide(own, primary), eventId };
}

import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { transaction } from '../db/connection.ts';
import { appendEvent, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { introAnsweredDm } from '../slack/blocks/internal-messages.ts';
import { introThanks } from '../slack/blocks/partner-messages.ts';
import { accessOf, loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { answerCorroboratorIntroInTransaction } from './corroborator-intro.ts';
import { actorSchema } from './inputs.ts';
import { dm, replaceMessage, threadReply } from './notify.ts';
import { refreshRoutingPost, staleError } from './transition.ts';
import { parseInput } from './validation.ts';

const answerIntroInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  made: z.boolean(),
  /** The DM holding the buttons: it is replaced by a thank-you so the buttons cannot be pressed again. */
  sourceMessage: z.object({ channel: z.string().min(1), ts: z.string().min(1) }).optional(),
});
export type AnswerIntroInput = z.input<typeof answerIntroInputSchema>;

/**
 * The partner answers a tracked intro request: "Intro made" or "Can't introduce". The answer is recorded,
 * shown on the routing post and sent to the owner; it is not a lifecycle step (the meeting is).
 */
export async function answerIntro(deps: ServiceDeps, raw: AnswerIntroInput) {
  const input = parseInput(answerIntroInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('answer_intro', actor, accessOf(view));
    // A corroborating partner answers from its own (merged) submission: the request is on the lead it joined.
    if (view.status === 'merged') {
      return await answerCorroboratorIntroInTransaction(tx, deps, view, {
        userId: input.actor.userId,
        made: input.made,
        sourceMessage: input.sourceMessage,
      });
    }
    if (view.introStatus !== 'requested') {
      throw new DomainError(
        'stale',
        view.introStatus
          ? 'This intro request was already answered. Thank you!'
          : 'There is no open intro request on this lead.',
      );
    }
    const now = deps.now();
    const introStatus = input.made ? ('made' as const) : ('declined' as const);
    if (
      !(await updateLeadIf(tx, view.id, { fromStatuses: [view.status] }, { introStatus, updatedAt: now }))
    ) {
      throw await staleError(tx, view);
    }
    const eventId = await appendEvent(tx, {
      leadId: view.id,
      type: 'intro_answered',
      actorUserId: input.actor.userId,
      data: { introStatus },
      at: now,
    });
    const after = await refreshRoutingPost(tx, deps, view.id, eventId);
    const rendered = introAnsweredDm(after, input.made);
    const messages = [...threadReply(after, `lead:${view.id}:intro-answer-thread:${eventId}`, rendered)];
    if (after.ownerUserId)
      messages.push(dm(after.ownerUserId, `lead:${view.id}:intro-answer:${eventId}`, rendered, view.id));
    if (input.sourceMessage) {
      messages.push(
        replaceMessage(
          `lead:${view.id}:intro-thanks:${eventId}`,
          input.sourceMessage,
          introThanks(after, input.made),
          view.id,
        ),
      );
    }
    await enqueue(tx, messages, now);
    return { view: after, eventId };
  });
}

import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../core/errors.ts';
import { answerIntro } from '../../services/answer-intro.ts';
import { claimLead } from '../../services/claim-lead.ts';
import { partnerContact } from '../../services/context.ts';
import { grantExtension } from '../../services/grant-extension.ts';
import type { Actor } from '../../services/inputs.ts';
import { type Outcome, recordOutcome } from '../../services/record-outcome.ts';
import { requestExtension } from '../../services/request-extension.ts';
import type { TransitionResult } from '../../services/transition.ts';
import { claimTakenEphemeral } from '../../slack/blocks/internal-messages.ts';
import { decodeLeadRef } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { blockActionBody, interactionActor } from '../payloads.ts';
import { GENERIC_ERROR, tellPrivately, userMessage } from '../replies.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type LeadRef = { leadId: number; version: number };

/**
 * A button that changes a lead without asking anything more: validate, commit through the use case, then
 * ack, so an acknowledged click is never lost. A refused or too-late click is explained privately.
 */
function leadButton(
  deps: ListenerDeps,
  run: (
    actor: Actor,
    ref: LeadRef,
    source: { channel: string; ts: string } | null,
  ) => Promise<{ view: TransitionResult['view'] }>,
) {
  return async ({ body, ack, client, logger }: Args): Promise<void> => {
    const parsed = blockActionBody.safeParse(body);
    const ref = parsed.success ? decodeLeadRef(parsed.data.actions[0]?.value ?? '') : null;
    if (!parsed.success || !ref) {
      await ack();
      logger.warn(
        { issues: parsed.success ? 'bad lead ref' : parsed.error.issues },
        'ignored a malformed button payload',
      );
      return;
    }
    const b = parsed.data;
    const channelId = b.channel?.id ?? b.container?.channel_id ?? null;
    const actor = interactionActor(b, channelId);
    try {
      const ts = b.container?.message_ts;
      const res = await run(actor, ref, channelId && ts ? { channel: channelId, ts } : null);
      await ack();
      deps.afterCommit([actor.userId, res.view.ownerUserId, partnerContact(res.view)]);
    } catch (err) {
      await ack();
      const message =
        err instanceof DomainError &&
        err.code === 'already_claimed' &&
        typeof err.data.ownerUserId === 'string'
          ? claimTakenEphemeral(
              err.data.ownerUserId,
              typeof err.data.accountName === 'string' ? err.data.accountName : null,
            ).text
          : userMessage(err, actor.userId);
      if (!message) logger.error(err);
      await tellPrivately(client, logger, { userId: actor.userId, channelId }, message ?? GENERIC_ERROR);
    }
  };
}

export const claimButton = (deps: ListenerDeps) =>
  leadButton(deps, (actor, ref) => claimLead(deps.services, { actor, leadId: ref.leadId }));

export const outcomeButton = (deps: ListenerDeps, outcome: Exclude<Outcome, 'lost'>) =>
  leadButton(deps, (actor, ref) =>
    recordOutcome(deps.services, { actor, leadId: ref.leadId, outcome, version: ref.version }),
  );

export const introAnswerButton = (deps: ListenerDeps, made: boolean) =>
  leadButton(deps, (actor, ref, source) =>
    answerIntro(deps.services, {
      actor,
      leadId: ref.leadId,
      made,
      ...(source ? { sourceMessage: source } : {}),
    }),
  );

/** Partner DM (expiry warning, expired): asks the owner, or the leaders, for more time. */
export const requestExtensionButton = (deps: ListenerDeps) =>
  leadButton(deps, (actor, ref) => requestExtension(deps.services, { actor, leadId: ref.leadId }));

/** Routing post, extension request DM, owner's reminder: the owner or a leader grants more time. */
export const grantExtensionButton = (deps: ListenerDeps) =>
  leadButton(deps, (actor, ref) =>
    grantExtension(deps.services, { actor, leadId: ref.leadId, version: ref.version }),
  );

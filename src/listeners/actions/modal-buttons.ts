import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { View } from '@slack/types';
import { authorize, type Permission } from '../../core/permissions.ts';
import { listPartners } from '../../db/stores/program-store.ts';
import { accessOf, loadLeadFor } from '../../services/context.ts';
import type { Actor } from '../../services/inputs.ts';
import { leadHistory } from '../../services/lead-history.ts';
import { whoIs } from '../../services/read-leads.ts';
import { historyModal } from '../../slack/blocks/history.ts';
import {
  attestationModal,
  changeCreditModal,
  reasonModal,
  reassignModal,
  submissionModal,
} from '../../slack/blocks/modals.ts';
import { decodeLeadRef } from '../../slack/ids.ts';
import { unregisteredText } from '../commands/unregistered.ts';
import type { ListenerDeps } from '../deps.ts';
import { blockActionBody, encodeMeta, interactionActor } from '../payloads.ts';
import { GENERIC_ERROR, tellPrivately, userMessage } from '../replies.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * A button that opens a modal. The permission check is a sub-millisecond read, then `views.open` goes out
 * at once, alongside the ack: the trigger id dies 3 seconds after the click.
 */
function modalButton(
  build: (ctx: {
    actor: Actor;
    channelId: string | null;
    value: string;
  }) => Promise<View | { refuse: string }>,
) {
  return async ({ body, ack, client, logger }: Args): Promise<void> => {
    const parsed = blockActionBody.safeParse(body);
    if (!parsed.success) {
      await ack();
      logger.warn({ issues: parsed.error.issues }, 'ignored a malformed button payload');
      return;
    }
    const b = parsed.data;
    const channelId = b.channel?.id ?? b.container?.channel_id ?? null;
    const actor = interactionActor(b, channelId);
    let result: View | { refuse: string };
    try {
      result = await build({ actor, channelId, value: b.actions[0]?.value ?? '' });
    } catch (err) {
      const message = userMessage(err, actor.userId);
      if (!message) logger.error(err);
      result = { refuse: message ?? GENERIC_ERROR };
    }
    if ('refuse' in result) {
      await ack();
      await tellPrivately(client, logger, { userId: actor.userId, channelId }, result.refuse);
      return;
    }
    const [, opened] = await Promise.allSettled([
      ack(),
      client.views.open({ trigger_id: b.trigger_id, view: result }),
    ]);
    if (opened.status === 'rejected') logger.warn({ err: opened.reason }, 'could not open a modal');
  };
}

/** Opens a lead-scoped modal for someone allowed to use it. */
function leadModal(
  deps: ListenerDeps,
  permission: Permission,
  build: (lead: Awaited<ReturnType<typeof loadLeadFor>>, meta: string) => View,
) {
  return modalButton(async ({ actor, channelId, value }) => {
    const ref = decodeLeadRef(value);
    if (!ref) return { refuse: GENERIC_ERROR };
    const who = await whoIs(deps.services, actor);
    const lead = await loadLeadFor(deps.services.db, deps.services, ref.leadId);
    const decision = authorize(permission, who, accessOf(lead));
    if (!decision.allowed) return { refuse: decision.reason };
    return build(lead, encodeMeta({ channelId, leadId: lead.id, version: ref.version }));
  });
}

export const lostButton = (deps: ListenerDeps) =>
  leadModal(deps, 'progress', (lead, meta) =>
    reasonModal('lost', deps.services.config.reasons.lost, lead, meta),
  );

export const disqualifyButton = (deps: ListenerDeps) =>
  leadModal(deps, 'progress', (lead, meta) =>
    reasonModal('disqualify', deps.services.config.reasons.disqualify, lead, meta),
  );

export const reassignButton = (deps: ListenerDeps) =>
  leadModal(deps, 'reassign', (lead, meta) => reassignModal(lead, meta));

export const changeCreditButton = (deps: ListenerDeps) =>
  leadModal(deps, 'override_attribution', (lead, meta) => changeCreditModal(lead, meta));

export const attestButton = (deps: ListenerDeps) =>
  leadModal(deps, 'attest', (lead, meta) => attestationModal(lead, meta));

/** The pinned card's and App Home's "Flag an account": the same submission modal as `/eql`. */
export const flagButton = (deps: ListenerDeps) =>
  modalButton(async ({ actor, channelId }) => {
    const who = await whoIs(deps.services, actor);
    const decision = authorize('flag', who);
    if (!decision.allowed)
      return {
        refuse:
          who.kind === 'unregistered' ? unregisteredText(deps.services.config, channelId) : decision.reason,
      };
    return submissionModal({
      variant: who.kind === 'partner' ? 'partner' : 'rep',
      prefill: {},
      partners:
        who.kind === 'partner'
          ? []
          : (await listPartners(deps.services.db)).map((p) => ({ slug: p.slug, name: p.name })),
      privateMetadata: encodeMeta({ channelId }),
    });
  });

/** Routing post: the lead's audit history, read-only, for the vendor team. */
export const historyButton = (deps: ListenerDeps) =>
  modalButton(async ({ actor, value }) => {
    const ref = decodeLeadRef(value);
    if (!ref) return { refuse: GENERIC_ERROR };
    return historyModal(await leadHistory(deps.services, { leadId: ref.leadId }, actor));
  });

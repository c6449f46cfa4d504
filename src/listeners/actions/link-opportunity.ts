import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { partnerContact } from '../../services/context.ts';
import { linkOpportunity } from '../../services/crm-outcomes.ts';
import { decodeLinkChoice } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { blockActionBody, interactionActor } from '../payloads.ts';
import { GENERIC_ERROR, tellPrivately, userMessage } from '../replies.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** A static_select's action: the option picked carries the lead and the opportunity (slack/ids.ts). */
const selectAction = z.object({ selected_option: z.object({ value: z.string() }) }).passthrough();

/**
 * The routing post's Link opportunity select (PRODUCT.md section 11): the owner, a leader or an admin links the
 * EQL to one of its account's opportunities. Committed before the ack, like every button; a refused pick is
 * explained privately and changes nothing.
 */
export const linkOpportunitySelect =
  (deps: ListenerDeps) =>
  async ({ body, ack, client, logger }: Args): Promise<void> => {
    const parsed = blockActionBody.safeParse(body);
    const action = parsed.success ? selectAction.safeParse(parsed.data.actions[0]) : null;
    const ref = action?.success ? decodeLinkChoice(action.data.selected_option.value) : null;
    if (!parsed.success || !ref) {
      await ack();
      logger.warn('ignored a malformed Link opportunity payload');
      return;
    }
    const b = parsed.data;
    const channelId = b.channel?.id ?? b.container?.channel_id ?? null;
    const actor = interactionActor(b, channelId);
    try {
      const res = await linkOpportunity(deps.services, {
        actor,
        leadId: ref.leadId,
        opportunityId: ref.opportunityId,
      });
      await ack();
      deps.afterCommit([actor.userId, res.view.ownerUserId, partnerContact(res.view)]);
    } catch (err) {
      await ack();
      const message = userMessage(err, actor.userId);
      if (!message) logger.error(err);
      await tellPrivately(client, logger, { userId: actor.userId, channelId }, message ?? GENERIC_ERROR);
    }
  };

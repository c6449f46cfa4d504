import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { authorize } from '../../core/permissions.ts';
import { listPartners } from '../../db/stores/program-store.ts';
import { postFlagCards } from '../../services/post-flag-cards.ts';
import { buildProgramDigest } from '../../services/program-digest.ts';
import { leadStatus, myLeads, whoIs } from '../../services/read-leads.ts';
import { digestMessage } from '../../slack/blocks/digest.ts';
import { helpText, mineList, refusal, statusReply } from '../../slack/blocks/internal-messages.ts';
import { submissionModal } from '../../slack/blocks/modals.ts';
import { userText } from '../../slack/mrkdwn.ts';
import type { ListenerDeps } from '../deps.ts';
import { commandActor, encodeMeta } from '../payloads.ts';
import { GENERIC_ERROR, userMessage } from '../replies.ts';
import { parseEqlCommand } from './parse-eql.ts';
import { unregisteredText } from './unregistered.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** `/eql` and its subcommands. Opening the modal comes first: its trigger id is only good for 3 seconds. */
export function eqlCommand(deps: ListenerDeps) {
  return async ({ command, ack, client, logger }: Args): Promise<void> => {
    const actor = commandActor(command);
    const parsed = parseEqlCommand(command.text ?? '');
    const services = deps.services;
    const who = await whoIs(services, actor);
    const isAdmin = who.kind === 'internal' && who.roles.includes('admin');
    const isLeader = who.kind === 'internal' && (who.roles.includes('leader') || isAdmin);
    const ephemeral = (msg: { text: string; blocks?: unknown[] }) =>
      ack({
        response_type: 'ephemeral',
        text: msg.text,
        ...(msg.blocks ? { blocks: msg.blocks as never } : {}),
      });

    const flagDecision = authorize('flag', who);
    if (!flagDecision.allowed) {
      await ephemeral({
        text: who.kind === 'unregistered' ? unregisteredText(services.config) : flagDecision.reason,
      });
      return;
    }
    try {
      switch (parsed.kind) {
        case 'open': {
          const view = submissionModal({
            variant: who.kind === 'partner' ? 'partner' : 'rep',
            prefill: parsed.website ? { website: parsed.website } : {},
            partners:
              who.kind === 'partner'
                ? []
                : (await listPartners(services.db)).map((p) => ({ slug: p.slug, name: p.name })),
            privateMetadata: encodeMeta({ channelId: command.channel_id ?? null }),
          });
          const [, opened] = await Promise.allSettled([
            ack(),
            client.views.open({ trigger_id: command.trigger_id, view }),
          ]);
          if (opened.status === 'rejected')
            logger.warn({ err: opened.reason }, 'could not open the submission modal');
          return;
        }
        case 'status': {
          const res = await leadStatus(services, actor, parsed.website);
          await ephemeral(
            statusReply(res.leads, res.audience, {
              timeZone: services.config.timezone,
              now: services.now(),
              domain: res.domain,
              hint: res.hint ?? null,
            }),
          );
          return;
        }
        case 'mine': {
          const res = await myLeads(services, actor);
          await ephemeral(
            mineList(res.leads, res.audience, { timeZone: services.config.timezone, now: services.now() }),
          );
          return;
        }
        case 'digest': {
          const decision = authorize('reports', who);
          if (!decision.allowed) return void (await ephemeral({ text: decision.reason }));
          await ephemeral(digestMessage(await buildProgramDigest(services)));
          return;
        }
        case 'setup': {
          const decision = authorize('setup', who);
          if (!decision.allowed) return void (await ephemeral({ text: decision.reason }));
          const res = await postFlagCards(services, { actorUserId: command.user_id });
          await ephemeral({
            text: res.channels.length
              ? `Posting or refreshing the pinned “Flag an account” card in ${res.channels.length} shared channel${res.channels.length === 1 ? '' : 's'}: ${res.channels.map((c) => `<#${c}>`).join(', ')}. Make sure Foothold is a member of each.`
              : 'No partner has a registered shared channel yet. Add `channels` to a partner in the configuration file.',
          });
          deps.afterCommit();
          return;
        }
        case 'help': {
          const help = helpText(isAdmin, isLeader);
          await ephemeral(
            parsed.unknown
              ? {
                  // What they typed is shown back escaped: it may hold <!channel> or <@U…>.
                  text: `I didn't understand “${userText(parsed.unknown, 80)}”. ${help.text}`,
                  blocks: help.blocks,
                }
              : help,
          );
          return;
        }
      }
    } catch (err) {
      const message = userMessage(err, command.user_id);
      if (!message) logger.error(err);
      await ephemeral(refusal(message ?? GENERIC_ERROR));
    }
  };
}

import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { authorize } from '../../core/permissions.ts';
import { listPartners } from '../../db/stores/program-store.ts';
import { whoIs } from '../../services/read-leads.ts';
import { submissionModal } from '../../slack/blocks/modals.ts';
import { unescapeSlackText } from '../../slack/mrkdwn.ts';
import { unregisteredText } from '../commands/unregistered.ts';
import type { ListenerDeps } from '../deps.ts';
import { encodeMeta, interactionActor, messageShortcutBody } from '../payloads.ts';
import { tellPrivately } from '../replies.ts';

type Args = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

/** "Flag as EQL" on any message: the submission modal, with the message linked as context. */
export function flagAsEqlShortcut(deps: ListenerDeps) {
  return async ({ body, ack, client, logger }: Args): Promise<void> => {
    const parsed = messageShortcutBody.safeParse(body);
    if (!parsed.success) {
      await ack();
      logger.warn({ issues: parsed.error.issues }, 'malformed message shortcut');
      return;
    }
    const b = parsed.data;
    const actor = interactionActor(b, b.channel.id, { invokedFromOwnOrg: true });
    const who = await whoIs(deps.services, actor);
    const decision = authorize('flag', who);
    if (!decision.allowed) {
      await ack();
      await tellPrivately(
        client,
        logger,
        { userId: actor.userId, channelId: b.channel.id },
        who.kind === 'unregistered' ? unregisteredText(deps.services.config, b.channel.id) : decision.reason,
      );
      return;
    }
    const sourceMessageUrl = messageUrl(b.channel.id, b.message.ts);
    const view = submissionModal({
      variant: who.kind === 'partner' ? 'partner' : 'rep',
      prefill: { notes: unescapeSlackText(b.message.text ?? '').slice(0, 500) },
      partners:
        who.kind === 'partner'
          ? []
          : (await listPartners(deps.services.db)).map((p) => ({ slug: p.slug, name: p.name })),
      sourceMessageUrl,
      privateMetadata: encodeMeta({ channelId: b.channel.id, sourceMessageUrl }),
    });
    const [, opened] = await Promise.allSettled([
      ack(),
      client.views.open({ trigger_id: b.trigger_id, view }),
    ]);
    if (opened.status === 'rejected')
      logger.warn({ err: opened.reason }, 'could not open the submission modal');
  };
}

/**
 * A link to the flagged message that Slack resolves for anyone who can see it (the archive URL form), built
 * locally so the shortcut needs no extra API call before the modal opens.
 */
export function messageUrl(channelId: string, ts: string): string {
  return `https://slack.com/archives/${channelId}/p${ts.replace('.', '')}`;
}

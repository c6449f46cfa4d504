import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ChannelState } from '../../db/schema.ts';
import { internalChannels, recordChannelState } from '../../services/channel-watch.ts';
import { type ChannelVerdict, type ConversationFacts, channelVerdict } from '../../slack/channel-state.ts';
import type { ListenerDeps } from '../deps.ts';

// Slack's channel events for the program's internal channels (services/channel-watch.ts says what follows).
// An event only says "look again": the state recorded is what `conversations.info` answers now, so a retried,
// replayed or late event (a `channel_shared` arriving after the `channel_unshared` that undid it) records the
// channel as it really is. Events: https://api.slack.com/events/channel_shared, channel_unshared,
// channel_archive, channel_unarchive, channel_deleted, channel_id_changed, group_archive, group_unarchive,
// group_deleted (private channels, with groups:read). Making a channel private (`channel_convert_to_private`)
// is only a message subtype, which would need the history scopes; it keeps the channel id and its members, so
// it needs nothing here.

export const CHANNEL_EVENTS = [
  'channel_shared',
  'channel_unshared',
  'channel_archive',
  'channel_unarchive',
  'channel_deleted',
  'channel_id_changed',
  'group_archive',
  'group_unarchive',
  'group_deleted',
] as const;

type Source = (typeof CHANNEL_EVENTS)[number];

/**
 * Records what Slack says a channel is now. `unknown` is what to assume when Slack cannot be asked (a share is
 * assumed real; anything else leaves the recorded state as it is).
 */
async function lookAgain(
  deps: ListenerDeps,
  client: WebClient,
  channelId: string,
  source: Source,
  unknown: ChannelVerdict | null,
): Promise<void> {
  if (!internalChannels(deps.services.config).includes(channelId)) return;
  let verdict: ChannelVerdict | null;
  try {
    const info = await client.conversations.info({ channel: channelId });
    verdict = channelVerdict((info.channel ?? {}) as ConversationFacts);
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    verdict = code === 'channel_not_found' ? { state: 'deleted', detail: 'not found' } : unknown;
    deps.logger.warn(
      { err, channel: channelId, source },
      'could not check a routing channel after a Slack event',
    );
  }
  if (verdict) await record(deps, channelId, source, verdict);
}

async function record(
  deps: ListenerDeps,
  channelId: string,
  source: Source,
  v: ChannelVerdict,
): Promise<void> {
  const res = await recordChannelState(deps.services, {
    channelId,
    state: v.state,
    detail: v.detail,
    source,
  });
  if (!res.changed) return;
  const level = v.state === 'internal' ? 'info' : 'warn';
  deps.logger[level](
    { channel: channelId, from: res.before, to: v.state, detail: v.detail, source },
    v.state === 'internal'
      ? 'routing channel is internal again; posting there resumed'
      : 'routing channel is no longer internal; posting there is held and admins were told',
  );
  deps.afterCommit(res.told);
}

const gone = (state: ChannelState, detail: string): ChannelVerdict => ({ state, detail });

export function registerChannelEvents(app: App, deps: ListenerDeps): void {
  app.event('channel_shared', async ({ event, client }) => {
    await lookAgain(deps, client, event.channel, 'channel_shared', {
      state: 'shared',
      detail: `shared with ${event.connected_team_id}`,
    });
  });
  app.event('channel_unshared', async ({ event, client }) => {
    await lookAgain(deps, client, event.channel, 'channel_unshared', null);
  });
  for (const type of ['channel_archive', 'channel_unarchive', 'group_archive', 'group_unarchive'] as const) {
    app.event(type, async ({ event, client }) => {
      await lookAgain(deps, client, event.channel, type, null);
    });
  }
  for (const type of ['channel_deleted', 'group_deleted'] as const) {
    app.event(type, async ({ event }) => {
      if (internalChannels(deps.services.config).includes(event.channel))
        await record(deps, event.channel, type, gone('deleted', 'deleted in Slack'));
    });
  }
  // Sharing a private channel gives it a new id: the configured id no longer receives anything, so it is held
  // until the config names an internal channel again.
  app.event('channel_id_changed', async ({ event }) => {
    if (internalChannels(deps.services.config).includes(event.old_channel_id))
      await record(
        deps,
        event.old_channel_id,
        'channel_id_changed',
        gone('moved', `its id changed to ${event.new_channel_id}`),
      );
  });
}

import type { ProgramConfig } from '../config/program-config.ts';
import { transaction } from '../db/connection.ts';
import type { ChannelState } from '../db/schema.ts';
import { appendEvent } from '../db/stores/lead-store.ts';
import { channelStateOf, enqueue, pendingTo, setChannelState } from '../db/stores/outbox-store.ts';
import { channelChangeDm } from '../slack/blocks/channel-alerts.ts';
import type { ServiceDeps } from './context.ts';
import { dm } from './notify.ts';

// The program's internal channels (routing channels, the digest channel) must stay internal: partners must
// never read routing posts. When Slack says one is shared (or about to be, archived, deleted, or moved to a new
// id), Foothold stops posting there at once: the outbox holds its rows (the channel's state is durable, so a
// restart keeps holding them), admins get a DM and see it on their App Home, and an audit event is written.
// When it is internal again, posting resumes with the rows that waited. Only a change of state acts, so a
// repeated or replayed Slack event changes nothing.

/** Every channel Foothold posts internal messages to. */
export function internalChannels(config: ProgramConfig): string[] {
  return [
    ...new Set([
      config.routingChannel,
      ...config.routing.map((r) => r.channel),
      ...(config.digest.channel ? [config.digest.channel] : []),
    ]),
  ];
}

export interface ChannelStateInput {
  channelId: string;
  state: ChannelState;
  detail: string | null;
  /** What told us: `startup`, or the Slack event type. */
  source: string;
}

export interface ChannelStateResult {
  changed: boolean;
  before: ChannelState;
  /** Admins told (their App Homes need a refresh). */
  told: string[];
}

export async function recordChannelState(
  deps: ServiceDeps,
  input: ChannelStateInput,
): Promise<ChannelStateResult> {
  const now = deps.now();
  if (!internalChannels(deps.config).includes(input.channelId)) {
    return {
      changed: false,
      before: (await channelStateOf(deps.db, input.channelId))?.state ?? 'internal',
      told: [],
    };
  }
  return transaction(deps.db, async (tx) => {
    const before = await setChannelState(tx, input.channelId, input.state, input.detail, now);
    if (before === input.state) return { changed: false, before, told: [] };
    const held = input.state !== 'internal';
    const eventId = await appendEvent(tx, {
      leadId: null,
      type: held ? 'channel_held' : 'channel_resumed',
      reason: input.detail,
      data: { channelId: input.channelId, from: before, to: input.state, source: input.source },
      at: now,
    });
    const rendered = channelChangeDm({
      channelId: input.channelId,
      state: input.state,
      detail: input.detail,
      waiting: await pendingTo(tx, input.channelId),
    });
    const admins = deps.config.roles.admins;
    await enqueue(
      tx,
      admins.map((u) => dm(u, `channel:${input.channelId}:${input.state}:${eventId}:${u}`, rendered, null)),
      now,
    );
    return { changed: true, before, told: admins };
  });
}

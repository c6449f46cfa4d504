import type { ChannelState } from '../db/schema.ts';

// What a `conversations.info` answer means for a channel Foothold posts internal messages to. Fields as in
// Slack's conversation object (https://api.slack.com/types/conversations and the conversations.info reference):
// `is_ext_shared` (shared with another organisation), `is_pending_ext_shared` and `pending_connected_team_ids`
// (an invitation to share it is out: once accepted, partners read the whole history), `is_archived`.

export interface ConversationFacts {
  id?: string;
  name?: string;
  is_archived?: boolean;
  is_ext_shared?: boolean;
  is_pending_ext_shared?: boolean;
  pending_connected_team_ids?: string[];
  connected_team_ids?: string[];
  shared_team_ids?: string[];
  context_team_id?: string;
}

export interface ChannelVerdict {
  state: ChannelState;
  /** Why, in words for admins and logs (no Slack markup). */
  detail: string | null;
}

/** Internal channels only: shared, about to be shared, or archived all stop routing posts. */
export function channelVerdict(c: ConversationFacts): ChannelVerdict {
  const pending = c.pending_connected_team_ids ?? [];
  if (c.is_ext_shared) {
    const others = (c.connected_team_ids ?? c.shared_team_ids ?? []).filter((t) => t !== c.context_team_id);
    return {
      state: 'shared',
      detail: `shared with another organisation${others.length ? ` (${others.join(', ')})` : ''}`,
    };
  }
  if (c.is_pending_ext_shared || pending.length > 0) {
    return {
      state: 'pending_share',
      detail: `an invitation to share it with another organisation is pending${pending.length ? ` (${pending.join(', ')})` : ''}`,
    };
  }
  if (c.is_archived) return { state: 'archived', detail: 'archived' };
  return { state: 'internal', detail: null };
}

/** Words for each state, for admins (a Record, so a new state cannot be forgotten). */
export const CHANNEL_STATE_LABEL: Record<ChannelState, string> = {
  internal: 'internal',
  shared: 'shared with another organisation',
  pending_share: 'about to be shared with another organisation',
  archived: 'archived',
  deleted: 'deleted',
  moved: 'moved to a new channel id',
};

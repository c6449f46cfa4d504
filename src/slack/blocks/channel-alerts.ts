import type { ChannelState } from '../../db/schema.ts';
import type { DeliveryProblems } from '../../db/stores/outbox-store.ts';
import { CHANNEL_STATE_LABEL } from '../channel-state.ts';
import { context, message, type SlackMessage, section } from '../limits.ts';
import { channelLink, escapeMrkdwn, plural } from '../mrkdwn.ts';

// What admins are told when one of the program's internal channels stops (or resumes) taking routing posts,
// and the "Delivery problems" part of their App Home.

export interface ChannelChange {
  channelId: string;
  state: ChannelState;
  /** What Slack said, in words (connected team ids…); shown as plain text. */
  detail: string | null;
  /** Routing posts and updates waiting for this channel. */
  waiting: number;
}

/** The DM to each admin when a channel is held or resumes. */
export function channelChangeDm(c: ChannelChange): SlackMessage {
  const where = channelLink(c.channelId);
  const detail = c.detail ? ` (${escapeMrkdwn(c.detail)})` : '';
  if (c.state === 'internal') {
    const text = `${where} is internal again: Foothold resumed posting there${c.waiting ? `, starting with the ${plural(c.waiting, 'message')} that waited` : ''}.`;
    return message(text, [section(`:white_check_mark: ${text}`)]);
  }
  const text = `Foothold stopped posting to ${where}: it is ${CHANNEL_STATE_LABEL[c.state]}${detail}. Partners must never see routing posts, so ${c.waiting ? `${plural(c.waiting, 'message')} ${c.waiting === 1 ? 'waits' : 'wait'}` : 'new messages will wait'} until it is internal again.`;
  const fix =
    c.state === 'shared' || c.state === 'pending_share'
      ? 'Remove the other organisation from the channel (or cancel the invitation); posting resumes by itself. Or point `routing` at an internal channel and restart Foothold.'
      : 'Unarchive it, or point `routing` at another internal channel and restart Foothold.';
  return message(text, [section(`:no_entry: ${text}`), context([fix])]);
}

/** Lines for the admins' App Home; empty when every delivery is flowing. */
export function deliveryProblemLines(p: DeliveryProblems): string[] {
  const lines = p.channels.map(
    (c) =>
      `:no_entry: ${channelLink(c.channelId)} is ${CHANNEL_STATE_LABEL[c.state]}${c.detail ? ` (${escapeMrkdwn(c.detail)})` : ''}: nothing is posted there; ${plural(c.waiting, 'message')} waiting.`,
  );
  if (p.heldMessages > 0) {
    lines.push(
      `:hourglass: ${plural(p.heldMessages, 'message')} held: no way to reach the recipient yet${p.heldExample ? ` (for example: ${escapeMrkdwn(p.heldExample)})` : ''}. Foothold tries again every few minutes.`,
    );
  }
  if (p.failedMessages > 0) {
    lines.push(
      `:warning: ${plural(p.failedMessages, 'message')} could not be delivered in the last 7 days (the logs say why).`,
    );
  }
  return lines;
}

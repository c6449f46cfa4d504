import type { LeadScore } from '../core/eql-score.ts';
import type { LeadView } from '../core/types.ts';
import {
  LEAD_POST_TS,
  ON_SENT_ROUTING_POST,
  type OutboxMessage,
  routingPostKey,
} from '../db/stores/outbox-store.ts';
import { partnerManagerConflict, repAssignedDm, repSuggestionDm } from '../slack/blocks/internal-messages.ts';
import {
  attestationRequest,
  type PartnerMessageKind,
  partnerMessage,
  primer,
} from '../slack/blocks/partner-messages.ts';
import { type RoutingContext, routingPost } from '../slack/blocks/routing-post.ts';
import { escapeMrkdwn } from '../slack/mrkdwn.ts';

// The message catalogue: which Slack message goes to whom when a lead changes. Pure: it turns a lead's
// view after the change into outbox rows; the use case writes them in the same transaction as the change.
// Only the routing post is async: its context's scorer and hinter read the newest fit (on the handle the
// use case gives `notifyContext`, its transaction's).

export interface NotifyContext {
  timeZone: string;
  now: number;
  /** The EQL score of a lead for its routing post (internal only; see src/services/eql-score.ts). */
  scorer?: ((view: LeadView) => Promise<LeadScore | null>) | undefined;
  /** Partners to ask, for a lead still waiting for a partner (internal only; mrkdwn line or null). */
  hinter?: ((view: LeadView) => Promise<string | null>) | undefined;
}

function message(rendered: { text: string; blocks: unknown[] }): Record<string, unknown> {
  return { text: rendered.text, blocks: rendered.blocks, unfurl_links: false, unfurl_media: false };
}

/** The routing post: created the first time a lead is routed, then updated in place at every change. */
export async function routingPostMessage(
  view: LeadView,
  ctx: NotifyContext & Pick<RoutingContext, 'claimWait'>,
  opts: { exists: boolean; eventId: number },
): Promise<OutboxMessage[]> {
  if (!view.routeChannel) return [];
  const rendered = routingPost(view, {
    ...ctx,
    score: (await ctx.scorer?.(view)) ?? null,
    partnerHint: (await ctx.hinter?.(view)) ?? null,
  });
  if (!opts.exists) {
    return [
      {
        deliveryKey: routingPostKey(view.id),
        recipient: view.routeChannel,
        method: 'chat.postMessage',
        payload: { channel: view.routeChannel, ...message(rendered) },
        leadId: view.id,
        onSent: ON_SENT_ROUTING_POST,
      },
    ];
  }
  return [
    {
      deliveryKey: `lead:${view.id}:post-update:${opts.eventId}`,
      recipient: view.routeChannel,
      method: 'chat.update',
      payload: { channel: view.routeChannel, ts: LEAD_POST_TS, text: rendered.text, blocks: rendered.blocks },
      leadId: view.id,
    },
  ];
}

/** A reply in the routing post's thread (reminders, intro answers), so the channel stays one post per lead. */
export function threadReply(
  view: LeadView,
  key: string,
  rendered: { text: string; blocks?: unknown[] },
): OutboxMessage[] {
  if (!view.routeChannel) return [];
  return [
    {
      deliveryKey: key,
      recipient: view.routeChannel,
      method: 'chat.postMessage',
      payload: {
        channel: view.routeChannel,
        thread_ts: LEAD_POST_TS,
        text: rendered.text,
        ...(rendered.blocks ? { blocks: rendered.blocks } : {}),
      },
      leadId: view.id,
    },
  ];
}

export function dm(
  userId: string,
  key: string,
  rendered: { text: string; blocks: unknown[] },
  leadId: number | null,
): OutboxMessage {
  return {
    deliveryKey: key,
    recipient: userId,
    method: 'chat.postMessage',
    payload: { channel: userId, ...message(rendered) },
    leadId,
  };
}

/**
 * Replaces a message someone clicked (a DM or a channel post) with `rendered`, so its buttons can't be pressed
 * again: intro thanks, reward decisions, overlap-first answers.
 */
export function replaceMessage(
  key: string,
  source: { channel: string; ts: string },
  rendered: { text: string; blocks: unknown[] },
  leadId: number | null,
): OutboxMessage {
  return {
    deliveryKey: key,
    recipient: source.channel,
    method: 'chat.update',
    payload: { channel: source.channel, ts: source.ts, text: rendered.text, blocks: rendered.blocks },
    leadId,
  };
}

/** A new post in a channel (a partner's registered shared channel): the same call as a DM, to a channel id. */
export const channelPost = dm;

export function partnerDm(
  userId: string | null,
  kind: PartnerMessageKind,
  view: LeadView,
  ctx: NotifyContext,
  eventId: number,
): OutboxMessage[] {
  if (!userId) return [];
  return [dm(userId, `lead:${view.id}:partner:${kind}:${eventId}`, partnerMessage(kind, view, ctx), view.id)];
}

export function primerDm(userId: string): OutboxMessage {
  return dm(userId, `primer:${userId}`, primer(), null);
}

export function suggestionDm(view: LeadView, eventId: number): OutboxMessage[] {
  if (!view.suggestedUserId || view.ownerUserId) return [];
  return [dm(view.suggestedUserId, `lead:${view.id}:suggest:${eventId}`, repSuggestionDm(view), view.id)];
}

export function ownerAssignedDm(
  view: LeadView,
  eventId: number,
  why: string | { byUserId: string; reason: string },
): OutboxMessage[] {
  if (!view.ownerUserId) return [];
  return [dm(view.ownerUserId, `lead:${view.id}:assigned:${eventId}`, repAssignedDm(view, why), view.id)];
}

/**
 * Asks the partner org to attest warmth for a rep-surfaced account. People we already know there are asked
 * by DM (partner-specific content stays out of channels other organisations may read); failing that, the
 * partner's registered shared channel; failing that, the partner manager, so a request never goes nowhere.
 */
export function attestationRequestMessages(
  view: LeadView,
  ctx: NotifyContext,
  targets: { channels: string[]; people: string[]; managerUserId: string },
  eventId: number,
): OutboxMessage[] {
  const rendered = attestationRequest(view, ctx);
  if (targets.people.length > 0) {
    return targets.people
      .slice(0, 3)
      .map((u) => dm(u, `lead:${view.id}:attest-request:${eventId}:${u}`, rendered, view.id));
  }
  const channel = targets.channels[0];
  if (channel) {
    return [
      {
        deliveryKey: `lead:${view.id}:attest-request:${eventId}`,
        recipient: channel,
        method: 'chat.postMessage',
        payload: { channel, ...message(rendered) },
        leadId: view.id,
      },
    ];
  }
  return [
    dm(
      targets.managerUserId,
      `lead:${view.id}:attest-request:${eventId}:manager`,
      {
        text: `Nobody at ${escapeMrkdwn(view.partner.name)} has used Foothold yet and it has no shared channel registered, so please ask them to attest ${escapeMrkdwn(view.accountName)} (${view.domain}).`,
        blocks: rendered.blocks,
      },
      view.id,
    ),
  ];
}

export function conflictNotice(
  managerUserId: string,
  day: string,
  facts: {
    accountName: string;
    domain: string;
    partnerName: string;
    partnerSlug: string;
    reason: 'customer' | 'open_opportunity';
    flaggedBy: { userId: string; side: 'partner' | 'rep' };
  },
): OutboxMessage {
  // One heads-up per account, partner and day: a partner re-flagging the account doesn't ping again.
  return dm(
    managerUserId,
    `conflict:${facts.domain}:${facts.partnerSlug}:${day}`,
    partnerManagerConflict(facts),
    null,
  );
}

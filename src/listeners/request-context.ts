import { randomUUID } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { logContext } from '../logger.ts';
import type { ListenerDeps } from './deps.ts';

// The first global middleware: gives every Slack request an id and its identifying fields (kind, user, team,
// action/callback/command/event), which every log line written while it runs carries (see `logContext`), and
// lets one Events API event through once however often Slack delivers it.

export interface RequestFields {
  requestId: string;
  kind: string;
  userId?: string;
  teamId?: string;
  /** The Grid organisation the request names (the person's, or the installation's). */
  enterpriseId?: string;
  actionId?: string;
  callbackId?: string;
  command?: string;
  event?: string;
  eventId?: string;
  retryNum?: number;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v.slice(0, 80) : undefined;
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export function newRequestId(): string {
  // The first 8 hex digits of a v4 UUID are random; randomUUID draws from a cached pool, where
  // randomBytes asked the OS for every request.
  return `req_${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
}

/** What identifies a request in the logs. Never the payload itself: it holds what people typed. */
export function describeRequest(body: unknown, requestId: string, retryNum?: number): RequestFields {
  const b = obj(body);
  const user = obj(b.user);
  const fields: RequestFields = { requestId, kind: str(b.type) ?? (b.command ? 'slash_command' : 'unknown') };
  const set = (key: Exclude<keyof RequestFields, 'requestId' | 'kind' | 'retryNum'>, v: unknown) => {
    const s = str(v);
    if (s) fields[key] = s;
  };
  set('userId', user.id ?? b.user_id ?? obj(b.event).user);
  set('teamId', user.team_id ?? obj(b.team).id ?? b.team_id);
  set(
    'enterpriseId',
    user.enterprise_id ?? obj(b.team).enterprise_id ?? obj(b.enterprise).id ?? b.enterprise_id,
  );
  set('command', b.command);
  set('callbackId', obj(b.view).callback_id ?? b.callback_id);
  const actions = Array.isArray(b.actions) ? b.actions : [];
  set('actionId', obj(actions[0]).action_id);
  set('event', obj(b.event).type);
  set('eventId', b.event_id);
  if (retryNum) fields.retryNum = retryNum;
  return fields;
}

/** Event ids seen recently (Slack retries within minutes: immediately, after 1 and after 5). */
export function recentIds(capacity = 10_000, ttlMs = 15 * 60_000, now: () => number = Date.now) {
  const seen = new Map<string, number>();
  return {
    /** True the first time an id is offered (within the TTL); false for a repeat. */
    claim(id: string): boolean {
      const t = now();
      const at = seen.get(id);
      if (at !== undefined && t - at < ttlMs) return false;
      seen.delete(id);
      seen.set(id, t);
      while (seen.size > capacity) {
        const oldest = seen.keys().next().value;
        if (oldest === undefined) break;
        seen.delete(oldest);
      }
      return true;
    },
    release(id: string): void {
      seen.delete(id);
    },
  };
}

export function requestContext(deps: Pick<ListenerDeps, 'logger'>): Middleware<AnyMiddlewareArgs> {
  const events = recentIds();
  return async ({ body, context, next }) => {
    const requestId = newRequestId();
    context.requestId = requestId;
    const fields = describeRequest(body, requestId, context.retryNum);
    await logContext.run({ ...fields }, async () => {
      const eventId = fields.kind === 'event_callback' ? fields.eventId : undefined;
      if (eventId && !events.claim(eventId)) {
        deps.logger.info('ignored a repeated delivery of an event already handled');
        return;
      }
      try {
        await next();
      } catch (err) {
        // Not handled, so a later retry of the same event may try again.
        if (eventId) events.release(eventId);
        throw err;
      }
    });
  };
}

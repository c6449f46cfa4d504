import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Db } from '../db/connection.ts';
import {
  defer,
  dueHeads,
  isUnconfirmed,
  markFailed,
  markRetry,
  markSent,
  markUnconfirmed,
  nextDueAt,
  type OutboxRow,
  routingPostOf,
  type SentRow,
  UNCONFIRMED,
} from '../db/stores/outbox-store.ts';
import { LEAD_POST_TS } from '../services/notify.ts';
import { FILE_UPLOAD_METHOD, uploadFile } from './file-upload.ts';

// Delivers the outbox to Slack. A row is marked sent only after Slack answers ok; until then it stays
// pending and survives restarts. Rows to one recipient go out in order (only the head of each recipient is
// ever in flight); different recipients go out in parallel up to `concurrency`.
//
// Exactly once: updates and pins are idempotent, posts are not. Every post carries its delivery key as
// message metadata, and is marked "unconfirmed" in the database just before the call. When no answer comes
// back (a timeout, a dropped connection, a 5xx, or the process dying mid-call), the next attempt first looks
// for the key in the channel (or thread) and only posts again if Slack does not have it.
//
// Each pass writes its markers in one transaction before its calls and Slack's answers in one transaction
// after them: every commit waits for the disk (synchronous=FULL), and one per message per step was a large
// part of the sender's cost (issue 6, B2). A crash between a call and the second commit leaves the post unconfirmed,
// which is exactly the case the look-up handles.

export interface SenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxSenderOptions {
  db: Db;
  /** The Web API client for a row's team (null = the default workspace's token). */
  clientFor: (teamId: string | null) => WebClient | Promise<WebClient>;
  logger: SenderLogger;
  now?: () => number;
  concurrency?: number;
  /** Transient failures are retried with exponential backoff up to this many attempts, then marked failed. */
  maxAttempts?: number;
  /** How often an idle sender looks for due rows it was not told about (other processes, backoffs). */
  pollMs?: number;
}

/** Slack errors that retrying cannot fix: the row is marked failed and logged for an operator. */
const PERMANENT_ERRORS = new Set([
  'channel_not_found',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'msg_too_long',
  'no_text',
  'not_in_channel',
  'is_archived',
  'user_not_found',
  'user_not_visible',
  'users_not_found',
  'invalid_user_combination',
  'cannot_dm_bot',
  'account_inactive',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'restricted_action',
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'not_allowed_token_type',
  'too_many_attachments',
  'unknown_method',
]);

/** `metadata.event_type` of every post Foothold makes; `event_payload.delivery_key` is the outbox row's key. */
export const DELIVERY_EVENT_TYPE = 'foothold_delivery';

/** Methods whose retry could show a message twice: tagged, marked unconfirmed, looked up before a retry. */
const NOT_IDEMPOTENT = new Set(['chat.postMessage']);

/** How far back (before the row was queued) to look for an unconfirmed post, and how many pages. */
const LOOKUP_SLACK_MS = 60_000;
const LOOKUP_PAGES = 10;
/** At most this many delivery keys remembered from those lookups. */
const SEEN_CAPACITY = 50_000;

type Outcome =
  | { kind: 'sent'; result: Record<string, unknown> }
  | { kind: 'retry'; afterMs: number; error: string; countsAsAttempt: boolean; unconfirmed?: boolean }
  | { kind: 'failed'; error: string };

export interface OutboxSender {
  /** Sends everything due now and returns once nothing due is left (tests, CLI, shutdown). */
  drain(options?: {
    untilEmpty?: boolean;
    timeoutMs?: number;
  }): Promise<{ sent: number; failed: number; retried: number }>;
  /** Wakes the loop: a use case just queued messages. */
  kick(): void;
  start(): void;
  stop(): Promise<void>;
}

export function createOutboxSender(options: OutboxSenderOptions): OutboxSender {
  const { db, logger } = options;
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 8;
  const maxAttempts = options.maxAttempts ?? 25;
  const pollMs = options.pollMs ?? 1000;
  const dmChannels = new Map<string, string>();
  /**
   * Delivery keys seen in Slack while looking for unconfirmed posts (key → where it is). After a crash or a
   * restore many posts are unconfirmed at once; one page of history answers for all of them.
   */
  const seenInSlack = new Map<string, { ts: string; channel: string }>();
  /** Retry-After pauses per Web API method (Slack's limits are per method, per workspace). */
  const pausedUntil = new Map<string, number>();
  const inFlight = new Set<string>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  const stats = { sent: 0, failed: 0, retried: 0 };

  async function resolveChannel(row: OutboxRow, client: WebClient): Promise<string> {
    const recipient = row.recipient;
    if (!/^[UW]/.test(recipient)) return recipient;
    const key = `${row.teamId ?? ''}:${recipient}`;
    const cached = dmChannels.get(key);
    if (cached) return cached;
    const res = await client.conversations.open({ users: recipient });
    const id = res.channel?.id;
    if (!id) throw new Error('conversations.open returned no channel');
    dmChannels.set(key, id);
    return id;
  }

  async function attempt(row: OutboxRow): Promise<Outcome> {
    const payload: Record<string, unknown> = { ...row.payload };
    if (row.leadId != null && (payload.ts === LEAD_POST_TS || payload.thread_ts === LEAD_POST_TS)) {
      const post = routingPostOf(db, row.leadId);
      if (!post.ts) {
        if (post.postRow?.status === 'failed')
          return { kind: 'failed', error: 'the routing post it refers to was never delivered' };
        return {
          kind: 'retry',
          afterMs: 1000,
          error: 'waiting for the routing post to be delivered',
          countsAsAttempt: false,
        };
      }
      if (payload.ts === LEAD_POST_TS) payload.ts = post.ts;
      if (payload.thread_ts === LEAD_POST_TS) payload.thread_ts = post.ts;
      if (post.channel) payload.channel = post.channel;
    }
    const tagged = NOT_IDEMPOTENT.has(row.method);
    let called = false;
    try {
      const client = await options.clientFor(row.teamId);
      if (typeof payload.channel === 'string' && /^[UW]/.test(payload.channel)) {
        payload.channel = await resolveChannel(row, client);
      }
      if (tagged) {
        payload.metadata ??= {
          event_type: DELIVERY_EVENT_TYPE,
          event_payload: { delivery_key: row.deliveryKey },
        };
        if (isUnconfirmed(row)) {
          const found = await findDelivered(client, payload, row);
          if (found) return found;
        }
        // Marked unconfirmed already, with the rest of this pass (see `pass`).
      }
      called = true;
      // A chart upload is three calls (src/slack/file-upload.ts), not one Web API method.
      if (row.method === FILE_UPLOAD_METHOD)
        return { kind: 'sent', result: await uploadFile(client, payload) };
      const res = (await client.apiCall(row.method, payload)) as unknown as Record<string, unknown>;
      return { kind: 'sent', result: pickResult(res) };
    } catch (err) {
      return classify(err, row, { unconfirmable: tagged && called });
    }
  }

  /**
   * Looks for an unconfirmed post in Slack by its delivery key. Returns `sent` when Slack has it, a retry
   * when Slack cannot be asked right now, and null when it is not there (or cannot be checked at all, e.g.
   * a missing history scope: then it is posted again, since a duplicate is better than a lost message).
   */
  async function findDelivered(
    client: WebClient,
    payload: Record<string, unknown>,
    row: OutboxRow,
  ): Promise<Outcome | null> {
    const channel = String(payload.channel);
    const threadTs = typeof payload.thread_ts === 'string' ? payload.thread_ts : null;
    const oldest = String(Math.floor((row.createdAt - LOOKUP_SLACK_MS) / 1000));
    const found = (where: { ts: string; channel: string }): Outcome => {
      logger.info(
        { outboxId: row.id, deliveryKey: row.deliveryKey, ts: where.ts },
        'an unconfirmed Slack message had been delivered; not sending it again',
      );
      return { kind: 'sent', result: { ts: where.ts, channel: where.channel } };
    };
    const known = seenInSlack.get(row.deliveryKey);
    if (known) return found(known);
    let cursor: string | undefined;
    try {
      for (let page = 0; page < LOOKUP_PAGES; page++) {
        const common = {
          channel,
          oldest,
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        };
        const res = threadTs
          ? await client.conversations.replies({ ...common, ts: threadTs })
          : await client.conversations.history(common);
        let match: { ts: string; channel: string } | null = null;
        for (const m of res.messages ?? []) {
          const meta = (
            m as { metadata?: { event_type?: string; event_payload?: { delivery_key?: unknown } } }
          ).metadata;
          const key = meta?.event_payload?.delivery_key;
          if (meta?.event_type !== DELIVERY_EVENT_TYPE || typeof key !== 'string' || !m.ts) continue;
          if (seenInSlack.size >= SEEN_CAPACITY) seenInSlack.clear();
          seenInSlack.set(key, { ts: m.ts, channel });
          if (key === row.deliveryKey) match = { ts: m.ts, channel };
        }
        if (match) return found(match);
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || !cursor) return null;
      }
      return null;
    } catch (err) {
      const outcome = classify(err, row, {
        unconfirmable: true,
        method: threadTs ? 'conversations.replies' : 'conversations.history',
      });
      // Still unconfirmed: look again on the next attempt.
      if (outcome.kind === 'retry') return { ...outcome, unconfirmed: true };
      if (outcome.kind === 'sent') return outcome;
      logger.warn(
        { outboxId: row.id, deliveryKey: row.deliveryKey, error: outcome.error },
        'could not check whether an unconfirmed Slack message was delivered; sending it again',
      );
      return null;
    }
  }

  function classify(
    err: unknown,
    row: OutboxRow,
    opts: { unconfirmable: boolean; method?: string } = { unconfirmable: false },
  ): Outcome {
    const method = opts.method ?? row.method;
    const e = err as {
      code?: string;
      data?: { error?: string };
      retryAfter?: number;
      statusCode?: number;
      message?: string;
    };
    const backoff = Math.min(2 ** row.attempts * 1000, 5 * 60_000) * (0.8 + Math.random() * 0.4);
    if (e.code === ErrorCode.RateLimitedError) {
      const afterMs = Math.max(1, e.retryAfter ?? 1) * 1000;
      pausedUntil.set(method, now() + afterMs);
      return {
        kind: 'retry',
        afterMs,
        error: `rate limited; retry after ${afterMs / 1000}s`,
        countsAsAttempt: false,
      };
    }
    if (e.code === ErrorCode.PlatformError) {
      const slackError = e.data?.error ?? 'unknown_error';
      if (slackError === 'ratelimited') {
        pausedUntil.set(method, now() + 1000);
        return { kind: 'retry', afterMs: 1000, error: slackError, countsAsAttempt: false };
      }
      // Slack refusing a pin because it is already there means the job is done.
      if (slackError === 'already_pinned') return { kind: 'sent', result: {} };
      if (PERMANENT_ERRORS.has(slackError)) return { kind: 'failed', error: slackError };
      return { kind: 'retry', afterMs: backoff, error: slackError, countsAsAttempt: true };
    }
    if (e.code === ErrorCode.HTTPError && e.statusCode && e.statusCode < 500 && e.statusCode !== 408) {
      return { kind: 'failed', error: `HTTP ${e.statusCode}` };
    }
    // No answer, or a 5xx: Slack may have acted on the call anyway.
    return {
      kind: 'retry',
      afterMs: backoff,
      error: e.message ?? String(err),
      countsAsAttempt: true,
      unconfirmed: opts.unconfirmable,
    };
  }

  /** Records an attempt that did not end in `sent` (retries and failures are rare: a write each). */
  function recordUnsent(row: OutboxRow, outcome: Exclude<Outcome, { kind: 'sent' }>): void {
    const t = now();
    if (outcome.kind === 'failed' || (outcome.countsAsAttempt && row.attempts + 1 >= maxAttempts)) {
      const error = outcome.error;
      markFailed(db, row, error, t);
      stats.failed++;
      logger.error(
        {
          outboxId: row.id,
          deliveryKey: row.deliveryKey,
          method: row.method,
          recipient: row.recipient,
          error,
          attempts: row.attempts + 1,
        },
        'Slack message could not be delivered; it will not be retried',
      );
      return;
    }
    if (outcome.countsAsAttempt) {
      markRetry(
        db,
        row,
        t + outcome.afterMs,
        outcome.unconfirmed ? `${UNCONFIRMED}${outcome.error}` : outcome.error,
      );
      stats.retried++;
      logger.warn(
        { outboxId: row.id, method: row.method, error: outcome.error, attempt: row.attempts + 1 },
        'Slack delivery will be retried',
      );
    } else {
      defer(
        db,
        row,
        t + outcome.afterMs,
        outcome.unconfirmed ? `${UNCONFIRMED}${outcome.error}` : outcome.error,
      );
    }
  }

  /**
   * One pass: start every due head whose method is not paused, up to the concurrency limit. The posts among
   * them are marked unconfirmed together before any call goes out, and the answers recorded together once
   * every call of the pass has one; the recipients stay in flight until then.
   */
  async function pass(): Promise<number> {
    const t = now();
    const slots = concurrency - inFlight.size;
    if (slots <= 0) return 0;
    const heads = dueHeads(db, t, slots * 4, [...inFlight])
      .filter((r) => (pausedUntil.get(r.method) ?? 0) <= t)
      .slice(0, slots);
    if (heads.length === 0) return 0;
    for (const row of heads) inFlight.add(row.recipient);
    try {
      markUnconfirmed(
        db,
        heads.filter((r) => NOT_IDEMPOTENT.has(r.method)),
        now(),
      );
      const sent: SentRow[] = [];
      await Promise.all(
        heads.map(async (row) => {
          try {
            const outcome = await attempt(row);
            if (outcome.kind === 'sent') sent.push({ row, result: outcome.result });
            else recordUnsent(row, outcome);
          } catch (err) {
            logger.error({ err, outboxId: row.id }, 'outbox delivery crashed');
          }
        }),
      );
      markSent(db, sent, now());
      stats.sent += sent.length;
    } catch (err) {
      // A database error: the rows stay pending (posts unconfirmed, so looked up before any retry).
      logger.error({ err, outboxIds: heads.map((r) => r.id) }, 'outbox delivery crashed');
    } finally {
      for (const row of heads) inFlight.delete(row.recipient);
    }
    return heads.length;
  }

  async function runLoop(): Promise<void> {
    while (running) {
      const n = await pass();
      if (!running) break;
      if (n > 0) continue;
      const due = nextDueAt(db);
      const paused = Math.min(
        ...[...pausedUntil.values()].filter((v) => v > now()),
        Number.POSITIVE_INFINITY,
      );
      const waitMs = Math.max(5, Math.min(pollMs, (due ?? Number.POSITIVE_INFINITY) - now(), paused - now()));
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      wake = null;
    }
  }

  return {
    async drain({ untilEmpty = true, timeoutMs = 30_000 } = {}) {
      const start = now();
      const before = { ...stats };
      for (;;) {
        const n = await pass();
        if (n > 0) continue;
        const due = nextDueAt(db);
        if (!untilEmpty || due === null || now() - start > timeoutMs) break;
        const wait = Math.max(5, Math.min(250, due - now()));
        await new Promise((r) => setTimeout(r, wait));
      }
      return {
        sent: stats.sent - before.sent,
        failed: stats.failed - before.failed,
        retried: stats.retried - before.retried,
      };
    },
    kick() {
      if (timer) clearTimeout(timer);
      wake?.();
    },
    start() {
      if (running) return;
      running = true;
      loop = runLoop().catch((err) => logger.error({ err }, 'outbox loop stopped'));
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}

function pickResult(res: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['ts', 'channel', 'message_ts']) if (res[k] !== undefined) out[k] = res[k];
  const view = res.view as { id?: string } | undefined;
  if (view?.id) out.viewId = view.id;
  return out;
}

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Db } from '../db/connection.ts';
import {
  FILE_UPLOAD_METHOD,
  isUnconfirmed,
  LEAD_POST_TS,
  type Mark,
  nextDueAt,
  type OutboxRow,
  releaseDeadLeases,
  renewLeases,
  routingPostOf,
  settleAndClaim,
  UNCONFIRMED,
} from '../db/stores/outbox-store.ts';
import { uploadFile } from './file-upload.ts';

// Delivers the outbox to Slack. A row is marked sent only after Slack answers ok; until then it stays
// pending and survives restarts. Rows of one lane (a lead's post and its thread, a DM conversation, another
// channel: see outbox-store.ts) go out in order; different lanes go out in parallel up to `concurrency`.
//
// Claiming: rows are leased in the same transaction that reads them (`settleAndClaim`), so two senders (two
// processes on one SQLite file, or several workers on PostgreSQL) never take the same row, and a dead
// sender's rows are taken over when its lease expires (outbox-store.ts describes the protocol).
//
// Turns: each call's answer is written with the next claim, in one transaction, at most MARK_WINDOW_MS after
// it arrives while other calls are out (at once when it was the last): one commit serves every answer of the
// window and the next claim (every commit waits for the disk), and a slow call, up to the client timeout,
// holds back nobody else's marks.
//
// Which door: a person hears from Foothold through their own workspace's installation when it has one (the
// route is looked up for every attempt, so a revoked or uninstalled installation is never used); otherwise
// through the vendor's token, which Slack lets reach an external person only through a channel they share
// (`conversations.open` answers `invalid_user_combination` otherwise, FACTS.md "Slack Connect"). When neither
// exists the row is held, logged, checked again later and shown to admins; it is never dropped.
//
// Exactly once: updates and pins are idempotent, posts are not. Every post carries its delivery key as
// message metadata, and is marked "unconfirmed" in the database (with its lease) before the call. When no
// answer comes back (a timeout, a dropped connection, a 5xx, or the process dying mid-call), the next attempt
// first looks for the key in the conversation, where the sender may read it (`mayLookUp`: the program's
// internal channels and the bot's own DMs, never a channel shared with a partner), and only posts again if
// Slack does not have it. Where it may not look (or the optional history scopes are not granted), it posts
// again: a duplicate at worst, never a loss (README, "Optional history scopes").

export interface SenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** How one row reaches Slack: the client of an installation (or the vendor's own token). */
export interface Route {
  client: WebClient;
  /** `vendor`, or the installation's key (`T…`/`E…`): names the door in logs and keys the DM channel cache. */
  via: string;
  /** The vendor's own token: the one to use for channels and internal people, and the shared-channel fallback. */
  vendor: boolean;
  /** The recipient's own team, when the vendor token is a fallback for an external person (for the logs). */
  externalTeam?: string | null;
}

export type RouteDecision = Route | { hold: string };

export interface OutboxSenderOptions {
  db: Db;
  /** How to reach a row's recipient, resolved for every attempt (see "Which door" above). */
  routeFor?: (row: OutboxRow) => RouteDecision | Promise<RouteDecision>;
  /** Simpler alternative to `routeFor`: one client per row team (null = the default token). */
  clientFor?: (teamId: string | null) => WebClient | Promise<WebClient>;
  /**
   * Whether the sender may read a conversation's recent history to look up an unconfirmed post. Default: yes
   * everywhere (tests); the app allows its internal channels and the bot's own DMs only.
   */
  mayLookUp?: (where: { channel: string; dm: boolean; route: Route }) => boolean;
  logger: SenderLogger;
  now?: () => number;
  concurrency?: number;
  /** Transient failures are retried with exponential backoff up to this many attempts, then marked failed. */
  maxAttempts?: number;
  /** How often an idle sender looks for due rows it was not told about (other processes, backoffs). */
  pollMs?: number;
  /** How long a claimed row stays this sender's without a renewal (default 30 s). */
  leaseMs?: number;
  /** This sender's lease owner id (default `host:pid:random`). */
  owner?: string;
}

/**
 * Slack errors that a later attempt can fix (Slack's own trouble). Every other Slack error fails the row at
 * once, visibly (logged and counted on the admins' App Home): retrying an unknown error for hours only hides it.
 */
const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** The token was refused: the installation is gone or revoked. Held, and the route looked up again later. */
const AUTH_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'team_disabled',
  'org_login_required',
]);

/** The vendor bot cannot open a DM with this external person: they share no channel (FACTS.md, Slack Connect). */
const NO_SHARED_CHANNEL_ERRORS = new Set([
  'invalid_user_combination',
  'user_not_visible',
  'channel_not_found',
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
/** A held row (no way to reach its recipient) is tried again after this long. */
export const HOLD_RECHECK_MS = 10 * 60_000;
/** A row whose installation refused its token is tried again after this long (it may be reinstalled or gone). */
const AUTH_RECHECK_MS = 60_000;
/** How long an answer may wait to share a commit with others while calls are still out. */
const MARK_WINDOW_MS = 50;

export interface OutboxSender {
  /** Sends everything due now and returns once nothing due is left (tests, CLI, shutdown). */
  drain(options?: {
    untilEmpty?: boolean;
    timeoutMs?: number;
  }): Promise<{ sent: number; failed: number; retried: number; held: number }>;
  /** Wakes the loop: a use case just queued messages. */
  kick(): void;
  start(): void;
  stop(): Promise<void>;
  /** This sender's lease owner id. */
  readonly owner: string;
}

type Unsent = Exclude<Mark, { kind: 'sent' }>;

export function createOutboxSender(options: OutboxSenderOptions): OutboxSender {
  const { db, logger } = options;
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 8;
  const maxAttempts = options.maxAttempts ?? 25;
  const pollMs = options.pollMs ?? 1000;
  const leaseMs = options.leaseMs ?? 30_000;
  const host = hostname();
  const owner = options.owner ?? `${host}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const mayLookUp = options.mayLookUp ?? (() => true);
  const routeFor =
    options.routeFor ??
    (async (row: OutboxRow): Promise<RouteDecision> => {
      if (!options.clientFor) return { hold: 'the sender has no Slack client' };
      return {
        client: await options.clientFor(row.teamId),
        via: row.teamId ?? 'vendor',
        vendor: !row.teamId,
      };
    });
  /** DM channel ids per door and person (`via:user` → `D…`): a DM opened by one bot is not another's. */
  const dmChannels = new Map<string, string>();
  /** Doors whose token lacks the history scopes: not asked again (the optional scopes, README). */
  const noHistory = new Set<string>();
  /**
   * Delivery keys seen in Slack while looking for unconfirmed posts (key → where it is). After a crash or a
   * restore many posts are unconfirmed at once; one page of history answers for all of them.
   */
  const seenInSlack = new Map<string, { ts: string; channel: string }>();
  /** Retry-After pauses per Web API method (Slack's limits are per method, per workspace). */
  const pausedUntil = new Map<string, number>();
  const inFlight = new Map<number, Promise<void>>();
  /** Answers not yet written (written with the next claim, in one transaction). */
  let marks: Mark[] = [];
  let running = false;
  /** The next turn, and when it is due (a sooner request replaces a later one). */
  let turn: { timer: NodeJS.Timeout; at: number } | null = null;
  let renewTimer: NodeJS.Timeout | null = null;
  const stats = { sent: 0, failed: 0, retried: 0, held: 0 };

  /** Runs a turn (write answers, claim, start calls) in `ms`, unless one is due sooner. */
  function schedule(ms: number): void {
    const at = now() + ms;
    if (turn && turn.at <= at) return;
    if (turn) clearTimeout(turn.timer);
    turn = { timer: setTimeout(runTurn, Math.max(0, ms)), at };
  }

  function cancelTurn(): void {
    if (turn) clearTimeout(turn.timer);
    turn = null;
  }

  function runTurn(): void {
    turn = null;
    void step(running).then(async () => {
      // With free slots, look again when the next row is due (answers and kicks come sooner).
      if (running && inFlight.size < concurrency) schedule(await idleMs());
    });
  }

  /** Turns run one at a time (each is a database round trip): a turn asked for meanwhile waits its turn. */
  let turns: Promise<unknown> = Promise.resolve();

  /**
   * One turn: the answers that came in and the next claim in one transaction (one commit), then the calls
   * start. `claim` false only writes the answers (stopping). Resolves to how many calls it started.
   */
  function step(claim: boolean): Promise<number> {
    const next = turns.then(() => stepNow(claim));
    turns = next.catch(() => undefined);
    return next;
  }

  async function stepNow(claim: boolean): Promise<number> {
    const batch = marks;
    marks = [];
    const t = now();
    const paused = [...pausedUntil].filter(([, until]) => until > t).map(([m]) => m);
    const limit = claim ? concurrency - inFlight.size : 0;
    let rows: OutboxRow[];
    try {
      rows = await settleAndClaim(db, batch, { owner, now: t, leaseMs, limit, pausedMethods: paused });
    } catch (err) {
      // A database error (disk full, busy past the timeout): the answers are kept and written on a later
      // turn; their rows stay pending and leased meanwhile (and if this process dies, the lease expires and
      // the posts, unconfirmed, are looked up before any retry).
      marks = batch.concat(marks);
      logger.error(
        { err, outboxIds: batch.map((m) => m.row.id) },
        'could not record or claim Slack deliveries; trying again',
      );
      schedule(pollMs);
      return 0;
    }
    for (const row of rows) {
      const p = run(row).finally(() => inFlight.delete(row.id));
      inFlight.set(row.id, p);
    }
    if (inFlight.size > 0 && !renewTimer) {
      renewTimer = setInterval(renewAll, Math.max(50, Math.floor(leaseMs / 3)));
      renewTimer.unref();
    } else if (inFlight.size === 0 && renewTimer) {
      clearInterval(renewTimer);
      renewTimer = null;
    }
    return rows.length;
  }

  /**
   * An answer came: it is written with the next turn, at most MARK_WINDOW_MS later while other calls are
   * still out (answers arriving together share a commit), at once when it was the last one. A slow call
   * never holds anyone else's answer for longer than that window.
   */
  function settle(mark: Mark): void {
    marks.push(mark);
    schedule(inFlight.size > 1 ? MARK_WINDOW_MS : 0);
  }

  function renewAll(): void {
    if (inFlight.size === 0) return;
    renewLeases(db, owner, now() + leaseMs).catch((err: unknown) => {
      logger.warn({ err }, 'could not renew outbox leases');
    });
  }

  // ── one attempt ────────────────────────────────────────────────────────────────────────────────────

  async function openDm(row: OutboxRow, route: Route): Promise<string> {
    const key = `${route.via}:${row.recipient}`;
    const cached = dmChannels.get(key);
    if (cached) return cached;
    const res = await route.client.conversations.open({ users: row.recipient });
    const id = res.channel?.id;
    if (!id) throw new Error('conversations.open returned no channel');
    if (dmChannels.size >= SEEN_CAPACITY) dmChannels.clear();
    dmChannels.set(key, id);
    return id;
  }

  async function attempt(row: OutboxRow): Promise<Mark> {
    const payload: Record<string, unknown> = { ...row.payload };
    if (row.leadId != null && (payload.ts === LEAD_POST_TS || payload.thread_ts === LEAD_POST_TS)) {
      const post = await routingPostOf(db, row.leadId);
      if (!post.ts) {
        if (post.postRow?.status === 'failed')
          return { kind: 'failed', row, error: 'the routing post it refers to was never delivered' };
        const why = 'waiting for the routing post to be delivered';
        return retry(row, 1000, isUnconfirmed(row) ? `${UNCONFIRMED}${why}` : why, false);
      }
      if (payload.ts === LEAD_POST_TS) payload.ts = post.ts;
      if (payload.thread_ts === LEAD_POST_TS) payload.thread_ts = post.ts;
      if (post.channel) payload.channel = post.channel;
    }
    const decision = await routeFor(row);
    if ('hold' in decision) return hold(row, decision.hold, HOLD_RECHECK_MS);
    const route = decision;
    const tagged = NOT_IDEMPOTENT.has(row.method);
    const dm = typeof payload.channel === 'string' && /^[UW]/.test(payload.channel);
    let called = false;
    try {
      if (dm) {
        try {
          payload.channel = await openDm(row, route);
        } catch (err) {
          const code = slackErrorOf(err);
          if (route.externalTeam && code && NO_SHARED_CHANNEL_ERRORS.has(code)) {
            return hold(
              row,
              `no installation of Foothold in ${route.externalTeam} and no channel shared with the vendor to reach ${row.recipient} (${code})`,
              HOLD_RECHECK_MS,
            );
          }
          throw err;
        }
      }
      if (tagged) {
        payload.metadata ??= {
          event_type: DELIVERY_EVENT_TYPE,
          event_payload: { delivery_key: row.deliveryKey },
        };
        if (isUnconfirmed(row)) {
          const found = await findDelivered(route, payload, row, dm);
          if (found) return found;
        }
        // Marked unconfirmed already, with its lease (see claimDue).
      }
      called = true;
      // A chart upload is three calls (file-upload.ts), not one Web API method.
      if (row.method === FILE_UPLOAD_METHOD)
        return { kind: 'sent', row, result: await uploadFile(route.client, payload) };
      const res = (await route.client.apiCall(row.method, payload)) as unknown as Record<string, unknown>;
      return { kind: 'sent', row, result: pickResult(res) };
    } catch (err) {
      // A post left unconfirmed by an earlier attempt stays so until a call of this one gets an answer.
      return classify(err, row, route, {
        unconfirmable: tagged && (called || isUnconfirmed(row)),
      });
    }
  }

  function retry(row: OutboxRow, afterMs: number, error: string, countsAsAttempt: boolean): Unsent {
    return { kind: 'retry', row, notBefore: now() + afterMs, error, countsAsAttempt };
  }

  function hold(row: OutboxRow, reason: string, afterMs: number, slackError?: string): Unsent {
    return { kind: 'held', row, notBefore: now() + afterMs, reason, ...(slackError ? { slackError } : {}) };
  }

  /**
   * Looks for an unconfirmed post in Slack by its delivery key. Returns `sent` when Slack has it, a retry
   * when Slack cannot be asked right now, and null when it is not there or may not be looked for (then it is
   * posted again, since a duplicate is better than a lost message).
   */
  async function findDelivered(
    route: Route,
    payload: Record<string, unknown>,
    row: OutboxRow,
    dm: boolean,
  ): Promise<Mark | null> {
    const channel = String(payload.channel);
    const known = seenInSlack.get(row.deliveryKey);
    const found = (where: { ts: string; channel: string }): Mark => {
      logger.info(
        { outboxId: row.id, deliveryKey: row.deliveryKey, ts: where.ts },
        'an unconfirmed Slack message had been delivered; not sending it again',
      );
      return { kind: 'sent', row, result: { ts: where.ts, channel: where.channel } };
    };
    if (known) return found(known);
    if (noHistory.has(route.via) || !mayLookUp({ channel, dm, route })) {
      logger.warn(
        { outboxId: row.id, deliveryKey: row.deliveryKey, via: route.via, channel },
        'an unconfirmed Slack message cannot be looked up here; sending it again (a duplicate at worst)',
      );
      return null;
    }
    const threadTs = typeof payload.thread_ts === 'string' ? payload.thread_ts : null;
    const oldest = String(Math.floor((row.createdAt - LOOKUP_SLACK_MS) / 1000));
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
          ? await route.client.conversations.replies({ ...common, ts: threadTs })
          : await route.client.conversations.history(common);
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
      if (slackErrorOf(err) === 'missing_scope') noHistory.add(route.via);
      const outcome = classify(err, row, route, {
        unconfirmable: true,
        method: threadTs ? 'conversations.replies' : 'conversations.history',
      });
      // Still unconfirmed: look again on the next attempt.
      if (outcome.kind === 'retry') return outcome;
      logger.warn(
        { outboxId: row.id, deliveryKey: row.deliveryKey, error: slackErrorOf(err) ?? String(err) },
        'could not check whether an unconfirmed Slack message was delivered; sending it again',
      );
      return null;
    }
  }

  function classify(
    err: unknown,
    row: OutboxRow,
    route: Route,
    opts: { unconfirmable: boolean; method?: string },
  ): Mark {
    const method = opts.method ?? row.method;
    const e = err as {
      code?: string;
      retryAfter?: number;
      statusCode?: number;
      message?: string;
    };
    const backoff = Math.round(Math.min(2 ** row.attempts * 1000, 5 * 60_000) * (0.8 + Math.random() * 0.4));
    // Still unconfirmed after this attempt when the call may have reached Slack (the look-up runs next time).
    const mark = (error: string) => (opts.unconfirmable ? `${UNCONFIRMED}${error}` : error);
    if (e.code === ErrorCode.RateLimitedError) {
      const afterMs = Math.max(1, e.retryAfter ?? 1) * 1000;
      pausedUntil.set(method, now() + afterMs);
      // A 429 means Slack did nothing with the call; only a look-up's 429 leaves the post unconfirmed.
      const error = `rate limited; retry after ${afterMs / 1000}s`;
      return retry(row, afterMs, opts.method ? mark(error) : error, false);
    }
    const slackError = slackErrorOf(err);
    if (e.code === ErrorCode.PlatformError && slackError) {
      if (slackError === 'ratelimited') {
        pausedUntil.set(method, now() + 1000);
        return retry(row, 1000, slackError, false);
      }
      // Slack refusing a pin because it is already there means the job is done.
      if (slackError === 'already_pinned') return { kind: 'sent', row, result: {} };
      if (AUTH_ERRORS.has(slackError)) {
        return hold(
          row,
          `the token of ${route.via} was refused (${slackError})`,
          AUTH_RECHECK_MS,
          slackError,
        );
      }
      if (TRANSIENT_ERRORS.has(slackError)) return tryAgain(row, backoff, mark(slackError));
      return { kind: 'failed', row, error: slackError };
    }
    if (e.code === ErrorCode.HTTPError && e.statusCode && e.statusCode < 500 && e.statusCode !== 408) {
      return { kind: 'failed', row, error: `HTTP ${e.statusCode}` };
    }
    if (e.code === ErrorCode.HTTPError || e.code === ErrorCode.RequestError) {
      // No answer, or a 5xx: Slack may have acted on the call anyway.
      return tryAgain(row, backoff, mark(e.message ?? String(err)));
    }
    // Anything else is a fault we do not know how to recover from: fail now, visibly.
    return { kind: 'failed', row, error: mark(`unexpected: ${e.message ?? String(err)}`) };
  }

  /** A transient failure: retried with backoff, until `maxAttempts`. */
  function tryAgain(row: OutboxRow, afterMs: number, error: string): Unsent {
    if (row.attempts + 1 >= maxAttempts) return { kind: 'failed', row, error };
    return retry(row, afterMs, error, true);
  }

  function report(mark: Mark): void {
    const { row } = mark;
    if (mark.kind === 'sent') stats.sent++;
    else if (mark.kind === 'failed') {
      stats.failed++;
      logger.error(
        {
          outboxId: row.id,
          deliveryKey: row.deliveryKey,
          method: row.method,
          recipient: row.recipient,
          error: mark.error,
          attempts: row.attempts + 1,
        },
        'Slack message could not be delivered; it will not be retried',
      );
    } else if (mark.kind === 'held' && mark.slackError) {
      stats.held++;
      // A refused token is an operator's problem (a revoked install, a wrong SLACK_BOT_TOKEN): an error line.
      logger.error(
        {
          outboxId: row.id,
          deliveryKey: row.deliveryKey,
          method: row.method,
          recipient: row.recipient,
          error: mark.slackError,
        },
        'Slack refused the token for this message; it is held and its route looked up again in a minute',
      );
    } else if (mark.kind === 'held') {
      stats.held++;
      logger.warn(
        { outboxId: row.id, deliveryKey: row.deliveryKey, recipient: row.recipient, reason: mark.reason },
        'Slack message held: no way to reach its recipient yet; it will be tried again',
      );
    } else if (mark.countsAsAttempt) {
      stats.retried++;
      logger.warn(
        { outboxId: row.id, method: row.method, error: mark.error, attempt: row.attempts + 1 },
        'Slack delivery will be retried',
      );
    }
  }

  async function run(row: OutboxRow): Promise<void> {
    let mark: Mark;
    try {
      mark = await attempt(row);
    } catch (err) {
      // A fault in the sender itself (a database error reading the routing post…): fail the row visibly
      // rather than retrying it for hours. A post stays unconfirmed, so nothing is posted twice.
      mark = { kind: 'failed', row, error: `unexpected: ${(err as Error).message ?? String(err)}` };
      logger.error({ err, outboxId: row.id }, 'outbox delivery crashed');
    }
    report(mark);
    settle(mark);
  }

  // ── the loop ───────────────────────────────────────────────────────────────────────────────────────

  /** How long an idle sender may sleep: until the next row is due or a pause ends, at most `pollMs`. */
  async function idleMs(): Promise<number> {
    const t = now();
    let due: number | null;
    try {
      due = await nextDueAt(db);
    } catch (err) {
      logger.warn({ err }, 'could not read when the next Slack delivery is due');
      return pollMs;
    }
    const pauses = [...pausedUntil.values()].filter((v) => v > t);
    let wait = pollMs;
    if (due !== null && due > t) wait = Math.min(wait, due - t);
    if (pauses.length) wait = Math.min(wait, Math.min(...pauses) - t);
    return Math.max(5, wait);
  }

  async function releaseDead(): Promise<void> {
    try {
      const n = await releaseDeadLeases(db, host, (pid) => {
        if (pid === process.pid) return false;
        try {
          process.kill(pid, 0);
          return true;
        } catch (err) {
          return (err as NodeJS.ErrnoException).code === 'EPERM';
        }
      });
      if (n > 0) logger.info({ rows: n }, 'took over outbox rows left by a stopped process on this host');
    } catch (err) {
      logger.warn({ err }, 'could not release outbox leases of stopped processes');
    }
  }

  return {
    owner,
    async drain({ untilEmpty = true, timeoutMs = 30_000 } = {}) {
      const start = now();
      const before = { ...stats };
      for (;;) {
        await step(true);
        if (inFlight.size > 0) {
          await Promise.race(inFlight.values());
          continue;
        }
        // The last answers are written now; anything they unblocked is claimed in the same turn.
        if ((await step(true)) > 0) continue;
        const due = await nextDueAt(db);
        if (!untilEmpty || due === null || now() - start > timeoutMs) break;
        await new Promise((r) => setTimeout(r, Math.max(5, Math.min(250, due - now()))));
      }
      return {
        sent: stats.sent - before.sent,
        failed: stats.failed - before.failed,
        retried: stats.retried - before.retried,
        held: stats.held - before.held,
      };
    },
    kick() {
      if (running) schedule(0);
    },
    start() {
      if (running) return;
      running = true;
      // Rows a stopped process on this host left leased are taken over first, then the first turn runs.
      void releaseDead().then(() => {
        if (running) schedule(0);
      });
    },
    async stop() {
      running = false;
      cancelTurn();
      await Promise.allSettled([...inFlight.values()]);
      cancelTurn();
      await step(false);
      if (renewTimer) clearInterval(renewTimer);
      renewTimer = null;
    },
  };
}

function slackErrorOf(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  return e.code === ErrorCode.PlatformError ? (e.data?.error ?? 'unknown_error') : undefined;
}

function pickResult(res: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['ts', 'channel', 'message_ts']) if (res[k] !== undefined) out[k] = res[k];
  const view = res.view as { id?: string } | undefined;
  if (view?.id) out.viewId = view.id;
  return out;
}

import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { type ChannelState, channelCards, channelStates, leads, outbox } from '../schema.ts';
import { inTransaction, type Tx } from './lead-store.ts';
import { prepared } from './prepared.ts';

// The sender's queries run for every message it delivers, so they are prepared once (see prepared.ts).
//
// ── Ordering ────────────────────────────────────────────────────────────────────────────────────────────
// Rows go out in id order within a lane (`laneOf`): one lane per lead's post in a channel (the post, its
// updates, its thread replies), one per DM conversation, one per other channel. Lanes are independent, so a
// stuck routing post holds back only its own lead's updates, never other leads' posts in the same channel.
//
// ── The lease protocol (two senders never take the same row) ─────────────────────────────────────────────
// A sender claims rows with `claimDue`: in ONE write transaction it reads the due lane heads that nobody
// holds (`lease_until` null or past) and writes `lease_owner` = its id and `lease_until` = now + lease to
// each of them (posts are marked unconfirmed in the same write). SQLite runs it as an IMMEDIATE transaction:
// the write lock is taken before the read, so a second process's claim waits and then sees the leases. A row
// whose head is leased also blocks the rest of its lane (the head is still pending), so order holds across
// processes. Every mark that ends an attempt (sent, retry, defer, failed, held) clears the lease in the
// same statement. While a call is in flight its owner renews the lease (`renewLeases`, every lease/3), so only
// a dead or frozen process loses its rows: they become claimable when `lease_until` passes (30 s by default),
// and the post it may have made is found by the unconfirmed look-up (or, where the sender may not look, is
// posted again: see README "Optional history scopes"). A restarted process on the same host releases the leases of
// its dead predecessors at once (`releaseDeadLeases`), so a crash costs no wait.
//
// PostgreSQL will run the same protocol with row locks instead of the database write lock:
//   WITH due AS (
//     SELECT o.id FROM outbox o
//      WHERE o.status = 'pending' AND o.not_before <= $now AND (o.lease_until IS NULL OR o.lease_until <= $now)
//        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.lane = o.lane AND p.status = 'pending' AND p.id < o.id)
//        AND o.recipient NOT IN (SELECT channel_id FROM channel_states WHERE state <> 'internal')
//      ORDER BY o.id LIMIT $n
//      FOR UPDATE SKIP LOCKED)
//   UPDATE outbox SET lease_owner = $me, lease_until = $now + $lease FROM due WHERE outbox.id = due.id
//   RETURNING outbox.*;
// SKIP LOCKED lets workers claim different rows at once; a row another worker has leased is kept out by the
// `lease_until` test once that worker commits, and a lane's later rows stay out while its head is pending.

export type OutboxRow = typeof outbox.$inferSelect;

const p = sql.placeholder;

/** The ordering lane of a row (see the top of this file). */
export function laneOf(m: { recipient: string; leadId?: number | null }): string {
  if (/^[UW]/.test(m.recipient)) return `dm:${m.recipient}`;
  if (m.leadId != null) return `lead:${m.leadId}:${m.recipient}`;
  return `ch:${m.recipient}`;
}

/** Channel states that stop deliveries to a channel (anything but `internal`). */
const HELD_CHANNELS = sql`(select ${channelStates.channelId} from ${channelStates} where ${channelStates.state} <> 'internal')`;

const dueHeadRows = prepared((h) =>
  h
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.status, 'pending'),
        sql`${outbox.notBefore} <= ${p('now')}`,
        sql`(${outbox.leaseUntil} is null or ${outbox.leaseUntil} <= ${p('now')})`,
        sql`not exists (select 1 from outbox p where p.lane = ${outbox.lane} and p.status = 'pending' and p.id < ${outbox.id})`,
        // Methods paused by a Retry-After, as a JSON array: one statement for any number of them.
        sql`${outbox.method} not in (select value from json_each(${p('paused')}))`,
        sql`${outbox.recipient} not in ${HELD_CHANNELS}`,
      ),
    )
    .orderBy(outbox.id)
    .limit(p('limit'))
    .prepare(),
);

const takeLease = prepared((h) =>
  h
    .update(outbox)
    .set({
      leaseOwner: sql`${p('owner')}`,
      leaseUntil: sql`${p('until')}`,
      lastError: sql`case when ${outbox.method} = 'chat.postMessage' then ${p('unconfirmed')} else ${outbox.lastError} end`,
    })
    .where(eq(outbox.id, p('id')))
    .prepare(),
);

/**
 * Claims the messages that may go out now (see "The lease protocol" above): the oldest pending row of each
 * lane, when it is due, nobody holds it, its method is not paused and its channel is not held. Posts among them
 * are marked unconfirmed in the same transaction, so a crash mid-call leaves them to be looked up. Returns the
 * rows as they were before the claim (`lastError` tells whether an earlier attempt went unconfirmed).
 */
export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  pausedMethods?: readonly string[];
}

export function claimDue(db: Db, opts: ClaimOptions): OutboxRow[] {
  if (opts.limit <= 0) return [];
  return inTransaction(db, (tx) => claimIn(tx, opts));
}

function claimIn(tx: Tx, opts: ClaimOptions): OutboxRow[] {
  if (opts.limit <= 0) return [];
  const rows = dueHeadRows(tx).all({
    now: opts.now,
    limit: opts.limit,
    paused: JSON.stringify(opts.pausedMethods ?? []),
  });
  const unconfirmed = `${UNCONFIRMED}sent at ${new Date(opts.now).toISOString()}, no answer yet`;
  const lease = takeLease(tx);
  for (const row of rows)
    lease.run({ id: row.id, owner: opts.owner, until: opts.now + opts.leaseMs, unconfirmed });
  return rows;
}

/**
 * The sender's one write per turn: records the answers that came in (see `recordMarks`) and claims the rows
 * that may go out next (see `claimDue`), in one transaction, so a message costs a fraction of a commit.
 */
export function settleAndClaim(db: Db, marks: readonly Mark[], claim: ClaimOptions): OutboxRow[] {
  if (marks.length === 0 && claim.limit <= 0) return [];
  return inTransaction(db, (tx) => {
    for (const m of marks) applyMark(tx, claim.owner, m, claim.now);
    return claimIn(tx, claim);
  });
}

const renewLeaseQuery = prepared((h) =>
  h
    .update(outbox)
    .set({ leaseUntil: sql`${p('until')}` })
    .where(and(eq(outbox.leaseOwner, p('owner')), eq(outbox.status, 'pending')))
    .prepare(),
);

/** Extends every lease this sender holds (its calls in flight). Returns how many rows it holds. */
export function renewLeases(db: Db, owner: string, until: number): number {
  return renewLeaseQuery(db).run({ owner, until }).changes;
}

/**
 * Releases leases held by processes of this host that are gone (owner ids are `host:pid:…`): a restart after a
 * crash takes over its rows at once instead of waiting for the leases to expire. Returns how many.
 */
export function releaseDeadLeases(db: Db, host: string, isAlive: (pid: number) => boolean): number {
  const held = db
    .select({ owner: outbox.leaseOwner })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), sql`${outbox.leaseOwner} like ${`${host}:%`}`))
    .groupBy(outbox.leaseOwner)
    .all();
  let released = 0;
  for (const { owner } of held) {
    const pid = Number(owner?.split(':')[1]);
    if (!owner || !Number.isInteger(pid) || isAlive(pid)) continue;
    released += db
      .update(outbox)
      .set({ leaseOwner: null, leaseUntil: null })
      .where(and(eq(outbox.leaseOwner, owner), eq(outbox.status, 'pending')))
      .run().changes;
  }
  return released;
}

export function pendingCount(db: Db): number {
  const row = db.select({ n: sql<number>`count(*)` }).from(outbox).where(eq(outbox.status, 'pending')).get();
  return row?.n ?? 0;
}

const earliestPending = prepared((h) =>
  h
    .select({ t: sql<number | null>`min(max(${outbox.notBefore}, coalesce(${outbox.leaseUntil}, 0)))` })
    .from(outbox)
    .where(
      and(
        eq(outbox.status, 'pending'),
        sql`${outbox.heldReason} is null`,
        sql`not exists (select 1 from outbox p where p.lane = ${outbox.lane} and p.status = 'pending' and p.id < ${outbox.id})`,
        sql`${outbox.recipient} not in ${HELD_CHANNELS}`,
      ),
    )
    .prepare(),
);

/**
 * The earliest time a lane's head may become due (its backoff over, its lease expired), so an idle sender can
 * sleep until then. Held rows are left out (their lanes wait for a person to become reachable or a channel to
 * be internal again, not for a time; the sender's poll finds them when they are due for another look).
 */
export function nextDueAt(db: Db): number | null {
  return earliestPending(db).get()?.t ?? null;
}

const setSent = prepared((h) =>
  h
    .update(outbox)
    .set({
      status: 'sent',
      sentAt: sql`${p('now')}`,
      result: sql`${p('result')}`,
      attempts: sql`${p('attempts')}`,
      lastError: null,
      heldReason: null,
      leaseOwner: null,
      leaseUntil: null,
    })
    .where(eq(outbox.id, p('id')))
    .prepare(),
);

const setUnsent = prepared((h) =>
  h
    .update(outbox)
    .set({
      status: sql`${p('status')}`,
      attempts: sql`${p('attempts')}`,
      notBefore: sql`${p('notBefore')}`,
      lastError: sql`${p('error')}`,
      heldReason: sql`${p('held')}`,
      sentAt: sql`${p('sentAt')}`,
      leaseOwner: null,
      leaseUntil: null,
    })
    // A sender whose lease was taken over (it froze past the lease) must not undo the new owner's work.
    .where(
      and(
        eq(outbox.id, p('id')),
        sql`(${outbox.leaseOwner} is null or ${outbox.leaseOwner} = ${p('owner')})`,
      ),
    )
    .prepare(),
);

const setRoutingPost = prepared((h) =>
  h
    .update(leads)
    .set({ routingPostChannel: sql`${p('channel')}`, routingPostTs: sql`${p('ts')}` })
    .where(eq(leads.id, p('leadId')))
    .prepare(),
);

export interface SentRow {
  row: OutboxRow;
  /** What Slack answered (ts, channel…). */
  result: Record<string, unknown>;
}

/** How an attempt ended, as the sender records it. */
export type Mark =
  | { kind: 'sent'; row: OutboxRow; result: Record<string, unknown> }
  /** Try again at `notBefore`; `countsAsAttempt` false when nothing was sent (waiting for something). */
  | { kind: 'retry'; row: OutboxRow; notBefore: number; error: string; countsAsAttempt: boolean }
  /** No way to reach the recipient now (no installation, no shared channel…): held, checked again later. */
  | { kind: 'held'; row: OutboxRow; notBefore: number; reason: string; slackError?: string }
  | { kind: 'failed'; row: OutboxRow; error: string };

/**
 * Records how attempts ended and releases their leases, applying what each answer means (the routing post's
 * ts, needed by every later update of that post), in one transaction: the sender flushes the marks of the
 * calls that finished together, so a slow call never holds back the marks of the others.
 */
export function recordMarks(db: Db, owner: string, marks: readonly Mark[], now: number): void {
  if (marks.length === 0) return;
  inTransaction(db, (tx) => {
    for (const m of marks) applyMark(tx, owner, m, now);
  });
}

function applyMark(tx: Tx, owner: string, m: Mark, now: number): void {
  if (m.kind === 'sent') applySent(tx, m.row, m.result, now);
  else setUnsent(tx).run({ id: m.row.id, owner, ...unsentFields(m, now) });
}

/** The row's new columns after an attempt that did not end in `sent`. */
function unsentFields(m: Exclude<Mark, { kind: 'sent' }>, now: number) {
  const { row } = m;
  const base = {
    status: 'pending',
    attempts: row.attempts,
    held: null as string | null,
    sentAt: null as number | null,
  };
  switch (m.kind) {
    case 'retry':
      return {
        ...base,
        attempts: row.attempts + (m.countsAsAttempt ? 1 : 0),
        notBefore: m.notBefore,
        error: m.error.slice(0, 1000),
      };
    case 'held': {
      const held = m.reason.slice(0, 1000);
      // An earlier unconfirmed attempt stays unconfirmed: it is looked up before any post.
      return { ...base, notBefore: m.notBefore, held, error: isUnconfirmed(row) ? row.lastError : held };
    }
    case 'failed':
      return {
        ...base,
        status: 'failed',
        attempts: row.attempts + 1,
        notBefore: row.notBefore,
        error: m.error.slice(0, 1000),
        sentAt: now,
      };
  }
}

function applySent(tx: Tx, row: OutboxRow, result: Record<string, unknown>, now: number): void {
  setSent(tx).run({ id: row.id, now, result: JSON.stringify(result), attempts: row.attempts + 1 });
  if (row.onSent === 'routing_post' && row.leadId != null && typeof result.ts === 'string') {
    const channel = typeof result.channel === 'string' ? result.channel : row.recipient;
    setRoutingPost(tx).run({ leadId: row.leadId, channel, ts: result.ts });
  }
  if (row.onSent?.startsWith('flag_card:') && typeof result.ts === 'string') {
    // A new card is remembered (so setup refreshes it in place) and pinned, as a message of its own.
    const partnerSlug = row.onSent.slice('flag_card:'.length);
    const card = { channelId: row.recipient, partnerSlug, ts: result.ts, pinned: false, updatedAt: now };
    tx.insert(channelCards)
      .values(card)
      .onConflictDoUpdate({ target: channelCards.channelId, set: card })
      .run();
    tx.insert(outbox)
      .values({
        deliveryKey: `pin:${row.recipient}:${result.ts}`,
        recipient: row.recipient,
        teamId: row.teamId,
        lane: laneOf({ recipient: row.recipient }),
        method: 'pins.add',
        payload: { channel: row.recipient, timestamp: result.ts },
        onSent: 'card_pinned',
        notBefore: now,
        createdAt: now,
      })
      .onConflictDoNothing()
      .run();
  }
  if (row.onSent === 'card_pinned') {
    tx.update(channelCards)
      .set({ pinned: true, updatedAt: now })
      .where(eq(channelCards.channelId, row.recipient))
      .run();
  }
}

/**
 * Prefix of `last_error` for a message whose delivery is unconfirmed: the call went out (or was about to) and
 * no answer came back, so Slack may have posted it. The sender looks for it in Slack before posting again.
 */
export const UNCONFIRMED = 'unconfirmed: ';

/**
 * After a restore from a backup, anything still pending may have been sent after the backup was taken: every
 * pending post becomes unconfirmed, so the sender looks for it in Slack before posting it. Returns how many.
 */
export function markPendingUnconfirmed(db: Db, why: string): number {
  return db
    .update(outbox)
    .set({ lastError: `${UNCONFIRMED}${why}`, leaseOwner: null, leaseUntil: null })
    .where(and(eq(outbox.status, 'pending'), eq(outbox.method, 'chat.postMessage')))
    .run().changes;
}

export function isUnconfirmed(row: OutboxRow): boolean {
  return row.lastError?.startsWith(UNCONFIRMED) ?? false;
}

export function routingPostOf(
  db: Db,
  leadId: number,
): { channel: string | null; ts: string | null; postRow: OutboxRow | null } {
  const lead = db
    .select({ channel: leads.routingPostChannel, ts: leads.routingPostTs })
    .from(leads)
    .where(eq(leads.id, leadId))
    .get();
  const postRow =
    db
      .select()
      .from(outbox)
      .where(and(eq(outbox.leadId, leadId), eq(outbox.onSent, 'routing_post')))
      .get() ?? null;
  return { channel: lead?.channel ?? null, ts: lead?.ts ?? null, postRow };
}

export function failedRows(db: Db, limit = 50): OutboxRow[] {
  return db
    .select()
    .from(outbox)
    .where(eq(outbox.status, 'failed'))
    .orderBy(sql`${outbox.id} desc`)
    .limit(limit)
    .all();
}

export function channelCard(db: Db | Tx, channelId: string): typeof channelCards.$inferSelect | null {
  return db.select().from(channelCards).where(eq(channelCards.channelId, channelId)).get() ?? null;
}

// ── Internal channels' delivery state ─────────────────────────────────────────────────────────────────────

export type ChannelStateRow = typeof channelStates.$inferSelect;

export function channelStateOf(db: Db | Tx, channelId: string): ChannelStateRow | null {
  return db.select().from(channelStates).where(eq(channelStates.channelId, channelId)).get() ?? null;
}

/**
 * Records what Slack says a channel is now. Returns the state it had before (`internal` when never recorded),
 * so the caller acts only on a change: a repeated or replayed event changes nothing.
 */
export function setChannelState(
  tx: Db | Tx,
  channelId: string,
  state: ChannelState,
  detail: string | null,
  now: number,
): ChannelState {
  const before = channelStateOf(tx, channelId)?.state ?? 'internal';
  if (before === state) return before;
  const row = { channelId, state, detail, changedAt: now };
  tx.insert(channelStates)
    .values(row)
    .onConflictDoUpdate({ target: channelStates.channelId, set: row })
    .run();
  return before;
}

/** Channels nothing is posted to right now (shared, pending a share, archived, deleted, moved). */
export function heldChannels(db: Db | Tx): ChannelStateRow[] {
  return db
    .select()
    .from(channelStates)
    .where(sql`${channelStates.state} <> 'internal'`)
    .orderBy(channelStates.changedAt)
    .all();
}

/** Messages waiting to go to one channel. */
export function pendingTo(db: Db | Tx, channelId: string): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(outbox)
      .where(and(eq(outbox.status, 'pending'), eq(outbox.recipient, channelId)))
      .get()?.n ?? 0
  );
}

export interface DeliveryProblems {
  /** Held channels with how many messages wait for each. */
  channels: Array<ChannelStateRow & { waiting: number }>;
  /** Messages held because their recipient cannot be reached (no installation, no shared channel). */
  heldMessages: number;
  /** The newest reason one of them gives (for the App Home and the logs). */
  heldExample: string | null;
  /** Messages that failed for good in the last 7 days. */
  failedMessages: number;
}

/** What admins see on their App Home: deliveries that are waiting on someone, or failed. */
export function deliveryProblems(db: Db | Tx, now: number): DeliveryProblems {
  const channels = heldChannels(db).map((c) => ({ ...c, waiting: pendingTo(db, c.channelId) }));
  const held = db
    .select({ n: sql<number>`count(*)`, example: sql<string | null>`max(${outbox.heldReason})` })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), sql`${outbox.heldReason} is not null`))
    .get();
  const failed = db
    .select({ n: sql<number>`count(*)` })
    .from(outbox)
    .where(and(eq(outbox.status, 'failed'), sql`${outbox.sentAt} >= ${now - 7 * 86_400_000}`))
    .get();
  return {
    channels,
    heldMessages: held?.n ?? 0,
    heldExample: held?.example ?? null,
    failedMessages: failed?.n ?? 0,
  };
}

/** The queued rows with these delivery keys, in queue order (what a previewed job would send). */
export function rowsByDeliveryKey(db: Db | Tx, keys: readonly string[]): OutboxRow[] {
  if (keys.length === 0) return [];
  return db
    .select()
    .from(outbox)
    .where(sql`${outbox.deliveryKey} in (select value from json_each(${JSON.stringify(keys)}))`)
    .orderBy(outbox.id)
    .all();
}

export interface OutboxHealth {
  /** Messages not yet delivered (including those waiting for quiet hours or a batch). */
  pending: number;
  /** Of those, how many are due now: the backlog the sender has not caught up with. */
  due: number;
  /** How long the oldest due message has waited, in seconds (0 when nothing is due). */
  oldestDueSeconds: number;
  /** Messages that failed for good and need a person (`foothold outbox list`). */
  failed: number;
}

/** The outbox's state for `/healthz`: one indexed read. */
export function outboxHealth(db: Db, now: number): OutboxHealth {
  const row = db
    .select({
      pending: sql<number>`coalesce(sum(case when ${outbox.status} = 'pending' then 1 else 0 end), 0)`,
      due: sql<number>`coalesce(sum(case when ${outbox.status} = 'pending' and ${outbox.notBefore} <= ${now} then 1 else 0 end), 0)`,
      oldestDue: sql<
        number | null
      >`min(case when ${outbox.status} = 'pending' and ${outbox.notBefore} <= ${now} then ${outbox.notBefore} end)`,
      failed: sql<number>`coalesce(sum(case when ${outbox.status} = 'failed' then 1 else 0 end), 0)`,
    })
    .from(outbox)
    .where(sql`${outbox.status} in ('pending', 'failed')`)
    .get();
  return {
    pending: row?.pending ?? 0,
    due: row?.due ?? 0,
    oldestDueSeconds: row?.oldestDue != null ? Math.max(0, Math.floor((now - row.oldestDue) / 1000)) : 0,
    failed: row?.failed ?? 0,
  };
}

/** Statuses an operator can list: what is waiting, what failed for good, and what a person discarded. */
export const OPERATOR_STATUSES = ['failed', 'pending', 'discarded'] as const;
export type OperatorStatus = (typeof OPERATOR_STATUSES)[number];

/** Rows in `statuses`, newest first (`foothold outbox list`). */
export function listOutbox(db: Db | Tx, statuses: readonly OperatorStatus[], limit: number): OutboxRow[] {
  return db
    .select()
    .from(outbox)
    .where(sql`${outbox.status} in (select value from json_each(${JSON.stringify(statuses)}))`)
    .orderBy(sql`${outbox.id} desc`)
    .limit(limit)
    .all();
}

export function outboxRowsById(db: Db | Tx, ids: readonly number[]): OutboxRow[] {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(outbox)
    .where(sql`${outbox.id} in (select value from json_each(${JSON.stringify(ids)}))`)
    .orderBy(outbox.id)
    .all();
}

/** A failed row goes back in line (its id keeps its place in its recipient's order), due now. */
export function requeueFailed(tx: Tx, id: number, now: number): boolean {
  const res = tx
    .update(outbox)
    .set({ status: 'pending', notBefore: now, attempts: 0 })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'failed')))
    .run();
  return res.changes > 0;
}

/** A pending or failed row is set aside for good; the rows behind it for the same recipient go on. */
export function discardRow(tx: Tx, id: number, why: string): boolean {
  const res = tx
    .update(outbox)
    .set({ status: 'discarded', lastError: why })
    .where(and(eq(outbox.id, id), sql`${outbox.status} in ('pending', 'failed')`))
    .run();
  return res.changes > 0;
}

/** Sets every unsent message aside (sample data's history: never to be sent). Returns how many. */
export function discardUnsent(db: Db, why: string): number {
  return db
    .update(outbox)
    .set({ status: 'discarded', lastError: why })
    .where(sql`${outbox.status} in ('pending', 'failed')`)
    .run().changes;
}

import { and, eq, getTableColumns, inArray, notInArray, type SQL, sql } from 'drizzle-orm';
import { affected, type Db, engineKind, one, type Tx, transaction } from '../connection.ts';
import { type ChannelState, channelCards, channelStates, leads, outbox, people } from '../schema.ts';
import { prepared } from './prepared.ts';
import { rawRows } from './raw-sql.ts';

// ── The outbox protocol: what a use case queues ────────────────────────────────────────────────────────────
// A message is queued under a delivery key (unique: a re-run of the same change queues nothing twice); the
// routing post's ts is not known until the sender posts it, so messages in its thread carry LEAD_POST_TS and the
// sender swaps it in; ON_SENT_ROUTING_POST tells the sender to record the post's ts on the lead.

/** Placeholder the outbox sender swaps for the lead's routing post ts (unknown until that post is sent). */
export const LEAD_POST_TS = '@lead-post-ts';
export const ON_SENT_ROUTING_POST = 'routing_post';

export const routingPostKey = (leadId: number) => `lead:${leadId}:routing-post`;

export interface OutboxMessage {
  deliveryKey: string;
  recipient: string;
  method: string;
  payload: Record<string, unknown>;
  /** The recipient's own team and Grid organisation, when the caller knows them better than `people` does. */
  teamId?: string | null;
  enterpriseId?: string | null;
  leadId?: number | null;
  onSent?: string | null;
  notBefore?: number;
}

// A chart is not one Web API call but a three-step upload (src/delivery/file-upload.ts): its row names the
// SDK's method and carries the file itself.

/** The outbox method name of a file upload (the SDK's name for the three-step flow). */
export const FILE_UPLOAD_METHOD = 'files.uploadV2';

export interface FileUploadPayload {
  /** Channel id, or a user id (the sender opens the DM first). */
  channel: string;
  filename: string;
  title: string;
  /** Screen-reader description (Slack: at most 1,000 characters). */
  alt_txt: string;
  /** The file's bytes, base64. */
  content_base64: string;
  initial_comment?: string;
  thread_ts?: string;
}

const insertOutboxRow = prepared((h) =>
  h
    .insert(outbox)
    .values({
      deliveryKey: p('deliveryKey'),
      recipient: p('recipient'),
      // The recipient's own workspace: given, or the one we know the person by (the sender delivers through it).
      teamId: sql`coalesce(${p('teamId')}, (select ${people.teamId} from ${people} where ${people.userId} = ${p('recipient')}))`,
      enterpriseId: sql`coalesce(${p('enterpriseId')}, (select ${people.enterpriseId} from ${people} where ${people.userId} = ${p('recipient')}))`,
      lane: p('lane'),
      method: p('method'),
      payload: p('payload'),
      leadId: p('leadId'),
      onSent: p('onSent'),
      notBefore: p('notBefore'),
      createdAt: p('createdAt'),
    })
    .onConflictDoNothing({ target: outbox.deliveryKey })
    .prepare(),
);

/** Queues Slack messages; a delivery key already queued is skipped, so a re-run never sends twice. */
export async function enqueue(h: Db, messages: readonly OutboxMessage[], now: number): Promise<void> {
  if (messages.length === 0) return;
  if (engineKind(h) === 'postgres') await lockLanes(h, messages);
  const insert = insertOutboxRow(h);
  for (const m of messages) {
    await insert.run({
      deliveryKey: m.deliveryKey,
      recipient: m.recipient,
      teamId: m.teamId ?? null,
      enterpriseId: m.enterpriseId ?? null,
      lane: laneOf(m),
      method: m.method,
      payload: m.payload,
      leadId: m.leadId ?? null,
      onSent: m.onSent ?? null,
      notBefore: m.notBefore ?? now,
      createdAt: now,
    });
  }
}

/**
 * PostgreSQL: a lane's rows must become visible in id order, or a sender could deliver a later row before an
 * earlier one that was still uncommitted (two transactions queueing DMs to one person about two leads take ids
 * 10 and 11 and commit 11 first). Each transaction holds a lock per lane it queues into until it commits, so a
 * second one takes its ids only after the first is visible. (SQLite has one writer: ids are always in commit
 * order.) Lanes are locked in sorted order; a deadlock across two enqueue calls is retried by `transaction()`.
 */
async function lockLanes(h: Db, messages: readonly OutboxMessage[]): Promise<void> {
  for (const lane of [...new Set(messages.map(laneOf))].sort()) {
    await rawRows(
      h,
      sql`SELECT pg_advisory_xact_lock(cast(${LANE_LOCK_SPACE} as integer), hashtext(cast(${lane} as text)))`,
    );
  }
}

/** The first key of the two-int advisory locks on outbox lanes (job and migration locks use other spaces). */
const LANE_LOCK_SPACE = 5_110_402;

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
// PostgreSQL runs the same protocol with row locks instead of the database write lock (`claimPostgres`): the
// claim is ONE statement in a `read committed` transaction,
//   WITH due AS MATERIALIZED (
//     SELECT o.id, o.last_error, o.lease_owner, o.lease_until FROM outbox o
//      WHERE o.status = 'pending' AND o.not_before <= $now AND (o.lease_until IS NULL OR o.lease_until <= $now)
//        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.lane = o.lane AND p.status = 'pending' AND p.id < o.id)
//        [AND o.method NOT IN ($paused…)]
//        AND o.recipient NOT IN (SELECT channel_id FROM channel_states WHERE state <> 'internal')
//      ORDER BY o.id LIMIT $n
//      FOR UPDATE OF o SKIP LOCKED)
//   UPDATE outbox SET lease_owner = $me, lease_until = $now + $lease,
//          last_error = CASE WHEN outbox.method = 'chat.postMessage' THEN $unconfirmed ELSE outbox.last_error END
//     FROM due WHERE outbox.id = due.id
//   RETURNING outbox.<every column>, due.last_error, due.lease_owner, due.lease_until  -- the row before the claim
// - Two workers claiming at once: each locks the rows it takes; the other SKIPs them (never waits, never takes
//   them), so the same row is never leased twice and workers claim different rows in parallel.
// - A row another worker claimed and committed after this statement's snapshot: locking it re-reads the new
//   version and re-checks the WHERE (read committed), whose `lease_until` test now keeps it out.
// - Lane order: a lane's later rows stay out while its head is pending, whoever holds the head (the NOT EXISTS
//   reads the head as pending even while it is locked or leased), so one lane is never sent by two workers at
//   once and goes out in id order.
// - A dead or frozen worker: its rows stay pending with `lease_until` in the past once the lease (≤ 30 s)
//   passes, and the next claim takes them; a frozen worker that wakes up cannot undo the new owner's marks
//   (`setUnsent` checks the owner).
// - A worker killed mid-claim: its transaction rolls back and its row locks go with the connection.

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

/** A pending row that heads its lane: no earlier pending row in the same lane. */
const LANE_HEAD = sql`not exists (select 1 from outbox p where p.lane = ${outbox.lane} and p.status = 'pending' and p.id < ${outbox.id})`;

/** The due lane heads nobody holds (`now` a value or a placeholder), minus paused methods. */
function dueHeadWhere(now: unknown, paused: readonly string[]): SQL | undefined {
  return and(
    eq(outbox.status, 'pending'),
    sql`${outbox.notBefore} <= ${now}`,
    sql`(${outbox.leaseUntil} is null or ${outbox.leaseUntil} <= ${now})`,
    LANE_HEAD,
    // Methods paused by a Retry-After (rare: the statement is then built for them).
    paused.length > 0 ? notInArray(outbox.method, [...paused]) : undefined,
    sql`${outbox.recipient} not in ${HELD_CHANNELS}`,
  );
}

const dueHeadRows = prepared((h) =>
  h
    .select()
    .from(outbox)
    .where(dueHeadWhere(p('now'), []))
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

/** The longest lease a sender may take: a dead worker's rows are taken over within this time. */
export const MAX_LEASE_MS = 30_000;

/** PostgreSQL runs claims in `read committed`: FOR UPDATE SKIP LOCKED does the serialising (see the top). */
const CLAIM_ISOLATION = { isolation: 'read committed' } as const;

export async function claimDue(db: Db, opts: ClaimOptions): Promise<OutboxRow[]> {
  if (opts.limit <= 0) return [];
  return transaction(db, (tx) => claimIn(tx, opts), CLAIM_ISOLATION);
}

async function claimIn(tx: Tx, opts: ClaimOptions): Promise<OutboxRow[]> {
  if (opts.limit <= 0) return [];
  const until = opts.now + Math.min(opts.leaseMs, MAX_LEASE_MS);
  const unconfirmed = `${UNCONFIRMED}sent at ${new Date(opts.now).toISOString()}, no answer yet`;
  const paused = opts.pausedMethods ?? [];
  if (engineKind(tx) === 'postgres') return claimPostgres(tx, opts, paused, until, unconfirmed);
  // SQLite: the transaction holds the database write lock (BEGIN IMMEDIATE), so read-then-lease is atomic.
  const rows =
    paused.length === 0
      ? await dueHeadRows(tx).all({ now: opts.now, limit: opts.limit })
      : await tx
          .select()
          .from(outbox)
          .where(dueHeadWhere(opts.now, paused))
          .orderBy(outbox.id)
          .limit(opts.limit);
  const lease = takeLease(tx);
  for (const row of rows) await lease.run({ id: row.id, owner: opts.owner, until, unconfirmed });
  return rows;
}

const OUTBOX_COLUMNS = Object.entries(getTableColumns(outbox));
/** Columns whose value before the claim is returned (the claim changes them). */
const BEFORE_CLAIM = {
  lastError: 'last_error',
  leaseOwner: 'lease_owner',
  leaseUntil: 'lease_until',
} as const;

/** The PostgreSQL claim: one statement (see "The lease protocol" at the top of this file). */
async function claimPostgres(
  tx: Tx,
  opts: ClaimOptions,
  paused: readonly string[],
  until: number,
  unconfirmed: string,
): Promise<OutboxRow[]> {
  const returning = sql.join(
    OUTBOX_COLUMNS.map(([field, column]) =>
      field in BEFORE_CLAIM
        ? sql`due.${sql.identifier(column.name)} AS ${sql.identifier(field)}`
        : sql`${outbox}.${sql.identifier(column.name)} AS ${sql.identifier(field)}`,
    ),
    sql`, `,
  );
  const rows = await rawRows<Record<string, unknown>>(
    tx,
    sql`WITH due AS MATERIALIZED (
          SELECT ${outbox.id}, ${outbox.lastError}, ${outbox.leaseOwner}, ${outbox.leaseUntil} FROM ${outbox}
           WHERE ${dueHeadWhere(opts.now, paused)}
           ORDER BY ${outbox.id} LIMIT ${opts.limit}
           FOR UPDATE OF ${outbox} SKIP LOCKED)
        UPDATE ${outbox} SET lease_owner = ${opts.owner}, lease_until = ${until},
               last_error = CASE WHEN ${outbox}.method = 'chat.postMessage' THEN cast(${unconfirmed} as text)
                            ELSE ${outbox}.last_error END
          FROM due WHERE ${outbox}.id = due.id
        RETURNING ${returning}`,
  );
  const out = rows.map((r) => {
    const row: Record<string, unknown> = {};
    for (const [field, column] of OUTBOX_COLUMNS) {
      const value = r[field];
      row[field] = value == null ? null : column.mapFromDriverValue(value);
    }
    return row as OutboxRow;
  });
  return out.sort((a, b) => a.id - b.id);
}

/**
 * The sender's one write per turn: records the answers that came in (see `recordMarks`) and claims the rows
 * that may go out next (see `claimDue`), in one transaction, so a message costs a fraction of a commit.
 */
export async function settleAndClaim(
  db: Db,
  marks: readonly Mark[],
  claim: ClaimOptions,
): Promise<OutboxRow[]> {
  if (marks.length === 0 && claim.limit <= 0) return [];
  // The marks are writes by id (and the routing post's ts), safe in `read committed` on PostgreSQL.
  return transaction(
    db,
    async (tx) => {
      for (const m of marks) await applyMark(tx, claim.owner, m, claim.now);
      return claimIn(tx, claim);
    },
    CLAIM_ISOLATION,
  );
}

const renewLeaseQuery = prepared((h) =>
  h
    .update(outbox)
    .set({ leaseUntil: sql`${p('until')}` })
    .where(and(eq(outbox.leaseOwner, p('owner')), eq(outbox.status, 'pending')))
    .prepare(),
);

/** Extends every lease this sender holds (its calls in flight). Returns how many rows it holds. */
export async function renewLeases(db: Db, owner: string, until: number): Promise<number> {
  // In a transaction of its own, like every write: on SQLite a statement outside one would join whatever commit
  // group is open on the connection and return before its fsync.
  return transaction(db, (tx) => renewLeaseQuery(tx).run({ owner, until }));
}

/**
 * Releases leases held by processes of this host that are gone (owner ids are `host:pid:…`): a restart after a
 * crash takes over its rows at once instead of waiting for the leases to expire. Returns how many.
 */
export async function releaseDeadLeases(
  db: Db,
  host: string,
  isAlive: (pid: number) => boolean,
): Promise<number> {
  const held = await db
    .select({ owner: outbox.leaseOwner })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), sql`${outbox.leaseOwner} like ${`${host}:%`}`))
    .groupBy(outbox.leaseOwner);
  let released = 0;
  for (const { owner } of held) {
    const pid = Number(owner?.split(':')[1]);
    if (!owner || !Number.isInteger(pid) || isAlive(pid)) continue;
    released += affected(
      await db
        .update(outbox)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(and(eq(outbox.leaseOwner, owner), eq(outbox.status, 'pending'))),
    );
  }
  return released;
}

export async function pendingCount(db: Db): Promise<number> {
  const row = await one(
    db.select({ n: sql<number>`count(*)` }).from(outbox).where(eq(outbox.status, 'pending')),
  );
  return Number(row?.n ?? 0);
}

const earliestPending = prepared((h) =>
  h
    .select({
      // The later of the backoff and the lease (SQLite's two-argument max is PostgreSQL's greatest).
      t: sql<
        number | null
      >`min(${sql.raw(engineKind(h) === 'postgres' ? 'greatest' : 'max')}(${outbox.notBefore}, coalesce(${outbox.leaseUntil}, 0)))`,
    })
    .from(outbox)
    .where(
      and(
        eq(outbox.status, 'pending'),
        sql`${outbox.heldReason} is null`,
        LANE_HEAD,
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
export async function nextDueAt(db: Db): Promise<number | null> {
  const t = (await earliestPending(db).get())?.t;
  return t == null ? null : Number(t);
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
export async function recordMarks(db: Db, owner: string, marks: readonly Mark[], now: number): Promise<void> {
  if (marks.length === 0) return;
  await transaction(
    db,
    async (tx) => {
      for (const m of marks) await applyMark(tx, owner, m, now);
    },
    CLAIM_ISOLATION,
  );
}

async function applyMark(tx: Tx, owner: string, m: Mark, now: number): Promise<void> {
  if (m.kind === 'sent') await applySent(tx, m.row, m.result, now);
  else await setUnsent(tx).run({ id: m.row.id, owner, ...unsentFields(m, now) });
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

async function applySent(
  tx: Tx,
  row: OutboxRow,
  result: Record<string, unknown>,
  now: number,
): Promise<void> {
  await setSent(tx).run({ id: row.id, now, result: JSON.stringify(result), attempts: row.attempts + 1 });
  if (row.onSent === 'routing_post' && row.leadId != null && typeof result.ts === 'string') {
    const channel = typeof result.channel === 'string' ? result.channel : row.recipient;
    await setRoutingPost(tx).run({ leadId: row.leadId, channel, ts: result.ts });
  }
  if (row.onSent?.startsWith('flag_card:') && typeof result.ts === 'string') {
    // A new card is remembered (so setup refreshes it in place) and pinned, as a message of its own.
    const partnerSlug = row.onSent.slice('flag_card:'.length);
    const card = { channelId: row.recipient, partnerSlug, ts: result.ts, pinned: false, updatedAt: now };
    await tx
      .insert(channelCards)
      .values(card)
      .onConflictDoUpdate({ target: channelCards.channelId, set: card });
    await tx
      .insert(outbox)
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
      .onConflictDoNothing();
  }
  if (row.onSent === 'card_pinned') {
    await tx
      .update(channelCards)
      .set({ pinned: true, updatedAt: now })
      .where(eq(channelCards.channelId, row.recipient));
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
export async function markPendingUnconfirmed(db: Db, why: string): Promise<number> {
  return affected(
    await db
      .update(outbox)
      .set({ lastError: `${UNCONFIRMED}${why}`, leaseOwner: null, leaseUntil: null })
      .where(and(eq(outbox.status, 'pending'), eq(outbox.method, 'chat.postMessage'))),
  );
}

export function isUnconfirmed(row: OutboxRow): boolean {
  return row.lastError?.startsWith(UNCONFIRMED) ?? false;
}

export async function routingPostOf(
  db: Db,
  leadId: number,
): Promise<{ channel: string | null; ts: string | null; postRow: OutboxRow | null }> {
  const lead = await one(
    db
      .select({ channel: leads.routingPostChannel, ts: leads.routingPostTs })
      .from(leads)
      .where(eq(leads.id, leadId)),
  );
  const postRow =
    (await one(
      db
        .select()
        .from(outbox)
        .where(and(eq(outbox.leadId, leadId), eq(outbox.onSent, 'routing_post')))
        .orderBy(outbox.id)
        .limit(1),
    )) ?? null;
  return { channel: lead?.channel ?? null, ts: lead?.ts ?? null, postRow };
}

export async function failedRows(db: Db, limit = 50): Promise<OutboxRow[]> {
  return db
    .select()
    .from(outbox)
    .where(eq(outbox.status, 'failed'))
    .orderBy(sql`${outbox.id} desc`)
    .limit(limit);
}

export async function channelCard(
  db: Db | Tx,
  channelId: string,
): Promise<typeof channelCards.$inferSelect | null> {
  return (await one(db.select().from(channelCards).where(eq(channelCards.channelId, channelId)))) ?? null;
}

// ── Internal channels' delivery state ─────────────────────────────────────────────────────────────────────

export type ChannelStateRow = typeof channelStates.$inferSelect;

export async function channelStateOf(db: Db | Tx, channelId: string): Promise<ChannelStateRow | null> {
  return (await one(db.select().from(channelStates).where(eq(channelStates.channelId, channelId)))) ?? null;
}

/**
 * Records what Slack says a channel is now. Returns the state it had before (`internal` when never recorded),
 * so the caller acts only on a change: a repeated or replayed event changes nothing.
 */
export async function setChannelState(
  tx: Db | Tx,
  channelId: string,
  state: ChannelState,
  detail: string | null,
  now: number,
): Promise<ChannelState> {
  const before = (await channelStateOf(tx, channelId))?.state ?? 'internal';
  if (before === state) return before;
  const row = { channelId, state, detail, changedAt: now };
  await tx
    .insert(channelStates)
    .values(row)
    .onConflictDoUpdate({ target: channelStates.channelId, set: row });
  return before;
}

/** Channels nothing is posted to right now (shared, pending a share, archived, deleted, moved). */
export async function heldChannels(db: Db | Tx): Promise<ChannelStateRow[]> {
  return db
    .select()
    .from(channelStates)
    .where(sql`${channelStates.state} <> 'internal'`)
    .orderBy(channelStates.changedAt, channelStates.channelId);
}

/** Messages waiting to go to one channel. */
export async function pendingTo(db: Db | Tx, channelId: string): Promise<number> {
  const row = await one(
    db
      .select({ n: sql<number>`count(*)` })
      .from(outbox)
      .where(and(eq(outbox.status, 'pending'), eq(outbox.recipient, channelId))),
  );
  return Number(row?.n ?? 0);
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
export async function deliveryProblems(db: Db | Tx, now: number): Promise<DeliveryProblems> {
  const channels: DeliveryProblems['channels'] = [];
  for (const c of await heldChannels(db)) channels.push({ ...c, waiting: await pendingTo(db, c.channelId) });
  const held = await one(
    db
      .select({ n: sql<number>`count(*)`, example: sql<string | null>`max(${outbox.heldReason})` })
      .from(outbox)
      .where(and(eq(outbox.status, 'pending'), sql`${outbox.heldReason} is not null`)),
  );
  const failed = await one(
    db
      .select({ n: sql<number>`count(*)` })
      .from(outbox)
      .where(and(eq(outbox.status, 'failed'), sql`${outbox.sentAt} >= ${now - 7 * 86_400_000}`)),
  );
  return {
    channels,
    heldMessages: Number(held?.n ?? 0),
    heldExample: held?.example ?? null,
    failedMessages: Number(failed?.n ?? 0),
  };
}

/** Values per `IN (…)` list: far under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters. */
const IN_CHUNK = 1000;

/** Rows whose `column` is one of `values`, in queue order, a chunk of values per statement. */
async function rowsWhereIn(
  db: Db | Tx,
  column: typeof outbox.id | typeof outbox.deliveryKey,
  values: readonly (string | number)[],
): Promise<OutboxRow[]> {
  const out: OutboxRow[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) {
    const chunk = values.slice(i, i + IN_CHUNK) as never[];
    out.push(...(await db.select().from(outbox).where(inArray(column, chunk)).orderBy(outbox.id)));
  }
  return values.length > IN_CHUNK ? out.sort((a, b) => a.id - b.id) : out;
}

/** The queued rows with these delivery keys, in queue order (what a previewed job would send). */
export async function rowsByDeliveryKey(db: Db | Tx, keys: readonly string[]): Promise<OutboxRow[]> {
  return rowsWhereIn(db, outbox.deliveryKey, keys);
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
export async function outboxHealth(db: Db, now: number): Promise<OutboxHealth> {
  const raw = await one(
    db
      .select({
        pending: sql<number>`coalesce(sum(case when ${outbox.status} = 'pending' then 1 else 0 end), 0)`,
        due: sql<number>`coalesce(sum(case when ${outbox.status} = 'pending' and ${outbox.notBefore} <= ${now} then 1 else 0 end), 0)`,
        oldestDue: sql<
          number | null
        >`min(case when ${outbox.status} = 'pending' and ${outbox.notBefore} <= ${now} then ${outbox.notBefore} end)`,
        failed: sql<number>`coalesce(sum(case when ${outbox.status} = 'failed' then 1 else 0 end), 0)`,
      })
      .from(outbox)
      .where(sql`${outbox.status} in ('pending', 'failed')`),
  );
  const oldestDue = raw?.oldestDue == null ? null : Number(raw.oldestDue);
  return {
    pending: Number(raw?.pending ?? 0),
    due: Number(raw?.due ?? 0),
    oldestDueSeconds: oldestDue != null ? Math.max(0, Math.floor((now - oldestDue) / 1000)) : 0,
    failed: Number(raw?.failed ?? 0),
  };
}

/** Statuses an operator can list: what is waiting, what failed for good, and what a person discarded. */
export const OPERATOR_STATUSES = ['failed', 'pending', 'discarded'] as const;
export type OperatorStatus = (typeof OPERATOR_STATUSES)[number];

/** Rows in `statuses`, newest first (`foothold outbox list`). */
export async function listOutbox(
  db: Db | Tx,
  statuses: readonly OperatorStatus[],
  limit: number,
): Promise<OutboxRow[]> {
  if (statuses.length === 0) return [];
  return db
    .select()
    .from(outbox)
    .where(inArray(outbox.status, [...statuses]))
    .orderBy(sql`${outbox.id} desc`)
    .limit(limit);
}

export async function outboxRowsById(db: Db | Tx, ids: readonly number[]): Promise<OutboxRow[]> {
  return rowsWhereIn(db, outbox.id, ids);
}

/** A failed row goes back in line (its id keeps its place in its recipient's order), due now. */
export async function requeueFailed(tx: Tx, id: number, now: number): Promise<boolean> {
  const res = await tx
    .update(outbox)
    .set({ status: 'pending', notBefore: now, attempts: 0 })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'failed')));
  return affected(res) > 0;
}

/** A pending or failed row is set aside for good; the rows behind it for the same recipient go on. */
export async function discardRow(tx: Tx, id: number, why: string): Promise<boolean> {
  const res = await tx
    .update(outbox)
    .set({ status: 'discarded', lastError: why })
    .where(and(eq(outbox.id, id), sql`${outbox.status} in ('pending', 'failed')`));
  return affected(res) > 0;
}

/** Sets every unsent message aside (sample data's history: never to be sent). Returns how many. */
export async function discardUnsent(db: Db, why: string): Promise<number> {
  return affected(
    await db
      .update(outbox)
      .set({ status: 'discarded', lastError: why })
      .where(sql`${outbox.status} in ('pending', 'failed')`),
  );
}

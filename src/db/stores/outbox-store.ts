import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { channelCards, leads, outbox } from '../schema.ts';
import { inTransaction, type Tx } from './lead-store.ts';
import { prepared } from './prepared.ts';

// The sender's queries run for every message it delivers, so they are prepared once (see prepared.ts).

export type OutboxRow = typeof outbox.$inferSelect;

const p = sql.placeholder;

const dueHeadRows = prepared((h) =>
  h
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.status, 'pending'),
        sql`${outbox.notBefore} <= ${p('now')}`,
        sql`not exists (select 1 from outbox p where p.recipient = ${outbox.recipient} and p.status = 'pending' and p.id < ${outbox.id})`,
        // The recipients to leave out, as a JSON array: one statement for any number of them.
        sql`${outbox.recipient} not in (select value from json_each(${p('exclude')}))`,
      ),
    )
    .orderBy(outbox.id)
    .limit(p('limit'))
    .prepare(),
);

/**
 * The next messages that may go out now: the oldest pending row of each recipient, and only when it is due.
 * A recipient whose head row is waiting (backoff, Retry-After) holds the rest of its rows back, which is what
 * keeps messages to one person or channel in order.
 */
export function dueHeads(
  db: Db,
  now: number,
  limit: number,
  excludeRecipients: readonly string[] = [],
): OutboxRow[] {
  return dueHeadRows(db).all({ now, limit, exclude: JSON.stringify(excludeRecipients) });
}

export function pendingCount(db: Db): number {
  const row = db.select({ n: sql<number>`count(*)` }).from(outbox).where(eq(outbox.status, 'pending')).get();
  return row?.n ?? 0;
}

const earliestPending = prepared((h) =>
  h
    .select({ t: sql<number | null>`min(${outbox.notBefore})` })
    .from(outbox)
    .where(eq(outbox.status, 'pending'))
    .prepare(),
);

/** The earliest time any pending row becomes due, so an idle sender can sleep until then. */
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
    })
    .where(eq(outbox.id, p('id')))
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

/**
 * Marks rows sent once Slack answered ok, and applies what each answer means (the routing post's ts, needed
 * by every later update of that post), all in one transaction: one commit for a whole pass of the sender.
 */
export function markSent(db: Db, sent: readonly SentRow[], now: number): void {
  if (sent.length === 0) return;
  inTransaction(db, (tx) => {
    for (const { row, result } of sent) applySent(tx, row, result, now);
  });
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

export function markRetry(db: Db, row: OutboxRow, notBefore: number, error: string): void {
  db.update(outbox)
    .set({ attempts: row.attempts + 1, notBefore, lastError: error.slice(0, 1000) })
    .where(eq(outbox.id, row.id))
    .run();
}

/**
 * Prefix of `last_error` for a message whose delivery is unconfirmed: the call went out (or was about to) and
 * no answer came back, so Slack may have posted it. The sender looks for it in Slack before posting again.
 */
export const UNCONFIRMED = 'unconfirmed: ';

const setLastError = prepared((h) =>
  h
    .update(outbox)
    .set({ lastError: sql`${p('error')}` })
    .where(eq(outbox.id, p('id')))
    .prepare(),
);

/**
 * Written just before non-idempotent calls, so a crash mid-call leaves their rows marked as unconfirmed. One
 * transaction (one commit) for all the calls a pass of the sender is about to make.
 */
export function markUnconfirmed(db: Db, rows: readonly OutboxRow[], now: number): void {
  if (rows.length === 0) return;
  const error = `${UNCONFIRMED}sent at ${new Date(now).toISOString()}, no answer yet`;
  inTransaction(db, (tx) => {
    for (const row of rows) setLastError(tx).run({ id: row.id, error });
  });
}

/**
 * After a restore from a backup, anything still pending may have been sent after the backup was taken: every
 * pending post becomes unconfirmed, so the sender looks for it in Slack before posting it. Returns how many.
 */
export function markPendingUnconfirmed(db: Db, why: string): number {
  return db
    .update(outbox)
    .set({ lastError: `${UNCONFIRMED}${why}` })
    .where(and(eq(outbox.status, 'pending'), eq(outbox.method, 'chat.postMessage')))
    .run().changes;
}

export function isUnconfirmed(row: OutboxRow): boolean {
  return row.lastError?.startsWith(UNCONFIRMED) ?? false;
}

/** Defers a row without counting an attempt (it was not sent: it waits for something else first). */
export function defer(db: Db, row: OutboxRow, notBefore: number, why: string): void {
  db.update(outbox).set({ notBefore, lastError: why }).where(eq(outbox.id, row.id)).run();
}

export function markFailed(db: Db, row: OutboxRow, error: string, now: number): void {
  db.update(outbox)
    .set({ status: 'failed', attempts: row.attempts + 1, lastError: error.slice(0, 1000), sentAt: now })
    .where(eq(outbox.id, row.id))
    .run();
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

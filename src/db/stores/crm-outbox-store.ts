import { and, asc, eq, sql } from 'drizzle-orm';
import { type Db, one, type Tx } from '../connection.ts';
import { crmOutbox } from '../schema.ts';
import { rawRows } from './raw-sql.ts';

// The CRM write-back queue (PRODUCT.md section 11): rows written in the same transaction as the state change
// that causes them (like the Slack outbox), delivered by src/crm/write-back-sender.ts in id order per CRM
// record, retried with backoff, marked sent only after the CRM answered, or failed for good with the error.

type Handle = Db | Tx;

export type CrmOutboxRow = typeof crmOutbox.$inferSelect;

export interface CrmOutboxInput {
  deliveryKey: string;
  recordKey: string;
  leadId: number | null;
  payload: Record<string, unknown>;
}

/** Queues write-backs; a delivery key already queued is skipped, so a re-run never queues twice. */
export async function enqueueCrmWrites(
  h: Handle,
  rows: readonly CrmOutboxInput[],
  now: number,
): Promise<void> {
  for (const r of rows) {
    await h
      .insert(crmOutbox)
      .values({ ...r, status: 'pending', attempts: 0, notBefore: now, createdAt: now })
      .onConflictDoNothing({ target: crmOutbox.deliveryKey });
  }
}

/**
 * The writes due now: for each CRM record, its oldest unsent write, if that one is due (a later write to the
 * same record waits behind it, so the record ends with the latest values).
 */
export async function dueCrmWrites(h: Handle, now: number, limit: number): Promise<CrmOutboxRow[]> {
  const rows = await rawRows<CrmOutboxRow>(
    h,
    sql`
    SELECT o.id AS "id", o.delivery_key AS "deliveryKey", o.record_key AS "recordKey", o.lead_id AS "leadId",
           o.payload AS "payload", o.status AS "status", o.attempts AS "attempts",
           o.not_before AS "notBefore", o.last_error AS "lastError", o.created_at AS "createdAt",
           o.sent_at AS "sentAt"
    FROM ${crmOutbox} o
    WHERE o.status = 'pending' AND o.not_before <= ${now}
      AND o.id = (SELECT min(p.id) FROM ${crmOutbox} p WHERE p.record_key = o.record_key AND p.status = 'pending')
    ORDER BY o.not_before, o.id
    LIMIT ${limit}`,
  );
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload as unknown as string) }));
}

/** When the next pending write is due (null when none is pending). */
export async function nextCrmWriteAt(h: Handle): Promise<number | null> {
  const row = await one(
    h
      .select({ at: sql<number | null>`min(${crmOutbox.notBefore})` })
      .from(crmOutbox)
      .where(eq(crmOutbox.status, 'pending')),
  );
  return row?.at == null ? null : Number(row.at);
}

export async function markCrmWriteSent(h: Handle, id: number, now: number): Promise<void> {
  await h
    .update(crmOutbox)
    .set({ status: 'sent', sentAt: now, attempts: sql`${crmOutbox.attempts} + 1`, lastError: null })
    .where(and(eq(crmOutbox.id, id), eq(crmOutbox.status, 'pending')));
}

export async function retryCrmWrite(h: Handle, id: number, notBefore: number, error: string): Promise<void> {
  await h
    .update(crmOutbox)
    .set({ notBefore, lastError: error.slice(0, 2000), attempts: sql`${crmOutbox.attempts} + 1` })
    .where(and(eq(crmOutbox.id, id), eq(crmOutbox.status, 'pending')));
}

export async function failCrmWrite(h: Handle, id: number, error: string): Promise<void> {
  await h
    .update(crmOutbox)
    .set({ status: 'failed', lastError: error.slice(0, 2000), attempts: sql`${crmOutbox.attempts} + 1` })
    .where(and(eq(crmOutbox.id, id), eq(crmOutbox.status, 'pending')));
}

/** The newest write to this kind of record that went through (0 when none has). */
export async function lastSentId(h: Handle, object: 'account' | 'opportunity'): Promise<number> {
  const row = await one(
    h
      .select({ id: sql<number | null>`max(${crmOutbox.id})` })
      .from(crmOutbox)
      .where(and(eq(crmOutbox.status, 'sent'), sql`${crmOutbox.recordKey} LIKE ${`${object}:%`}`)),
  );
  return Number(row?.id ?? 0);
}

/** Every row, oldest first (tests and the CLI). */
export async function crmOutboxRows(h: Handle): Promise<CrmOutboxRow[]> {
  return h.select().from(crmOutbox).orderBy(asc(crmOutbox.id));
}

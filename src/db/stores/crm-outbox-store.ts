import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { crmOutbox } from '../schema.ts';
import type { Tx } from './lead-store.ts';

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
export function enqueueCrmWrites(h: Handle, rows: readonly CrmOutboxInput[], now: number): void {
  for (const r of rows) {
    h.insert(crmOutbox)
      .values({ ...r, status: 'pending', attempts: 0, notBefore: now, createdAt: now })
      .onConflictDoNothing({ target: crmOutbox.deliveryKey })
      .run();
  }
}

/**
 * The writes due now: for each CRM record, its oldest unsent write, if that one is due (a later write to the
 * same record waits behind it, so the record ends with the latest values).
 */
export function dueCrmWrites(h: Handle, now: number, limit: number): CrmOutboxRow[] {
  return h
    .all<CrmOutboxRow>(sql`
    SELECT o.id AS "id", o.delivery_key AS "deliveryKey", o.record_key AS "recordKey", o.lead_id AS "leadId",
           o.payload AS "payload", o.status AS "status", o.attempts AS "attempts",
           o.not_before AS "notBefore", o.last_error AS "lastError", o.created_at AS "createdAt",
           o.sent_at AS "sentAt"
    FROM ${crmOutbox} o
    WHERE o.status = 'pending' AND o.not_before <= ${now}
      AND o.id = (SELECT min(p.id) FROM ${crmOutbox} p WHERE p.record_key = o.record_key AND p.status = 'pending')
    ORDER BY o.not_before, o.id
    LIMIT ${limit}`)
    .map((r) => ({ ...r, payload: JSON.parse(r.payload as unknown as string) }));
}

/** When the next pending write is due (null when none is pending). */
export function nextCrmWriteAt(h: Handle): number | null {
  const row = h
    .select({ at: sql<number | null>`min(${crmOutbox.notBefore})` })
    .from(crmOutbox)
    .where(eq(crmOutbox.status, 'pending'))
    .get();
  return row?.at ?? null;
}

export function markCrmWriteSent(h: Handle, id: number, now: number): void {
  h.update(crmOutbox)
    .set({ status: 'sent', sentAt: now, attempts: sql`${crmOutbox.attempts} + 1`, lastError: null })
    .where(and(eq(crmOutbox.id, id), eq(crmOutbox.status, 'pending')))
    .run();
}

export function retryCrmWrite(h: Handle, id: number, notBefore: number, error: string): void {
  h.update(crmOutbox)
    .set({ notBefore, lastError: error.slice(0, 2000), attempts: sql`${crmOutbox.attempts} + 1` })
    .where(and(eq(crmOutbox.id, id), eq(crmOutbox.status, 'pending')))
    .run();
}

export function failCrmWrite(h: Handle, id: number, error: string): void {
  h.update(crmOutbox)
    .set({ status: 'failed', lastError: error.slice(0, 2000), attempts: sql`${crmOutbox.attempts} + 1` })
    .where(and(eq(crmOutbox.id, id), eq(crmOutbox.status, 'pending')))
    .run();
}

/** The newest write to this kind of record that went through (0 when none has). */
export function lastSentId(h: Handle, object: 'account' | 'opportunity'): number {
  const row = h
    .select({ id: sql<number | null>`max(${crmOutbox.id})` })
    .from(crmOutbox)
    .where(and(eq(crmOutbox.status, 'sent'), sql`${crmOutbox.recordKey} LIKE ${`${object}:%`}`))
    .get();
  return row?.id ?? 0;
}

/** Every row, oldest first (tests and the CLI). */
export function crmOutboxRows(h: Handle): CrmOutboxRow[] {
  return h.select().from(crmOutbox).orderBy(asc(crmOutbox.id)).all();
}

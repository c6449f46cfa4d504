import { type AnyColumn, eq, inArray, or, sql } from 'drizzle-orm';
import { gateResults, leadEvents, leads, outbox, warmthAttestations } from '../schema.ts';
import type { Tx } from './lead-store.ts';

// Erasing one person's personal data (a partner's named contact) from everything Foothold keeps, without
// touching the numbers: attestation rows keep their strength, date and willingness; leads, gates and events
// keep their outcomes. Only the text that names or reaches the person is removed.

export const REMOVED = '[removed]';

/** Replaces every case-insensitive occurrence of each needle in `text`. */
export function redactText(text: string, needles: readonly string[]): string {
  let out = text;
  for (const n of needles) {
    if (n.length < 3) continue;
    out = out.replace(new RegExp(n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), REMOVED);
  }
  return out;
}

/** Every string inside a JSON value, redacted. */
export function redactJson<T>(value: T, needles: readonly string[]): T {
  if (typeof value === 'string') return redactText(value, needles) as T;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, needles)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v, needles)])) as T;
  }
  return value;
}

export interface ContactAttestation {
  id: number;
  leadId: number;
  contactName: string | null;
  contactTitle: string | null;
}

/** Attestations naming the contact with this email (compared case-insensitively). */
export function attestationsByContactEmail(tx: Tx, email: string): ContactAttestation[] {
  return tx
    .select({
      id: warmthAttestations.id,
      leadId: warmthAttestations.leadId,
      contactName: warmthAttestations.contactName,
      contactTitle: warmthAttestations.contactTitle,
    })
    .from(warmthAttestations)
    .where(sql`lower(trim(${warmthAttestations.contactEmail})) = ${email}`)
    .all();
}

/** Clears the contact's name, title and email on these attestations; the rest of each row stays. */
export function clearAttestationContacts(tx: Tx, ids: readonly number[]): number {
  if (ids.length === 0) return 0;
  return tx
    .update(warmthAttestations)
    .set({ contactName: null, contactTitle: null, contactEmail: null })
    .where(inArray(warmthAttestations.id, [...ids]))
    .run().changes;
}

/** Ids of leads whose free text mentions the needle (case-insensitive). */
export function leadsMentioning(tx: Tx, needle: string): number[] {
  const like = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const match = (col: AnyColumn) => sql`lower(${col}) like ${like} escape '\\'`;
  return tx
    .select({ id: leads.id })
    .from(leads)
    .where(or(match(leads.need), match(leads.notes), match(leads.reasonText)))
    .all()
    .map((r) => r.id);
}

/** Redacts a lead's free text (need, notes, reason details). Returns whether anything changed. */
export function redactLeadText(tx: Tx, leadId: number, needles: readonly string[]): boolean {
  const row = tx
    .select({ need: leads.need, notes: leads.notes, reasonText: leads.reasonText })
    .from(leads)
    .where(eq(leads.id, leadId))
    .get();
  if (!row) return false;
  const next = {
    need: row.need === null ? null : redactText(row.need, needles),
    notes: row.notes === null ? null : redactText(row.notes, needles),
    reasonText: row.reasonText === null ? null : redactText(row.reasonText, needles),
  };
  if (next.need === row.need && next.notes === row.notes && next.reasonText === row.reasonText) return false;
  tx.update(leads)
    .set({ ...next, version: sql`${leads.version} + 1` })
    .where(eq(leads.id, leadId))
    .run();
  return true;
}

/** Redacts the stored gate reasons and details (the warmth gate names the contact). Returns rows changed. */
export function redactGateResults(tx: Tx, leadIds: readonly number[], needles: readonly string[]): number {
  if (leadIds.length === 0) return 0;
  let changed = 0;
  const rows = tx
    .select()
    .from(gateResults)
    .where(inArray(gateResults.leadId, [...leadIds]))
    .all();
  for (const r of rows) {
    const reason = redactText(r.reason, needles);
    const details = redactJson(r.details, needles);
    if (reason === r.reason && JSON.stringify(details) === JSON.stringify(r.details)) continue;
    tx.update(gateResults)
      .set({ reason, details })
      .where(sql`${gateResults.leadId} = ${r.leadId} and ${gateResults.gate} = ${r.gate}`)
      .run();
    changed++;
  }
  return changed;
}

/** Redacts the reasons and data of these leads' audit events (the events themselves stay). */
export function redactLeadEvents(tx: Tx, leadIds: readonly number[], needles: readonly string[]): number {
  if (leadIds.length === 0) return 0;
  let changed = 0;
  const rows = tx
    .select()
    .from(leadEvents)
    .where(inArray(leadEvents.leadId, [...leadIds]))
    .all();
  for (const r of rows) {
    const reason = r.reason === null ? null : redactText(r.reason, needles);
    const data = r.data === null ? null : redactJson(r.data, needles);
    if (reason === r.reason && JSON.stringify(data) === JSON.stringify(r.data)) continue;
    tx.update(leadEvents).set({ reason, data }).where(eq(leadEvents.id, r.id)).run();
    changed++;
  }
  return changed;
}

/**
 * Redacts Slack messages kept in the outbox, queued or already sent: those of these leads, and any other
 * that mentions one of the needles. Queued ones then go out without the contact.
 */
export function redactOutbox(tx: Tx, leadIds: readonly number[], needles: readonly string[]): number {
  const mentions = needles
    .filter((n) => n.length >= 3)
    .map((n) => sql`instr(lower(${outbox.payload}), ${n.toLowerCase()}) > 0`);
  const where = or(leadIds.length ? inArray(outbox.leadId, [...leadIds]) : undefined, ...mentions);
  if (!where) return 0;
  let changed = 0;
  for (const r of tx.select({ id: outbox.id, payload: outbox.payload }).from(outbox).where(where).all()) {
    const payload = redactJson(r.payload, needles);
    if (JSON.stringify(payload) === JSON.stringify(r.payload)) continue;
    tx.update(outbox).set({ payload }).where(eq(outbox.id, r.id)).run();
    changed++;
  }
  return changed;
}

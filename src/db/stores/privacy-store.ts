import { type AnyColumn, and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import { affected, one, type Tx } from '../connection.ts';
import { gateResults, leadEvents, leads, outbox, warmthAttestations } from '../schema.ts';

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

/**
 * A LIKE pattern for text containing `text` (use with `escape '\'`): its `%`, `_` and `\` match themselves.
 * LIKE is case-insensitive on SQLite and case-sensitive on PostgreSQL: compare lowered text with a lowered needle.
 */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
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
export async function attestationsByContactEmail(tx: Tx, email: string): Promise<ContactAttestation[]> {
  return tx
    .select({
      id: warmthAttestations.id,
      leadId: warmthAttestations.leadId,
      contactName: warmthAttestations.contactName,
      contactTitle: warmthAttestations.contactTitle,
    })
    .from(warmthAttestations)
    .where(sql`lower(trim(${warmthAttestations.contactEmail})) = ${email}`)
    .orderBy(asc(warmthAttestations.id));
}

/** Clears the contact's name, title and email on these attestations; the rest of each row stays. */
export async function clearAttestationContacts(tx: Tx, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  return affected(
    await tx
      .update(warmthAttestations)
      .set({ contactName: null, contactTitle: null, contactEmail: null })
      .where(inArray(warmthAttestations.id, [...ids])),
  );
}

/** Ids of leads whose free text mentions the needle (case-insensitive). */
export async function leadsMentioning(tx: Tx, needle: string): Promise<number[]> {
  const like = containing(needle.toLowerCase());
  const match = (col: AnyColumn) => sql`lower(${col}) like ${like} escape '\\'`;
  const rows = await tx
    .select({ id: leads.id })
    .from(leads)
    .where(or(match(leads.need), match(leads.notes), match(leads.reasonText)))
    .orderBy(asc(leads.id));
  return rows.map((r) => r.id);
}

/** Redacts a lead's free text (need, notes, reason details). Returns whether anything changed. */
export async function redactLeadText(tx: Tx, leadId: number, needles: readonly string[]): Promise<boolean> {
  const row = await one(
    tx
      .select({ need: leads.need, notes: leads.notes, reasonText: leads.reasonText })
      .from(leads)
      .where(eq(leads.id, leadId)),
  );
  if (!row) return false;
  const next = {
    need: row.need === null ? null : redactText(row.need, needles),
    notes: row.notes === null ? null : redactText(row.notes, needles),
    reasonText: row.reasonText === null ? null : redactText(row.reasonText, needles),
  };
  if (next.need === row.need && next.notes === row.notes && next.reasonText === row.reasonText) return false;
  await tx
    .update(leads)
    .set({ ...next, version: sql`${leads.version} + 1` })
    .where(eq(leads.id, leadId));
  return true;
}

/** Redacts the stored gate reasons and details (the warmth gate names the contact). Returns rows changed. */
export async function redactGateResults(
  tx: Tx,
  leadIds: readonly number[],
  needles: readonly string[],
): Promise<number> {
  if (leadIds.length === 0) return 0;
  let changed = 0;
  const rows = await tx
    .select()
    .from(gateResults)
    .where(inArray(gateResults.leadId, [...leadIds]))
    .orderBy(asc(gateResults.leadId), asc(gateResults.gate));
  for (const r of rows) {
    const reason = redactText(r.reason, needles);
    const details = redactJson(r.details, needles);
    if (reason === r.reason && JSON.stringify(details) === JSON.stringify(r.details)) continue;
    await tx
      .update(gateResults)
      .set({ reason, details })
      .where(and(eq(gateResults.leadId, r.leadId), eq(gateResults.gate, r.gate)));
    changed++;
  }
  return changed;
}

/** Redacts the reasons and data of these leads' audit events (the events themselves stay). */
export async function redactLeadEvents(
  tx: Tx,
  leadIds: readonly number[],
  needles: readonly string[],
): Promise<number> {
  if (leadIds.length === 0) return 0;
  let changed = 0;
  const rows = await tx
    .select()
    .from(leadEvents)
    .where(inArray(leadEvents.leadId, [...leadIds]))
    .orderBy(asc(leadEvents.id));
  for (const r of rows) {
    const reason = r.reason === null ? null : redactText(r.reason, needles);
    const data = r.data === null ? null : redactJson(r.data, needles);
    if (reason === r.reason && JSON.stringify(data) === JSON.stringify(r.data)) continue;
    await tx.update(leadEvents).set({ reason, data }).where(eq(leadEvents.id, r.id));
    changed++;
  }
  return changed;
}

/**
 * Redacts Slack messages kept in the outbox, queued or already sent: those of these leads, and any other
 * that mentions one of the needles. Queued ones then go out without the contact.
 */
export async function redactOutbox(
  tx: Tx,
  leadIds: readonly number[],
  needles: readonly string[],
): Promise<number> {
  const mentions = needles
    .filter((n) => n.length >= 3)
    .map((n) => sql`lower(${outbox.payload}) like ${containing(n.toLowerCase())} escape '\\'`);
  const where = or(leadIds.length ? inArray(outbox.leadId, [...leadIds]) : undefined, ...mentions);
  if (!where) return 0;
  let changed = 0;
  const rows = await tx
    .select({ id: outbox.id, payload: outbox.payload })
    .from(outbox)
    .where(where)
    .orderBy(asc(outbox.id));
  for (const r of rows) {
    const payload = redactJson(r.payload, needles);
    if (JSON.stringify(payload) === JSON.stringify(r.payload)) continue;
    await tx.update(outbox).set({ payload }).where(eq(outbox.id, r.id));
    changed++;
  }
  return changed;
}

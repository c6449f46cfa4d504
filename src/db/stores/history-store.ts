import { asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { HistoryEvent } from '../../core/history.ts';
import type { Db } from '../connection.ts';
import { leadEvents, leads } from '../schema.ts';
import type { Tx } from './lead-store.ts';

type Handle = Db | Tx;

// Reads of the append-only audit log for `foothold history` and the routing post's History button.

export interface HistoryLead {
  id: number;
  domain: string;
  accountName: string;
  partnerSlug: string;
  status: string;
  mergedIntoLeadId: number | null;
}

export interface AccountHistory {
  domain: string;
  leads: HistoryLead[];
  events: HistoryEvent[];
}

const leadColumns = {
  id: leads.id,
  domain: leads.domain,
  accountName: leads.accountName,
  partnerSlug: leads.partnerSlug,
  status: leads.status,
  mergedIntoLeadId: leads.mergedIntoLeadId,
};

function eventsOf(h: Handle, leadIds: readonly number[], domain: string | null): HistoryEvent[] {
  const byLead = leadIds.length > 0 ? inArray(leadEvents.leadId, [...leadIds]) : undefined;
  // Conflicts store no lead: they are found by the account's domain in their data.
  const conflicts = domain
    ? sql`(${leadEvents.leadId} is null and ${leadEvents.type} = 'conflict' and json_extract(${leadEvents.data}, '$.domain') = ${domain})`
    : undefined;
  const where = byLead && conflicts ? or(byLead, conflicts) : (byLead ?? conflicts);
  if (!where) return [];
  return h
    .select()
    .from(leadEvents)
    .where(where)
    .orderBy(asc(leadEvents.at), asc(leadEvents.id))
    .all()
    .map((e) => ({ ...e, data: e.data ?? null }));
}

/** Every lead on the account (corroborations included), its events and the conflicts refused on it. */
export function historyForDomain(h: Handle, domain: string): AccountHistory {
  const rows = h.select(leadColumns).from(leads).where(eq(leads.domain, domain)).orderBy(asc(leads.id)).all();
  return {
    domain,
    leads: rows,
    events: eventsOf(
      h,
      rows.map((r) => r.id),
      domain,
    ),
  };
}

/** One lead and the corroborating submissions merged into it. Null when there is no such lead. */
export function historyForLead(h: Handle, leadId: number): AccountHistory | null {
  const lead = h.select(leadColumns).from(leads).where(eq(leads.id, leadId)).get();
  if (!lead) return null;
  const merged = h
    .select(leadColumns)
    .from(leads)
    .where(eq(leads.mergedIntoLeadId, leadId))
    .orderBy(asc(leads.id))
    .all();
  const rows = [lead, ...merged];
  return {
    domain: lead.domain,
    leads: rows,
    events: eventsOf(
      h,
      rows.map((r) => r.id),
      null,
    ),
  };
}

/** How many leads the database holds (a sample program goes only into an empty one). */
export function leadCount(h: Handle): number {
  return h.select({ n: sql<number>`count(*)` }).from(leads).get()?.n ?? 0;
}

import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { HistoryEvent } from '../../core/history.ts';
import { type Db, one } from '../connection.ts';
import { leadEvents, leads } from '../schema.ts';
import { containing } from './privacy-store.ts';

type Handle = Db;

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

async function eventsOf(
  h: Handle,
  leadIds: readonly number[],
  domain: string | null,
): Promise<HistoryEvent[]> {
  const byLead = leadIds.length > 0 ? inArray(leadEvents.leadId, [...leadIds]) : undefined;
  // Conflicts store no lead: they are found by the account's domain in their data (JSON text). The text match
  // narrows them down in SQL on both engines; the exact field is checked below.
  const conflicts = domain
    ? and(
        isNull(leadEvents.leadId),
        eq(leadEvents.type, 'conflict'),
        sql`${leadEvents.data} like ${containing(domain)} escape '\\'`,
      )
    : undefined;
  const where = byLead && conflicts ? or(byLead, conflicts) : (byLead ?? conflicts);
  if (!where) return [];
  const rows = await h.select().from(leadEvents).where(where).orderBy(asc(leadEvents.at), asc(leadEvents.id));
  return rows
    .filter((e) => e.leadId !== null || e.data?.domain === domain)
    .map((e) => ({ ...e, data: e.data ?? null }));
}

/** Every lead on the account (corroborations included), its events and the conflicts refused on it. */
export async function historyForDomain(h: Handle, domain: string): Promise<AccountHistory> {
  const rows = await h.select(leadColumns).from(leads).where(eq(leads.domain, domain)).orderBy(asc(leads.id));
  return {
    domain,
    leads: rows,
    events: await eventsOf(
      h,
      rows.map((r) => r.id),
      domain,
    ),
  };
}

/** One lead and the corroborating submissions merged into it. Null when there is no such lead. */
export async function historyForLead(h: Handle, leadId: number): Promise<AccountHistory | null> {
  const lead = await one(h.select(leadColumns).from(leads).where(eq(leads.id, leadId)));
  if (!lead) return null;
  const merged = await h
    .select(leadColumns)
    .from(leads)
    .where(eq(leads.mergedIntoLeadId, leadId))
    .orderBy(asc(leads.id));
  const rows = [lead, ...merged];
  return {
    domain: lead.domain,
    leads: rows,
    events: await eventsOf(
      h,
      rows.map((r) => r.id),
      null,
    ),
  };
}

import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { LinkCandidate } from '../../core/crm-outcomes.ts';
import { EQL_STATUSES } from '../../core/lifecycle.ts';
import type { LeadStatus } from '../../core/types.ts';
import type { CrmProviderKind } from '../../crm/types.ts';
import { type Db, one, type Tx } from '../connection.ts';
import { crmAccounts, crmOpportunities, leads } from '../schema.ts';
import { rawRows } from './raw-sql.ts';

// Reads and writes of outcomes from the CRM (PRODUCT.md section 11): which claimed leads have opportunities
// to link, which linked leads' opportunities changed since Foothold last applied them, and the lead's copy of
// its opportunity. The synced `crm_opportunities` rows are read, never written, here.

type Handle = Db | Tx;

export type CrmOpportunityRow = typeof crmOpportunities.$inferSelect;

/** Statuses a lead can be linked in: claimed and after (a won/lost click still gains its deal's revenue). */
export const LINKABLE_STATUSES: readonly LeadStatus[] = EQL_STATUSES.filter((s) => s !== 'qualified');

export interface UnlinkedLead {
  id: number;
  domain: string;
  claimedAt: number;
}

/** Claimed (or later) leads with no opportunity linked whose account has a live opportunity in the CRM. */
export async function unlinkedLeadsWithOpportunities(
  h: Handle,
  provider: CrmProviderKind,
): Promise<UnlinkedLead[]> {
  return rawRows<UnlinkedLead>(
    h,
    sql`
    SELECT l.id AS "id", l.domain AS "domain", l.claimed_at AS "claimedAt"
    FROM ${leads} l
    WHERE l.crm_opportunity_id IS NULL AND l.claimed_at IS NOT NULL
      AND l.status IN (${sql.join(
        LINKABLE_STATUSES.map((s) => sql`${s}`),
        sql`, `,
      )})
      AND EXISTS (SELECT 1 FROM ${crmOpportunities} o
                  WHERE o.account_domain = l.domain AND o.crm_provider = ${provider}
                    AND o.crm_deleted_at IS NULL)
    ORDER BY l.id`,
  );
}

/** The account's live opportunities that no other lead has linked, to link or choose from. */
export async function linkCandidates(
  h: Handle,
  provider: CrmProviderKind,
  domain: string,
): Promise<LinkCandidate[]> {
  const rows = await rawRows<LinkCandidate>(
    h,
    sql`
    SELECT o.crm_id AS "id", o.name AS "name", o.stage_id AS "stageId", o.amount AS "amount",
           o.currency AS "currency", o.close_date AS "closeDate", o.crm_created_at AS "createdAt",
           o.is_closed AS "isClosed"
    FROM ${crmOpportunities} o
    WHERE o.account_domain = ${domain} AND o.crm_provider = ${provider} AND o.crm_deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM ${leads} l WHERE l.crm_opportunity_id = o.crm_id)
    ORDER BY o.crm_created_at, o.crm_id`,
  );
  // 0/1 on SQLite, a boolean on PostgreSQL.
  return rows.map((c) => ({ ...c, isClosed: Boolean(c.isClosed) }));
}

export async function getCrmOpportunity(
  h: Handle,
  provider: CrmProviderKind,
  crmId: string,
): Promise<CrmOpportunityRow | null> {
  return (
    (await one(
      h
        .select()
        .from(crmOpportunities)
        .where(and(eq(crmOpportunities.crmProvider, provider), eq(crmOpportunities.crmId, crmId))),
    )) ?? null
  );
}

/**
 * Linked leads whose opportunity differs from what the lead last took from it (stage, amount, currency,
 * dates, name) or was deleted or merged away in the CRM: the ones a sync has to apply.
 */
export async function linkedLeadsToApply(h: Handle, provider: CrmProviderKind): Promise<number[]> {
  // IS DISTINCT FROM: unequal, counting null as a value (SQLite's IS NOT; both engines speak it).
  const rows = await rawRows<{ id: number }>(
    h,
    sql`
    SELECT l.id AS "id"
    FROM ${leads} l JOIN ${crmOpportunities} o
      ON o.crm_provider = ${provider} AND o.crm_id = l.crm_opportunity_id
    WHERE o.crm_deleted_at IS NOT NULL
       OR l.crm_stage IS DISTINCT FROM o.stage_id
       OR l.opportunity_amount IS DISTINCT FROM o.amount
       OR l.opportunity_currency IS DISTINCT FROM o.currency
       OR l.opportunity_close_date IS DISTINCT FROM o.close_date
       OR l.crm_opportunity_created_at IS DISTINCT FROM o.crm_created_at
       OR l.crm_opportunity_name IS DISTINCT FROM o.name
    ORDER BY l.id`,
  );
  return rows.map((r) => r.id);
}

/** The lead whose opportunity this is, if one is linked. */
export async function leadLinkedTo(h: Handle, crmId: string): Promise<number | null> {
  return (
    (await one(h.select({ id: leads.id }).from(leads).where(eq(leads.crmOpportunityId, crmId)).limit(1)))
      ?.id ?? null
  );
}

/** The CRM id of the lead's account in this provider (null when the account is not synced from it). */
export async function accountCrmId(
  h: Handle,
  provider: CrmProviderKind,
  domain: string,
): Promise<string | null> {
  return (
    (
      await one(
        h
          .select({ crmId: crmAccounts.crmId })
          .from(crmAccounts)
          .where(
            and(
              eq(crmAccounts.domain, domain),
              eq(crmAccounts.crmProvider, provider),
              isNull(crmAccounts.crmDeletedAt),
            ),
          ),
      )
    )?.crmId ?? null
  );
}

/** Linked leads, oldest first (for `crm outcomes` listings and tests). */
export async function linkedLeads(h: Handle): Promise<Array<{ id: number; crmOpportunityId: string }>> {
  return h
    .select({ id: leads.id, crmOpportunityId: sql<string>`${leads.crmOpportunityId}` })
    .from(leads)
    .where(sql`${leads.crmOpportunityId} IS NOT NULL`)
    .orderBy(asc(leads.id));
}

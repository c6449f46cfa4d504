import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Relationship } from '../../core/types.ts';
import type { Db } from '../connection.ts';
import { crmAccounts, partnerOverlaps } from '../schema.ts';
import { prepared } from './prepared.ts';

// Accounts as the gates see them: the CRM's account behind a domain, and the overlap a partner's own import
// recorded for it. Written by the CRM sync and the imports (crm-store, import-store); read here.

const p = sql.placeholder;

export type CrmAccountRow = typeof crmAccounts.$inferSelect;

const crmAccountByDomain = prepared((h) =>
  h
    .select()
    .from(crmAccounts)
    // An account deleted or merged away in the CRM (section 11) is no longer an account the gates know.
    .where(and(eq(crmAccounts.domain, p('domain')), isNull(crmAccounts.crmDeletedAt)))
    .prepare(),
);

export async function getCrmAccount(h: Db, domain: string): Promise<CrmAccountRow | null> {
  return (await crmAccountByDomain(h).get({ domain })) ?? null;
}

const overlapOf = prepared((h) =>
  h
    .select({ relationship: partnerOverlaps.relationship })
    .from(partnerOverlaps)
    .where(and(eq(partnerOverlaps.partnerSlug, p('partnerSlug')), eq(partnerOverlaps.domain, p('domain'))))
    .prepare(),
);

export async function getOverlap(
  h: Db,
  partnerSlug: string,
  domain: string,
): Promise<{ relationship: Relationship } | null> {
  return (await overlapOf(h).get({ partnerSlug, domain })) ?? null;
}

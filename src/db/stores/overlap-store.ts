import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { OPEN_STATUSES } from '../../core/lifecycle.ts';
import type { OverlapAskItem, OverlapAskStatus, PreviousAsk } from '../../core/overlap-first.ts';
import type { Relationship } from '../../core/types.ts';
import { affected, type Db, one } from '../connection.ts';
import { crmAccounts, leads, overlapAsks, partnerOverlaps } from '../schema.ts';
import type { CrmAccountRow } from './account-store.ts';

// Overlap first: the imported overlaps a partner could be asked about, and every ask and answer (remembered,
// so "we don't know them" is never asked again).

type Handle = Db;

export type OverlapAskRow = typeof overlapAsks.$inferSelect;

/**
 * A partner's imported overlaps whose account the CRM knows, that are not leads yet: no open lead on the
 * account from anyone, and nothing this partner ever flagged on it, and no open opportunity in the CRM (that
 * would be a conflict). The fit gate is run by the caller on the CRM account.
 */
export async function overlapCandidates(
  h: Handle,
  partnerSlug: string,
): Promise<Array<{ crm: CrmAccountRow; relationship: Relationship }>> {
  return h
    .select({ crm: crmAccounts, relationship: partnerOverlaps.relationship })
    .from(partnerOverlaps)
    .innerJoin(crmAccounts, eq(crmAccounts.domain, partnerOverlaps.domain))
    .where(
      and(
        eq(partnerOverlaps.partnerSlug, partnerSlug),
        eq(crmAccounts.hasOpenOpportunity, false),
        sql`not exists (select 1 from ${leads} where ${leads.domain} = ${partnerOverlaps.domain}
              and (${leads.partnerSlug} = ${partnerSlug}
                   or ${inArray(leads.status, [...OPEN_STATUSES])}))`,
      ),
    )
    .orderBy(asc(partnerOverlaps.domain));
}

/** The last ask of each of `domains` for a partner. */
export async function previousAsks(
  h: Handle,
  partnerSlug: string,
  domains: readonly string[],
): Promise<Map<string, PreviousAsk>> {
  const out = new Map<string, PreviousAsk>();
  for (let i = 0; i < domains.length; i += 500) {
    const chunk = domains.slice(i, i + 500);
    for (const r of await h
      .select()
      .from(overlapAsks)
      .where(and(eq(overlapAsks.partnerSlug, partnerSlug), inArray(overlapAsks.domain, chunk))))
      out.set(r.domain, { status: r.status, askedAt: r.askedAt, snoozedUntil: r.snoozedUntil });
  }
  return out;
}

/** Records that a batch asks about an account (again, after a snooze or no answer); returns the ask's id. */
export async function recordAsk(
  h: Handle,
  row: { partnerSlug: string; domain: string; batchKey: string; at: number },
): Promise<number> {
  const r = await one(
    h
      .insert(overlapAsks)
      .values({
        partnerSlug: row.partnerSlug,
        domain: row.domain,
        status: 'asked',
        batchKey: row.batchKey,
        askedAt: row.at,
      })
      .onConflictDoUpdate({
        target: [overlapAsks.partnerSlug, overlapAsks.domain],
        set: {
          status: 'asked',
          batchKey: row.batchKey,
          askedAt: row.at,
          timesAsked: sql`${overlapAsks.timesAsked} + 1`,
          answeredAt: null,
          answeredByUserId: null,
          snoozedUntil: null,
        },
      })
      .returning({ id: overlapAsks.id }),
  );
  if (!r) throw new Error('insert into overlap_asks returned no id');
  return r.id;
}

export async function getAsk(h: Handle, id: number): Promise<OverlapAskRow | null> {
  return (await one(h.select().from(overlapAsks).where(eq(overlapAsks.id, id)))) ?? null;
}

/** Records the answer to an open ask; false when it was answered already (by a colleague, or twice). */
export async function answerAsk(
  h: Handle,
  id: number,
  answer: {
    status: Exclude<OverlapAskStatus, 'asked'>;
    byUserId: string;
    at: number;
    snoozedUntil: number | null;
  },
): Promise<boolean> {
  return (
    affected(
      await h
        .update(overlapAsks)
        .set({
          status: answer.status,
          answeredByUserId: answer.byUserId,
          answeredAt: answer.at,
          snoozedUntil: answer.snoozedUntil,
        })
        .where(and(eq(overlapAsks.id, id), eq(overlapAsks.status, 'asked'))),
    ) === 1
  );
}

/** The accounts of one partner's batch, in the order asked, with the answers given so far. */
export async function batchItems(
  h: Handle,
  partnerSlug: string,
  batchKey: string,
): Promise<OverlapAskItem[]> {
  return h
    .select({
      askId: overlapAsks.id,
      accountName: crmAccounts.name,
      domain: overlapAsks.domain,
      relationship: partnerOverlaps.relationship,
      status: overlapAsks.status,
      answeredByUserId: overlapAsks.answeredByUserId,
    })
    .from(overlapAsks)
    .innerJoin(crmAccounts, eq(crmAccounts.domain, overlapAsks.domain))
    .innerJoin(
      partnerOverlaps,
      and(
        eq(partnerOverlaps.partnerSlug, overlapAsks.partnerSlug),
        eq(partnerOverlaps.domain, overlapAsks.domain),
      ),
    )
    .where(and(eq(overlapAsks.partnerSlug, partnerSlug), eq(overlapAsks.batchKey, batchKey)))
    .orderBy(asc(overlapAsks.id));
}

import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { OPEN_STATUSES } from '../../core/lifecycle.ts';
import type { OverlapAskItem, OverlapAskStatus, PreviousAsk } from '../../core/overlap-first.ts';
import type { Relationship } from '../../core/types.ts';
import type { Db } from '../connection.ts';
import { crmAccounts, leads, overlapAsks, partnerOverlaps } from '../schema.ts';
import type { CrmAccountRow, Tx } from './lead-store.ts';

// Overlap first: the imported overlaps a partner could be asked about, and every ask and answer (remembered,
// so "we don't know them" is never asked again).

type Handle = Db | Tx;

export type OverlapAskRow = typeof overlapAsks.$inferSelect;

const OPEN = JSON.stringify(OPEN_STATUSES);

/**
 * A partner's imported overlaps whose account the CRM knows, that are not leads yet: no open lead on the
 * account from anyone, and nothing this partner ever flagged on it, and no open opportunity in the CRM (that
 * would be a conflict). The fit gate is run by the caller on the CRM account.
 */
export function overlapCandidates(
  h: Handle,
  partnerSlug: string,
): Array<{ crm: CrmAccountRow; relationship: Relationship }> {
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
                   or ${leads.status} in (select value from json_each(${OPEN}))))`,
      ),
    )
    .all();
}

/** The last ask of each of `domains` for a partner. */
export function previousAsks(
  h: Handle,
  partnerSlug: string,
  domains: readonly string[],
): Map<string, PreviousAsk> {
  const out = new Map<string, PreviousAsk>();
  for (let i = 0; i < domains.length; i += 500) {
    const chunk = domains.slice(i, i + 500);
    for (const r of h
      .select()
      .from(overlapAsks)
      .where(and(eq(overlapAsks.partnerSlug, partnerSlug), inArray(overlapAsks.domain, chunk)))
      .all())
      out.set(r.domain, { status: r.status, askedAt: r.askedAt, snoozedUntil: r.snoozedUntil });
  }
  return out;
}

/** Records that a batch asks about an account (again, after a snooze or no answer); returns the ask's id. */
export function recordAsk(
  h: Handle,
  row: { partnerSlug: string; domain: string; batchKey: string; at: number },
): number {
  const r = h
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
    .returning({ id: overlapAsks.id })
    .get();
  if (!r) throw new Error('insert into overlap_asks returned no id');
  return r.id;
}

export function getAsk(h: Handle, id: number): OverlapAskRow | null {
  return h.select().from(overlapAsks).where(eq(overlapAsks.id, id)).get() ?? null;
}

/** Records the answer to an open ask; false when it was answered already (by a colleague, or twice). */
export function answerAsk(
  h: Handle,
  id: number,
  answer: {
    status: Exclude<OverlapAskStatus, 'asked'>;
    byUserId: string;
    at: number;
    snoozedUntil: number | null;
  },
): boolean {
  return (
    h
      .update(overlapAsks)
      .set({
        status: answer.status,
        answeredByUserId: answer.byUserId,
        answeredAt: answer.at,
        snoozedUntil: answer.snoozedUntil,
      })
      .where(and(eq(overlapAsks.id, id), eq(overlapAsks.status, 'asked')))
      .run().changes === 1
  );
}

/** The accounts of one partner's batch, in the order asked, with the answers given so far. */
export function batchItems(h: Handle, partnerSlug: string, batchKey: string): OverlapAskItem[] {
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
    .orderBy(asc(overlapAsks.id))
    .all();
}

import { and, asc, count, desc, eq, gte, inArray, ne, sql } from 'drizzle-orm';
import type { AwardDraft, RewardStatus } from '../../core/rewards.ts';
import { affected, type Db, one } from '../connection.ts';
import { corroborations, leads, partnerOrgs, rewardAwards } from '../schema.ts';

// Partner rewards: awards created pending at a milestone, decided by a leader, read by the partner's own
// surfaces (only its own slug) and exported for payout.

type Handle = Db;

export type AwardRow = typeof rewardAwards.$inferSelect;

/** An award with what a leader's list and the export show beside it. */
export interface AwardListing extends AwardRow {
  partnerName: string;
  accountName: string;
  domain: string;
}

/** Stores a pending award; null when this lead, milestone and rule already has one (never paid twice). */
export async function insertAward(
  h: Handle,
  row: AwardDraft & { leadId: number; partnerSlug: string; createdAt: number },
): Promise<number | null> {
  const inserted = await one(
    h
      .insert(rewardAwards)
      .values({
        leadId: row.leadId,
        partnerSlug: row.partnerSlug,
        milestone: row.milestone,
        ruleIndex: row.ruleIndex,
        kind: row.kind,
        value: row.value,
        currency: row.currency,
        basis: row.basis,
        status: 'pending',
        createdAt: row.createdAt,
      })
      .onConflictDoNothing()
      .returning({ id: rewardAwards.id }),
  );
  return inserted?.id ?? null;
}

function listing(h: Handle) {
  return h
    .select({
      award: rewardAwards,
      partnerName: partnerOrgs.name,
      accountName: leads.accountName,
      domain: leads.domain,
    })
    .from(rewardAwards)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, rewardAwards.partnerSlug))
    .innerJoin(leads, eq(leads.id, rewardAwards.leadId));
}

function flat(r: {
  award: AwardRow;
  partnerName: string;
  accountName: string;
  domain: string;
}): AwardListing {
  return { ...r.award, partnerName: r.partnerName, accountName: r.accountName, domain: r.domain };
}

export async function getAward(h: Handle, id: number): Promise<AwardListing | null> {
  const r = await one(listing(h).where(eq(rewardAwards.id, id)));
  return r ? flat(r) : null;
}

/** Awards waiting for a leader, oldest first. */
export async function pendingAwards(h: Handle, limit = 50): Promise<AwardListing[]> {
  const rows = await listing(h)
    .where(eq(rewardAwards.status, 'pending'))
    .orderBy(asc(rewardAwards.createdAt), asc(rewardAwards.id))
    .limit(limit);
  return rows.map(flat);
}

export async function countPendingAwards(h: Handle): Promise<number> {
  const row = await one(
    h.select({ n: count() }).from(rewardAwards).where(eq(rewardAwards.status, 'pending')),
  );
  return row?.n ?? 0;
}

/** One partner's awards (newest first): what its own App Home and scorecard show. */
export async function awardsOfPartner(
  h: Handle,
  partnerSlug: string,
  opts: { statuses?: readonly RewardStatus[]; since?: number; limit?: number } = {},
): Promise<AwardRow[]> {
  const conditions = [eq(rewardAwards.partnerSlug, partnerSlug)];
  if (opts.statuses) conditions.push(inArray(rewardAwards.status, [...opts.statuses]));
  if (opts.since !== undefined) conditions.push(gte(rewardAwards.createdAt, opts.since));
  return h
    .select()
    .from(rewardAwards)
    .where(and(...conditions))
    .orderBy(desc(rewardAwards.createdAt), desc(rewardAwards.id))
    .limit(opts.limit ?? 10_000);
}

/** Approves or rejects a pending award; false when someone decided it first. */
export async function decideAward(
  h: Handle,
  id: number,
  decision: { status: Exclude<RewardStatus, 'pending'>; byUserId: string; reason: string | null; at: number },
): Promise<boolean> {
  return (
    affected(
      await h
        .update(rewardAwards)
        .set({
          status: decision.status,
          decidedByUserId: decision.byUserId,
          decisionReason: decision.reason,
          decidedAt: decision.at,
        })
        .where(and(eq(rewardAwards.id, id), eq(rewardAwards.status, 'pending'))),
    ) === 1
  );
}

/** Moves a lead's PENDING awards to the partner now holding its credit; returns the awards moved. */
export async function movePendingAwards(h: Handle, leadId: number, toSlug: string): Promise<AwardRow[]> {
  const moving = await h
    .select()
    .from(rewardAwards)
    .where(
      and(
        eq(rewardAwards.leadId, leadId),
        eq(rewardAwards.status, 'pending'),
        ne(rewardAwards.partnerSlug, toSlug),
      ),
    )
    .orderBy(asc(rewardAwards.id));
  if (moving.length === 0) return [];
  await h
    .update(rewardAwards)
    .set({ partnerSlug: toSlug })
    .where(
      inArray(
        rewardAwards.id,
        moving.map((a) => a.id),
      ),
    );
  return moving;
}

/** Every award for the payout export, oldest first (optionally only one status). */
export async function exportAwards(h: Handle, status?: RewardStatus): Promise<AwardListing[]> {
  const rows = await listing(h)
    .where(status ? eq(rewardAwards.status, status) : undefined)
    .orderBy(asc(rewardAwards.createdAt), asc(rewardAwards.id));
  return rows.map(flat);
}

/**
 * THE WON AMOUNT of a lead, for the "share of the won amount" reward rule: the amount and currency of the CRM
 * opportunity linked to the lead (kept on the lead by the CRM sync, PRODUCT.md section 11). Null when no amount
 * is recorded (no CRM, or not linked); the currency is null when the CRM gave none.
 */
export async function wonAmountOfLead(
  h: Handle,
  leadId: number,
): Promise<{ amount: number; currency: string | null } | null> {
  const row = await one(
    h
      .select({ amount: leads.opportunityAmount, currency: leads.opportunityCurrency })
      .from(leads)
      .where(eq(leads.id, leadId)),
  );
  return row && row.amount !== null ? { amount: row.amount, currency: row.currency } : null;
}

/** A partner's award as the partner may see it: about ITS OWN submission of the account (its own wording). */
export interface PartnerAward {
  id: number;
  kind: AwardRow['kind'];
  value: number;
  currency: string | null;
  milestone: AwardRow['milestone'];
  status: AwardRow['status'];
  createdAt: number;
  ownLeadId: number;
  ownAccountName: string;
}

/**
 * One partner's awards, newest first, each named after the partner's own submission: the lead itself when the
 * partner submitted it, else the partner's corroborating (merged) submission. Nothing of another partner's.
 */
export async function partnerAwards(h: Handle, partnerSlug: string, limit = 20): Promise<PartnerAward[]> {
  // Each table appears once, so no alias is needed (drizzle's PostgreSQL dialect does not render an alias
  // declared with sqlite-core's `alias`).
  return h
    .select({
      id: rewardAwards.id,
      kind: rewardAwards.kind,
      value: rewardAwards.value,
      currency: rewardAwards.currency,
      milestone: rewardAwards.milestone,
      status: rewardAwards.status,
      createdAt: rewardAwards.createdAt,
      ownLeadId: leads.id,
      ownAccountName: leads.accountName,
    })
    .from(rewardAwards)
    .leftJoin(
      corroborations,
      and(
        eq(corroborations.leadId, rewardAwards.leadId),
        eq(corroborations.partnerSlug, rewardAwards.partnerSlug),
      ),
    )
    .innerJoin(
      leads,
      and(
        eq(leads.id, sql`coalesce(${corroborations.sourceLeadId}, ${rewardAwards.leadId})`),
        eq(leads.partnerSlug, rewardAwards.partnerSlug),
      ),
    )
    .where(eq(rewardAwards.partnerSlug, partnerSlug))
    .orderBy(desc(rewardAwards.createdAt), desc(rewardAwards.id))
    .limit(limit);
}

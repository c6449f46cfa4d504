import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { AwardDraft, RewardStatus } from '../../core/rewards.ts';
import type { Db } from '../connection.ts';
import { leads, partnerOrgs, rewardAwards } from '../schema.ts';
import type { Tx } from './lead-store.ts';

// Partner rewards: awards created pending at a milestone, decided by a leader, read by the partner's own
// surfaces (only its own slug) and exported for payout.

type Handle = Db | Tx;

export type AwardRow = typeof rewardAwards.$inferSelect;

/** An award with what a leader's list and the export show beside it. */
export interface AwardListing extends AwardRow {
  partnerName: string;
  accountName: string;
  domain: string;
}

/** Stores a pending award; null when this lead, milestone and rule already has one (never paid twice). */
export function insertAward(
  h: Handle,
  row: AwardDraft & { leadId: number; partnerSlug: string; createdAt: number },
): number | null {
  const inserted = h
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
    .returning({ id: rewardAwards.id })
    .get();
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

export function getAward(h: Handle, id: number): AwardListing | null {
  const r = listing(h).where(eq(rewardAwards.id, id)).get();
  return r ? flat(r) : null;
}

/** Awards waiting for a leader, oldest first. */
export function pendingAwards(h: Handle, limit = 50): AwardListing[] {
  return listing(h)
    .where(eq(rewardAwards.status, 'pending'))
    .orderBy(asc(rewardAwards.createdAt), asc(rewardAwards.id))
    .limit(limit)
    .all()
    .map(flat);
}

export function countPendingAwards(h: Handle): number {
  return (
    h.select({ n: sql<number>`count(*)` }).from(rewardAwards).where(eq(rewardAwards.status, 'pending')).get()
      ?.n ?? 0
  );
}

/** One partner's awards (newest first): what its own App Home and scorecard show. */
export function awardsOfPartner(
  h: Handle,
  partnerSlug: string,
  opts: { statuses?: readonly RewardStatus[]; since?: number; limit?: number } = {},
): AwardRow[] {
  const conditions = [eq(rewardAwards.partnerSlug, partnerSlug)];
  if (opts.statuses) conditions.push(inArray(rewardAwards.status, [...opts.statuses]));
  if (opts.since !== undefined) conditions.push(sql`${rewardAwards.createdAt} >= ${opts.since}`);
  return h
    .select()
    .from(rewardAwards)
    .where(and(...conditions))
    .orderBy(desc(rewardAwards.createdAt), desc(rewardAwards.id))
    .limit(opts.limit ?? 10_000)
    .all();
}

/** Approves or rejects a pending award; false when someone decided it first. */
export function decideAward(
  h: Handle,
  id: number,
  decision: { status: Exclude<RewardStatus, 'pending'>; byUserId: string; reason: string | null; at: number },
): boolean {
  return (
    h
      .update(rewardAwards)
      .set({
        status: decision.status,
        decidedByUserId: decision.byUserId,
        decisionReason: decision.reason,
        decidedAt: decision.at,
      })
      .where(and(eq(rewardAwards.id, id), eq(rewardAwards.status, 'pending')))
      .run().changes === 1
  );
}

/** Moves a lead's PENDING awards to the partner now holding its credit; returns the awards moved. */
export function movePendingAwards(h: Handle, leadId: number, toSlug: string): AwardRow[] {
  const moving = h
    .select()
    .from(rewardAwards)
    .where(
      and(
        eq(rewardAwards.leadId, leadId),
        eq(rewardAwards.status, 'pending'),
        sql`${rewardAwards.partnerSlug} <> ${toSlug}`,
      ),
    )
    .all();
  if (moving.length === 0) return [];
  h.update(rewardAwards)
    .set({ partnerSlug: toSlug })
    .where(
      inArray(
        rewardAwards.id,
        moving.map((a) => a.id),
      ),
    )
    .run();
  return moving;
}

/** Every award for the payout export, oldest first (optionally only one status). */
export function exportAwards(h: Handle, status?: RewardStatus): AwardListing[] {
  const q = listing(h);
  return (status ? q.where(eq(rewardAwards.status, status)) : q)
    .orderBy(asc(rewardAwards.createdAt), asc(rewardAwards.id))
    .all()
    .map(flat);
}

/**
 * THE WON AMOUNT of a lead, for the "share of the won amount" reward rule: the amount and currency of the CRM
 * opportunity linked to the lead (kept on the lead by the CRM sync, PRODUCT.md section 11). Null when no amount
 * is recorded (no CRM, or not linked); the currency is null when the CRM gave none.
 */
export function wonAmountOfLead(
  h: Handle,
  leadId: number,
): { amount: number; currency: string | null } | null {
  const row = h
    .select({ amount: leads.opportunityAmount, currency: leads.opportunityCurrency })
    .from(leads)
    .where(eq(leads.id, leadId))
    .get();
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
export function partnerAwards(h: Handle, partnerSlug: string, limit = 20): PartnerAward[] {
  return h.all<PartnerAward>(sql`
    SELECT a.id AS "id", a.kind AS "kind", a.value AS "value", a.currency AS "currency",
           a.milestone AS "milestone", a.status AS "status", a.created_at AS "createdAt",
           own.id AS "ownLeadId", own.account_name AS "ownAccountName"
    FROM reward_awards a
    LEFT JOIN corroborations c ON c.lead_id = a.lead_id AND c.partner_slug = a.partner_slug
    JOIN leads own ON own.id = coalesce(c.source_lead_id, a.lead_id) AND own.partner_slug = a.partner_slug
    WHERE a.partner_slug = ${partnerSlug}
    ORDER BY a.created_at DESC, a.id DESC
    LIMIT ${limit}`);
}

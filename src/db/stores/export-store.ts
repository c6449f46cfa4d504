// Lead export as CSV (PRODUCT.md section 8): one row per lead with its gate results and outcomes.
// Leads are read in pages by id (keyset pagination) and written page by page, waiting for the destination to
// drain, so memory stays flat and the connection is free between pages. Every text cell is neutralised
// against spreadsheet formula injection.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { RewardStatus } from '../../core/rewards.ts';
import type { GateName } from '../../core/types.ts';
import type { Db } from '../connection.ts';
import { corroborations, gateResults, leads, partnerOrgs } from '../schema.ts';
import { exportAwards } from './reward-store.ts';

export const LEAD_EXPORT_COLUMNS = [
  'id',
  'created_at',
  'account_name',
  'domain',
  'partner_slug',
  'partner_name',
  'surfaced_by',
  'status',
  'relationship',
  'overlap_verified',
  'overlap_outcome',
  'overlap_reason',
  'warmth_outcome',
  'warmth_reason',
  'fit_outcome',
  'fit_reason',
  'motion_outcome',
  'motion_reason',
  'icp_score',
  'owner_user_id',
  'attribution',
  'corroborating_partners',
  'credited_partner_slug',
  'claimed_at',
  'opportunity_at',
  'closed_at',
  'reason_code',
  'reason_text',
  // The linked CRM opportunity (PRODUCT.md section 11): empty when the lead has none.
  'crm_opportunity_id',
  'opportunity_amount',
  'opportunity_currency',
  'opportunity_close_date',
] as const;

export type LeadExportColumn = (typeof LEAD_EXPORT_COLUMNS)[number];
export type LeadExportRow = Record<LeadExportColumn, string | number | boolean | null>;

/**
 * Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and some also tab or carriage return) as a
 * formula; prefixing `'` makes it plain text (OWASP "CSV injection").
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const PAGE_SIZE = 500;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

type GateCells = Partial<Record<GateName, { outcome: string; reason: string }>>;

/** The gate results of a page of leads, by lead and gate (one query for the page). */
async function gatesOf(db: Db, leadIds: number[]): Promise<Map<number, GateCells>> {
  const byLead = new Map<number, GateCells>();
  if (leadIds.length === 0) return byLead;
  const rows = await db
    .select({
      leadId: gateResults.leadId,
      gate: gateResults.gate,
      outcome: gateResults.outcome,
      reason: gateResults.reason,
    })
    .from(gateResults)
    .where(inArray(gateResults.leadId, leadIds));
  for (const r of rows) {
    const cells = byLead.get(r.leadId) ?? {};
    cells[r.gate] = { outcome: r.outcome, reason: r.reason };
    byLead.set(r.leadId, cells);
  }
  return byLead;
}

async function readPage(db: Db, afterId: number): Promise<LeadExportRow[]> {
  const rows = await db
    .select({
      id: leads.id,
      createdAt: leads.createdAt,
      accountName: leads.accountName,
      domain: leads.domain,
      partnerSlug: leads.partnerSlug,
      partnerName: partnerOrgs.name,
      surfacedBy: leads.surfacedBy,
      status: leads.status,
      relationship: leads.relationship,
      overlapVerified: leads.overlapVerified,
      icpScore: leads.icpScore,
      ownerUserId: leads.ownerUserId,
      attribution: leads.attribution,
      // string_agg with ORDER BY: PostgreSQL's, and SQLite's since 3.44 (better-sqlite3 bundles a newer one).
      corroborators: sql<string | null>`(
        SELECT string_agg(${corroborations.partnerSlug}, ';'
                          ORDER BY ${corroborations.createdAt}, ${corroborations.partnerSlug})
        FROM ${corroborations} WHERE ${corroborations.leadId} = ${leads.id})`,
      creditedPartnerSlug: sql<string>`coalesce(${leads.creditedPartnerSlug}, ${leads.partnerSlug})`,
      claimedAt: leads.claimedAt,
      opportunityAt: leads.opportunityAt,
      closedAt: leads.closedAt,
      reasonCode: leads.reasonCode,
      reasonText: leads.reasonText,
      crmOpportunityId: leads.crmOpportunityId,
      opportunityAmount: leads.opportunityAmount,
      opportunityCurrency: leads.opportunityCurrency,
      opportunityCloseDate: leads.opportunityCloseDate,
    })
    .from(leads)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, leads.partnerSlug))
    .where(gt(leads.id, afterId))
    .orderBy(asc(leads.id))
    .limit(PAGE_SIZE);
  // Gates in a second query, not four joins of gate_results under aliases (drizzle's PostgreSQL dialect does
  // not render an alias declared with sqlite-core's `alias`).
  const gates = await gatesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const g = gates.get(r.id) ?? {};
    return {
      id: r.id,
      created_at: iso(r.createdAt),
      account_name: r.accountName,
      domain: r.domain,
      partner_slug: r.partnerSlug,
      partner_name: r.partnerName,
      surfaced_by: r.surfacedBy,
      status: r.status,
      relationship: r.relationship,
      overlap_verified: r.overlapVerified,
      overlap_outcome: g.overlap?.outcome ?? null,
      overlap_reason: g.overlap?.reason ?? null,
      warmth_outcome: g.warmth?.outcome ?? null,
      warmth_reason: g.warmth?.reason ?? null,
      fit_outcome: g.fit?.outcome ?? null,
      fit_reason: g.fit?.reason ?? null,
      motion_outcome: g.motion?.outcome ?? null,
      motion_reason: g.motion?.reason ?? null,
      icp_score: r.icpScore,
      owner_user_id: r.ownerUserId,
      attribution: r.attribution,
      corroborating_partners: r.corroborators,
      credited_partner_slug: r.creditedPartnerSlug,
      claimed_at: iso(r.claimedAt),
      opportunity_at: iso(r.opportunityAt),
      closed_at: iso(r.closedAt),
      reason_code: r.reasonCode,
      reason_text: r.reasonText,
      crm_opportunity_id: r.crmOpportunityId,
      opportunity_amount: r.opportunityAmount,
      opportunity_currency: r.opportunityCurrency,
      opportunity_close_date: r.opportunityCloseDate,
    };
  });
}

/** Every lead in id order, one page at a time (each page its own query: the connection is free between them). */
export async function* leadExportRows(db: Db): AsyncGenerator<LeadExportRow[], void, undefined> {
  let after = 0;
  for (;;) {
    const page = await readPage(db, after);
    if (page.length === 0) return;
    yield page;
    const last = page[page.length - 1];
    if (!last || page.length < PAGE_SIZE) return;
    after = Number(last.id);
  }
}

const STRINGIFY_OPTIONS = {
  columns: [...LEAD_EXPORT_COLUMNS],
  cast: {
    boolean: (b: boolean) => (b ? 'true' : 'false'),
    string: neutraliseFormula,
  },
};

async function write(dest: Writable, chunk: string): Promise<void> {
  if (!dest.write(chunk)) await once(dest, 'drain');
}

/**
 * Writes all leads as CSV (header first, RFC 4180 quoting, `\n` line ends) to `dest`, respecting
 * back-pressure. Does not end `dest` (it may be stdout). Returns the number of leads written.
 */
export async function writeLeadsCsv(db: Db, dest: Writable): Promise<{ rows: number }> {
  let rows = 0;
  await write(dest, stringify([], { ...STRINGIFY_OPTIONS, header: true }));
  for await (const page of leadExportRows(db)) {
    await write(dest, stringify(page, { ...STRINGIFY_OPTIONS, header: false }));
    rows += page.length;
  }
  return { rows };
}

// ---------------------------------------------------------------- partner rewards (issue 13)

export const REWARD_EXPORT_COLUMNS = [
  'award_id',
  'created_at',
  'status',
  'partner_slug',
  'partner_name',
  'lead_id',
  'account_name',
  'domain',
  'milestone',
  'kind',
  'points',
  'amount',
  'currency',
  'basis',
  'decided_at',
  'decided_by_user_id',
  'decision_reason',
] as const;

/**
 * Every award (or those in one status) as CSV for payout, oldest first. Points and amounts are separate
 * columns and each amount carries its currency: nothing is summed or converted.
 */
export async function writeRewardsCsv(
  db: Db,
  dest: Writable,
  status?: RewardStatus,
): Promise<{ rows: number }> {
  const options = { columns: [...REWARD_EXPORT_COLUMNS], cast: { string: neutraliseFormula } };
  await write(dest, stringify([], { ...options, header: true }));
  const awards = await exportAwards(db, status);
  const rows = awards.map((a) => ({
    award_id: a.id,
    created_at: iso(a.createdAt),
    status: a.status,
    partner_slug: a.partnerSlug,
    partner_name: a.partnerName,
    lead_id: a.leadId,
    account_name: a.accountName,
    domain: a.domain,
    milestone: a.milestone,
    kind: a.kind,
    points: a.kind === 'points' ? a.value : null,
    amount: a.kind === 'amount' ? a.value.toFixed(2) : null,
    currency: a.currency,
    basis: a.basis,
    decided_at: iso(a.decidedAt),
    decided_by_user_id: a.decidedByUserId,
    decision_reason: a.decisionReason,
  }));
  for (let i = 0; i < rows.length; i += PAGE_SIZE)
    await write(dest, stringify(rows.slice(i, i + PAGE_SIZE), { ...options, header: false }));
  return { rows: rows.length };
}

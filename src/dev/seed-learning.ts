import { getTableColumns, max, sql } from 'drizzle-orm';
import { type Db, engineKind, one, type Tx, transaction } from '../db/connection.ts';
import { corroborations, leads, warmthAttestations } from '../db/schema.ts';
import { rawRows } from '../db/stores/raw-sql.ts';
import { mulberry32 } from './random.ts';

// A seeded program with a KNOWN generating process, for the learning loop's tests, the closing samples and
// `docs/`: judged EQLs whose chance of reaching opportunity is whatever `pOpportunity` says for their signals,
// written straight into a migrated database (leads, warmth attestations, corroborating partners' merged
// submissions, CRM accounts). The same seed always gives the same program.

export interface SeedLead {
  strength: 1 | 2 | 3 | 4 | 5;
  relationship: 'customer' | 'prospect' | 'open_opportunity';
  willing: boolean;
  interactionDays: number;
  icpScore: number;
  verified: boolean;
  corroborators: number;
  partnerSlug: string;
  industry: string;
  country: string;
  employees: number;
  need: string | null;
}

export interface SeedOptions {
  seed: number;
  leads: number;
  now: number;
  partners: readonly string[];
  /** Probability that a lead reaches opportunity, given its signals (the generating process). */
  pOpportunity: (lead: SeedLead) => number;
  /** Probability that an opportunity is won (default 0.4). */
  pWon?: number;
  /** Leads are created over this many days before `now` (default 540). */
  spanDays?: number;
  /** Share of leads still open (default 0.1); open ones are created within `matureDays`. */
  openShare?: number;
  industries?: readonly string[];
  countries?: readonly string[];
  needs?: readonly string[];
  /** Leads start at this id (default: after the largest existing one). */
  firstId?: number;
}

const DAY = 86_400_000;

export const SEED_NEEDS: readonly string[] = [
  'They need SSO and audit logs before security signs off',
  'Replacing spreadsheets for revenue forecasting; want a CRM integration',
  'Audit logs and SOC 2 report for their compliance team',
  'Data residency in the EU is a must, plus SSO',
  'Looking to cut onboarding time; need an API to sync users',
  'Revenue forecasting across regions, CRM integration with Salesforce',
  'Evaluating a replacement for their current tooling',
];

/** Bound parameters one statement may carry: SQLite's SQLITE_MAX_VARIABLE_NUMBER (3.32+), PostgreSQL's wire limit. */
const MAX_PARAMS = { sqlite: 32_766, postgres: 65_535 } as const;

type Table = typeof leads | typeof warmthAttestations | typeof corroborations;

/**
 * Writes `rows` in the order given through `write`, as many per statement as stay under the engine's
 * bind-parameter limit (a row binds at most one parameter per column of `table`).
 */
async function inChunks<R>(
  tx: Tx,
  table: Table,
  rows: readonly R[],
  write: (chunk: R[]) => Promise<unknown>,
): Promise<void> {
  const size = Math.floor(MAX_PARAMS[engineKind(tx)] / Object.keys(getTableColumns(table)).length);
  for (let i = 0; i < rows.length; i += size) await write(rows.slice(i, i + size));
}

/** Rows drawn before they are written: memory stays bounded whatever the program's size. */
const FLUSH_LEADS = 10_000;

/**
 * Writes `leads` judged EQLs (and their attestations, accounts and corroborations) in one transaction, on either
 * engine, in multi-row inserts; returns their ids. The same seed gives the same rows and ids on both engines (the
 * PRNG's order is the data; a PostgreSQL transaction run again after a serialization failure draws them afresh).
 */
export async function seedLearningProgram(db: Db, o: SeedOptions): Promise<number[]> {
  const industries = o.industries ?? ['software', 'fintech', 'healthcare', 'retail'];
  const countries = o.countries ?? ['US', 'DE', 'GB', 'CA'];
  const needs = o.needs ?? SEED_NEEDS;
  const span = (o.spanDays ?? 540) * DAY;
  const openShare = o.openShare ?? 0.1;
  const pWon = o.pWon ?? 0.4;
  return transaction(db, async (tx) => {
    const rand = mulberry32(o.seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    let id = o.firstId ?? ((await one(tx.select({ m: max(leads.id) }).from(leads)))?.m ?? 0) + 1;
    const leadRows: Array<typeof leads.$inferInsert> = [];
    const warmthRows: Array<typeof warmthAttestations.$inferInsert> = [];
    const corroborationRows: Array<typeof corroborations.$inferInsert> = [];
    const ids: number[] = [];
    // Leads first (the others reference them), attestations in lead order (their ids follow it).
    const flush = async () => {
      await inChunks(tx, leads, leadRows, (chunk) => tx.insert(leads).values(chunk));
      await inChunks(tx, warmthAttestations, warmthRows, (chunk) =>
        tx.insert(warmthAttestations).values(chunk),
      );
      await inChunks(tx, corroborations, corroborationRows, (chunk) =>
        tx.insert(corroborations).values(chunk).onConflictDoNothing(),
      );
      leadRows.length = 0;
      warmthRows.length = 0;
      corroborationRows.length = 0;
    };
    const createdAts = Array.from({ length: o.leads }, () => o.now - Math.floor(rand() * span)).sort(
      (a, b) => a - b,
    );
    for (let i = 0; i < o.leads; i++) {
      const lead: SeedLead = {
        strength: (3 + Math.floor(rand() * 3)) as 3 | 4 | 5,
        relationship: pick(['customer', 'prospect', 'open_opportunity'] as const),
        willing: rand() < 0.6,
        interactionDays: Math.floor(rand() * 90),
        icpScore: 60 + Math.floor(rand() * 41),
        verified: rand() < 0.5,
        corroborators: rand() < 0.8 ? 0 : rand() < 0.6 ? 1 : 2,
        partnerSlug: pick(o.partners),
        industry: pick(industries),
        country: pick(countries),
        employees: 50 + Math.floor(rand() * 5000),
        need: rand() < 0.7 ? pick(needs) : null,
      };
      const open = rand() < openShare;
      const createdAt = open ? o.now - Math.floor(rand() * 20 * DAY) - DAY : createdAts[i]!;
      const reached = rand() < o.pOpportunity(lead);
      const won = reached && rand() < pWon;
      const status = open
        ? reached
          ? 'opportunity'
          : 'claimed'
        : won
          ? 'won'
          : reached
            ? 'lost'
            : pick(['lost', 'disqualified', 'expired'] as const);
      const claimedAt = createdAt + DAY;
      const opportunityAt = reached ? createdAt + 10 * DAY : null;
      const closedAt = open ? null : createdAt + 40 * DAY;
      const leadId = id++;
      const account = {
        domain: `seed${leadId}.example`,
        accountName: `Seed account ${leadId}`,
        surfacedBy: 'partner',
        submittedByUserId: 'U0SEED',
        relationship: lead.relationship,
        partnerIndustry: lead.industry,
        partnerEmployees: lead.employees,
        partnerCountry: lead.country,
        icpScore: lead.icpScore,
        attribution: 'sourced',
      } as const;
      leadRows.push({
        ...account,
        id: leadId,
        partnerSlug: lead.partnerSlug,
        status,
        overlapVerified: lead.verified,
        need: lead.need,
        createdAt,
        updatedAt: closedAt ?? createdAt,
        qualifiedAt: createdAt,
        claimedAt,
        opportunityAt,
        closedAt,
        lastProgressAt: closedAt ?? opportunityAt ?? claimedAt,
        mergedIntoLeadId: null,
      });
      warmthRows.push({
        leadId,
        partnerSlug: lead.partnerSlug,
        attestedByUserId: 'U0SEED',
        strength: lead.strength,
        contactName: 'Dana Whitfield',
        lastInteractionOn: new Date(createdAt - lead.interactionDays * DAY).toISOString().slice(0, 10),
        willingToIntroduce: lead.willing,
        createdAt,
      });
      const others = o.partners.filter((p) => p !== lead.partnerSlug);
      for (let k = 0; k < Math.min(lead.corroborators, others.length); k++) {
        const sourceId = id++;
        const at = createdAt + 1000;
        leadRows.push({
          ...account,
          id: sourceId,
          partnerSlug: others[k]!,
          status: 'merged',
          overlapVerified: false,
          need: null,
          createdAt: at,
          updatedAt: at,
          qualifiedAt: null,
          claimedAt: null,
          opportunityAt: null,
          closedAt: at,
          lastProgressAt: at,
          mergedIntoLeadId: leadId,
        });
        corroborationRows.push({ leadId, partnerSlug: others[k]!, sourceLeadId: sourceId, createdAt: at });
      }
      ids.push(leadId);
      if (leadRows.length >= FLUSH_LEADS) await flush();
    }
    await flush();
    // Explicit ids leave PostgreSQL's identity sequence behind (SQLite's next rowid is always past the largest):
    // move it past them, or the next lead a service creates would collide.
    if (engineKind(tx) === 'postgres' && ids.length > 0)
      await rawRows(
        tx,
        sql`select setval(pg_get_serial_sequence('leads', 'id'), (select max(id) from leads))`,
      );
    return ids;
  });
}

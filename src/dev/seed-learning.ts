import { type Db, sqliteClient } from '../db/connection.ts';
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

/** Writes `leads` judged EQLs (and their attestations, accounts and corroborations); returns their ids. */
export function seedLearningProgram(db: Db, o: SeedOptions): number[] {
  // Raw statements for speed (a bench seeds up to a million leads): SQLite only.
  const c = sqliteClient(db);
  const rand = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const industries = o.industries ?? ['software', 'fintech', 'healthcare', 'retail'];
  const countries = o.countries ?? ['US', 'DE', 'GB', 'CA'];
  const needs = o.needs ?? SEED_NEEDS;
  const span = (o.spanDays ?? 540) * DAY;
  const openShare = o.openShare ?? 0.1;
  const pWon = o.pWon ?? 0.4;
  let id =
    o.firstId ?? (c.prepare('SELECT coalesce(max(id), 0) AS m FROM leads').get() as { m: number }).m + 1;
  const insLead = c.prepare(`INSERT INTO leads (id, domain, account_name, partner_slug, surfaced_by,
      submitted_by_user_id, status, relationship, overlap_verified, need, partner_industry, partner_employees,
      partner_country, icp_score, attribution, created_at, updated_at, qualified_at, claimed_at, opportunity_at,
      closed_at, last_progress_at, merged_into_lead_id)
    VALUES (?, ?, ?, ?, 'partner', 'U0SEED', ?, ?, ?, ?, ?, ?, ?, ?, 'sourced', ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insWarmth = c.prepare(`INSERT INTO warmth_attestations (lead_id, partner_slug, attested_by_user_id,
      strength, contact_name, last_interaction_on, willing_to_introduce, created_at)
    VALUES (?, ?, 'U0SEED', ?, ?, ?, ?, ?)`);
  const insCorroboration = c.prepare(
    'INSERT OR IGNORE INTO corroborations (lead_id, partner_slug, source_lead_id, created_at) VALUES (?, ?, ?, ?)',
  );
  const ids: number[] = [];
  const createdAts = Array.from({ length: o.leads }, () => o.now - Math.floor(rand() * span)).sort(
    (a, b) => a - b,
  );
  c.transaction(() => {
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
      insLead.run(
        leadId,
        `seed${leadId}.example`,
        `Seed account ${leadId}`,
        lead.partnerSlug,
        status,
        lead.relationship,
        lead.verified ? 1 : 0,
        lead.need,
        lead.industry,
        lead.employees,
        lead.country,
        lead.icpScore,
        createdAt,
        closedAt ?? createdAt,
        createdAt,
        claimedAt,
        opportunityAt,
        closedAt,
        closedAt ?? opportunityAt ?? claimedAt,
        null,
      );
      const interacted = new Date(createdAt - lead.interactionDays * DAY).toISOString().slice(0, 10);
      insWarmth.run(
        leadId,
        lead.partnerSlug,
        lead.strength,
        'Dana Whitfield',
        interacted,
        lead.willing ? 1 : 0,
        createdAt,
      );
      const others = o.partners.filter((p) => p !== lead.partnerSlug);
      for (let k = 0; k < Math.min(lead.corroborators, others.length); k++) {
        const sourceId = id++;
        insLead.run(
          sourceId,
          `seed${leadId}.example`,
          `Seed account ${leadId}`,
          others[k]!,
          'merged',
          lead.relationship,
          0,
          null,
          lead.industry,
          lead.employees,
          lead.country,
          lead.icpScore,
          createdAt + 1000,
          createdAt + 1000,
          null,
          null,
          null,
          createdAt + 1000,
          createdAt + 1000,
          leadId,
        );
        insCorroboration.run(leadId, others[k]!, sourceId, createdAt + 1000);
      }
      ids.push(leadId);
    }
  })();
  return ids;
}

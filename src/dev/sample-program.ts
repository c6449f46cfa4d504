import { Readable } from 'node:stream';
import type { PartnerConfig, ProgramConfig } from '../config/program-config.ts';
import { calendarDate } from '../core/time.ts';
import type { Relationship } from '../core/types.ts';
import { type Db, engineKind, relaxDurability, restoreDurability } from '../db/connection.ts';
import { leadCount } from '../db/stores/lead-store.ts';
import { discardUnsent } from '../db/stores/outbox-store.ts';
import { syncProgram } from '../db/stores/program-store.ts';
import { importAccounts } from '../imports/import-accounts.ts';
import { importOverlaps } from '../imports/import-overlaps.ts';
import { attestWarmth } from '../services/attest-warmth.ts';
import { claimLead } from '../services/claim-lead.ts';
import type { ServiceDeps } from '../services/context.ts';
import { disqualifyLead } from '../services/disqualify-lead.ts';
import type { Actor } from '../services/inputs.ts';
import { recordOutcome } from '../services/record-outcome.ts';
import { submitLead } from '../services/submit-lead.ts';
import { mulberry32 } from './random.ts';

// `foothold seed --sample`: a realistic program in an empty database, so `report`, the digest, App Home and
// the playground have something to show on day one. It goes through the real imports and use cases (gates,
// routing, credit, audit events) on a moving clock, using the program's own config: its partners, reps, ICP
// and reasons. The messages those use cases queue are history, not news: they are set aside, never sent.
//
// The generating process (documented so reports can be checked against it):
// - CRM accounts: 3 per lead, 70% inside the ICP's criteria; 5% existing customers.
// - Each partner's overlaps: the accounts it later flags, plus as many it never does.
// - Leads: spread evenly over `months`, partners by a long-tailed share (the first partners bring most),
//   one in eight surfaced by a rep (the partner attests 70% of those, a day or two later). Warmth strength
//   1–5 (weights 1:1:3:3:2); last interaction 3–103 days ago; willing to introduce 90%.
// - An EQL is claimed (85%), reaches opportunity with probability by strength (3: 15%, 4: 30%, 5: 45%),
//   is won 40% of the time from there (else lost), and 5% of claimed leads are disqualified.

export interface SampleOptions {
  leads: number;
  months: number;
  /** The end of the sampled period (the clock's now). */
  now: number;
  seed?: number;
}

export interface SampleStats {
  accounts: number;
  overlaps: number;
  leads: number;
  eqls: number;
  candidates: number;
  conflicts: number;
  won: number;
  lost: number;
  /** Queued messages set aside (the sample's history is never sent to Slack). */
  messagesSetAside: number;
}

const DAY = 86_400_000;

/** mulberry32 (src/dev/random.ts): the same seed gives the same program. */
const random = mulberry32;

/** Warmth strengths 1–5 with weights 1:1:3:3:2: most partners flag accounts they know well. */
const STRENGTHS = [1, 2, 3, 3, 3, 4, 4, 4, 5, 5];
const NAME_A = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Tyrell',
  'Soylent',
];
const NAME_B = [
  'Systems',
  'Labs',
  'Group',
  'Health',
  'Financial',
  'Logistics',
  'Retail',
  'Works',
  'Cloud',
  'Energy',
];
const FALLBACK_INDUSTRIES = ['software', 'fintech', 'healthcare', 'manufacturing', 'retail', 'logistics'];
const FALLBACK_COUNTRIES = ['US', 'GB', 'CA', 'DE', 'FR', 'AU'];
const OUTSIDE_INDUSTRIES = ['mining', 'hospitality', 'agriculture', 'non-profit'];
const OUTSIDE_COUNTRIES = ['BR', 'IN', 'ZA', 'MX'];
const CONTACTS = ['Jordan Lee', 'Sam Patel', 'Alex Kim', 'Morgan Diaz', 'Riley Chen', 'Casey Novak'];
const TITLES = ['VP Engineering', 'CTO', 'Head of Operations', 'CFO', 'Director of IT', 'COO'];
const NEEDS = [
  'Replacing a homegrown partner portal',
  'Consolidating three ticketing tools',
  'Compliance reporting for the audit next quarter',
  'Faster onboarding for new customers',
  'Forecasting across regions',
  'A data warehouse migration',
];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

interface Account {
  name: string;
  domain: string;
  industry: string;
  employees: number;
  country: string;
  customer: boolean;
}

/** Values that pass (or, outside the ICP, miss) the program's own criteria. */
function accounts(config: ProgramConfig, count: number, rand: () => number): Account[] {
  const industries = config.icp.criteria.find((c) => c.field === 'industry');
  const countries = config.icp.criteria.find((c) => c.field === 'country');
  const band = config.icp.criteria.find((c) => c.field === 'employees');
  const inIndustries = industries && 'in' in industries ? industries.in : FALLBACK_INDUSTRIES;
  const inCountries = countries && 'in' in countries ? countries.in : FALLBACK_COUNTRIES;
  const min = band && 'min' in band && band.min !== undefined ? band.min : 50;
  const max = band && 'max' in band && band.max !== undefined ? band.max : 10_000;
  const out: Account[] = [];
  for (let i = 0; i < count; i++) {
    const fits = rand() < 0.7;
    const name = `${pick(rand, NAME_A)} ${pick(rand, NAME_B)} ${i + 1}`;
    out.push({
      name,
      domain: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}-sample.com`,
      industry: fits ? pick(rand, inIndustries) : pick(rand, OUTSIDE_INDUSTRIES),
      employees: fits ? Math.round(min + rand() * (max - min)) : Math.max(1, Math.round(min / 4)),
      country: fits ? pick(rand, inCountries) : pick(rand, OUTSIDE_COUNTRIES),
      customer: rand() < 0.05,
    });
  }
  return out;
}

function csv(rows: string[][]): Readable {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return Readable.from(rows.map((r) => `${r.map(quote).join(',')}\n`));
}

/** A partner person who can submit for `partner`: by its Slack team, or by its single-org shared channel. */
export function partnerActor(partner: PartnerConfig, n: number): Actor {
  const team = partner.teamIds.find((t) => t.startsWith('T'));
  const channel = partner.channels[0] ?? null;
  const slug = partner.slug
    .replace(/[^a-z0-9]/g, '')
    .toUpperCase()
    .slice(0, 8);
  return { userId: `U0S${slug}${n}`, teamId: team ?? (channel ? 'T0SAMPLEEXT' : null), channelId: channel };
}

/** Fills an empty database with a sample program; refuses one that has leads. */
export async function seedSampleProgram(
  db: Db,
  config: ProgramConfig,
  options: SampleOptions,
): Promise<SampleStats> {
  const existing = await leadCount(db);
  if (existing > 0) {
    const elsewhere =
      engineKind(db) === 'postgres'
        ? 'point DATABASE_URL at a new, empty database'
        : 'set DATABASE_PATH to a new file, e.g. ./data/sample.db';
    throw new Error(
      `the database already holds ${existing} leads; a sample goes into an empty one (${elsewhere})`,
    );
  }
  if (config.partners.length === 0)
    throw new Error('the config has no partners to make a sample program with');
  // A sample is rebuilt, not recovered: commits skip the fsync that an acknowledged click needs, and the
  // connection gets its full fsync back whatever happens (the playground keeps using it).
  relaxDurability(db);
  try {
    return await fillSample(db, config, options);
  } finally {
    restoreDurability(db);
  }
}

async function fillSample(db: Db, config: ProgramConfig, options: SampleOptions): Promise<SampleStats> {
  const rand = random(options.seed ?? 7);
  const start = options.now - options.months * 30 * DAY;
  let clock = start;
  // The clock moves by fractions of a day; timestamps are whole milliseconds (PostgreSQL's bigint refuses a fraction).
  const deps: ServiceDeps = { db, config, now: () => Math.round(clock) };
  await syncProgram(db, config, start);

  const all = accounts(config, options.leads * 3, rand);
  await importAccounts(
    db,
    csv([
      ['Account Name', 'Domain', 'Industry', 'Employees', 'Country', 'Customer'],
      ...all.map((a) => [
        a.name,
        a.domain,
        a.industry,
        String(a.employees),
        a.country,
        a.customer ? 'yes' : 'no',
      ]),
    ]),
    { now: start },
  );

  // Partners by a long-tailed share; each flags from its own slice of the accounts.
  const weights = config.partners.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const partnerFor = () => {
    let x = rand() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] ?? 0;
      if (x <= 0) return config.partners[i] as PartnerConfig;
    }
    return config.partners.at(-1) as PartnerConfig;
  };
  const reps =
    config.roles.reps.length > 0 ? config.roles.reps : [...config.roles.leaders, ...config.roles.admins];
  const lostReasons = config.reasons.lost;
  const disqualifyReasons = config.reasons.disqualify;
  const stats: SampleStats = {
    accounts: all.length,
    overlaps: 0,
    leads: 0,
    eqls: 0,
    candidates: 0,
    conflicts: 0,
    won: 0,
    lost: 0,
    messagesSetAside: 0,
  };
  const flagged = new Map<string, Account[]>();
  const step = (options.now - start) / Math.max(1, options.leads);

  const warmth = (strength: number) => ({
    strength,
    contactName: pick(rand, CONTACTS),
    contactTitle: pick(rand, TITLES),
    contactEmail: null,
    lastInteractionOn: calendarDate(clock - (3 + Math.floor(rand() * 100)) * DAY, config.timezone),
    willingToIntroduce: rand() < 0.9,
  });

  /** Claim, then opportunity by strength, then won or lost, each step later on the clock (never past now). */
  const work = async (leadId: number, owner: string, strength: number) => {
    const actor: Actor = { userId: owner, teamId: null, channelId: null };
    const later = (minDays: number, spanDays: number) => {
      clock += (minDays + rand() * spanDays) * DAY;
      return clock < options.now;
    };
    if (rand() >= 0.85 || !later(0.05, 1.2)) return;
    await claimLead(deps, { actor, leadId });
    if (rand() < 0.05) {
      if (later(2, 10)) {
        const reason = { reasonCode: pick(rand, disqualifyReasons).code, reasonText: null };
        await disqualifyLead(deps, { actor, leadId, reason });
      }
      return;
    }
    const toOpportunity = strength >= 5 ? 0.45 : strength === 4 ? 0.3 : 0.15;
    if (rand() >= toOpportunity || !later(5, 20)) return;
    await recordOutcome(deps, { actor, leadId, outcome: 'opportunity' });
    if (!later(10, 40)) return;
    if (rand() < 0.4) {
      await recordOutcome(deps, { actor, leadId, outcome: 'won' });
      stats.won++;
    } else {
      const reason = { reasonCode: pick(rand, lostReasons).code, reasonText: null };
      await recordOutcome(deps, { actor, leadId, outcome: 'lost', reason });
      stats.lost++;
    }
  };

  for (let i = 0; i < options.leads; i++) {
    clock = start + i * step + rand() * step * 0.5;
    const partner = partnerFor();
    const account = all[(i * 3 + Math.floor(rand() * 3)) % all.length] as Account;
    flagged.set(partner.slug, [...(flagged.get(partner.slug) ?? []), account]);
    const strength = STRENGTHS[Math.floor(rand() * STRENGTHS.length)] as number;
    const byRep = rand() < 0.125 && reps.length > 0;
    const rep = reps[i % Math.max(1, reps.length)] as string;
    const person = partnerActor(partner, 1 + (i % 3));
    const relationship = pick<Relationship>(rand, ['prospect', 'prospect', 'customer', 'open_opportunity']);
    const res = await submitLead(deps, {
      actor: byRep ? { userId: rep, teamId: null, channelId: null } : person,
      ...(byRep ? { partnerSlug: partner.slug } : {}),
      accountName: account.name,
      website: account.domain,
      relationship,
      warmth: byRep ? null : warmth(strength),
      need: pick(rand, NEEDS),
      notes: null,
      firmographics: { industry: account.industry, employees: account.employees, country: account.country },
    });
    if (res.kind === 'conflict') {
      stats.conflicts++;
      continue;
    }
    if (res.kind !== 'created') continue;
    stats.leads++;
    let status = res.status;
    let view = res.view;
    // A rep surfaced it: the partner attests most of the time, a day or two later (partner-influenced).
    if (byRep && status === 'awaiting_attestation' && rand() < 0.7) {
      clock += (0.5 + rand() * 2) * DAY;
      if (clock >= options.now) continue;
      const attested = await attestWarmth(deps, {
        actor: person,
        leadId: res.leadId,
        relationship,
        warmth: warmth(strength),
      });
      status = attested.view.status;
      view = attested.view;
    }
    if (status === 'candidate') stats.candidates++;
    if (status !== 'qualified') continue;
    stats.eqls++;
    await work(res.leadId, view.routePool?.[0] ?? rep, strength);
  }

  // Account mapping: each partner's overlaps are what it flagged, plus as many accounts it never did.
  for (const partner of config.partners) {
    const mine = flagged.get(partner.slug) ?? [];
    const extra = Array.from({ length: mine.length }, () => pick(rand, all));
    const rows = [...new Map([...mine, ...extra].map((a) => [a.domain, a])).values()];
    if (rows.length === 0) continue;
    const res = await importOverlaps(
      db,
      csv([['Domain', 'Relationship'], ...rows.map((a) => [a.domain, a.customer ? 'customer' : 'prospect'])]),
      { partner: partner.slug, now: options.now },
    );
    stats.overlaps += res.accepted;
  }
  stats.messagesSetAside = await discardUnsent(db, 'sample data: history, never sent');
  return stats;
}

// Seeded data for the benchmarks: a partner program (a few large partners and a long tail), leads with their
// lifecycle (events, gate results, the people who flagged them) and CRM account CSVs. The same seed always
// gives the same data, so runs on different days are comparable.
//
// Leads go through the real migrations (openDb) and the real program sync (syncProgram); the rows themselves
// are written by prepared inserts in one transaction, with the secondary indexes dropped during the load and
// re-created afterwards from their own CREATE INDEX statements (the schema ends up exactly as migrated).

import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ProgramConfig, parseProgramConfig } from '../src/config/program-config.ts';
import { OPEN_STATUSES } from '../src/core/lifecycle.ts';
import { GATES, type GateName, type LeadStatus } from '../src/core/types.ts';
import { closeDb, MIGRATIONS_DIR, openDb, sqliteClient } from '../src/db/connection.ts';
import { syncProgram } from '../src/db/stores/program-store.ts';
import { mulberry32 } from '../src/dev/random.ts';
import type { StandInOptions } from '../src/dev/slack-stand-in.ts';

// ------------------------------------------------------------------------------------------------ random

/** mulberry32 (src/dev/random.ts): small, fast, good enough for data generation. */
export const rng = mulberry32;

/** Samples index i with probability weights[i] / sum (cumulative table + binary search). */
export function weighted(weights: readonly number[], rand: () => number): () => number {
  const cum = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => {
    s += w;
    cum[i] = s;
  });
  return () => {
    const x = rand() * s;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** Zipf weights 1/rank^s for n items: a few heavy hitters and a long tail. */
export function zipf(n: number, s: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
}

// ------------------------------------------------------------------------------------------------ program

export const INDUSTRIES: readonly string[] = (
  'software,fintech,healthcare,manufacturing,retail,logistics,insurance,banking,telecommunications,' +
  'education,media,energy,construction,real estate,hospitality,automotive,aerospace,' +
  'pharmaceuticals,biotech,agriculture,government,non-profit,legal services,consulting,marketing,' +
  'gaming,e-commerce,cybersecurity,semiconductors,food and beverage,chemicals,mining,utilities,' +
  'transportation,staffing,architecture,sports,fashion,publishing,veterinary,dental,maritime,' +
  'defense,waste management,printing,furniture,cosmetics,textiles,photography,events,fitness,' +
  'childcare,funeral services,translation,aquaculture,forestry,glass,toys,music,museums'
).split(',');

export const COUNTRIES: readonly string[] =
  'US GB CA DE FR AU NL SE IN BR JP ES IT SG IE CH DK NO FI BE AT PL MX NZ ZA IL KR PT CZ AR'.split(' ');
const COUNTRY_WEIGHTS = COUNTRIES.map((_, i) => (i === 0 ? 30 : 12 / (i + 1) ** 0.9));

export interface BenchPartner {
  slug: string;
  name: string;
  teamId: string;
  channel: string;
  /** Share of the program's leads (Zipf). */
  weight: number;
  /** People at the partner who flag accounts. */
  users: string[];
}

export interface BenchProgram {
  raw: Record<string, unknown>;
  config: ProgramConfig;
  partners: BenchPartner[];
}

const b36 = (n: number, width: number) => n.toString(36).toUpperCase().padStart(width, '0');

/** The example program with `partnerCount` generated partners (Zipf sizes), each with a team and a channel. */
export function benchProgram(partnerCount = 300, seed = 1): BenchProgram {
  const rand = rng(seed ^ 0x9e3779b9);
  const weights = zipf(partnerCount, 1.1);
  const partners: BenchPartner[] = weights.map((weight, i) => {
    const userCount = Math.max(2, Math.round(weight * 120));
    return {
      slug: `p${String(i + 1).padStart(3, '0')}-${['north', 'south', 'east', 'west'][i % 4]}`,
      name: `Partner ${i + 1} ${['Consulting', 'Systems', 'Group', 'Labs', 'Partners'][Math.floor(rand() * 5)]}`,
      teamId: `TP${b36(i + 1, 4)}`,
      channel: `CP${b36(i + 1, 4)}`,
      weight,
      users: Array.from({ length: userCount }, (_, k) => `UP${b36(i + 1, 4)}${b36(k, 3)}`),
    };
  });
  const raw = JSON.parse(
    readFileSync(new URL('../foothold.config.example.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  raw.partners = partners.map((p) => ({
    slug: p.slug,
    name: p.name,
    teamIds: [p.teamId],
    channels: [p.channel],
    manager: 'U0PAM',
  }));
  return { raw, config: parseProgramConfig(raw, 'bench config'), partners };
}

// ------------------------------------------------------------------------------------------------ Slack

export const VENDOR_TEAM = 'T0VENDOR';

/** The bench program's Slack world: internal routing channels and a shared channel per partner. */
export function standInOptions(config: Pick<ProgramConfig, 'partners'>): StandInOptions {
  return {
    team: { id: VENDOR_TEAM, name: 'Vendor', domain: 'vendor' },
    channels: [
      { id: 'C0ROUTING', name: 'eql-routing' },
      { id: 'C0EMEA', name: 'eql-emea' },
      { id: 'C0LEADERS', name: 'partner-leaders' },
      ...config.partners.flatMap((p) =>
        p.channels.map((id) => ({
          id,
          name: `shared-${p.slug}`,
          isExtShared: true,
          connectedTeamIds: p.teamIds,
        })),
      ),
    ],
    users: [
      { id: 'U0REP1', teamId: VENDOR_TEAM, realName: 'Riley Rep', tz: 'America/New_York' },
      { id: 'U0REP2', teamId: VENDOR_TEAM, realName: 'Sam Rep', tz: 'Europe/London' },
      { id: 'U0LEAD', teamId: VENDOR_TEAM, realName: 'Lee Leader', tz: 'America/New_York' },
      { id: 'U0ADMIN', teamId: VENDOR_TEAM, realName: 'Ada Admin', tz: 'America/New_York' },
      { id: 'U0PAM', teamId: VENDOR_TEAM, realName: 'Parker Partner-Manager', tz: 'America/New_York' },
    ],
  };
}

// ------------------------------------------------------------------------------------------------ leads

export const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The example program's expiry period (days without progress). */
const EXPIRY_DAYS = 90;

/** Final status shares (30% candidates), as a program a year or two old would show them. */
const STATUS_SHARES: Array<[LeadStatus, number]> = [
  ['candidate', 30],
  ['awaiting_attestation', 5],
  ['qualified', 7],
  ['claimed', 7],
  ['intro_requested', 4],
  ['meeting_held', 4],
  ['opportunity', 8],
  ['won', 6],
  ['lost', 10],
  ['disqualified', 7],
  ['expired', 8],
  ['merged', 4],
];

/** Which gates a candidate fails (the fit gate most often). */
const FAIL_WEIGHTS: Record<GateName, number> = { overlap: 15, warmth: 30, fit: 45, motion: 10 };

export interface GenerateOptions {
  seed: number;
  leads: number;
  /** The clock the data is generated against (leads span the two years before it). */
  now: number;
  program: BenchProgram;
}

export interface GenerateStats {
  leads: number;
  events: number;
  gateResults: number;
  people: number;
  ms: number;
}

/** Fresh SQLite file at `path` with the real migrations and `leads` generated leads. */
export async function generateLeadsDb(path: string, opts: GenerateOptions): Promise<GenerateStats> {
  const started = performance.now();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  for (const s of ['', '-wal', '-shm']) rmSync(tmp + s, { force: true });
  const db = openDb(tmp);
  await syncProgram(db, opts.program.config, opts.now);
  const c = sqliteClient(db);
  c.pragma('synchronous = OFF');

  const tables = ['leads', 'lead_events', 'gate_results', 'people'];
  const indexes = c
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables
        .map(() => '?')
        .join(',')})`,
    )
    .all(...tables) as Array<{ name: string; sql: string }>;

  const insLead = c.prepare(`INSERT INTO leads (id, domain, account_name, partner_slug, surfaced_by,
      submitted_by_user_id, submitted_by_team_id, status, relationship, overlap_verified, need, partner_industry,
      partner_employees, partner_country, icp_score, attribution, route_channel, route_rule_index,
      suggested_user_id, owner_user_id, routing_post_channel, routing_post_ts, reason_code, merged_into_lead_id,
      version, created_at, updated_at, qualified_at, claimed_at, opportunity_at, closed_at, last_progress_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insEvent = c.prepare(
    `INSERT INTO lead_events (lead_id, type, from_status, to_status, actor_user_id, reason, data, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insGate = c.prepare(
    'INSERT INTO gate_results (lead_id, gate, outcome, reason, details, evaluated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insPerson = c.prepare(
    `INSERT OR IGNORE INTO people (user_id, team_id, partner_slug, first_seen_at, primer_sent_at)
     VALUES (?, ?, ?, ?, ?)`,
  );

  const rand = rng(opts.seed);
  const { partners } = opts.program;
  const pickPartner = weighted(
    partners.map((p) => p.weight),
    rand,
  );
  const pickIndustry = weighted(zipf(INDUSTRIES.length, 1.2), rand);
  const pickCountry = weighted(COUNTRY_WEIGHTS, rand);
  const pickStatus = weighted(
    STATUS_SHARES.map(([, w]) => w),
    rand,
  );
  const pickFail = weighted(
    GATES.map((g) => FAIL_WEIGHTS[g]),
    rand,
  );
  const reps = ['U0REP1', 'U0REP2'];
  const stats: GenerateStats = { leads: 0, events: 0, gateResults: 0, people: 0, ms: 0 };
  const span = 730 * DAY;
  const seenPeople = new Set<string>();

  // More leads recently than two years ago (a growing program). Drawn up front and sorted, because ids
  // follow submission order in a real database (an autoincrement id is assigned as each lead comes in), and
  // where rows sit on disk decides how a date-window scan reads them.
  const when = rng(opts.seed ^ 0x5bd1e995);
  const createdAts = Float64Array.from({ length: opts.leads }, () =>
    Math.floor(opts.now - span * when() ** 1.6 - when() * HOUR),
  ).sort();

  const load = c.transaction(() => {
    for (const ix of indexes) c.exec(`DROP INDEX "${ix.name}"`);
    for (let id = 1; id <= opts.leads; id++) {
      const partner = partners[pickPartner()]!;
      const createdAt = createdAts[id - 1]!;
      const byPartner = rand() < 0.8;
      const user = byPartner
        ? partner.users[Math.floor(rand() ** 2 * partner.users.length)]!
        : reps[Math.floor(rand() * reps.length)]!;
      let status = STATUS_SHARES[pickStatus()]![0];
      if (status === 'awaiting_attestation' && byPartner) status = 'candidate';
      const industry = INDUSTRIES[pickIndustry()]!;
      const country = COUNTRIES[pickCountry()]!;
      const employees = Math.round(10 * Math.exp(rand() * 9));

      // Milestones in order; each at most "now".
      const clamp = (t: number) => Math.min(t, opts.now - 1000);
      const reachesEql = !['candidate', 'awaiting_attestation', 'merged'].includes(status);
      const qualifiedAt = reachesEql ? clamp(createdAt + rand() * 2 * HOUR) : null;
      const claimedFor = ['claimed', 'intro_requested', 'meeting_held', 'opportunity', 'won', 'lost'];
      const claimed =
        claimedFor.includes(status) || ((status === 'disqualified' || status === 'expired') && rand() < 0.5);
      const claimedAt = claimed && qualifiedAt ? clamp(qualifiedAt + (1 + rand() ** 2 * 72) * HOUR) : null;
      const opp = status === 'opportunity' || status === 'won' || (status === 'lost' && rand() < 0.5);
      const opportunityAt = opp && claimedAt ? clamp(claimedAt + (3 + rand() * 40) * DAY) : null;
      const openStatus = status;
      let lastStep = opportunityAt ?? claimedAt ?? qualifiedAt ?? createdAt;
      if (status === 'intro_requested' || status === 'meeting_held') lastStep = clamp(lastStep + DAY);
      // An open lead without progress for the expiry period has been expired by the expiry job.
      const wasOpen = OPEN_STATUSES.includes(status);
      if (wasOpen && lastStep + EXPIRY_DAYS * DAY < opts.now) status = 'expired';
      const closes = ['won', 'lost', 'disqualified', 'expired', 'merged'].includes(status);
      const closedAt = closes
        ? status === 'merged'
          ? createdAt
          : clamp(lastStep + (status === 'expired' ? EXPIRY_DAYS : 5 + rand() * 60) * DAY)
        : null;
      const lastProgressAt = closedAt ?? lastStep;
      const slug = partner.slug;
      const domain = `acct${id.toString(36)}-${slug.slice(0, 4)}.com`;
      const route = reachesEql ? (country === 'GB' ? 'C0EMEA' : 'C0ROUTING') : null;
      const owner = claimedAt ? reps[id % 2]! : null;
      insLead.run(
        id,
        domain,
        `Account ${id.toString(36).toUpperCase()} ${industry}`,
        slug,
        byPartner ? 'partner' : 'rep',
        user,
        byPartner ? partner.teamId : 'T0VENDOR',
        status,
        ['prospect', 'customer', 'open_opportunity'][Math.floor(rand() ** 2 * 3)]!,
        rand() < 0.6 ? 1 : 0,
        rand() < 0.5 ? 'Evaluating a replacement for their current tooling' : null,
        industry,
        employees,
        country,
        openStatus === 'candidate' ? Math.round(rand() * 60) : 60 + Math.round(rand() * 40),
        byPartner ? 'sourced' : 'influenced',
        route,
        route ? (route === 'C0EMEA' ? 0 : 1) : null,
        route === 'C0EMEA' ? 'U0REP2' : null,
        owner,
        route,
        route
          ? `${Math.floor((qualifiedAt ?? createdAt) / 1000)}.${String(id % 1e6).padStart(6, '0')}`
          : null,
        status === 'lost' ? 'competitor' : status === 'disqualified' ? 'no_need' : null,
        status === 'merged' ? Math.max(1, id - 1 - Math.floor(rand() * Math.min(id - 1, 1000))) : null,
        1 + (qualifiedAt ? 1 : 0) + (claimedAt ? 1 : 0) + (opportunityAt ? 1 : 0) + (closedAt ? 1 : 0),
        createdAt,
        lastProgressAt,
        qualifiedAt,
        claimedAt,
        opportunityAt,
        closedAt,
        lastProgressAt,
      );
      stats.leads++;

      if (!seenPeople.has(user) && byPartner) {
        seenPeople.add(user);
        insPerson.run(user, partner.teamId, slug, createdAt, createdAt);
        stats.people++;
      }

      // The event log: one transition per step the lead took.
      const ev = (
        from: LeadStatus,
        to: LeadStatus,
        at: number,
        actor: string | null,
        reason: string | null,
      ) => {
        insEvent.run(id, 'transition', from, to, actor, reason, null, at);
        stats.events++;
      };
      if (status === 'merged') {
        ev('surfaced', 'merged', createdAt, user, 'corroborates an earlier lead');
        continue;
      }
      const first: LeadStatus = reachesEql ? 'qualified' : wasOpen ? openStatus : status;
      const failing: GateName[] = [];
      if (openStatus === 'candidate') {
        failing.push(GATES[pickFail()]!);
        if (rand() < 0.25) {
          const second = GATES[pickFail()]!;
          if (!failing.includes(second)) failing.push(second);
        }
      }
      ev(
        'surfaced',
        first,
        qualifiedAt ?? createdAt,
        user,
        failing.length ? `gates not passed: ${failing.join(', ')}` : null,
      );
      let prev: LeadStatus = first;
      if (claimedAt) {
        ev(prev, 'claimed', claimedAt, owner, null);
        prev = 'claimed';
      }
      if (openStatus === 'intro_requested' || openStatus === 'meeting_held') {
        ev(prev, openStatus, lastStep, owner, null);
        prev = openStatus;
      }
      if (opportunityAt) {
        ev(prev, 'opportunity', opportunityAt, owner, null);
        prev = 'opportunity';
      }
      if (closedAt && prev !== status) ev(prev, status, closedAt, status === 'expired' ? null : owner, null);

      for (const gate of GATES) {
        const outcome =
          openStatus === 'awaiting_attestation' && gate === 'warmth'
            ? 'unknown'
            : failing.includes(gate)
              ? 'fail'
              : 'pass';
        insGate.run(id, gate, outcome, `${gate} ${outcome}`, '{}', createdAt);
        stats.gateResults++;
      }
    }
    for (const ix of indexes) c.exec(ix.sql);
  });
  load.immediate();
  c.pragma('wal_checkpoint(TRUNCATE)');
  await closeDb(db);
  for (const s of ['-wal', '-shm']) rmSync(tmp + s, { force: true });
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  renameSync(tmp, path);
  stats.ms = performance.now() - started;
  return stats;
}

/** A generated leads database, reused across runs while the seed, size and migrations are unchanged. */
export async function cachedLeadsDb(
  dir: string,
  opts: GenerateOptions & { fresh?: boolean },
): Promise<{
  path: string;
  stats: GenerateStats | null;
}> {
  const migrations = readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8');
  let h = 0;
  for (const ch of `${GENERATOR_VERSION}:${migrations}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  const path = `${dir}/leads-${opts.leads}-s${opts.seed}-p${opts.program.partners.length}-${(h >>> 0).toString(36)}-${opts.now}.db`;
  if (!opts.fresh && existsSync(path)) return { path, stats: null };
  return { path, stats: await generateLeadsDb(path, opts) };
}

/** Bump when the generated data changes shape, so cached databases are rebuilt. */
const GENERATOR_VERSION = 2;

// ------------------------------------------------------------------------------------------------ CSV

/**
 * A Salesforce-style accounts export: quoted names (some with commas and quotes), websites as people type
 * them, free-text industries and countries, owners as Slack ids or CRM user names.
 */
export async function generateAccountsCsv(path: string, rows: number, seed: number): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
  const rand = rng(seed);
  const pickIndustry = weighted(zipf(INDUSTRIES.length, 1.2), rand);
  const pickCountry = weighted(COUNTRY_WEIGHTS, rand);
  const countryNames: Record<string, string> = { US: 'United States', GB: 'United Kingdom', DE: 'Germany' };
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(
    'Account ID,Account Name,Website,Industry,Number of Employees,Billing Country,Annual Revenue,Account Owner,Owner Slack ID,Type\n',
  );
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const id = i.toString(36);
    const suffix = ['Inc.', 'Ltd', 'GmbH', 'LLC', 'Corp', 'Group'][Math.floor(rand() * 6)];
    const name =
      rand() < 0.2
        ? `"Company ${id}, ${suffix}"`
        : rand() < 0.02
          ? `"The ""${id}"" Co"`
          : `Company ${id} ${suffix}`;
    const site =
      rand() < 0.5
        ? `www.company-${id}.com`
        : rand() < 0.5
          ? `https://company-${id}.com/`
          : `company-${id}.com`;
    const country = COUNTRIES[pickCountry()]!;
    const countryCell = rand() < 0.3 ? (countryNames[country] ?? country) : country;
    const employees = rand() < 0.1 ? '' : String(Math.round(10 * Math.exp(rand() * 9)));
    const revenue = rand() < 0.2 ? '' : String(Math.round(rand() * 5e8));
    const slackOwner = rand() < 0.6 ? `U0OWN${(i % 400).toString(36).toUpperCase()}` : '';
    const type = rand() < 0.15 ? 'Customer - Direct' : 'Prospect';
    chunk += `001${id.padStart(12, '0')},${name},${site},${INDUSTRIES[pickIndustry()]},${employees},${countryCell},${revenue},Owner ${i % 97},${slackOwner},${type}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return bytes;
}

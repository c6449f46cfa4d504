// B3: the weekly digest over 10k, 100k and 1M leads, beside the same aggregates written by hand in SQL and run
// directly on better-sqlite3 (same file, same connection).
//
// Foothold: `buildProgramDigest` (src/services/program-digest.ts), the function the weekly digest job and
// `/eql digest` use: lead facts for the trailing 90 days and for the open leads through the store, then the
// metrics of src/core/metrics.ts for the week and the 90 days, reasons, aging and expiring lists.
//
// Raw SQL: the same numbers as GROUP BY queries: intake, funnel, mature funnel, attribution, leaderboard,
// cohorts by ISO week, failing gates, the median time to claim, SLA breaches, closed reasons, the aging and
// expiring lists with their totals. Two simplifications SQL cannot express without the program's calendar:
// cohort weeks use the program's UTC offset at "now" (no DST), and time to claim / SLA breaches are counted in
// wall-clock hours (claimHours × 3, i.e. 8 business hours per 24) instead of business hours.

import type Database from 'better-sqlite3';
import { closeDb, openDb, sqliteClient } from '../src/db/connection.ts';
import { buildProgramDigest } from '../src/services/program-digest.ts';
import { type BenchProgram, cachedLeadsDb, DAY } from './generate.ts';
import { type Figure, figure, log, summarize } from './lib.ts';

export interface DigestBenchOptions {
  sizes: number[];
  reps: number;
  dataDir: string;
  seed: number;
  now: number;
  program: BenchProgram;
  fresh: boolean;
}

const OPEN = [
  'awaiting_attestation',
  'candidate',
  'qualified',
  'claimed',
  'intro_requested',
  'meeting_held',
  'opportunity',
];
const WORKED = ['qualified', 'claimed', 'intro_requested', 'meeting_held', 'opportunity'];

const REACH = `CASE
  WHEN status = 'won' THEN 4
  WHEN opportunity_at IS NOT NULL OR status = 'opportunity' THEN 3
  WHEN claimed_at IS NOT NULL OR status IN ('claimed', 'intro_requested', 'meeting_held', 'lost') THEN 2
  WHEN qualified_at IS NOT NULL OR status = 'qualified' THEN 1
  ELSE 0 END`;

interface WindowCounts {
  surfaced: number;
  eql: number;
  claimed: number;
  opportunity: number;
  won: number;
  candidates: number;
}

/** The digest's aggregates in hand-written SQL. Returns the trailing window's intake counts for a sanity check. */
function rawSqlDigest(
  c: Database.Database,
  now: number,
  cfg: {
    offsetMs: number;
    minAgeDays: number;
    claimHours: number;
    progressDays: number;
    expiryDays: number;
    warnDays: number;
    minSample: number;
  },
): WindowCounts {
  const windows = [now - 7 * DAY, now - 90 * DAY];
  let trailing: WindowCounts | null = null;
  for (const since of windows) {
    const p = { since, until: now + 1, mature: now - cfg.minAgeDays * DAY };
    const groups = c
      .prepare(
        `SELECT partner_slug AS partner, attribution, count(*) AS surfaced,
           sum(reach >= 1) AS eql, sum(reach >= 2) AS claimed, sum(reach >= 3) AS opportunity,
           sum(reach >= 4) AS won, sum(reach >= 1 AND status = 'lost') AS lost,
           sum(status = 'candidate') AS candidates,
           sum(mature AND reach >= 1) AS m_eql, sum(mature AND reach >= 2) AS m_claimed,
           sum(mature AND reach >= 3) AS m_opportunity, sum(mature AND reach >= 4) AS m_won
         FROM (SELECT partner_slug, attribution, status, ${REACH} AS reach, created_at <= @mature AS mature
               FROM leads WHERE created_at >= @since AND created_at < @until)
         GROUP BY partner_slug, attribution`,
      )
      .all(p) as Array<Record<string, number> & { partner: string; attribution: string }>;
    const totals: WindowCounts = { surfaced: 0, eql: 0, claimed: 0, opportunity: 0, won: 0, candidates: 0 };
    const partners = new Map<string, { eql: number; opportunity: number }>();
    for (const g of groups) {
      totals.surfaced += g.surfaced!;
      totals.eql += g.eql!;
      totals.claimed += g.claimed!;
      totals.opportunity += g.opportunity!;
      totals.won += g.won!;
      totals.candidates += g.candidates!;
      const e = partners.get(g.partner) ?? { eql: 0, opportunity: 0 };
      e.eql += g.eql!;
      e.opportunity += g.opportunity!;
      partners.set(g.partner, e);
    }
    // Leaderboard: rank partners with enough EQLs by EQL → opportunity.
    [...partners]
      .filter(([, e]) => e.eql >= cfg.minSample)
      .sort((a, b) => b[1].opportunity / b[1].eql - a[1].opportunity / a[1].eql || b[1].eql - a[1].eql);
    c.prepare(
      `SELECT strftime('%G-W%V', (created_at + @offset) / 1000, 'unixepoch') AS week, count(*) AS surfaced,
         sum(reach >= 1) AS eql, sum(reach >= 1 AND NOT mature) AS young,
         sum(mature AND reach >= 1) AS m_eql, sum(mature AND reach >= 2) AS m_claimed,
         sum(mature AND reach >= 3) AS m_opportunity, sum(mature AND reach >= 4) AS m_won
       FROM (SELECT created_at, ${REACH} AS reach, created_at <= @mature AS mature
             FROM leads WHERE created_at >= @since AND created_at < @until)
       GROUP BY week ORDER BY week`,
    ).all({ ...p, offset: cfg.offsetMs });
    c.prepare(
      `SELECT g.gate, count(*) AS n FROM gate_results g JOIN leads l ON l.id = g.lead_id
       WHERE l.created_at >= @since AND l.created_at < @until AND l.status = 'candidate' AND g.outcome = 'fail'
       GROUP BY g.gate`,
    ).all(p);
    // Time to claim (median) and claim SLA breaches, in wall-clock hours.
    const claimMs = cfg.claimHours * 3 * 3_600_000;
    const sla = c
      .prepare(
        `SELECT count(*) AS claimed,
           sum(coalesce(claimed_at, CASE WHEN status = 'qualified' THEN @now END) > qualified_at + @claimMs) AS breaches
         FROM leads WHERE created_at >= @since AND created_at < @until AND qualified_at IS NOT NULL
           AND claimed_at >= qualified_at`,
      )
      .get({ ...p, now, claimMs }) as { claimed: number };
    c.prepare(
      `SELECT claimed_at - qualified_at AS d FROM leads
       WHERE created_at >= @since AND created_at < @until AND qualified_at IS NOT NULL AND claimed_at >= qualified_at
       ORDER BY d LIMIT 2 OFFSET @off`,
    ).all({ ...p, off: Math.max(0, Math.floor((sla.claimed - 1) / 2)) });
    if (since === windows[1]) trailing = totals;
  }
  const trailingSince = windows[1]!;
  c.prepare(
    `SELECT status, coalesce(reason_code, 'unspecified') AS code, count(*) AS n FROM leads
     WHERE created_at >= @since AND created_at < @until AND status IN ('lost', 'disqualified', 'expired')
     GROUP BY status, code ORDER BY n DESC`,
  ).all({ since: trailingSince, until: now + 1 });
  // Expiring (warning or past expiry) and aging lists, each with its total.
  const openList = OPEN.map((s) => `'${s}'`).join(', ');
  const expiringWhere = `status IN (${openList})
    AND last_progress_at + (@days + extension_days - @warn) * ${DAY} <= @now`;
  const e = { days: cfg.expiryDays, warn: cfg.warnDays, now };
  c.prepare(`SELECT count(*) AS n FROM leads WHERE ${expiringWhere}`).get(e);
  c.prepare(
    `SELECT l.id, l.account_name, l.domain, p.name, l.status, l.owner_user_id, l.routing_post_channel,
       l.routing_post_ts, l.last_progress_at + (@days + l.extension_days) * ${DAY} AS expires_at
     FROM leads l JOIN partner_orgs p ON p.slug = l.partner_slug
     WHERE ${expiringWhere.replaceAll('status', 'l.status').replaceAll('last_progress_at', 'l.last_progress_at').replaceAll(' extension_days', ' l.extension_days')}
     ORDER BY expires_at LIMIT 8`,
  ).all(e);
  const agingWhere = `status IN (${WORKED.map((s) => `'${s}'`).join(', ')})
    AND last_progress_at <= @now - @progress * ${DAY}
    AND NOT (last_progress_at + (@days + extension_days - @warn) * ${DAY} <= @now)`;
  const a = { ...e, progress: cfg.progressDays };
  c.prepare(`SELECT count(*) AS n FROM leads WHERE ${agingWhere}`).get(a);
  c.prepare(
    `SELECT l.id, l.account_name, l.domain, p.name, l.status, l.owner_user_id, l.last_progress_at
     FROM leads l JOIN partner_orgs p ON p.slug = l.partner_slug
     WHERE l.id IN (SELECT id FROM leads WHERE ${agingWhere}) ORDER BY l.last_progress_at LIMIT 8`,
  ).all(a);
  c.prepare('SELECT slug, name FROM partner_orgs').all();
  return trailing!;
}

/** UTC offset (ms) of `tz` at `ms`. */
function offsetOf(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(ms));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return (
    Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute')) - Math.floor(ms / 60_000) * 60_000
  );
}

export async function runDigestBench(
  o: DigestBenchOptions,
): Promise<{ figures: Figure[]; info: Record<string, unknown> }> {
  const figures: Figure[] = [];
  const info: Record<string, unknown> = {};
  const config = o.program.config;
  const perLead: Array<{ size: number; product: number; sql: number }> = [];
  for (const size of o.sizes) {
    const { path, stats } = await cachedLeadsDb(o.dataDir, {
      seed: o.seed,
      leads: size,
      now: o.now,
      program: o.program,
      fresh: o.fresh,
    });
    if (stats)
      log(
        `  generated ${size.toLocaleString('en-US')} leads (${stats.events.toLocaleString('en-US')} events, ${stats.gateResults.toLocaleString('en-US')} gate results) in ${(stats.ms / 1000).toFixed(1)} s`,
      );
    const db = openDb(path);
    const deps = { db, config, now: () => o.now, homeTeamIds: ['T0VENDOR'] };
    const sqlCfg = {
      offsetMs: offsetOf(o.now, config.timezone),
      minAgeDays: 28,
      claimHours: config.sla.claimHours,
      progressDays: config.sla.progressDays,
      expiryDays: config.expiry.days,
      warnDays: config.expiry.warnDays,
      minSample: config.leaderboard.minSample,
    };
    const product: number[] = [];
    const sql: number[] = [];
    let digest: Awaited<ReturnType<typeof buildProgramDigest>> | null = null;
    let raw: WindowCounts | null = null;
    const runProduct = async () => {
      const t = performance.now();
      digest = await buildProgramDigest(deps, o.now);
      return performance.now() - t;
    };
    const runSql = () => {
      const t = performance.now();
      raw = rawSqlDigest(sqliteClient(db), o.now, sqlCfg);
      return performance.now() - t;
    };
    // A warm-up of each (page cache, statement cache, JIT), except at the largest sizes, where the smaller
    // sizes have warmed the code and a run takes long enough for a cold start not to matter.
    if (size < 1_000_000) {
      await runProduct();
      runSql();
    }
    const reps = size >= 1_000_000 ? Math.min(o.reps, 3) : o.reps;
    for (let i = 0; i < reps; i++) {
      // Alternate which goes first, so drift on a shared machine hits both alike.
      if (i % 2) {
        sql.push(runSql());
        product.push(await runProduct());
      } else {
        product.push(await runProduct());
        sql.push(runSql());
      }
    }
    // Both sides must count the same leads (a check that the baseline computes the same aggregates).
    const d = digest as Awaited<ReturnType<typeof buildProgramDigest>> | null;
    const r = raw as WindowCounts | null;
    const m = d?.trailing.metrics;
    const same =
      !!m &&
      !!r &&
      m.intake.surfaced === r.surfaced &&
      m.funnel.eql === r.eql &&
      m.funnel.claimed === r.claimed &&
      m.funnel.opportunity === r.opportunity &&
      m.funnel.won === r.won &&
      m.intake.candidates === r.candidates;
    if (!same)
      log(
        `  B3 warning: raw SQL and the digest disagree at ${size}: ${JSON.stringify({ r, intake: m?.intake, funnel: m?.funnel })}`,
      );
    info[`leads_${size}`] = {
      trailing90: r,
      openLeads: (
        sqliteClient(db)
          .prepare(
            `SELECT count(*) AS n FROM leads WHERE status IN (${OPEN.map((s) => `'${s}'`).join(', ')})`,
          )
          .get() as { n: number }
      ).n,
      sameCounts: same,
      productMs: product,
      sqlMs: sql,
    };
    await closeDb(db);
    const value = summarize(product);
    const baseline = summarize(sql);
    // Growth is computed from the fastest run of each size: the least disturbed by other load on the machine.
    perLead.push({ size, product: value.min / size, sql: baseline.min / size });
    const label = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
    figures.push(
      figure({
        id: 'B3',
        what: `weekly digest, ${label} leads`,
        unit: 'ms',
        value,
        baseline,
        baselineName: 'raw SQL',
        target: '≤ 1.5× raw SQL',
        check: (_v, r) => r <= 1.5,
      }),
    );
  }
  // Growth: the exponent k in time ∝ leads^k between the two largest sizes (1 = linear).
  if (perLead.length >= 2) {
    const [x, y] = perLead.slice(-2) as [(typeof perLead)[0], (typeof perLead)[0]];
    const k = (a: number, b: number) => Math.log((b * y.size) / (a * x.size)) / Math.log(y.size / x.size);
    const kp = k(x.product, y.product);
    const ks = k(x.sql, y.sql);
    const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
    figures.push(
      figure({
        id: 'B3',
        what: `digest growth ${label(x.size)}→${label(y.size)} (time ∝ leads^k, fastest runs)`,
        unit: 'k',
        value: summarize([kp]),
        baseline: summarize([ks]),
        baselineName: 'raw SQL',
        target: 'k ≤ 1.1 (linear)',
        check: (v) => v.median <= 1.1,
      }),
    );
  }
  return { figures, info };
}

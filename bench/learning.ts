// B9: the learning loop at 100k and 1M leads (issue 13): the calibration report (`buildCalibration`, what
// `report calibration` and the monthly message run) and the EQL score's fit (`computeScoreFit`, the nightly
// model-fit job), each beside a hand-written SQL GROUP BY of the same cells run directly on better-sqlite3
// (same file, same connection); their growth between the two sizes; and the chart rendering time per digest
// (funnel + cohort trend + conversion by warmth, SVG → PNG with resvg).
//
// The data: B3's generated leads (bench/generate.ts), copied once per size, with a warmth attestation for
// every lead (strength 3–5, last interaction 0–99 days before, 60% willing to introduce) and the merged
// duplicates recorded as corroborations, so every signal has values.

import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { closeDb, openDb, sqliteClient } from '../src/db/connection.ts';
import { loadLeadFacts } from '../src/db/stores/job-store.ts';
import { buildCalibration, computeScoreFit } from '../src/services/insight.ts';
import { cohortChart, funnelChart, warmthChart } from '../src/services/insight-charts.ts';
import { computeMetrics } from '../src/services/program-metrics.ts';
import type { DigestBenchOptions } from './digest.ts';
import { cachedLeadsDb, DAY } from './generate.ts';
import { type Figure, figure, log, summarize } from './lib.ts';

/** The same options as B3's digest benchmark (sizes, repetitions, the seeded data). */
export type LearningBenchOptions = DigestBenchOptions;

async function learningDb(o: LearningBenchOptions, size: number): Promise<string> {
  const { path, stats } = await cachedLeadsDb(o.dataDir, {
    seed: o.seed,
    leads: size,
    now: o.now,
    program: o.program,
    fresh: o.fresh,
  });
  if (stats) log(`  generated ${size.toLocaleString('en-US')} leads in ${(stats.ms / 1000).toFixed(1)} s`);
  // Named after the leads database it extends, so a new generator or migration gives a new copy.
  const out = `${o.dataDir}/learning-${basename(path)}`;
  if (existsSync(out) && !o.fresh && !stats) return out;
  for (const s of ['', '-wal', '-shm']) rmSync(out + s, { force: true });
  copyFileSync(path, out);
  const db = openDb(out);
  const t = performance.now();
  sqliteClient(db).exec(`
    INSERT INTO warmth_attestations (lead_id, partner_slug, attested_by_user_id, strength, last_interaction_on,
                                     willing_to_introduce, created_at)
      SELECT id, partner_slug, submitted_by_user_id, 3 + abs(random() % 3),
             date(created_at / 1000 - abs(random() % 100) * 86400, 'unixepoch'), abs(random() % 10) < 6, created_at
      FROM leads WHERE status != 'merged';
    INSERT OR IGNORE INTO corroborations (lead_id, partner_slug, source_lead_id, relationship, created_at)
      SELECT merged_into_lead_id, partner_slug, id, relationship, created_at
      FROM leads WHERE status = 'merged' AND merged_into_lead_id IS NOT NULL;
    ANALYZE;`);
  await closeDb(db);
  log(
    `  added attestations and corroborations to ${size.toLocaleString('en-US')} leads in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return out;
}

// The hand-written baseline: the judged population and its signals written out once in SQL, then one GROUP BY
// per table of the report (seven signals, three partner × segment tables). No bands shared with src/core:
// the CASE expressions are typed here.
const POPULATION = `
  SELECT l.id, l.created_at, coalesce(l.credited_partner_slug, l.partner_slug) AS partner,
    CASE WHEN l.status IN ('opportunity', 'won') OR l.opportunity_at IS NOT NULL THEN 1 ELSE 0 END AS opp,
    CASE WHEN l.status = 'won' THEN 1 ELSE 0 END AS won,
    coalesce(CAST(w.strength AS TEXT), 'unknown') AS strength,
    coalesce(l.relationship, 'unknown') AS relationship,
    CASE WHEN w.id IS NULL THEN 'unknown' WHEN w.willing_to_introduce THEN 'yes' ELSE 'no' END AS willing,
    CAST(julianday(date(l.created_at / 1000, 'unixepoch')) - julianday(w.last_interaction_on) AS INTEGER) AS days,
    CAST(l.icp_score AS INTEGER) AS icp,
    l.overlap_verified AS verified,
    (SELECT count(*) FROM corroborations c WHERE c.lead_id = l.id) AS corroborators,
    lower(coalesce(a.industry, l.partner_industry)) AS industry,
    upper(coalesce(a.country, l.partner_country)) AS country,
    coalesce(a.employees, l.partner_employees) AS employees
  FROM leads l
  LEFT JOIN (SELECT lead_id, max(id) AS id FROM warmth_attestations GROUP BY lead_id) lw ON lw.lead_id = l.id
  LEFT JOIN warmth_attestations w ON w.id = lw.id
  LEFT JOIN crm_accounts a ON a.domain = l.domain
  WHERE l.status != 'merged'
    AND (l.qualified_at IS NOT NULL OR l.claimed_at IS NOT NULL OR l.opportunity_at IS NOT NULL
         OR l.status IN ('qualified', 'claimed', 'intro_requested', 'meeting_held', 'opportunity', 'won', 'lost'))
    AND (l.status IN ('won', 'lost', 'disqualified', 'expired')
         OR (l.status IN ('qualified', 'claimed', 'intro_requested', 'meeting_held', 'opportunity') AND l.created_at <= @mature))`;

const GROUPS = [
  'strength',
  'relationship',
  'willing',
  `CASE WHEN days IS NULL THEN 'unknown' WHEN days <= 14 THEN '0-14' WHEN days <= 30 THEN '15-30'
        WHEN days <= 60 THEN '31-60' WHEN days <= 90 THEN '61-90' ELSE '91+' END`,
  `CASE WHEN icp IS NULL THEN 'unknown' WHEN icp < 40 THEN '0-39' WHEN icp < 60 THEN '40-59' WHEN icp < 70 THEN '60-69'
        WHEN icp < 80 THEN '70-79' WHEN icp < 90 THEN '80-89' ELSE '90-100' END`,
  'verified',
  `CASE corroborators WHEN 0 THEN '0' WHEN 1 THEN '1' ELSE '2+' END`,
  'partner, industry',
  'partner, country',
  `partner, CASE WHEN employees IS NULL THEN 'unknown' WHEN employees < 50 THEN '1-49' WHEN employees < 200 THEN '50-199'
        WHEN employees < 1000 THEN '200-999' WHEN employees < 5000 THEN '1000-4999' ELSE '5000+' END`,
];

function rawSqlCells(c: Database.Database, now: number, matureDays: number): number {
  let total = 0;
  const mature = now - matureDays * DAY;
  for (const g of GROUPS) {
    const rows = c
      .prepare(
        `SELECT ${g}, count(*) AS n, sum(opp) AS opp, sum(won) AS won FROM (${POPULATION}) GROUP BY ${g}`,
      )
      .all({ mature }) as Array<{ n: number }>;
    if (g === 'strength') total = rows.reduce((s, r) => s + r.n, 0);
  }
  return total;
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

export async function runLearningBench(o: LearningBenchOptions): Promise<{
  figures: Figure[];
  info: Record<string, unknown>;
}> {
  const figures: Figure[] = [];
  const info: Record<string, unknown> = {};
  const config = o.program.config;
  const perLead: Record<'calibration' | 'fit' | 'sql', Array<{ size: number; ms: number }>> = {
    calibration: [],
    fit: [],
    sql: [],
  };
  for (const size of o.sizes) {
    const path = await learningDb(o, size);
    const db = openDb(path);
    const deps = { db, config, now: () => o.now };
    const calibration: number[] = [];
    const fit: number[] = [];
    const sql: number[] = [];
    let judged = { product: 0, sql: 0 };
    const time = async (fn: () => Promise<void> | void) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const runCalibration = () =>
      time(async () => {
        judged.product = (await buildCalibration(deps, o.now)).report.overall.n;
      });
    const runFit = () =>
      time(async () => {
        await computeScoreFit(deps, o.now);
      });
    const runSql = () =>
      time(() => {
        judged.sql = rawSqlCells(sqliteClient(db), o.now, config.insight.matureDays);
      });
    if (size < 1_000_000) {
      await runCalibration();
      await runFit();
      await runSql();
    }
    const reps = size >= 1_000_000 ? Math.min(o.reps, 3) : o.reps;
    for (let i = 0; i < reps; i++) {
      // Alternate the order, so drift on a shared machine hits all three alike.
      const order = [
        async () => calibration.push(await runCalibration()),
        async () => fit.push(await runFit()),
        async () => sql.push(await runSql()),
      ];
      for (let j = 0; j < order.length; j++) await order[(i + j) % order.length]!();
    }
    if (judged.product !== judged.sql)
      log(`  B9 warning: raw SQL judged ${judged.sql} EQLs, the calibration report ${judged.product}`);
    info[`leads_${size}`] = { judged, calibrationMs: calibration, fitMs: fit, sqlMs: sql };
    await closeDb(db);
    const baseline = summarize(sql);
    perLead.calibration.push({ size, ms: summarize(calibration).min / size });
    perLead.fit.push({ size, ms: summarize(fit).min / size });
    perLead.sql.push({ size, ms: baseline.min / size });
    for (const [what, samples] of [
      ['calibration report', calibration],
      ['EQL score fit (split, fit, held-out, refit)', fit],
    ] as const) {
      figures.push(
        figure({
          id: 'B9',
          what: `${what}, ${label(size)} leads (${judged.product.toLocaleString('en-US')} judged)`,
          unit: 'ms',
          value: summarize(samples),
          baseline,
          baselineName: 'raw SQL group-by',
          target: '≤ 2× raw SQL',
          check: (_v, r) => r <= 2,
        }),
      );
    }
    info[`judged_${size}`] = judged;
    judged = { product: 0, sql: 0 };
  }
  if (o.sizes.length >= 2) {
    const k = (xs: Array<{ size: number; ms: number }>) => {
      const [x, y] = xs.slice(-2) as [{ size: number; ms: number }, { size: number; ms: number }];
      return Math.log((y.ms * y.size) / (x.ms * x.size)) / Math.log(y.size / x.size);
    };
    const [a, b] = o.sizes.slice(-2) as [number, number];
    for (const [what, key] of [
      ['calibration', 'calibration'],
      ['score fit', 'fit'],
    ] as const) {
      figures.push(
        figure({
          id: 'B9',
          what: `${what} growth ${label(a)}→${label(b)} (time ∝ leads^k, fastest runs)`,
          unit: 'k',
          value: summarize([k(perLead[key])]),
          baseline: summarize([k(perLead.sql)]),
          baselineName: 'raw SQL',
          target: 'k ≤ 1.1 (linear)',
          check: (v) => v.median <= 1.1,
        }),
      );
    }
  }
  // Charts per digest: the digest's two (funnel, cohort trend) and the monthly warmth chart, on the smallest
  // size's data (rendering does not depend on the number of leads, only on the number of bars and weeks).
  const db = openDb(await learningDb(o, o.sizes[0]!));
  const deps = { db, config, now: () => o.now };
  const metrics = computeMetrics(
    config,
    await loadLeadFacts(db, { since: o.now - 90 * DAY, until: o.now + 1 }),
    o.now,
  );
  const report = (await buildCalibration(deps, o.now)).report;
  await closeDb(db);
  const render: number[] = [];
  for (let i = 0; i < Math.max(3, o.reps); i++) {
    const t = performance.now();
    const charts = [
      funnelChart(metrics.funnel, 'trailing 90 days'),
      cohortChart(metrics.cohorts),
      warmthChart(report),
    ];
    render.push(performance.now() - t);
    if (charts.some((c) => c.png.length < 1000)) log('  B9 warning: a chart rendered almost empty');
  }
  figures.push(
    figure({
      id: 'B9',
      what: 'charts per digest (funnel + cohort trend + warmth, SVG → PNG)',
      unit: 'ms',
      value: summarize(render),
      baseline: summarize(render.map((r) => r / 3)),
      baselineName: 'per chart',
      target: '(context)',
    }),
  );
  return { figures, info };
}

import { stringify } from 'csv-stringify/sync';
import { loadProgramConfig } from '../../config/program-config.ts';
import type { Funnel, ProgramMetrics, Rate } from '../../core/metrics.ts';
import { loadLeadFacts, partnerNames } from '../../db/stores/job-store.ts';
import { formatLocal } from '../../jobs/format.ts';
import { buildProgramDigest } from '../../services/program-digest.ts';
import { COHORT_MIN_AGE_DAYS, computeMetrics, programBaselines } from '../../services/program-metrics.ts';
import { digestMessage } from '../../slack/blocks/digest.ts';
import { renderMessage } from '../../slack/render-text.ts';
import { hasDatabase, withDb } from '../db.ts';
import { type Command, type CommandContext, EXIT, UsageError } from '../types.ts';

// `report`: the program's metrics (src/core/metrics.ts, the same numbers as the digest) over the leads
// surfaced since a date, as an aligned table, CSV (one row per number, with its denominator and rate) or
// the full JSON.

const DAY = 86_400_000;
const FORMATS = ['table', 'csv', 'json'] as const;

export interface ReportRow {
  section: string;
  metric: string;
  count: number | null;
  of: number | null;
  rate: Rate;
  note: string;
}

function row(section: string, metric: string, count: number | null, of: number | null, note = ''): ReportRow {
  return {
    section,
    metric,
    count,
    of,
    rate: count !== null && of !== null && of > 0 ? count / of : null,
    note,
  };
}

function funnelRows(section: string, f: Funnel): ReportRow[] {
  return [
    row(section, 'eql', f.eql, null),
    row(section, 'claimed', f.claimed, f.eql, 'of EQLs'),
    row(section, 'opportunity', f.opportunity, f.eql, 'of EQLs'),
    row(section, 'opportunity_of_claimed', f.opportunity, f.claimed, 'of claimed'),
    row(section, 'won', f.won, f.eql, 'of EQLs'),
    row(section, 'won_of_opportunity', f.won, f.opportunity, 'of opportunities'),
    row(section, 'lost', f.lost, f.eql, 'of EQLs'),
  ];
}

/** Every number of the report, each with what it is a share of. */
export function reportRows(m: ProgramMetrics, names: ReadonlyMap<string, string>): ReportRow[] {
  const i = m.intake;
  const rows: ReportRow[] = [
    row('intake', 'surfaced', i.surfaced, null),
    row('intake', 'qualified', i.qualified, i.surfaced, 'of surfaced'),
    row('intake', 'candidates', i.candidates, i.surfaced, 'of surfaced'),
    ...Object.entries(i.failingGates).map(([gate, n]) =>
      row('intake', `candidates_failing_${gate}`, n, i.candidates, 'of candidates'),
    ),
    ...funnelRows('funnel', m.funnel),
    ...funnelRows(`funnel_mature_${COHORT_MIN_AGE_DAYS}d`, m.matureFunnel),
  ];
  const eqlVs = (eql: Rate, diff: number | null) =>
    eql === null || diff === null
      ? 'EQL — (no mature EQLs yet)'
      : `EQL ${(eql * 100).toFixed(1)}%, ${diff >= 0 ? '+' : ''}${diff.toFixed(1)} pts`;
  for (const b of m.baselines) {
    rows.push(
      {
        section: 'baseline',
        metric: `${b.leadType}_opportunity_rate`,
        count: null,
        of: null,
        rate: b.baseline.opportunityRate,
        note: eqlVs(b.eql.opportunityRate, b.diffPoints.opportunity),
      },
      {
        section: 'baseline',
        metric: `${b.leadType}_win_rate`,
        count: null,
        of: null,
        rate: b.baseline.winRate,
        note: eqlVs(b.eql.winRate, b.diffPoints.won),
      },
    );
  }
  rows.push(...revenueRows(m));
  for (const [key, a] of Object.entries(m.attribution)) {
    rows.push(
      row(`attribution_${key}`, 'surfaced', a.surfaced, null),
      row(`attribution_${key}`, 'eql', a.eql, m.funnel.eql, 'of all EQLs'),
      row(`attribution_${key}`, 'opportunity', a.opportunity, a.eql, 'of its EQLs'),
      row(`attribution_${key}`, 'won', a.won, a.eql, 'of its EQLs'),
    );
  }
  rows.push({
    section: 'speed',
    metric: 'median_business_hours_to_claim',
    count: m.timeToClaim.medianHours === null ? null : Math.round(m.timeToClaim.medianHours * 10) / 10,
    of: m.timeToClaim.count,
    rate: null,
    note: 'over claimed EQLs',
  });
  if (m.slaBreaches)
    rows.push(row('speed', 'sla_breaches', m.slaBreaches.breaches, m.slaBreaches.of, 'of EQLs'));
  for (const c of m.cohorts) {
    const s = `cohort_${c.week}`;
    rows.push(
      row(s, 'surfaced', c.surfaced, null, `week of ${c.weekStart}`),
      row(s, 'eql', c.eql, c.surfaced, 'of surfaced'),
      row(s, 'too_young', c.young, c.eql, 'of EQLs'),
      row(s, 'claimed', c.funnel.claimed, c.funnel.eql, 'of mature EQLs'),
      row(s, 'opportunity', c.funnel.opportunity, c.funnel.eql, 'of mature EQLs'),
      row(s, 'won', c.funnel.won, c.funnel.eql, 'of mature EQLs'),
    );
  }
  for (const e of m.leaderboard) {
    const s = `partner_${e.partnerSlug}`;
    const note = e.rank === null ? 'not ranked (below minimum sample)' : `rank ${e.rank}`;
    rows.push(
      row(s, 'eql', e.eql, e.surfaced, `${names.get(e.partnerSlug) ?? e.partnerSlug}; ${note}`),
      row(s, 'opportunity', e.opportunity, e.eql, 'of EQLs'),
      row(s, 'won', e.won, e.eql, 'of EQLs'),
    );
  }
  return rows;
}

const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

function value(
  section: string,
  metric: string,
  count: number | null,
  of: number | null,
  note: string,
): ReportRow {
  return { section, metric, count: round2(count), of, rate: null, note };
}

/** Revenue per currency (never summed across currencies), speed, and each beside the baselines. */
export function revenueRows(m: ProgramMetrics): ReportRow[] {
  const r = m.revenue;
  const rows: ReportRow[] = [];
  for (const g of r.groups) {
    const cur = g.currency ?? 'none';
    const s = `revenue_${cur}`;
    const conv =
      g.convertedFrom.length > 0 ? `; ${g.convertedFrom.join(', ')} converted at configured rates` : '';
    const note = (deals: number, what: string) => `${cur}; ${deals} ${what}${conv}`;
    rows.push(
      value(s, 'won', g.won, g.wonDeals, note(g.wonDeals, 'won deals')),
      value(s, 'pipeline', g.pipeline, g.pipelineDeals, note(g.pipelineDeals, 'open deals')),
      value(s, 'sourced_won', g.sourced.won, g.sourced.wonDeals, note(g.sourced.wonDeals, 'won deals')),
      value(
        s,
        'sourced_pipeline',
        g.sourced.pipeline,
        g.sourced.pipelineDeals,
        note(g.sourced.pipelineDeals, 'open deals'),
      ),
      value(
        s,
        'influenced_won',
        g.influenced.won,
        g.influenced.wonDeals,
        note(g.influenced.wonDeals, 'won deals'),
      ),
      value(
        s,
        'influenced_pipeline',
        g.influenced.pipeline,
        g.influenced.pipelineDeals,
        note(g.influenced.pipelineDeals, 'open deals'),
      ),
      value(s, 'average_deal_size', g.avgDealSize, g.wonDeals, `${cur}; over won deals`),
      value(s, 'won_per_mature_eql', g.wonPerMatureEql, m.matureFunnel.eql, `${cur}; over mature EQLs`),
    );
  }
  rows.push(
    value('revenue', 'won_deals_without_amount', r.withoutAmount.won, null, 'not in the sums'),
    value('revenue', 'open_opportunities_without_amount', r.withoutAmount.open, null, 'not in the sums'),
    value(
      'speed',
      'average_days_eql_to_opportunity',
      r.daysToOpportunity.average,
      r.daysToOpportunity.count,
      'over EQLs at opportunity',
    ),
    value('speed', 'average_days_eql_to_close', r.daysToClose.average, r.daysToClose.count, 'over won EQLs'),
    value('speed', 'median_days_eql_to_close', r.daysToClose.median, r.daysToClose.count, 'over won EQLs'),
  );
  for (const [key, sp] of Object.entries(r.speedBy)) {
    rows.push(
      value(
        'speed',
        `${key}_average_days_eql_to_opportunity`,
        sp.daysToOpportunity.average,
        sp.daysToOpportunity.count,
        `partner-${key}`,
      ),
      value(
        'speed',
        `${key}_average_days_eql_to_close`,
        sp.daysToClose.average,
        sp.daysToClose.count,
        `partner-${key}`,
      ),
    );
  }
  rows.push(
    row(
      'speed',
      'opportunities_won',
      m.matureFunnel.won,
      m.matureFunnel.opportunity,
      'win rate, mature EQLs',
    ),
  );
  const fmt = (n: number | null) => (n === null ? '—' : `${round2(n)}`);
  for (const b of m.baselines) {
    const t = b.leadType;
    const cur = b.currency ?? '';
    rows.push(
      {
        ...value('baseline', `${t}_deal_win_rate`, null, null, `EQL ${pct(b.dealWinRate.eql) || '—'}`),
        rate: b.dealWinRate.baseline,
      },
      value(
        'baseline',
        `${t}_days_to_opportunity`,
        b.daysToOpportunity.baseline,
        null,
        `EQL ${fmt(b.daysToOpportunity.eql)}`,
      ),
      value('baseline', `${t}_days_to_close`, b.daysToClose.baseline, null, `EQL ${fmt(b.daysToClose.eql)}`),
    );
    if (b.currency !== null)
      rows.push(
        value(
          'baseline',
          `${t}_average_deal_size`,
          b.avgDealSize.baseline,
          null,
          `${cur}; EQL ${fmt(b.avgDealSize.eql)}`,
        ),
        value(
          'baseline',
          `${t}_won_revenue_per_lead`,
          b.revenuePerLead.baseline,
          null,
          `${cur}; EQL ${fmt(b.revenuePerLead.eql)}`,
        ),
      );
  }
  return rows;
}

const pct = (r: Rate) => (r === null ? '' : `${(r * 100).toFixed(1)}%`);

function table(rows: readonly ReportRow[]): string[] {
  const cells = rows.map((r) => [
    r.section,
    r.metric,
    r.count === null ? '' : r.count.toLocaleString('en-US', { maximumFractionDigits: 2 }),
    r.of === null ? '' : r.of.toLocaleString('en-US'),
    pct(r.rate),
    r.note,
  ]);
  const head = ['section', 'metric', 'count', 'of', 'rate', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const right = new Set([2, 3, 4]);
  const fmt = (c: string[]) =>
    c
      .map((v, i) => (right.has(i) ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt)];
}

/** `report --digest`: the digest message as of now, rendered as text. */
async function printDigest(ctx: CommandContext): Promise<number> {
  if (!hasDatabase(ctx)) {
    ctx.err(`No digest: no database at ${ctx.settings.databasePath} (set DATABASE_PATH).`);
    return EXIT.failed;
  }
  const config = loadProgramConfig(ctx.settings.configPath);
  const now = ctx.now();
  const rendered = await withDb(ctx, async (db) =>
    digestMessage(await buildProgramDigest({ db, config, now: () => now }, now)),
  );
  ctx.out(renderMessage(rendered));
  return EXIT.ok;
}

export const report: Command = {
  name: 'report',
  usage: '[--since <ISO date>] [--format table|csv|json] [--digest]',
  summary: 'Program metrics: funnel, cohorts, baselines, attribution, revenue, speed, leaderboard',
  description: [
    'The digest’s numbers over the leads surfaced since --since (default: the last 90 days), every count',
    'beside its denominator and rate. Conversion rates marked "mature" and the cohort rates count only EQLs',
    `submitted at least ${COHORT_MIN_AGE_DAYS} days ago, so young leads do not drag them down.`,
    'Revenue rows (revenue_<currency>) hold amounts in count, one section per currency: amounts in',
    'different currencies are never added up unless config `revenue.rates` converts them (the note says so).',
    'Formats: table (default), csv (section,metric,count,of,rate,note), json (everything).',
    '--digest prints the weekly digest as of now, in full, exactly as leaders read it in Slack (--since does',
    'not apply: the digest has its own last 7 days and trailing 90 days).',
  ].join('\n'),
  options: {
    since: { type: 'string' },
    format: { type: 'string', short: 'f' },
    digest: { type: 'boolean' },
  },
  async run(args, ctx) {
    if (args.values.digest === true) return printDigest(ctx);
    const format = (args.values.format ?? 'table') as string;
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const now = ctx.now();
    let since = now - 90 * DAY;
    if (typeof args.values.since === 'string') {
      since = Date.parse(args.values.since);
      if (!Number.isFinite(since) || !/^\d{4}-\d{2}-\d{2}/.test(args.values.since))
        throw new UsageError(`--since "${args.values.since}" is not an ISO date such as 2026-09-01`);
    }
    if (!hasDatabase(ctx)) {
      ctx.err(`No report: no database at ${ctx.settings.databasePath} (set DATABASE_PATH).`);
      return EXIT.failed;
    }
    const config = loadProgramConfig(ctx.settings.configPath);
    const { metrics, names } = await withDb(ctx, async (db) => ({
      metrics: computeMetrics(
        config,
        await loadLeadFacts(db, { since }),
        now,
        await programBaselines(db, config),
      ),
      names: await partnerNames(db),
    }));
    if (format === 'json') {
      ctx.out(
        JSON.stringify(
          {
            since: new Date(since).toISOString(),
            until: new Date(now).toISOString(),
            timezone: config.timezone,
            matureAfterDays: COHORT_MIN_AGE_DAYS,
            minSample: config.leaderboard.minSample,
            metrics,
          },
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    const rows = reportRows(metrics, names);
    if (format === 'csv') {
      ctx.stdout.write(
        stringify(
          rows.map((r) => ({ ...r, rate: r.rate === null ? '' : r.rate.toFixed(4) })),
          { header: true, columns: ['section', 'metric', 'count', 'of', 'rate', 'note'] },
        ),
      );
      return EXIT.ok;
    }
    ctx.out(
      `Foothold report: leads surfaced ${formatLocal(since, config.timezone)} → ${formatLocal(now, config.timezone)}`,
    );
    for (const line of table(rows)) ctx.out(line);
    return EXIT.ok;
  },
};

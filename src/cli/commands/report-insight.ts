import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProgramConfig, type ProgramConfig } from '../../config/program-config.ts';
import { partnersToAsk } from '../../core/ecosystem-map.ts';
import type { Db } from '../../db/connection.ts';
import { latestModel } from '../../db/stores/insight-store.ts';
import type { ServiceDeps } from '../../services/context.ts';
import { buildCalibration, buildEcosystemMap, buildNeeds } from '../../services/insight.ts';
import { renderInsightCharts } from '../../services/insight-charts.ts';
import { calibrationText, mapText, modelText, needsText } from '../../slack/blocks/insight-text.ts';
import { hasDatabase, withDb } from '../db.ts';
import { type Command, type CommandContext, EXIT, UsageError } from '../types.ts';

// `report calibration|model|map|needs|charts`: the learning loop (PRODUCT.md section 12) from the command
// line, the same numbers as the monthly messages. Text by default, `--format json` for everything.

const DAY = 86_400_000;
const FORMATS = ['text', 'json'] as const;

async function withProgram<T>(
  ctx: CommandContext,
  fn: (deps: ServiceDeps, config: ProgramConfig, db: Db) => Promise<T> | T,
): Promise<T | null> {
  if (!hasDatabase(ctx)) {
    ctx.err(`No report: no database at ${ctx.settings.databasePath} (set DATABASE_PATH).`);
    return null;
  }
  const config = loadProgramConfig(ctx.settings.configPath);
  return withDb(ctx, (db) => fn({ db, config, now: ctx.now }, config, db));
}

function format(values: Record<string, string | boolean | undefined>): 'text' | 'json' {
  const f = (values.format ?? 'text') as string;
  if (!(FORMATS as readonly string[]).includes(f))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return f as 'text' | 'json';
}

function isoDate(value: string | boolean | undefined, name: string, fallback: number): number {
  if (typeof value !== 'string') return fallback;
  const t = Date.parse(value);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new UsageError(`--${name} "${value}" is not an ISO date such as 2026-09-01`);
  return t;
}

const formatOption = { format: { type: 'string', short: 'f' } } as const;

/** Prints `json` (with --format json) or the text lines; EXIT.failed when there was no database. */
function emit<T>(
  ctx: CommandContext,
  f: 'text' | 'json',
  result: T | null,
  json: (r: T) => unknown,
  text: (r: T) => string[],
): number {
  if (result === null) return EXIT.failed;
  if (f === 'json') ctx.out(JSON.stringify(json(result), null, 2));
  else for (const line of text(result)) ctx.out(line);
  return EXIT.ok;
}

export const reportCalibration: Command = {
  name: 'report calibration',
  usage: '[--format text|json]',
  summary: 'Which signals convert: rates with 95% intervals, and suggested config changes',
  description: [
    'Conversion to opportunity and to won by warmth strength, relationship, willingness to introduce, days',
    'since the last interaction, ICP band, verified vs attested overlap, corroborating partners, and partner ×',
    'industry / country / employee band, over judged EQLs (won or lost, disqualified and expired as configured',
    'in insight.*, plus open EQLs at least insight.matureDays old). Cells below insight.minSample are bracketed.',
    'Suggestions are config changes for a person to decide on; nothing is changed.',
  ].join('\n'),
  options: formatOption,
  async run(args, ctx) {
    const f = format(args.values);
    const result = await withProgram(ctx, (deps) => buildCalibration(deps, ctx.now()));
    return emit(ctx, f, result, (r) => r, calibrationText);
  },
};

export const reportModel: Command = {
  name: 'report model',
  usage: '[--format text|json]',
  summary: 'The EQL score: held-out AUC, Brier score, calibration table, and whether reps see it',
  description: [
    'The newest nightly fit (job model-fit). The model is shown to reps only while it beats the prior',
    '(warmth strength’s smoothed rates) on the newest leads held out of its training.',
  ].join('\n'),
  options: formatOption,
  async run(args, ctx) {
    const f = format(args.values);
    const result = await withProgram(ctx, async (_deps, config, db) => ({
      row: await latestModel(db),
      tz: config.timezone,
    }));
    return emit(
      ctx,
      f,
      result,
      (r) => r.row,
      (r) => modelText(r.row, r.tz),
    );
  },
};

export const reportMap: Command = {
  name: 'report map',
  usage: '[--industry <name>] [--country <code>] [--employees <n>] [--limit <n>] [--format text|json]',
  summary: 'The ecosystem map: which partners convert in which segments, and whom to ask about an account',
  description: [
    'Each industry, country and employee band with its partners ranked by the lower end of their 95%',
    'interval. With --industry / --country / --employees: the partners to ask about such an account.',
  ].join('\n'),
  options: {
    ...formatOption,
    industry: { type: 'string' },
    country: { type: 'string' },
    employees: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(args, ctx) {
    const f = format(args.values);
    const v = args.values;
    const employees = typeof v.employees === 'string' ? Number(v.employees) : null;
    if (employees !== null && !(Number.isInteger(employees) && employees >= 0))
      throw new UsageError('--employees must be a whole number');
    const limit = typeof v.limit === 'string' ? Number(v.limit) : 12;
    if (!(Number.isInteger(limit) && limit > 0))
      throw new UsageError('--limit must be a positive whole number');
    const asking = typeof v.industry === 'string' || typeof v.country === 'string' || employees !== null;
    const result = await withProgram(ctx, (deps) => buildEcosystemMap(deps, ctx.now()));
    if (!result) return EXIT.failed;
    const account = {
      industry: typeof v.industry === 'string' ? v.industry : null,
      country: typeof v.country === 'string' ? v.country : null,
      employees,
    };
    const hints = asking ? partnersToAsk(result.segments, account) : null;
    if (f === 'json') {
      ctx.out(JSON.stringify({ ...result, ...(asking ? { account, hints } : {}) }, null, 2));
      return EXIT.ok;
    }
    const asked = [account.industry, account.country, employees !== null ? `${employees} employees` : null]
      .filter(Boolean)
      .join(', ');
    for (const line of mapText(result, { limit, hints, ...(asking ? { asked: `a ${asked} account` } : {}) }))
      ctx.out(line);
    return EXIT.ok;
  },
};

export const reportNeeds: Command = {
  name: 'report needs',
  usage: '[--since <ISO date>] [--until <ISO date>] [--format text|json]',
  summary: 'Product input: what accounts need, as themes by industry and month, with quotes',
  description: [
    'The partners’ answers to "what do they need?" grouped into themes (needs.themes, or extracted words and',
    'phrases), with counts by industry and month and cleaned example quotes. Never names a partner.',
    'Default: the last 90 days.',
  ].join('\n'),
  options: { ...formatOption, since: { type: 'string' }, until: { type: 'string' } },
  async run(args, ctx) {
    const f = format(args.values);
    const now = ctx.now();
    const until = isoDate(args.values.until, 'until', now);
    const since = isoDate(args.values.since, 'since', until - 90 * DAY);
    const result = await withProgram(ctx, async (deps, config) => ({
      needs: await buildNeeds(deps, { since, until }),
      tz: config.timezone,
    }));
    return emit(
      ctx,
      f,
      result,
      (r) => r.needs,
      (r) => needsText(r.needs, r.tz),
    );
  },
};

export const reportCharts: Command = {
  name: 'report charts',
  usage: '--out <dir>',
  summary: 'Renders the charts (funnel, cohort trend, conversion by warmth) to PNG files',
  description:
    'The same PNGs the digest and the monthly messages carry, rendered locally; nothing leaves the machine.',
  options: { out: { type: 'string', short: 'o' } },
  async run(args, ctx) {
    if (typeof args.values.out !== 'string') throw new UsageError('--out <dir> is required');
    const dir = ctx.resolvePath(args.values.out);
    const charts = await withProgram(ctx, (deps) => renderInsightCharts(deps, ctx.now()));
    if (!charts) return EXIT.failed;
    mkdirSync(dir, { recursive: true });
    for (const c of charts) {
      const path = join(dir, c.filename);
      writeFileSync(path, c.png);
      ctx.out(`${path}: ${c.title} (${c.width}×${c.height}, ${c.png.length.toLocaleString('en-US')} bytes)`);
    }
    return EXIT.ok;
  },
};

export const insightReports: readonly Command[] = [
  reportCalibration,
  reportModel,
  reportMap,
  reportNeeds,
  reportCharts,
];

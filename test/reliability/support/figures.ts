import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Sizes and figures of the reliability suite. `npm test` runs every scenario at a size that fits CI;
// `npm run test:reliability` (FOOTHOLD_RELIABILITY=full) runs the sizes the issue asks for. Each scenario
// prints its figures and writes them as JSON; the global teardown turns them into one Markdown table.

export const FULL = process.env.FOOTHOLD_RELIABILITY === 'full';
export const MODE: 'full' | 'ci' = FULL ? 'full' : 'ci';

/** The CI size or the full size of a figure. */
export function size(ci: number, full: number): number {
  return FULL ? full : ci;
}

export const HERE = dirname(fileURLToPath(import.meta.url));
export const RELIABILITY_DIR = join(HERE, '..');
export const RESULTS_DIR = join(RELIABILITY_DIR, '.results', MODE);

export interface Figures {
  /** Scenario number in the issue (1–10), or 11+ for the operations checks. */
  n: number;
  name: string;
  /** Signed HTTP requests sent to the bot. */
  requests: number;
  /** Faults injected: Slack errors, rate limits, timeouts, refused connections, kills, tampered requests. */
  faults: number;
  /** Slack messages the outbox had to deliver; delivered (distinct keys seen by Slack); delivered twice. */
  expected?: number;
  delivered?: number;
  duplicated?: number;
  /** Generated or hand-written inputs tried (payloads, actor × door pairs, …). */
  inputs?: number;
  /** One line on what was checked. */
  checked: string;
  /** Markdown printed after the table (e.g. the authorization matrix). */
  appendix?: string;
  ms: number;
  /** The storage engine the scenario ran on (set by report(); vitest.config.ts runs the suite on both). */
  engine?: 'sqlite' | 'postgres';
}

export function report(figures: Figures): void {
  const engine = process.env.FOOTHOLD_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
  const f: Figures = { ...figures, engine };
  const line = [
    `requests=${f.requests}`,
    `faults=${f.faults}`,
    f.expected !== undefined ? `messages expected=${f.expected}` : null,
    f.delivered !== undefined ? `delivered=${f.delivered}` : null,
    f.duplicated !== undefined ? `duplicated=${f.duplicated}` : null,
    f.inputs !== undefined ? `inputs=${f.inputs}` : null,
    `${(f.ms / 1000).toFixed(1)}s`,
  ]
    .filter(Boolean)
    .join(' ');
  process.stdout.write(`[reliability:${MODE}:${engine}] ${f.n}. ${f.name}: ${line}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(
    RESULTS_DIR,
    `${String(f.n).padStart(2, '0')}${engine === 'sqlite' ? '' : `-${engine}`}.json`,
  );
  writeFileSync(`${file}.tmp`, JSON.stringify(f, null, 2));
  renameSync(`${file}.tmp`, file);
}

const dash = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en-US'));

export function resultsTable(all: Figures[]): string {
  const rows = [...all].sort((a, b) => a.n - b.n || (a.engine ?? '').localeCompare(b.engine ?? ''));
  const lines = [
    '| # | scenario | requests | faults injected | messages expected / delivered / duplicated | inputs tried | what is checked |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (f) =>
        `| ${f.n} | ${f.name}${f.engine === 'postgres' ? ' (on PostgreSQL)' : ''} | ${dash(f.requests)} | ${dash(f.faults)} | ${
          f.expected === undefined
            ? '—'
            : `${dash(f.expected)} / ${dash(f.delivered)} / ${dash(f.duplicated)}`
        } | ${dash(f.inputs)} | ${f.checked} |`,
    ),
  ];
  return lines.join('\n');
}

export function readResults(dir: string): Figures[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Figures);
}

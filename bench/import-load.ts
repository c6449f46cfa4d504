// B8: submission ack p99 while a CSV import of CRM accounts writes into the running bot's own database, beside
// the same p99 with no import, measured in the same run on the same bot.
//
// The bot (`serve-foothold.ts`, as `npm start` runs it) serves modal submissions at a steady offered rate
// (each a new account: four gates and one durable commit) on a copy of the HTTP benchmarks' leads database.
// First the baseline: that load alone. Then `foothold import accounts` (import-child.ts `into`, its own process,
// as the CLI runs beside the bot) imports the seeded accounts file into the same database while the same load
// goes on in one-second slices until it finishes. Two figures: the p99 over the whole import, and over the
// slices from its first write batch on (its write phase: before the batching this was one transaction holding
// the write lock for the whole file, and the slowest ack of a 1M-row import was 2.63 s).

import { fork } from 'node:child_process';
import { copyFileSync, mkdirSync, openSync, rmSync } from 'node:fs';
import type { BenchProgram } from './generate.ts';
import { percentile, SIGNING_SECRET, steadyTimes, submissionBuilder } from './http.ts';
import { csvFor, label } from './import.ts';
import { type Figure, figure, freePort, log, startChild, summarize } from './lib.ts';

export interface ImportLoadOptions {
  rows: number;
  seed: number;
  dataDir: string;
  /** The seeded leads database the bot serves (copied). */
  dbPath: string;
  configPath: string;
  program: BenchProgram;
  /** Offered submissions per second, and over how many connections. */
  rate: number;
  connections: number;
  baselineSec: number;
}

interface Slice {
  from: number;
  to: number;
  times: number[];
  non2xx: number;
  errors: number;
}

const p99 = (times: number[]) => percentile(Float64Array.from(times).sort(), 0.99);

export async function runImportLoadBench(
  o: ImportLoadOptions,
): Promise<{ figures: Figure[]; info: Record<string, unknown> }> {
  const csv = await csvFor(o.dataDir, o.rows, o.seed);
  mkdirSync(`${o.dataDir}/logs`, { recursive: true });
  const dbPath = `${o.dataDir}/run-import-load.db`;
  for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  copyFileSync(o.dbPath, dbPath);
  const standIn = await startChild<{ apiUrl: string }>('./stand-in.ts', [o.configPath]);
  const bot = await startChild<{ port: number }>('./serve-foothold.ts', [], {
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.ready.apiUrl,
      LOG_LEVEL: 'info',
      PORT: String(await freePort()),
      DATABASE_PATH: dbPath,
      FOOTHOLD_CONFIG: o.configPath,
    },
    stdout: openSync(`${o.dataDir}/logs/import-load.log`, 'w'),
  });
  const port = bot.ready.port;
  try {
    await steadyTimes(port, o.connections, 1, submissionBuilder(o.program, 'b7w'), o.rate);
    const baseline = await steadyTimes(
      port,
      o.connections,
      o.baselineSec,
      submissionBuilder(o.program, 'b7b'),
      o.rate,
    );

    const started = Date.now();
    const child = fork(new URL('./import-child.ts', import.meta.url).pathname, ['into', csv, dbPath], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let applyAt: number | null = null;
    let result: Record<string, unknown> | null = null;
    let failure: string | null = null;
    const finished = new Promise<void>((resolve) => {
      child.on('message', (m: { type?: string; at?: number; message?: string }) => {
        if (m.type === 'phase') applyAt = m.at ?? Date.now();
        else if (m.type === 'ready') result = m as Record<string, unknown>;
        else if (m.type === 'error') failure = m.message ?? 'import failed';
      });
      child.once('exit', () => resolve());
    });
    let done = false;
    void finished.then(() => {
      done = true;
    });
    const slices: Slice[] = [];
    let n = 0;
    while (!done) {
      const from = Date.now();
      const r = await steadyTimes(port, o.connections, 1, submissionBuilder(o.program, `b7i${n++}`), o.rate);
      slices.push({ from, to: Date.now(), times: r.times, non2xx: r.non2xx, errors: r.errors + r.timeouts });
    }
    await finished;
    if (failure || !result) throw new Error(`B8 import failed: ${failure ?? 'no result'}`);
    const endedAt = Date.now();
    const during = slices.flatMap((s) => s.times);
    const writing = slices.filter((s) => applyAt !== null && s.to >= applyAt).flatMap((s) => s.times);
    const base = p99(baseline.times);
    log(
      `  B8: ${label(o.rows)}-row import in ${((endedAt - started) / 1000).toFixed(1)} s (writing from ${applyAt ? `${((applyAt - started) / 1000).toFixed(1)} s` : '?'}); ` +
        `ack p99 ${p99(during).toFixed(1)} ms during it (${p99(writing).toFixed(1)} ms while writing, max ${Math.max(...during).toFixed(0)} ms) vs ${base.toFixed(1)} ms without`,
    );
    const baselineSummary = summarize([base]);
    return {
      figures: [
        figure({
          id: 'B8',
          what: `submission ack p99 during a ${label(o.rows)}-row import, ${o.rate} req/s`,
          unit: 'ms',
          value: summarize([p99(during)]),
          baseline: baselineSummary,
          baselineName: 'no import',
          target: '< 100 ms',
          check: (v) => v.median < 100,
        }),
        figure({
          id: 'B8',
          what: `the same while the import writes (batches), ${o.rate} req/s`,
          unit: 'ms',
          value: summarize([p99(writing)]),
          baseline: baselineSummary,
          baselineName: 'no import',
          target: '< 100 ms',
          check: (v) => v.median < 100,
        }),
      ],
      info: {
        rows: o.rows,
        importMs: endedAt - started,
        writePhaseMs: applyAt ? endedAt - applyAt : null,
        import: result,
        baseline: {
          requests: baseline.times.length,
          p50: percentile(Float64Array.from(baseline.times).sort(), 0.5),
          p99: base,
          non2xx: baseline.non2xx,
        },
        during: {
          requests: during.length,
          p50: percentile(Float64Array.from(during).sort(), 0.5),
          p99: p99(during),
          max: Math.max(...during),
          non2xx: slices.reduce((s, x) => s + x.non2xx, 0),
          errors: slices.reduce((s, x) => s + x.errors, 0),
        },
        writing: {
          requests: writing.length,
          p99: p99(writing),
          max: writing.length ? Math.max(...writing) : null,
        },
      },
    };
  } finally {
    await bot.stop();
    await standIn.stop();
    for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  }
}

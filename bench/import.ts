// B4: CSV import of CRM accounts (a seeded Salesforce-style export), each run in its own process.
//
// Throughput: Foothold's importAccounts (stream → validate and normalise every row → stage → one upsert)
// beside the raw loop: the same file through the same CSV parser, each record inserted by a prepared
// statement, all in one transaction. (Both read and parse the file; the insert loop alone on rows already in
// memory is also measured and reported in results.json for context.)
// Memory: peak RSS (VmHWM) of the import of the full file beside the import of a file a quarter its size:
// a streamed import stays flat as the file grows.

import { existsSync, statSync } from 'node:fs';
import { generateAccountsCsv } from './generate.ts';
import { type Figure, figure, log, startChild, summarize } from './lib.ts';

export interface ImportBenchOptions {
  rows: number;
  reps: number;
  seed: number;
  dataDir: string;
}

interface ImportRun {
  ms: number;
  rows: number;
  stored: number;
  hwmMiB: number;
}

export async function csvFor(dir: string, rows: number, seed: number): Promise<string> {
  const path = `${dir}/accounts-${rows}-s${seed}.csv`;
  if (!existsSync(path)) {
    const t = performance.now();
    const bytes = await generateAccountsCsv(path, rows, seed);
    log(
      `  generated ${path.split('/').pop()} (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  return path;
}

async function runImport(
  mode: 'foothold' | 'raw' | 'preparsed',
  csv: string,
  dir: string,
): Promise<ImportRun> {
  const child = await startChild<ImportRun>('./import-child.ts', [mode, csv, `${dir}/import-${mode}.db`], {
    timeoutMs: 15 * 60_000,
  });
  await child.stop();
  if (child.ready.stored !== child.ready.rows)
    log(`  B4 warning: ${mode} stored ${child.ready.stored} of ${child.ready.rows} rows`);
  return child.ready;
}

export const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

export async function runImportBench(
  o: ImportBenchOptions,
): Promise<{ figures: Figure[]; info: Record<string, unknown> }> {
  const full = await csvFor(o.dataDir, o.rows, o.seed);
  const quarterRows = Math.round(o.rows / 4);
  const quarter = await csvFor(o.dataDir, quarterRows, o.seed);
  const foothold: ImportRun[] = [];
  const raw: ImportRun[] = [];
  for (let i = 0; i < o.reps; i++) {
    if (i % 2) {
      raw.push(await runImport('raw', full, o.dataDir));
      foothold.push(await runImport('foothold', full, o.dataDir));
    } else {
      foothold.push(await runImport('foothold', full, o.dataDir));
      raw.push(await runImport('raw', full, o.dataDir));
    }
    log(
      `  import rep ${i + 1}/${o.reps}: Foothold ${(foothold.at(-1)!.ms / 1000).toFixed(1)} s, raw loop ${(raw.at(-1)!.ms / 1000).toFixed(1)} s`,
    );
  }
  const small = await runImport('foothold', quarter, o.dataDir);
  const preparsed = await runImport('preparsed', full, o.dataDir);
  const rps = (r: ImportRun) => r.rows / (r.ms / 1000);
  return {
    figures: [
      figure({
        id: 'B4',
        what: `CSV import, ${label(o.rows)} accounts`,
        unit: 'rows/s',
        value: summarize(foothold.map(rps)),
        baseline: summarize(raw.map(rps)),
        baselineName: 'raw insert loop',
        target: '≥ 0.5× raw loop',
        check: (_v, r) => r >= 0.5,
      }),
      figure({
        id: 'B4',
        what: `CSV import peak RSS, ${label(o.rows)} vs ${label(quarterRows)} rows`,
        unit: 'MiB',
        value: summarize(foothold.map((r) => r.hwmMiB)),
        baseline: summarize([small.hwmMiB]),
        baselineName: `(${label(quarterRows)}-row file)`,
        target: '≤ 1.25× (flat)',
        check: (_v, r) => r <= 1.25,
      }),
    ],
    info: {
      fileBytes: statSync(full).size,
      foothold,
      raw,
      quarterFile: small,
      insertLoopOnlyRowsPerSecond: rps(preparsed),
      insertLoopOnly: preparsed,
    },
  };
}

// `npm run bench`: every benchmark of issue 6 (B8 of issue 10, B10 of issue 12) beside its baseline, measured in the same run, then the table
// and bench/results.json. `--quick` runs tiny sizes (seconds, for the smoke test); `--only B1,B3` picks
// benchmarks (B1, B2 and B6 always run together); `--out file` writes the JSON elsewhere; `--fresh`
// regenerates the cached seeded databases under bench/data/; `--duration s` and `--http-reps n` change the
// HTTP runs.

import { mkdirSync, writeFileSync } from 'node:fs';
import { runCrmSyncBench } from './crm-sync.ts';
import { runDigestBench } from './digest.ts';
import { benchProgram, cachedLeadsDb } from './generate.ts';
import { runHttpBench } from './http.ts';
import { runImportBench } from './import.ts';
import { runImportLoadBench } from './import-load.ts';
import { runLearningBench } from './learning.ts';
import { type Figure, log, machineFacts, table } from './lib.ts';
import { runInstancesBench } from './multi-instance.ts';
import { runOutboxBench } from './outbox.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const fresh = args.includes('--fresh');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = new Set((flag('--only') ?? 'B1,B2,B3,B4,B5,B6,B7,B8,B9,B10').toUpperCase().split(','));
const out = flag('--out') ?? new URL('./results.json', import.meta.url).pathname;
const dataDir = new URL(quick ? './data/quick' : './data', import.meta.url).pathname;

const SEED = 20_261_116;
/** The clock the seeded data is generated against (the leads span the two years before it). */
const DATA_NOW = Date.parse('2026-11-16T15:00:00Z');

const sizes = quick
  ? {
      partners: 30,
      digestLeads: [1_000, 4_000],
      digestReps: 3,
      httpLeads: 2_000,
      httpReps: 1,
      idleSettleSec: 2,
      durationSec: 1,
      warmupSec: 1,
      connections: [10, 50],
      submitConnections: [50],
      offeredRate: 20,
      importRows: 8_000,
      importReps: 1,
      loadImportRows: 5_000,
      loadRate: 20,
      loadBaselineSec: 1,
      dms: 100,
      dmReps: 1,
      crmAccounts: 5_000,
      crmReps: 1,
      learningLeads: [1_000, 4_000],
      learningReps: 1,
      instanceReps: 1,
      instanceConnections: 10,
      instanceRate: 10,
    }
  : {
      partners: 300,
      digestLeads: [10_000, 100_000, 1_000_000],
      digestReps: 5,
      httpLeads: 100_000,
      httpReps: 3,
      idleSettleSec: 30,
      durationSec: 5,
      warmupSec: 1,
      connections: [10, 50],
      submitConnections: [50],
      offeredRate: 50,
      importRows: 1_000_000,
      importReps: 2,
      loadImportRows: 1_000_000,
      loadRate: 50,
      loadBaselineSec: 10,
      dms: 2_000,
      dmReps: 1,
      crmAccounts: 100_000,
      crmReps: 2,
      learningLeads: [100_000, 1_000_000],
      learningReps: 3,
      instanceReps: 3,
      instanceConnections: 50,
      instanceRate: 50,
    };

// Overrides for exploring: seconds per HTTP run, HTTP repetitions.
if (flag('--duration')) sizes.durationSec = Number(flag('--duration'));
if (flag('--http-reps')) sizes.httpReps = Number(flag('--http-reps'));
// Rows of B8's import (e.g. 250000 when a 1M run does not fit the time at hand).
if (flag('--load-import-rows')) sizes.loadImportRows = Number(flag('--load-import-rows'));

async function main(): Promise<void> {
  const started = Date.now();
  const machine = machineFacts();
  log(
    `Foothold benchmarks (${quick ? 'quick' : 'full'}): ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );
  mkdirSync(dataDir, { recursive: true });
  const program = benchProgram(sizes.partners, SEED);
  const configPath = `${dataDir}/bench-${sizes.partners}.config.json`;
  writeFileSync(configPath, JSON.stringify(program.raw, null, 2));
  const figures: Figure[] = [];
  const info: Record<string, unknown> = {};
  const phases: Record<string, number> = {};
  const phase = async (name: string, fn: () => Promise<void> | void) => {
    const t = Date.now();
    log(`${name}…`);
    await fn();
    phases[name] = (Date.now() - t) / 1000;
  };

  if (only.has('B3'))
    await phase('B3 digest', async () => {
      const r = await runDigestBench({
        sizes: sizes.digestLeads,
        reps: sizes.digestReps,
        dataDir,
        seed: SEED,
        now: DATA_NOW,
        program,
        fresh,
      });
      figures.push(...r.figures);
      info.B3 = r.info;
    });
  if (only.has('B1') || only.has('B2') || only.has('B6'))
    await phase('B1/B2/B6 HTTP and memory', async () => {
      const { path, stats } = await cachedLeadsDb(dataDir, {
        seed: SEED,
        leads: sizes.httpLeads,
        now: DATA_NOW,
        program,
        fresh: fresh && !sizes.digestLeads.includes(sizes.httpLeads),
      });
      if (stats) log(`  generated ${sizes.httpLeads} leads in ${(stats.ms / 1000).toFixed(1)} s`);
      const r = await runHttpBench({
        reps: sizes.httpReps,
        idleSettleSec: sizes.idleSettleSec,
        durationSec: sizes.durationSec,
        warmupSec: sizes.warmupSec,
        connections: sizes.connections,
        submitConnections: sizes.submitConnections,
        offeredRate: sizes.offeredRate,
        dbPath: path,
        leads: sizes.httpLeads,
        configPath,
        dataDir,
        program,
      });
      figures.push(...r.figures);
      info.B1_B2_B6 = r.info;
    });
  if (only.has('B4'))
    await phase('B4 CSV import', async () => {
      const r = await runImportBench({ rows: sizes.importRows, reps: sizes.importReps, seed: SEED, dataDir });
      figures.push(...r.figures);
      info.B4 = r.info;
    });
  if (only.has('B5'))
    await phase('B5 outbox fan-out', async () => {
      const r = await runOutboxBench({ dms: sizes.dms, reps: sizes.dmReps, perSecond: 50, dataDir, program });
      figures.push(...r.figures);
      info.B5 = r.info;
    });

  if (only.has('B7'))
    await phase('B7 CRM sync', async () => {
      const r = await runCrmSyncBench({ accounts: sizes.crmAccounts, reps: sizes.crmReps, dataDir, program });
      figures.push(...r.figures);
      info.B7 = r.info;
    });
  if (only.has('B8'))
    await phase('B8 submissions during an import', async () => {
      const { path } = await cachedLeadsDb(dataDir, {
        seed: SEED,
        leads: sizes.httpLeads,
        now: DATA_NOW,
        program,
        fresh: false,
      });
      const r = await runImportLoadBench({
        rows: sizes.loadImportRows,
        seed: SEED,
        dataDir,
        dbPath: path,
        configPath,
        program,
        rate: sizes.loadRate,
        connections: 10,
        baselineSec: sizes.loadBaselineSec,
      });
      figures.push(...r.figures);
      info.B8 = r.info;
    });

  if (only.has('B9'))
    await phase('B9 learning loop', async () => {
      const r = await runLearningBench({
        sizes: sizes.learningLeads,
        reps: sizes.learningReps,
        dataDir,
        seed: SEED,
        now: DATA_NOW,
        program,
        fresh,
      });
      figures.push(...r.figures);
      info.B9 = r.info;
    });

  if (only.has('B10'))
    await phase('B10 submissions across instances and engines', async () => {
      const r = await runInstancesBench({
        reps: sizes.instanceReps,
        // Quick: 2 s runs, so that a slow first answer on a loaded machine still lands inside the run.
        durationSec: quick ? 2 : sizes.durationSec,
        warmupSec: quick ? 0 : sizes.warmupSec,
        connections: sizes.instanceConnections,
        offeredRate: sizes.instanceRate,
        webInstances: 3,
        configPath,
        dataDir,
        program,
      });
      figures.push(...r.figures);
      info.B10 = r.info;
    });

  const order = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10'];
  figures.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const seconds = (Date.now() - started) / 1000;
  const text = table(figures);
  process.stdout.write(
    `\nFoothold benchmarks (${quick ? 'quick' : 'full'}), ${new Date(started).toISOString()}\n` +
      `Machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}\n\n` +
      `${text}\n\nRan in ${seconds.toFixed(0)} s. Medians of the repetitions (min–max); each baseline measured in the same run.\n`,
  );
  const missed = figures.filter((f) => f.pass === false);
  if (missed.length) process.stdout.write(`Missed: ${missed.map((f) => `${f.id} ${f.what}`).join('; ')}\n`);
  writeFileSync(
    out,
    `${JSON.stringify({ mode: quick ? 'quick' : 'full', startedAt: new Date(started).toISOString(), seconds, machine, phases, figures, info }, null, 2)}\n`,
  );
  log(`results written to ${out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

// `tsx bench/memory.ts [--leads 100000] [--idle 30] [--duration 5] [--cache-size N] [--reps 1]`: where B6's
// memory goes. Starts the bare Bolt app and Foothold exactly as B6 does (bench/http.ts: same loader, same
// environment, a fresh copy of the seeded database), reads each one's RSS from /proc once idle and again after
// the B1 /eql load, and beside it each process's own breakdown: anonymous vs file-backed pages, V8's heap
// (used, committed, code), V8's own malloc, native threads, loaded CommonJS modules, and for Foothold how much
// RSS SQLite's page cache gives back on `PRAGMA shrink_memory`. `--cache-size N` sets the bot connection's
// cache_size before the load (an experiment; the bot's own setting is in src/db/connection.ts).

import { mkdirSync, writeFileSync } from 'node:fs';
import { benchProgram, cachedLeadsDb } from './generate.ts';
import { type AppName, cannon, eqlBuilder, startBoth, TriggerPool, writeBareViews } from './http.ts';
import { type Child, log, rssMiB, sleep, startChild } from './lib.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const leads = flag('--leads', 100_000);
const idleSec = flag('--idle', 30);
const durationSec = flag('--duration', 5);
const reps = flag('--reps', 1);
const cacheSize = args.includes('--cache-size') ? flag('--cache-size', 0) : null;
const partners = leads >= 100_000 ? 300 : 30;
const dataDir = new URL(leads >= 100_000 ? './data' : './data/quick', import.meta.url).pathname;
mkdirSync(`${dataDir}/logs`, { recursive: true });
const program = benchProgram(partners, 20_261_116);
const configPath = `${dataDir}/bench-${partners}.config.json`;
writeFileSync(configPath, JSON.stringify(program.raw, null, 2));
const { path } = await cachedLeadsDb(dataDir, {
  seed: 20_261_116,
  leads,
  now: Date.parse('2026-11-16T15:00:00Z'),
  program,
});
const viewsPath = writeBareViews(dataDir, program);

const rows: Array<Record<string, unknown>> = [];
const standIn = await startChild<{ apiUrl: string }>('./stand-in.ts', [configPath]);
const triggers = new TriggerPool(standIn);
const eql = eqlBuilder(program, triggers);

async function read(
  apps: Record<AppName, Child<{ port: number }>>,
  rep: number,
  when: string,
): Promise<void> {
  for (const name of ['bare', 'foothold'] as const) {
    const rss = rssMiB(apps[name].pid);
    const d = await apps[name].ask<Record<string, unknown>>({ type: 'memory', detail: true }, 'memory');
    rows.push({ rep, when, app: name, procRss: Math.round(rss * 10) / 10, ...d, type: undefined });
  }
}

try {
  for (let rep = 0; rep < reps; rep++) {
    const apps = await startBoth({
      dataDir,
      dbSource: path,
      dbPath: `${dataDir}/memory-foothold.db`,
      configPath,
      viewsPath,
      slackApiUrl: standIn.ready.apiUrl,
      logSuffix: 'memory',
    });
    try {
      await triggers.resetStandIn();
      await sleep(idleSec * 1000);
      await read(apps, rep, 'idle');
      if (cacheSize !== null)
        await apps.foothold.ask({ type: 'sqlite', pragma: `cache_size = ${cacheSize}` }, 'sqlite');
      for (const c of [10, 50]) {
        for (const name of ['bare', 'foothold'] as const) {
          await triggers.fill(40_000);
          await cannon(apps[name].ready.port, c, 1, eql);
          await cannon(apps[name].ready.port, c, durationSec, eql);
          await sleep(300);
          await triggers.resetStandIn();
        }
      }
      await sleep(2000);
      await read(apps, rep, 'after B1');
      const shrink = await apps.foothold.ask<{ freedMiB: number }>(
        { type: 'sqlite', pragma: 'shrink_memory' },
        'sqlite',
      );
      await sleep(500);
      rows.push({
        rep,
        when: 'after B1, SQLite cache shrunk',
        app: 'foothold',
        procRss: rssMiB(apps.foothold.pid),
        freedBySqliteShrink: shrink.freedMiB,
      });
    } finally {
      await apps.bare.stop();
      await apps.foothold.stop();
    }
  }
} finally {
  await standIn.stop();
}
for (const r of rows) log(JSON.stringify(r));
const idle = (app: AppName, when: string) =>
  rows.filter((r) => r.app === app && r.when === when).map((r) => r.procRss as number);
for (const when of ['idle', 'after B1']) {
  const f = idle('foothold', when);
  const b = idle('bare', when);
  log(
    `${when}: foothold ${f.join(', ')} MiB, bare ${b.join(', ')} MiB, ratio ${f.map((v, i) => (v / b[i]!).toFixed(2)).join(', ')}`,
  );
}

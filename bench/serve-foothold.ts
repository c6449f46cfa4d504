// Foothold as `npm start` runs it (src/main.ts: settings from the environment, the program config file, the
// database migrated, then startFoothold), in a child process of the benchmark. By default the scheduled jobs run
// on the request thread and are stopped once the bot is up, so that a cron tick (the SLA job every 15 minutes,
// expiry hourly) landing in a load run does not become noise in B1/B2. With FOOTHOLD_WORKER_THREAD=on they run in
// the worker thread with the outbox sender and stay on (a tick there costs the other core). Tells the parent its
// port over IPC once `/healthz` would answer 200.

import { databaseOptions, parseEnv } from '../src/config/env.ts';
import { loadProgramConfig } from '../src/config/program-config.ts';
import { closeDb, openDatabase, sqliteClient } from '../src/db/connection.ts';
import { createLogger } from '../src/logger.ts';
import { startFoothold } from '../src/main.ts';
import { answerMemoryQueries, reportReady } from './lib.ts';

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const config = loadProgramConfig(env.FOOTHOLD_CONFIG);
  const logger = createLogger(env.LOG_LEVEL);
  const db = await openDatabase(databaseOptions(env));
  const running = await startFoothold({
    env,
    config,
    db,
    logger,
    roles: { web: true, worker: true },
    onCrash: (why) => {
      process.send?.({ type: 'error', message: why });
      process.exit(1);
    },
  });
  const { port } = running;
  if (running.foothold.roles.worker) await running.foothold.scheduler.stop();
  answerMemoryQueries();
  // bench/memory.ts: how much of the RSS is SQLite's page cache. `{ type: 'sqlite', pragma }` runs one pragma
  // on the bot's connection (shrink_memory frees its cache; cache_size = N changes it for an experiment).
  process.on('message', (m: { type?: string; pragma?: string }) => {
    if (m?.type !== 'sqlite' || !m.pragma) return;
    const before = process.memoryUsage().rss;
    sqliteClient(db).pragma(m.pragma);
    const after = process.memoryUsage().rss;
    process.send?.({ type: 'sqlite', freedMiB: Math.round(((before - after) / 2 ** 20) * 10) / 10 });
  });
  reportReady({ port });
  process.on('SIGTERM', () => {
    void running
      .stop()
      .catch(() => {})
      .finally(async () => {
        await closeDb(db).catch(() => {});
        process.exit(0);
      });
  });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});

// Foothold as `npm start` runs it (src/main.ts: settings from the environment, the program config file, the
// database migrated, createFoothold, start), in a child process of the benchmark. One difference: the
// scheduled jobs are stopped once the bot is up, so that a cron tick (the SLA job every 15 minutes, expiry
// hourly) landing in the middle of a load run does not become noise in B1/B2; B3 measures the digest on its
// own. Tells the parent its port over IPC once `/healthz` would answer 200.

import { createFoothold } from '../src/app.ts';
import { databaseOptions, parseEnv } from '../src/config/env.ts';
import { loadProgramConfig } from '../src/config/program-config.ts';
import { closeDb, openDatabase, sqliteClient } from '../src/db/connection.ts';
import { createLogger } from '../src/logger.ts';
import { answerMemoryQueries, reportReady } from './lib.ts';

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const config = loadProgramConfig(env.FOOTHOLD_CONFIG);
  const logger = createLogger(env.LOG_LEVEL);
  const db = await openDatabase(databaseOptions(env));
  const foothold = createFoothold({ env, config, db, logger });
  const { port } = await foothold.start();
  await foothold.scheduler.stop();
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
    void foothold
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

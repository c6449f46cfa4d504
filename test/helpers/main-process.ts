import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs `src/main.ts` (what `npm start` runs) to its end with the example config, the given database and a Slack
 * URL nobody answers: for start-up refusals, which happen before Slack is contacted. `database` is the SQLite
 * file, or a test database's environment (`TestDb.env`: DATABASE_URL on PostgreSQL).
 */
export function runMainOnce(database: string | Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-signing-secret-8f742231b10e',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      ...(typeof database === 'string' ? { DATABASE_PATH: database } : database),
      FOOTHOLD_CONFIG: join(REPO_ROOT, 'foothold.config.example.json'),
      LOG_LEVEL: 'silent',
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

import { defineConfig } from 'vitest/config';

// Two projects, one per storage engine: every test runs on SQLite (the embedded default), and the tests of
// everything that touches storage (stores, services, jobs, imports, CRM sync, the learning loop, the CLI, the
// Slack edge over HTTP and the reliability scenarios) run again on PostgreSQL, the same files with
// FOOTHOLD_TEST_ENGINE=postgres (test/helpers/db.ts opens the engine it names). Files about one engine only
// (the SQLite file, its lock, its backups) are listed in SQLITE_ONLY.
const STORAGE_DIRS = [
  'db',
  'services',
  'jobs',
  'imports',
  'crm',
  'insight',
  'cli',
  'listeners',
  'oauth',
  'http',
  'reliability',
];

const SQLITE_ONLY = [
  // These already open both engines themselves, or test no storage at all.
  'test/db/schema-parity.test.ts',
  'test/db/column-round-trip.test.ts',
  'test/db/migrate-postgres.test.ts',
  'test/db/portable-stores.test.ts',
  'test/db/secret-box.test.ts',
  // The SQLite file itself: its lock, header checks, modes, fsync after kill -9, two senders on one file.
  'test/db/process-lock.test.ts',
  // Imports beside SQLite's write lock (it opens its own SQLite files whatever the engine).
  'test/imports/import-batches.test.ts',
  'test/db/startup-check.test.ts',
  'test/db/file-modes.test.ts',
  'test/reliability/02-*.test.ts',
  'test/reliability/14-*.test.ts',
  'test/reliability/21-*.test.ts',
  'test/reliability/23-*.test.ts',
];

const POSTGRES_ONLY = ['test/reliability/27-*.test.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    // Store and HTTP tests each open real databases and loopback servers; forks keep native handles isolated.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Collects the reliability suite's figures into one table after the run (test/reliability/results.md);
    // starts a throwaway PostgreSQL cluster when FOOTHOLD_TEST_DATABASE_URL is unset (test/helpers/postgres.ts).
    globalSetup: ['test/reliability/support/global-setup.ts', 'test/global-setup-postgres.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          // Several instances on one database are PostgreSQL's (SQLite is one process per file: scenarios 14, 21).
          exclude: POSTGRES_ONLY,
          env: { FOOTHOLD_TEST_ENGINE: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: STORAGE_DIRS.map((dir) => `test/${dir}/**/*.test.ts`),
          exclude: SQLITE_ONLY,
          env: { FOOTHOLD_TEST_ENGINE: 'postgres' },
        },
      },
    ],
  },
});

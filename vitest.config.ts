import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Store and HTTP tests each open real SQLite files and loopback servers; forks keep native handles isolated.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Collects the reliability suite's figures into one table after the run (test/reliability/results.md);
    // starts a throwaway PostgreSQL cluster when FOOTHOLD_TEST_DATABASE_URL is unset (test/helpers/postgres.ts).
    globalSetup: ['test/reliability/support/global-setup.ts', 'test/global-setup-postgres.ts'],
  },
});

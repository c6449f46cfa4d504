import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Store and HTTP tests each open real SQLite files and loopback servers; forks keep native handles isolated.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Collects the reliability suite's figures into one table after the run (test/reliability/results.md).
    globalSetup: ['test/reliability/support/global-setup.ts'],
  },
});

import { defineConfig } from 'drizzle-kit';

// SQLite migrations (the default engine, DATABASE_PATH). PostgreSQL has its own: drizzle.postgres.config.ts.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations/sqlite',
});

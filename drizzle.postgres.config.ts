import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations (DATABASE_URL=postgres://…), generated from the twin of schema.ts. The SQLite ones
// come from drizzle.config.ts; `npm run db:generate -- --name <change>` writes both.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-postgres.ts',
  out: './migrations/postgres',
});

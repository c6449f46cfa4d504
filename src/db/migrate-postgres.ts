import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';

/** drizzle-kit's PostgreSQL migrations (drizzle.postgres.config.ts); the SQLite ones are in migrations/sqlite. */
export const POSTGRES_MIGRATIONS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../migrations/postgres',
);

/**
 * The session-level advisory lock every instance takes before migrating (a fixed key; advisory locks are per
 * database, so databases on one server do not wait for each other).
 */
export const MIGRATION_LOCK_KEY = 4_206_170_512;

/** Where drizzle's migrator records what it applied (its defaults for PostgreSQL). */
const LEDGER = 'drizzle.__drizzle_migrations';

export interface MigrationOutcome {
  /** Migrations this call applied. */
  applied: number;
  /** Migrations recorded in the database afterwards. */
  total: number;
}

/**
 * Applies the pending migrations in migrations/postgres. Several instances starting at once each call this:
 * the first takes the advisory lock and migrates (in one transaction), the others wait for the lock, then
 * find nothing left to do. The lock is held on one pooled connection and released before it goes back.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrationsFolder = POSTGRES_MIGRATIONS_DIR,
): Promise<MigrationOutcome> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const before = await recorded(client);
      await migrate(drizzle(client), { migrationsFolder });
      const total = await recorded(client);
      return { applied: total - before, total };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (err) {
    broken = err;
    throw err;
  } finally {
    // A connection that failed mid-way may still hold the lock or an aborted transaction: destroy it.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

async function recorded(client: pg.PoolClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('${LEDGER}')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${LEDGER}`);
  return rows[0]?.n ?? 0;
}

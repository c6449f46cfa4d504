import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migratePostgres, POSTGRES_MIGRATIONS_DIR } from '../../src/db/migrate-postgres.ts';

// Fresh, migrated PostgreSQL databases for tests. The server comes from FOOTHOLD_TEST_DATABASE_URL: `.ci/run`
// exports it, and test/global-setup-postgres.ts starts a throwaway cluster (bin/pg-test-cluster) and sets it when
// it is unset and the server binaries are installed. Each worker migrates one template database at most once
// (under an advisory lock, as workers start together); every test database is a copy of it (CREATE DATABASE …
// TEMPLATE), which takes milliseconds instead of a migration run.

export const TEST_DATABASE_URL_VAR = 'FOOTHOLD_TEST_DATABASE_URL';

/** The maintenance database URL the test databases are created through; throws when there is none. */
export function postgresTestUrl(): string {
  const url = process.env[TEST_DATABASE_URL_VAR]?.trim();
  if (url) return url;
  throw new Error(
    `These tests need PostgreSQL and found none: set ${TEST_DATABASE_URL_VAR}=postgres://user@host:port/postgres ` +
      '(a role that may CREATE DATABASE), or install the PostgreSQL server binaries ' +
      '(/usr/lib/postgresql/<version>/bin/initdb) so the test run starts its own cluster (bin/pg-test-cluster).',
  );
}

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

/** Held while a worker builds the template, so workers starting together build it once. */
const TEMPLATE_LOCK_KEY = 4_206_170_513;

/** The template's name carries a hash of the migrations, so a changed migration gets a new template. */
export function templateName(folder = POSTGRES_MIGRATIONS_DIR): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(folder, 'meta', '_journal.json')));
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(join(folder, file)));
  }
  return `foothold_template_${hash.digest('hex').slice(0, 12)}`;
}

let template: Promise<string> | undefined;
let created = 0;

/**
 * A new, uniquely named database with migrations/postgres applied (`migrated: false`: an empty one, for the
 * migration tests).
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = postgresTestUrl();
  let source = 'template0';
  if (options.migrated ?? true) {
    template ??= ensureTemplate(adminUrl).catch((err: unknown) => {
      template = undefined;
      throw err;
    });
    source = await template;
  }
  created += 1;
  const name = `foothold_test_${process.pid}_${created}_${randomBytes(3).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${source}"`));
  return {
    url: databaseUrl(adminUrl, name),
    name,
    drop: () =>
      withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/** `url` with its database replaced by `name`. */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function ensureTemplate(adminUrl: string): Promise<string> {
  const name = templateName();
  await withAdmin(adminUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) return;
      // Built under another name and renamed when complete, so a run that dies mid-build leaves no
      // half-migrated template behind.
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}"`);
      const pool = new pg.Pool({ connectionString: databaseUrl(adminUrl, building), max: 1 });
      try {
        await migratePostgres(pool);
      } finally {
        await pool.end();
      }
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    }
  });
  return name;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

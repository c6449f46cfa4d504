import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Db, engineKind, postgresPool, sqliteClient } from '../connection.ts';
import { makePrivate } from '../file-modes.ts';

// Backups and restores with SQLite's online backup API: it copies a consistent snapshot page by page while
// other connections (the running bot) keep reading and writing, and writes into a live destination through
// SQLite's own locking. A plain file copy of a WAL database can miss committed transactions or tear pages.
//
// On PostgreSQL (DATABASE_URL) a backup is `pg_dump --format=custom` (one consistent snapshot, taken while
// Foothold keeps running) and a restore is `pg_restore --clean --if-exists --single-transaction` (all or
// nothing), both found on PATH or in /usr/lib/postgresql/<version>/bin (the newest). Without them the functions
// fail with `PostgresToolMissingError`, whose message says what to use instead.

export interface DatabaseCheck {
  integrity: string;
  leads: number;
  migrations: number;
}

/** Opens a file read-only and checks that it is an intact Foothold database. */
export async function checkDatabaseFile(path: string): Promise<DatabaseCheck> {
  return checkSqliteFile(path);
}

function checkSqliteFile(path: string): DatabaseCheck {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${path} is not a SQLite database (${(err as Error).message})`);
  }
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const has = (table: string) =>
      db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined;
    if (!has('leads') || !has('__drizzle_migrations')) {
      throw new Error(`${path} is not a Foothold database (no leads or migrations table)`);
    }
    const leads = (db.prepare('select count(*) as n from leads').get() as { n: number }).n;
    const migrations = (db.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number })
      .n;
    return { integrity, leads, migrations };
  } catch (err) {
    if (err instanceof Error && /is not a Foothold database/.test(err.message)) throw err;
    throw new Error(`${path} is not a readable SQLite database (${(err as Error).message})`);
  } finally {
    db.close();
  }
}

/**
 * Writes a consistent snapshot of `db` to `target` (via a temporary file, renamed once complete and checked),
 * safe while the bot is running. Returns the snapshot's check.
 */
export async function backupDatabase(db: Db, target: string): Promise<DatabaseCheck & { pages: number }> {
  if (engineKind(db) === 'postgres') {
    const url = postgresPool(db).options.connectionString;
    if (!url) throw new Error('the PostgreSQL pool has no connection string to give pg_dump');
    const res = await backupPostgres(url, target);
    return { integrity: 'ok', leads: res.leads, migrations: res.migrations, pages: 0 };
  }
  const temp = `${target}.${process.pid}.partial`;
  rmSync(temp, { force: true });
  try {
    const res = await sqliteClient(db).backup(temp);
    // The backup carries the installation tokens: readable by the bot's user only.
    makePrivate(temp);
    const check = checkSqliteFile(temp);
    if (check.integrity !== 'ok')
      throw new Error(`the backup failed its integrity check: ${check.integrity}`);
    renameSync(temp, target);
    return { ...check, pages: res.totalPages };
  } finally {
    rmSync(temp, { force: true });
    rmSync(`${temp}-wal`, { force: true });
    rmSync(`${temp}-shm`, { force: true });
  }
}

/**
 * Replaces the database at `target` with the backup at `source`, after checking the backup. The current
 * database is first saved next to it (`<target>.before-restore-<time>`), so a restore can be undone.
 */
export async function restoreDatabase(
  source: string,
  target: string,
  now: number,
): Promise<DatabaseCheck & { savedAs: string | null }> {
  const check = checkSqliteFile(source);
  if (check.integrity !== 'ok') throw new Error(`the backup failed its integrity check: ${check.integrity}`);
  let savedAs: string | null = null;
  if (existsSync(target)) {
    savedAs = `${target}.before-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    const current = new Database(target, { fileMustExist: true });
    try {
      await current.backup(savedAs);
      makePrivate(savedAs);
    } finally {
      current.close();
    }
  }
  const existed = existsSync(target);
  const backup = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await backup.backup(target);
  } finally {
    backup.close();
  }
  if (!existed) makePrivate(target);
  return { ...checkSqliteFile(target), savedAs };
}

/**
 * Folds the write-ahead log into the database file and removes the `-wal` and `-shm` files, so that nothing
 * of the database that was replaced lingers beside the restored one. Call it while no other connection is open
 * (`db restore` holds the process lock). Returns the files removed.
 */
export async function checkpointAndCleanWal(target: string): Promise<string[]> {
  const db = new Database(target, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  // Closing the last connection normally deletes both. If they are still there, another connection (a CLI
  // command) has the file open: the log is only removed once it is empty (fully checkpointed).
  const removed: string[] = [];
  const wal = `${target}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) return removed;
  for (const file of [wal, `${target}-shm`]) {
    if (existsSync(file)) {
      rmSync(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}

// ---------------------------------------------------------------- PostgreSQL: pg_dump / pg_restore

/** pg_dump or pg_restore is not installed where Foothold looks: the message says what to do instead. */
export class PostgresToolMissingError extends Error {
  override name = 'PostgresToolMissingError';
}

const INSTEAD = {
  pg_dump:
    'install the PostgreSQL client tools (e.g. `apt install postgresql-client`, the same major version as the server or newer) ' +
    'and run the command again, or back up with `pg_dump --format=custom --file=<file> "$DATABASE_URL"` from a machine that has them, ' +
    "or use your provider's managed snapshots and point-in-time recovery",
  pg_restore:
    'install the PostgreSQL client tools (e.g. `apt install postgresql-client`) and run the command again, or restore with ' +
    '`pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$DATABASE_URL" <file>` from a machine that has them ' +
    "(every Foothold process stopped, then `foothold db migrate`), or restore your provider's snapshot",
} as const;

type PgTool = keyof typeof INSTEAD;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where `tool` is: on PATH, else in the newest /usr/lib/postgresql/<version>/bin; null when nowhere. */
export function findPostgresTool(
  tool: PgTool,
  env: { PATH?: string | undefined } = process.env,
  libRoot = '/usr/lib/postgresql',
): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, tool))) return join(dir, tool);
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(libRoot);
  } catch {
    return null;
  }
  versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const v of versions) {
    const path = join(libRoot, v, 'bin', tool);
    if (executable(path)) return path;
  }
  return null;
}

/** Where to look for pg_dump and pg_restore (tests point it elsewhere). */
export interface PostgresToolSearch {
  env?: { PATH?: string | undefined };
  libRoot?: string;
}

function requireTool(tool: PgTool, what: string, search: PostgresToolSearch): string {
  const path = findPostgresTool(tool, search.env, search.libRoot);
  if (!path)
    throw new PostgresToolMissingError(
      `${what} on PostgreSQL needs ${tool}, which is not on PATH or in /usr/lib/postgresql/*/bin: ${INSTEAD[tool]}.`,
    );
  return path;
}

/**
 * The URL without its password, and the password for the tool's environment (PGPASSWORD): a password in the
 * command line would be visible to every user of the machine (ps).
 */
function toolConnection(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { dbname: url.toString(), env };
}

const run = promisify(execFile);

async function runTool(path: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(path, args, { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const detail = (e.stderr ?? '').trim() || e.message;
    throw new Error(`${path.split('/').pop()} failed: ${detail}`);
  }
}

export interface PostgresBackupInfo {
  /** Leads in the database (a sanity figure for the operator). */
  leads: number;
  /** Migrations applied. */
  migrations: number;
}

async function postgresFigures(databaseUrl: string): Promise<PostgresBackupInfo> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'foothold cli' });
  await client.connect();
  try {
    const leads = await client.query<{ n: string }>('select count(*) as n from leads');
    // Where migrate-postgres keeps its ledger (drizzle's default schema and table), when it is there.
    const ledger = await client.query<{ t: string | null }>(
      `select coalesce(to_regclass('drizzle.__drizzle_migrations'), to_regclass('public.__drizzle_migrations'))::text as t`,
    );
    const table = ledger.rows[0]?.t;
    const migrations = table ? await client.query<{ n: string }>(`select count(*) as n from ${table}`) : null;
    return { leads: Number(leads.rows[0]?.n ?? 0), migrations: Number(migrations?.rows[0]?.n ?? 0) };
  } finally {
    await client.end();
  }
}

/**
 * Writes a consistent snapshot of the PostgreSQL database to `target` with `pg_dump --format=custom` (via a
 * temporary file, checked with `pg_restore --list` and renamed once complete), safe while Foothold runs.
 */
export async function backupPostgres(
  databaseUrl: string,
  target: string,
  search: PostgresToolSearch = {},
): Promise<PostgresBackupInfo> {
  const dump = requireTool('pg_dump', 'db backup', search);
  const list = requireTool('pg_restore', 'db backup (to check the dump)', search);
  const { dbname, env } = toolConnection(databaseUrl);
  const temp = `${target}.${process.pid}.partial`;
  rmSync(temp, { force: true });
  try {
    await runTool(
      dump,
      ['--format=custom', '--no-owner', '--no-privileges', `--file=${temp}`, `--dbname=${dbname}`],
      env,
    );
    // The dump carries the installation tokens: readable by the bot's user only.
    makePrivate(temp);
    const toc = await runTool(list, ['--list', temp], env);
    if (!/TABLE DATA \S+ leads /.test(toc))
      throw new Error('the dump has no leads table: not a Foothold database');
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  return postgresFigures(databaseUrl);
}

/**
 * Replaces the PostgreSQL database's contents with the dump at `source` (from `backupPostgres`), in one
 * transaction: a dump that fails half-way changes nothing. Stop every Foothold process first, and migrate after
 * (the dump may be older than the code).
 */
export async function restorePostgres(
  databaseUrl: string,
  source: string,
  search: PostgresToolSearch = {},
): Promise<PostgresBackupInfo> {
  const restore = requireTool('pg_restore', 'db restore', search);
  if (!existsSync(source)) throw new Error(`${source} does not exist`);
  const { dbname, env } = toolConnection(databaseUrl);
  let toc: string;
  try {
    toc = await runTool(restore, ['--list', source], env);
  } catch (err) {
    throw new Error(`${source} is not a pg_dump custom-format file (${(err as Error).message})`);
  }
  if (!/TABLE DATA \S+ leads /.test(toc))
    throw new Error(`${source} is not a Foothold database dump (no leads table)`);
  await runTool(
    restore,
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      '--exit-on-error',
      `--dbname=${dbname}`,
      source,
    ],
    env,
  );
  return postgresFigures(databaseUrl);
}

import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  DatabaseFileError,
  type Db,
  engineKind,
  postgresPool,
  RESTORE_HINT,
  sqliteClient,
} from './connection.ts';

// Start-up and run-time health of the database (the SQLite file or the PostgreSQL server) (PRODUCT.md section 10: a zero-byte or corrupt database,
// a full disk or a database the bot can't write stop start-up or fail `/healthz`, with one line naming the
// problem and the setting).
//
// Start-up check: SQLite's `PRAGMA quick_check` (every page of every b-tree, every index entry's format; not
// the cross-check of index contents against their tables that `integrity_check` adds). It is O(pages):
// measured 2.6 s on a 1M-lead database (995 MB, 243k pages, 2 shared cores, warm cache) against 12.5 s for
// `integrity_check`. Up to MAX_FULL_CHECK_PAGES (1 GiB at 4 KiB pages, about a million leads) the whole file
// is checked; beyond it every table but the three that grow with the lead count is checked, and those three
// (`leads`, `lead_events`, `gate_results`) are walked along the paths a submission takes: both ends of each
// table and of each of its indexes. Past that size, `integrity_check` belongs in a maintenance window.

/** Pages checked in full at start-up (1 GiB at SQLite's default 4 KiB page). */
export const MAX_FULL_CHECK_PAGES = 262_144;

/** Tables that grow with the number of leads: only probed at start-up beyond MAX_FULL_CHECK_PAGES. */
const LARGE_TABLES = ['leads', 'lead_events', 'gate_results'] as const;

export interface StartupCheck {
  mode: 'full' | 'partial';
  pages: number;
  ms: number;
}

function corrupt(path: string, detail: string): DatabaseFileError {
  const first = detail.split('\n')[0]?.slice(0, 200) ?? detail;
  return new DatabaseFileError(`DATABASE_PATH=${path} is corrupt (${first}); ${RESTORE_HINT}.`);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Checks the open database in bounded time and throws DatabaseFileError (one line naming DATABASE_PATH and
 * the restore command) when it is damaged.
 */
export function checkDatabaseAtStartup(
  db: Db,
  path: string,
  options: { maxFullCheckPages?: number } = {},
): StartupCheck {
  // The check reads the whole file once; on the bot's own connection that fills its 64 MiB page cache, which it
  // then keeps (B6: +66 MiB idle on a 100k-lead file). A second, read-only connection with a 2 MiB cache reads
  // the same pages and gives its memory back when it closes (and was faster: 0.3 s instead of 0.55 s).
  const own = path !== ':memory:' && !path.startsWith('file:');
  const client = own ? new Database(path, { readonly: true, fileMustExist: true }) : sqliteClient(db);
  if (own) client.pragma('cache_size = -2048');
  try {
    return runStartupCheck(client, path, options);
  } finally {
    if (own) client.close();
  }
}

function runStartupCheck(
  client: Database.Database,
  path: string,
  options: { maxFullCheckPages?: number },
): StartupCheck {
  const started = performance.now();
  const maxPages = options.maxFullCheckPages ?? MAX_FULL_CHECK_PAGES;
  try {
    const pages = Number(client.pragma('page_count', { simple: true }));
    if (pages <= maxPages) {
      const result = client.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>;
      const problems = result.map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length > 0) throw corrupt(path, problems.join('; '));
      return { mode: 'full', pages, ms: performance.now() - started };
    }
    const tables = (
      client.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>
    ).map((t) => t.name);
    for (const table of tables) {
      if ((LARGE_TABLES as readonly string[]).includes(table)) continue;
      const result = client.pragma(`quick_check(${quote(table)})`, { simple: false }) as Array<{
        quick_check: string;
      }>;
      const problems = result.map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length > 0) throw corrupt(path, problems.join('; '));
    }
    for (const table of LARGE_TABLES) probeTable(client, table);
    return { mode: 'partial', pages, ms: performance.now() - started };
  } catch (err) {
    if (err instanceof DatabaseFileError) throw err;
    throw corrupt(path, (err as Error).message);
  }
}

/** Reads both ends of a table and of each of its indexes (the pages a new row and a lookup walk through). */
function probeTable(client: Database.Database, table: string): void {
  const exists = client.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table);
  if (!exists) return;
  client.prepare(`SELECT * FROM ${quote(table)} ORDER BY rowid DESC LIMIT 20`).all();
  client.prepare(`SELECT * FROM ${quote(table)} ORDER BY rowid LIMIT 20`).all();
  const indexes = client.prepare(`PRAGMA index_list(${quote(table)})`).all() as Array<{ name: string }>;
  for (const { name } of indexes) {
    const cols = (client.prepare(`PRAGMA index_info(${quote(name)})`).all() as Array<{ name: string | null }>)
      .map((c) => c.name)
      .filter((c): c is string => c !== null);
    if (cols.length === 0) continue;
    const list = cols.map(quote).join(', ');
    for (const dir of ['ASC', 'DESC'])
      client
        .prepare(
          `SELECT ${list} FROM ${quote(table)} INDEXED BY ${quote(name)} ORDER BY ${cols.map((c) => `${quote(c)} ${dir}`).join(', ')} LIMIT 20`,
        )
        .all();
  }
}

/** One line for any error met while opening or checking the database at start-up. */
export function databaseStartupLine(err: unknown, path: string): string {
  if (err instanceof DatabaseFileError) return err.message;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const message = (e.message ?? String(err)).split('\n')[0];
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT_'))
    return corrupt(path, message ?? code).message;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return `DATABASE_PATH=${path} cannot be written: the disk is full (${message}); free some space and start again.`;
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_CANTOPEN' ||
    code === 'EACCES' ||
    code === 'EROFS'
  )
    return `DATABASE_PATH=${path} cannot be opened for writing (${message}); check the file's and its folder's owner and permissions.`;
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO')
    return `DATABASE_PATH=${path} could not be read or written (${message}); check the disk.`;
  return `DATABASE_PATH=${path} could not be opened (${message}).`;
}

// ---------------------------------------------------------------- run time: can the database be written?

export interface WriteProbe {
  ok: boolean;
  /** Why it cannot be written (one line), when not ok. */
  reason?: string;
}

/** Free space under which the disk counts as full: a few WAL checkpoints' worth. */
export const MIN_FREE_BYTES = 16 * 1024 * 1024;

export interface WriteProbeOptions {
  /** Free bytes available to the bot's user on the database's file system (default: `statfs`). */
  freeBytes?: (dir: string) => number;
  /** PostgreSQL: how long the server may take to answer before the probe fails (default 2 s). */
  timeoutMs?: number;
}

/** How long `/healthz` waits for PostgreSQL to answer. */
export const POSTGRES_PROBE_TIMEOUT_MS = 2000;

const PROBE_BYTES = 8192;

/**
 * Whether the bot can write its database right now.
 *
 * SQLite: free space on the disk, then a real write that needs new pages (a table created and filled inside a
 * transaction, then rolled back, so nothing is kept). It catches a full disk or database (SQLITE_FULL), a
 * read-only file or file system (SQLITE_READONLY) and I/O errors. A write lock held elsewhere for a moment (an
 * import batch) is not a failure.
 *
 * PostgreSQL: a pooled connection answers `select 1` within `timeoutMs` (2 s), and the server is not a read-only
 * standby (after a failover that did not move DATABASE_URL). `path` is not used.
 */
export async function probeDatabaseWritable(
  db: Db,
  path: string,
  options: WriteProbeOptions = {},
): Promise<WriteProbe> {
  if (engineKind(db) === 'postgres') return probePostgres(db, options.timeoutMs ?? POSTGRES_PROBE_TIMEOUT_MS);
  return probeSqliteWritable(db, path, options);
}

async function probePostgres(db: Db, timeoutMs: number): Promise<WriteProbe> {
  const pool = postgresPool(db);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const query = pool
    .query<{ one: number; standby: boolean }>('select 1 as one, pg_is_in_recovery() as standby')
    .then((r) => r.rows[0]);
  try {
    const answer = await Promise.race([query, timeout]);
    if (answer === 'timeout') {
      // The query may still finish (or fail) later: nobody is waiting for it.
      query.catch(() => undefined);
      return { ok: false, reason: `PostgreSQL (DATABASE_URL) did not answer within ${timeoutMs} ms` };
    }
    if (answer?.standby)
      return {
        ok: false,
        reason: 'PostgreSQL (DATABASE_URL) is a read-only standby; point it at the primary',
      };
    return { ok: true };
  } catch (err) {
    // The error's code or first line, never the URL (it holds the password).
    const e = err as { code?: string; message?: string };
    const detail = e.code ?? (e.message ?? String(err)).split('\n')[0];
    return { ok: false, reason: `PostgreSQL (DATABASE_URL) cannot be reached (${detail})` };
  } finally {
    clearTimeout(timer);
  }
}

function probeSqliteWritable(db: Db, path: string, options: WriteProbeOptions): WriteProbe {
  const client = sqliteClient(db);
  const dir = dirname(resolve(path));
  try {
    const free = (options.freeBytes ?? statfsFree)(dir);
    if (free < MIN_FREE_BYTES)
      return {
        ok: false,
        reason: `the disk holding DATABASE_PATH=${path} is full (${Math.round(free / 1024)} KiB free)`,
      };
  } catch {
    // No statfs on this platform: the write below still tells.
  }
  if (client.inTransaction) return { ok: true };
  const previousTimeout = Number(client.pragma('busy_timeout', { simple: true }));
  client.pragma('busy_timeout = 200');
  try {
    client.exec('BEGIN IMMEDIATE');
    try {
      client.exec('CREATE TABLE _foothold_write_probe (b BLOB)');
      client.prepare('INSERT INTO _foothold_write_probe VALUES (?)').run(Buffer.alloc(PROBE_BYTES));
    } finally {
      // SQLite may already have rolled back after SQLITE_FULL or an I/O error.
      if (client.inTransaction) client.exec('ROLLBACK');
    }
    return { ok: true };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY')) return { ok: true };
    const message = (err as Error).message.split('\n')[0];
    if (code === 'SQLITE_FULL') return { ok: false, reason: `DATABASE_PATH=${path} is full (${message})` };
    if (code.startsWith('SQLITE_READONLY'))
      return { ok: false, reason: `DATABASE_PATH=${path} is read-only (${message})` };
    return { ok: false, reason: `DATABASE_PATH=${path} cannot be written (${code || message})` };
  } finally {
    client.pragma(`busy_timeout = ${previousTimeout}`);
  }
}

function statfsFree(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

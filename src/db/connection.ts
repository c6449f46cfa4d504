import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { createPrivateFile, databaseModeWarnings } from './file-modes.ts';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations/sqlite');

export interface OpenDbOptions {
  /** Apply pending migrations (start-up and `db migrate` do; tools that only read may not). */
  migrate?: boolean;
  /**
   * Told, one line each, when the database file, its -wal/-shm or its folder are open to other users (the bot
   * logs them; CLI commands print them). Default: ignored.
   */
  onWarning?: (line: string) => void;
}

/** One line naming DATABASE_PATH, what is wrong with it and how to restore it (start-up prints it as is). */
export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

export const RESTORE_HINT = 'restore the latest backup with: npm run cli -- db restore <backup file>';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * What must hold before SQLite may open an existing file: not empty (SQLite would silently start a fresh
 * database in it) and a SQLite header (page size a power of two in 512..65536).
 */
function assertSqliteHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0)
    throw new DatabaseFileError(
      `DATABASE_PATH=${path} is an empty file (0 bytes), not a Foothold database; ${RESTORE_HINT} (or remove the file to start a new, empty database).`,
    );
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let read = 0;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const pageSize = read >= 18 ? header.readUInt16BE(16) : 0;
  const validPageSize = pageSize === 1 || (pageSize >= 512 && (pageSize & (pageSize - 1)) === 0);
  if (read < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC || !validPageSize)
    throw new DatabaseFileError(
      `DATABASE_PATH=${path} is not a SQLite database (its header is damaged or it is another kind of file); ${RESTORE_HINT}.`,
    );
}

/**
 * Opens the SQLite file with the settings every connection needs: WAL so readers never block the writer,
 * foreign keys enforced, full fsync on commit, and a busy timeout so a second process (a CLI import while
 * the bot runs) waits for the write lock instead of failing at once.
 */
export function openDb(path: string, options: OpenDbOptions = {}): Db {
  if (path !== ':memory:') {
    // The folder is created 0700 and a new file 0600 before SQLite opens it (SQLite gives -wal and -shm the
    // database file's mode); an existing one is checked before SQLite could mistake it for a new database.
    for (const line of databaseModeWarnings(path)) options.onWarning?.(line);
    if (existsSync(path)) assertSqliteHeader(resolve(path));
    else createPrivateFile(path);
  }
  const client = new Database(path);
  client.pragma('journal_mode = WAL');
  client.pragma('foreign_keys = ON');
  client.pragma('busy_timeout = 5000');
  // better-sqlite3 builds with WAL's synchronous default at NORMAL, which survives a crash but can drop the
  // last commits on a power cut; an acknowledged click must survive both.
  client.pragma('synchronous = FULL');
  // A 64 MiB page cache (better-sqlite3's default is 16 MB): the digest reads 90 days of leads, and with a
  // million leads the default cache made it re-read the same pages. Memory is taken only as pages are read.
  client.pragma('cache_size = -65536');
  const db = drizzle({ client, schema });
  if (options.migrate ?? true) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return db;
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close();
}

/**
 * Runs `fn` inside a transaction that is always rolled back: a preview (`jobs run --dry-run`) executes the
 * real code, transactions and all (they nest as savepoints), and leaves the database exactly as it was.
 */
export async function withRollback<T>(db: Db, fn: () => Promise<T> | T): Promise<T> {
  db.$client.exec('BEGIN IMMEDIATE');
  try {
    return await fn();
  } finally {
    db.$client.exec('ROLLBACK');
  }
}

/** Bulk writes that can be redone from scratch (a sample program) skip the per-commit fsync. */
export function relaxDurability(db: Db): void {
  db.$client.pragma('synchronous = OFF');
}

/** Back to the full fsync on commit that every acknowledged action needs (see openDb). */
export function restoreDurability(db: Db): void {
  db.$client.pragma('synchronous = FULL');
}

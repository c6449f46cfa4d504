import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { createPrivateFile } from './file-modes.ts';

// One bot per SQLite file (PRODUCT.md section 10). The bot holds an OS-level lock for its whole life: a write
// lock (SQLite's RESERVED lock, an fcntl lock underneath) on a small companion file `<DATABASE_PATH>.lock`,
// taken with `BEGIN IMMEDIATE` and never committed. The kernel drops it when the process ends in any way,
// `kill -9` included, so a stale lock can never block a restart; there is no pid file to clean up. SQLite
// coordinates its locks between connections of one process too, so two bots in one process are refused as
// well. Readers may still read the file while it is held: that is how a refused process learns who holds it
// (pid, host, start time, written just before the lock is taken). CLI commands never take this lock, except
// `db restore`, which must not run beside a bot (and holds it while restoring, so no bot starts mid-way).
// Like SQLite itself, this relies on POSIX locks working on the file system: keep DATABASE_PATH on a local disk.

export interface LockHolder {
  /** What holds it: `bot`, or a CLI command such as `db restore`. */
  role: string;
  pid: number;
  host: string;
  /** When the holder started (ms since the epoch). */
  startedAt: number;
}

export interface ProcessLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Releases the lock (also released by the OS when the process ends). Safe to call twice. */
  release(): void;
}

export class DatabaseLockedError extends Error {
  override name = 'DatabaseLockedError';
  constructor(
    readonly databasePath: string,
    readonly holder: LockHolder | null,
    wanted: string,
  ) {
    super(
      `${wanted === 'bot' ? 'Foothold will not start' : `${wanted} refused`}: DATABASE_PATH=${databasePath} is in use by ${describeHolder(holder)}; ` +
        `${wanted === 'bot' ? 'one bot per database file (CLI commands may run beside it), so stop that process first' : 'stop the bot first'}.`,
    );
  }
}

export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another Foothold process';
  const who = holder.role === 'bot' ? 'a running Foothold bot' : `Foothold's \`${holder.role}\``;
  return `${who} (pid ${holder.pid} on host ${holder.host}, started ${new Date(holder.startedAt).toISOString()})`;
}

export function lockPathFor(databasePath: string): string {
  return `${resolve(databasePath)}.lock`;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS holder (
  id INTEGER PRIMARY KEY CHECK (id = 1), role TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
  started_at INTEGER NOT NULL, nonce TEXT NOT NULL)`;

interface HolderRow {
  role: string;
  pid: number;
  host: string;
  started_at: number;
  nonce: string;
}

function openLockFile(path: string): Database.Database {
  createPrivateFile(path);
  const client = new Database(path);
  // A rollback journal (not WAL): a RESERVED lock then still lets others read the holder row.
  client.pragma('journal_mode = DELETE');
  client.pragma('busy_timeout = 0');
  return client;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

function readHolder(client: Database.Database): HolderRow | null {
  try {
    return (client.prepare('SELECT * FROM holder WHERE id = 1').get() as HolderRow | undefined) ?? null;
  } catch {
    return null;
  }
}

function toHolder(row: HolderRow | null): LockHolder | null {
  return row ? { role: row.role, pid: row.pid, host: row.host, startedAt: row.started_at } : null;
}

/**
 * Takes the database's process lock for `role` (`bot`, or a CLI command name), or throws DatabaseLockedError
 * naming the process that holds it. `:memory:` databases need no lock.
 */
export function acquireProcessLock(
  databasePath: string,
  role: string,
  now: number = Date.now(),
): ProcessLock {
  const path = lockPathFor(databasePath);
  const holder: LockHolder = { role, pid: process.pid, host: hostname(), startedAt: now };
  const nonce = randomUUID();
  const client = openLockFile(path);
  try {
    // Write who we are, commit (so others can read it), then take the lock for good. Between the two another
    // process may slip in and write its own row: the nonce tells, and we try again.
    for (let attempt = 0; attempt < 20; attempt += 1) {
      try {
        client.exec('BEGIN IMMEDIATE');
      } catch (err) {
        if (!isBusy(err)) throw err;
        throw new DatabaseLockedError(resolve(databasePath), toHolder(readHolder(client)), role);
      }
      client.exec(SCHEMA);
      client
        .prepare(
          'INSERT OR REPLACE INTO holder (id, role, pid, host, started_at, nonce) VALUES (1, ?, ?, ?, ?, ?)',
        )
        .run(holder.role, holder.pid, holder.host, holder.startedAt, nonce);
      // Readers may hold SHARED locks for a moment: give the commit a little time.
      client.pragma('busy_timeout = 2000');
      client.exec('COMMIT');
      client.pragma('busy_timeout = 0');
      try {
        client.exec('BEGIN IMMEDIATE');
      } catch (err) {
        if (!isBusy(err)) throw err;
        throw new DatabaseLockedError(resolve(databasePath), toHolder(readHolder(client)), role);
      }
      if (readHolder(client)?.nonce === nonce) {
        let released = false;
        return {
          path,
          holder,
          release() {
            if (released) return;
            released = true;
            if (client.open) {
              if (client.inTransaction) client.exec('ROLLBACK');
              client.close();
            }
          },
        };
      }
      client.exec('ROLLBACK');
    }
    throw new DatabaseLockedError(resolve(databasePath), toHolder(readHolder(client)), role);
  } catch (err) {
    if (client.open) client.close();
    throw err;
  }
}

/** Who holds the database's process lock right now, or null when nobody does. Takes nothing. */
export function currentLockHolder(databasePath: string): LockHolder | null {
  const path = lockPathFor(databasePath);
  let client: Database.Database;
  try {
    client = new Database(path, { fileMustExist: true });
  } catch {
    return null;
  }
  try {
    client.pragma('busy_timeout = 0');
    try {
      client.exec('BEGIN IMMEDIATE');
      client.exec('ROLLBACK');
      return null;
    } catch (err) {
      if (!isBusy(err)) throw err;
      return toHolder(readHolder(client)) ?? { role: 'unknown', pid: 0, host: 'unknown', startedAt: 0 };
    }
  } finally {
    client.close();
  }
}

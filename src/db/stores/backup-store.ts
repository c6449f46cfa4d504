import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Db } from '../connection.ts';
import { makePrivate } from '../file-modes.ts';

// Backups and restores with SQLite's online backup API: it copies a consistent snapshot page by page while
// other connections (the running bot) keep reading and writing, and writes into a live destination through
// SQLite's own locking. A plain file copy of a WAL database can miss committed transactions or tear pages.

export interface DatabaseCheck {
  integrity: string;
  leads: number;
  migrations: number;
}

/** Opens a file read-only and checks that it is an intact Foothold database. */
export function checkDatabaseFile(path: string): DatabaseCheck {
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
  const temp = `${target}.${process.pid}.partial`;
  rmSync(temp, { force: true });
  try {
    const res = await db.$client.backup(temp);
    // The backup carries the installation tokens: readable by the bot's user only.
    makePrivate(temp);
    const check = checkDatabaseFile(temp);
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
  const check = checkDatabaseFile(source);
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
  return { ...checkDatabaseFile(target), savedAs };
}

/**
 * Folds the write-ahead log into the database file and removes the `-wal` and `-shm` files, so that nothing
 * of the database that was replaced lingers beside the restored one. Call it while no other connection is open
 * (`db restore` holds the process lock). Returns the files removed.
 */
export function checkpointAndCleanWal(target: string): string[] {
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

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// The database holds installation tokens and partner contacts, so Foothold creates its files readable by the
// bot's user only (PRODUCT.md section 10): the folder 0700 when Foothold creates it, the database, its -wal and
// -shm (SQLite gives those the database file's own mode), the lock file and backups 0600. Files and folders
// that already exist are not changed behind the operator's back; one line warns when they are more open.

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Permission bits of an existing path, or null. */
export function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return null;
  }
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/** Creates the folder (and its parents) 0700 when missing. Returns a warning when an existing one is more open. */
export function ensurePrivateDir(dir: string): string | null {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    chmodSync(dir, PRIVATE_DIR_MODE);
    return null;
  }
  const mode = modeOf(dir);
  if (mode !== null && (mode & 0o077) !== 0)
    return `the database folder ${dir} is open to other users (mode ${octal(mode)}); run: chmod 700 ${dir}`;
  return null;
}

/** Creates `path` empty with mode 0600 if it does not exist; returns whether it did. */
export function createPrivateFile(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  chmodSync(path, PRIVATE_FILE_MODE);
  return true;
}

/** Makes a file Foothold just wrote (a backup, a copy) readable by the bot's user only. */
export function makePrivate(path: string): void {
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** A warning for an existing file more open than 0600, or null. */
export function openFileWarning(path: string, what: string): string | null {
  const mode = modeOf(path);
  if (mode === null || (mode & 0o077) === 0) return null;
  return `${what} ${path} is readable by other users (mode ${octal(mode)}); run: chmod 600 ${path}`;
}

/** Warnings for the database file, its -wal and -shm, and its folder. */
export function databaseModeWarnings(databasePath: string): string[] {
  const path = resolve(databasePath);
  const out: string[] = [];
  const dirWarning = ensurePrivateDir(dirname(path));
  if (dirWarning) out.push(dirWarning);
  for (const [suffix, what] of [
    ['', 'the database file'],
    ['-wal', 'the database log'],
    ['-shm', 'the database index file'],
  ] as const) {
    const w = openFileWarning(path + suffix, what);
    if (w) out.push(w);
  }
  return out;
}

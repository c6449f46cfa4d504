import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, openDb, sqliteClient } from '../../src/db/connection.ts';
import {
  acquireProcessLock,
  currentLockHolder,
  DatabaseLockedError,
  lockPathFor,
} from '../../src/db/process-lock.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { REPO_ROOT, runMainOnce } from '../helpers/main-process.ts';
import { sqlGet, sqlRun } from '../helpers/sql.ts';

// One bot per SQLite file: the lock is an OS-level lock held for the process's life, so a second bot is
// refused with the holder's pid, host and start time, and a holder killed with SIGKILL leaves nothing behind.

const REPO = REPO_ROOT;
let dir: string;
let dbPath: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-lock-'));
  dbPath = join(dir, 'foothold.db');
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a process holding the lock; resolves once it holds it. */
function holdInChild(role = 'bot'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/lock-holder.ts', dbPath, role], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('locked')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}: ${err}`)));
  });
}

describe('process lock', () => {
  it('refuses a second holder in the same process, naming the first, until it is released', () => {
    const startedAt = Date.parse('2026-12-01T08:00:00Z');
    const first = acquireProcessLock(dbPath, 'bot', startedAt);
    let refusal: unknown;
    try {
      acquireProcessLock(dbPath, 'bot');
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(DatabaseLockedError);
    const message = (refusal as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(`DATABASE_PATH=${dbPath}`);
    expect(message).toContain(`pid ${process.pid} on host ${hostname()}, started 2026-12-01T08:00:00.000Z`);
    expect(currentLockHolder(dbPath)).toEqual({ role: 'bot', pid: process.pid, host: hostname(), startedAt });
    first.release();
    expect(currentLockHolder(dbPath)).toBeNull();
    const again = acquireProcessLock(dbPath, 'bot');
    again.release();
    again.release();
  });

  it('is readable by the bot user only', () => {
    const lock = acquireProcessLock(dbPath, 'bot');
    expect(statSync(lockPathFor(dbPath)).mode & 0o777).toBe(0o600);
    lock.release();
  });

  it('refuses while another process holds it, and a kill -9 of that process frees it at once', async () => {
    const child = await holdInChild('bot');
    expect(currentLockHolder(dbPath)?.pid).toBe(child.pid);
    expect(() => acquireProcessLock(dbPath, 'bot')).toThrow(
      new RegExp(`in use by a running Foothold bot \\(pid ${child.pid} on host `),
    );
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // No stale lock: the kernel released it with the process.
    expect(currentLockHolder(dbPath)).toBeNull();
    const lock = acquireProcessLock(dbPath, 'bot');
    expect(currentLockHolder(dbPath)?.pid).toBe(process.pid);
    lock.release();
  });

  it('names a CLI holder as such (db restore)', async () => {
    const child = await holdInChild('db restore');
    expect(() => acquireProcessLock(dbPath, 'bot')).toThrow(
      new RegExp(`in use by Foothold's \`db restore\` \\(pid ${child.pid} `),
    );
  });
});

describe('CLI beside a running bot', () => {
  const cli = (argv: string[]) =>
    runCliCaptured(argv, { DATABASE_PATH: dbPath, FOOTHOLD_CONFIG: CONFIG }, dir);
  const CONFIG = join(REPO, 'foothold.config.example.json');

  it('db restore refuses while a bot holds the database; other commands run; after it stops, restore cleans -wal/-shm', async () => {
    await closeDb(openDb(dbPath));
    const backup = join(dir, 'backup.db');
    expect((await cli(['db', 'backup', backup])).code).toBe(0);
    const bot = await holdInChild('bot');

    const refused = await cli(['db', 'restore', backup]);
    expect(refused.code).not.toBe(0);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toContain(
      `db restore refused: DATABASE_PATH=${dbPath} is in use by a running Foothold bot (pid ${bot.pid} on host ${hostname()}`,
    );
    expect(refused.err).toContain('stop the bot first');
    expect(readdirSync(dir).some((f) => f.includes('before-restore'))).toBe(false);
    // Other commands still run beside the bot.
    expect((await cli(['db', 'backup', join(dir, 'second.db')])).code).toBe(0);

    // The bot dies without cleaning up, leaving its write-ahead log.
    const other = openDb(dbPath);
    await sqlRun(
      other,
      'INSERT INTO job_runs (job, period_key, ran_at) VALUES (?, ?, ?)',
      'j',
      'after-backup',
      1,
    );
    sqliteClient(other).pragma('wal_autocheckpoint = 0');
    const exited = new Promise((r) => bot.once('exit', r));
    bot.kill('SIGKILL');
    await exited;
    sqliteClient(other).close();
    const restored = await cli(['db', 'restore', backup]);
    expect(restored.code, restored.err).toBe(0);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    expect(existsSync(`${dbPath}-shm`)).toBe(false);
    const db = openDb(dbPath);
    expect(await sqlGet(db, "SELECT count(*) AS n FROM job_runs WHERE period_key = 'after-backup'")).toEqual({
      n: 0,
    });
    await closeDb(db);
    expect(currentLockHolder(dbPath)).toBeNull();
  });
});

describe('npm start', () => {
  it('a second bot on the same file stops with one line naming the file and the running bot', () => {
    const startedAt = Date.parse('2026-12-01T08:00:00Z');
    const lock = acquireProcessLock(dbPath, 'bot', startedAt);
    try {
      const res = runMainOnce(dbPath);
      expect(res.status).toBe(1);
      expect(res.stderr.trim().split('\n')).toEqual([
        `Foothold will not start: DATABASE_PATH=${dbPath} is in use by a running Foothold bot (pid ${process.pid} on host ${hostname()}, started 2026-12-01T08:00:00.000Z); one bot per database file (CLI commands may run beside it), so stop that process first.`,
      ]);
    } finally {
      lock.release();
    }
  });
});

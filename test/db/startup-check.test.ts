import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, DatabaseFileError, type Db, openDb, sqliteClient } from '../../src/db/connection.ts';
import { newSqliteEngine, registerEngine } from '../../src/db/engine.ts';
import { checkDatabaseAtStartup, databaseStartupLine, probeDatabaseWritable } from '../../src/db/health.ts';
import * as schema from '../../src/db/schema.ts';
import { buildDatabase, corruptPage, pagesOf } from '../helpers/corrupt.ts';
import { runMainOnce } from '../helpers/main-process.ts';
import { sqlAll, sqlRun } from '../helpers/sql.ts';

// The database is checked before the bot starts: an empty file, a file that is not SQLite, and a real page
// of `leads`, `outbox` or an index damaged on disk are each refused with one line naming DATABASE_PATH and
// the restore command; at run time the write probe behind /healthz tells a full or read-only database.

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-check-'));
  path = join(dir, 'foothold.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return databaseStartupLine(err, path);
  }
  throw new Error('expected a refusal');
}

function expectOneLineRefusal(line: string, what: RegExp): void {
  expect(line.split('\n')).toHaveLength(1);
  expect(line).toContain(`DATABASE_PATH=${path}`);
  expect(line).toMatch(what);
  expect(line).toContain('npm run cli -- db restore <backup file>');
}

describe('files SQLite must not open', () => {
  it('refuses a zero-byte file instead of starting a fresh database in it', async () => {
    writeFileSync(path, '');
    expectOneLineRefusal(await refusal(() => openDb(path)), /is an empty file \(0 bytes\)/);
  });

  it('refuses a file that is not SQLite', async () => {
    writeFileSync(path, 'id,name\n1,not a database\n'.repeat(20));
    expectOneLineRefusal(await refusal(() => openDb(path)), /is not a SQLite database/);
  });
});

describe('damaged pages', () => {
  const cases: Array<{ btree: string; which: 'root' | 'leaf'; fullCheck: boolean }> = [
    { btree: 'leads', which: 'leaf', fullCheck: true },
    { btree: 'outbox', which: 'leaf', fullCheck: true },
    { btree: 'leads_domain', which: 'leaf', fullCheck: true },
    { btree: 'outbox_pending', which: 'leaf', fullCheck: true },
    // Beyond the full-check size, the big tables are walked along a submission's paths.
    { btree: 'leads', which: 'root', fullCheck: false },
    { btree: 'leads_domain', which: 'root', fullCheck: false },
    { btree: 'outbox', which: 'leaf', fullCheck: false },
  ];

  it('an intact database passes both ways', async () => {
    await buildDatabase(path);
    const db = openDb(path);
    expect(checkDatabaseAtStartup(db, path).mode).toBe('full');
    expect(checkDatabaseAtStartup(db, path, { maxFullCheckPages: 1 }).mode).toBe('partial');
    await closeDb(db);
  });

  it.each(cases)(
    'a bad $which page of $btree is refused (full check: $fullCheck)',
    async ({ btree, which, fullCheck }) => {
      await buildDatabase(path);
      const { pageSize, pages } = pagesOf(path, btree);
      const target =
        which === 'root'
          ? pages[0]!
          : (pages.filter((p) => p.pagetype === 'leaf')[Math.floor(pages.length / 2)] ??
            pages.filter((p) => p.pagetype === 'leaf').at(-1)!);
      expect(target, `${btree} has pages`).toBeDefined();
      corruptPage(path, target.pageno, pageSize);
      const line = await refusal(async () => {
        const db = openDb(path);
        try {
          checkDatabaseAtStartup(db, path, fullCheck ? {} : { maxFullCheckPages: 1 });
        } finally {
          await closeDb(db);
        }
      });
      expectOneLineRefusal(line, /is corrupt \(/);
    },
  );

  it('npm start prints one line, no stack trace, and exits 1 for a damaged database', async () => {
    await buildDatabase(path, 500, 50);
    const { pageSize, pages } = pagesOf(path, 'leads');
    corruptPage(path, pages.at(-1)!.pageno, pageSize);
    const res = runMainOnce(path);
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^DATABASE_PATH=${path} is corrupt \\(`));
    expect(res.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('write probe (/healthz)', () => {
  let db: Db;
  beforeEach(() => {
    db = openDb(path);
  });
  afterEach(() => closeDb(db));

  it('passes on a writable database and keeps nothing', async () => {
    expect(await probeDatabaseWritable(db, path)).toEqual({ ok: true });
    const tables = await sqlAll(db, "SELECT name FROM sqlite_schema WHERE name LIKE '_foothold%'");
    expect(tables).toEqual([]);
  });

  it('fails when the database can grow no more (SQLITE_FULL), as a real write does', async () => {
    const pages = Number(sqliteClient(db).pragma('page_count', { simple: true }));
    sqliteClient(db).pragma(`max_page_count = ${pages}`);
    const probe = await probeDatabaseWritable(db, path);
    expect(probe.ok).toBe(false);
    expect(probe.reason).toMatch(new RegExp(`^DATABASE_PATH=${path} is full \\(database or disk is full\\)`));
    // The same condition fails real writes: the probe reflects what submissions would meet.
    await expect(
      sqlRun(
        db,
        'INSERT INTO job_runs (job, period_key, ran_at, result) VALUES (?, ?, ?, ?)',
        'x',
        'y'.repeat(5000),
        1,
        'z'.repeat(9000),
      ),
    ).rejects.toThrow(/database or disk is full/);
  });

  it('fails when the disk has no room left', async () => {
    const probe = await probeDatabaseWritable(db, path, { freeBytes: () => 512 * 1024 });
    expect(probe).toEqual({
      ok: false,
      reason: `the disk holding DATABASE_PATH=${path} is full (512 KiB free)`,
    });
  });

  it('fails on a database the bot can only read', async () => {
    const client = new Database(path, { readonly: true });
    const readonly = drizzle({ client, schema }) as Db;
    registerEngine(readonly, newSqliteEngine(client));
    const probe = await probeDatabaseWritable(readonly, path);
    sqliteClient(readonly).close();
    expect(probe.ok).toBe(false);
    expect(probe.reason).toMatch(/is read-only/);
  });

  it('DatabaseFileError lines are passed through as they are', () => {
    expect(databaseStartupLine(new DatabaseFileError('one line'), path)).toBe('one line');
    expect(
      databaseStartupLine(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }), path),
    ).toBe(`DATABASE_PATH=${path} could not be read or written (disk I/O error); check the disk.`);
  });
});

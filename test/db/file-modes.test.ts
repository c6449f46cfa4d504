import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, openDb } from '../../src/db/connection.ts';
import { backupDatabase, restoreDatabase } from '../../src/db/stores/backup-store.ts';
import { sqlRun } from '../helpers/sql.ts';

// The database, its -wal/-shm, its folder and its backups are created readable by the bot's user only; an
// existing file or folder that is more open is left alone and named in one warning line.

const mode = (p: string) => statSync(p).mode & 0o777;
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'foothold-modes-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('file modes', () => {
  it('creates the folder 0700 and the database, -wal and -shm 0600, without warnings', async () => {
    const path = join(root, 'var', 'foothold', 'foothold.db');
    const warnings: string[] = [];
    const db = openDb(path, { onWarning: (l) => warnings.push(l) });
    await sqlRun(db, 'INSERT INTO job_runs (job, period_key, ran_at) VALUES (?, ?, ?)', 'j', 'k', 1);
    expect(mode(join(root, 'var', 'foothold'))).toBe(0o700);
    expect(mode(join(root, 'var'))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    expect(mode(`${path}-shm`)).toBe(0o600);
    expect(warnings).toEqual([]);
    await closeDb(db);
  });

  it('warns once per existing file or folder more open than that, and changes nothing', async () => {
    const folder = join(root, 'shared');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    const path = join(folder, 'foothold.db');
    await closeDb(openDb(path));
    chmodSync(path, 0o644);
    const warnings: string[] = [];
    const db = openDb(path, { onWarning: (l) => warnings.push(l) });
    expect(warnings).toEqual([
      `the database folder ${folder} is open to other users (mode 0755); run: chmod 700 ${folder}`,
      `the database file ${path} is readable by other users (mode 0644); run: chmod 600 ${path}`,
    ]);
    expect(mode(path)).toBe(0o644);
    expect(mode(folder)).toBe(0o755);
    await closeDb(db);
  });

  it('backups and the copy kept by a restore are 0600', async () => {
    const path = join(root, 'db', 'foothold.db');
    const db = openDb(path);
    const backup = join(root, 'backup.db');
    await backupDatabase(db, backup);
    expect(mode(backup)).toBe(0o600);
    await closeDb(db);
    const target = join(root, 'restored', 'new.db');
    mkdirSync(join(root, 'restored'));
    const fresh = await restoreDatabase(backup, target, Date.parse('2026-12-01T00:00:00Z'));
    expect(fresh.savedAs).toBeNull();
    expect(mode(target)).toBe(0o600);
    const again = await restoreDatabase(backup, path, Date.parse('2026-12-01T00:00:00Z'));
    expect(again.savedAs).not.toBeNull();
    expect(mode(again.savedAs!)).toBe(0o600);
  });
});

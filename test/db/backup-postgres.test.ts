import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backupDatabase,
  backupPostgres,
  findPostgresTool,
  PostgresToolMissingError,
  restorePostgres,
} from '../../src/db/stores/backup-store.ts';
import { testEngine } from '../helpers/db.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { sqlGet, sqlRun } from '../helpers/sql.ts';

// `db backup` / `db restore` on PostgreSQL: pg_dump (custom format) and pg_restore (one transaction), found on
// PATH or in /usr/lib/postgresql/*/bin, and a clear message naming the alternatives when they are not there.
// (SQLite's backups are tested in test/cli and test/reliability.)

const T0 = Date.parse('2026-11-16T15:00:00Z');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'foothold-pgdump-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fresh = databasePerTest();

describe('PostgreSQL tools lookup', () => {
  it('finds a tool on PATH first, else in the newest /usr/lib/postgresql/<version>/bin, else nowhere', () => {
    const root = tempDir();
    const fake = (dir: string) => {
      const path = join(dir, 'pg_dump');
      writeFileSync(path, '#!/bin/sh\n', { mode: 0o755 });
      return path;
    };
    const onPath = tempDir();
    const lib = join(root, 'lib');
    for (const v of ['9.6', '15', '13']) {
      const bin = join(lib, v, 'bin');
      mkdirSync(bin, { recursive: true });
      fake(bin);
    }
    expect(findPostgresTool('pg_dump', { PATH: '' }, lib)).toBe(join(lib, '15', 'bin', 'pg_dump'));
    expect(findPostgresTool('pg_dump', { PATH: fake(onPath).replace(/\/pg_dump$/, '') }, lib)).toBe(
      join(onPath, 'pg_dump'),
    );
    expect(findPostgresTool('pg_dump', { PATH: '' }, join(root, 'none'))).toBeNull();
  });

  it('without pg_dump, says what to use instead and touches nothing', async () => {
    const dir = tempDir();
    const search = { env: { PATH: '' }, libRoot: join(dir, 'none') };
    const target = join(dir, 'backup.dump');
    const err = await backupPostgres('postgres://nobody@127.0.0.1:1/foothold', target, search).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PostgresToolMissingError);
    expect((err as Error).message).toMatch(
      /^db backup on PostgreSQL needs pg_dump, which is not on PATH or in \/usr\/lib\/postgresql\/\*\/bin: /,
    );
    expect((err as Error).message).toMatch(/pg_dump --format=custom/);
    expect((err as Error).message).toMatch(/managed snapshots/);
    const restore = await restorePostgres('postgres://nobody@127.0.0.1:1/foothold', target, search).catch(
      (e: unknown) => e,
    );
    expect((restore as Error).message).toMatch(/^db restore on PostgreSQL needs pg_restore/);
  });
});

describe.runIf(testEngine() === 'postgres' && findPostgresTool('pg_dump') !== null)(
  'pg_dump / pg_restore round trip',
  () => {
    it('backs up while running and restores the snapshot, replacing later changes', async () => {
      const e = await fresh();
      const url = e.url!;
      await sqlRun(
        e.db,
        "insert into partner_orgs (slug, name, manager_user_id, active, updated_at) values ('acme', 'Acme', 'U1', true, ?)",
        T0,
      );
      const dir = tempDir();
      const target = join(dir, 'nested-ok.dump');
      const res = await backupDatabase(e.db, target);
      expect(res).toMatchObject({ integrity: 'ok', leads: 0 });
      expect(res.migrations).toBeGreaterThan(0);
      expect(statSync(target).mode & 0o777).toBe(0o600);
      // Changed after the backup: the restore brings back the snapshot.
      await sqlRun(e.db, "update partner_orgs set name = 'Changed' where slug = 'acme'");
      await sqlRun(
        e.db,
        "insert into partner_orgs (slug, name, manager_user_id, active, updated_at) values ('globex', 'Globex', 'U2', true, ?)",
        T0,
      );
      const restored = await restorePostgres(url, target);
      expect(restored.leads).toBe(0);
      expect(await sqlGet(e.db, "select name from partner_orgs where slug = 'acme'")).toEqual({
        name: 'Acme',
      });
      expect(await sqlGet(e.db, 'select count(*)::int as n from partner_orgs')).toEqual({ n: 1 });
    });

    it('refuses a file that is not a Foothold dump, changing nothing', async () => {
      const e = await fresh();
      const dir = tempDir();
      const bogus = join(dir, 'bogus.dump');
      writeFileSync(bogus, 'not a dump');
      await expect(restorePostgres(e.url!, bogus)).rejects.toThrow(/is not a pg_dump custom-format file/);
    });
  },
);

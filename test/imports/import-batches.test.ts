import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, type Db, openDb, sqliteClient } from '../../src/db/connection.ts';
import { importRuns } from '../../src/db/schema.ts';
import { importAccounts } from '../../src/imports/import-accounts.ts';
import { sqlGet, sqlRun } from '../helpers/sql.ts';
import { generatedAccounts, type TempDb, tempDb } from './helpers.ts';

// An import no longer holds the write lock for the whole file: it writes in short batches, shows its progress
// in `import_runs`, leaves the lock free between batches (another connection writes without waiting), still
// changes nothing when a row is rejected, and an import cut off half-way is reported by the next one.

let t: TempDb;
let other: Db;
// The SQLite file's one write lock: another connection must get it between batches (busy_timeout 0 = no waiting).
beforeEach(async () => {
  t = await tempDb('sqlite');
  other = openDb(t.path, { migrate: false });
  sqliteClient(other).pragma('busy_timeout = 0');
});
afterEach(async () => {
  await closeDb(other);
  await t.cleanup();
});

describe('import batches', () => {
  it('another connection writes between the batches of a 20,000-row import, without waiting', async () => {
    const file = t.write('accounts.csv', generatedAccounts(20_000));
    const during: Array<{ applied: number; total: number }> = [];
    let writes = 0;
    let refused = 0;
    const timer = setInterval(async () => {
      const row = (await sqlGet(
        other,
        'SELECT rows_applied AS applied, rows_total AS total FROM import_runs WHERE status = ?',
        'applying',
      )) as { applied: number; total: number } | undefined;
      try {
        // busy_timeout 0: this fails at once if the import holds the write lock.
        await sqlRun(
          other,
          'INSERT INTO job_runs (job, period_key, ran_at) VALUES (?, ?, ?)',
          'bot',
          `w${writes}`,
          1,
        );
        writes += 1;
        if (row) during.push(row);
      } catch {
        refused += 1;
      }
    }, 1);
    const progress: number[] = [];
    const res = await importAccounts(t.db, file, {
      now: 1_700_000_000_000,
      onApplyProgress: (p) => progress.push(p.applied),
    });
    clearInterval(timer);
    expect(res.applied).toBe(true);
    expect(res.inserted).toBe(20_000);
    expect(refused).toBe(0);
    // The bot's writes went in while the import was part-way through.
    expect(during.some((d) => d.applied > 0 && d.applied < d.total)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(20_000);
    expect(await t.db.select().from(importRuns)).toMatchObject([
      { kind: 'accounts', status: 'done', rowsTotal: 20_000, rowsApplied: 20_000 },
    ]);
    // Re-importing changes nothing, batch by batch.
    const again = await importAccounts(t.db, file, { now: 1_700_000_100_000 });
    expect({ inserted: again.inserted, updated: again.updated, unchanged: again.unchanged }).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 20_000,
    });
  });

  it('a file with a rejected row still writes nothing', async () => {
    const file = t.write('accounts.csv', generatedAccounts(5000, { badAt: 4000 }));
    const res = await importAccounts(t.db, file, { now: 1_700_000_000_000 });
    expect(res.applied).toBe(false);
    expect(await sqlGet(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual({ n: 0 });
    expect(await t.db.select().from(importRuns)).toEqual([]);
  });

  it('an import whose process died half-way is marked interrupted and named by the next import', async () => {
    // A real pid that no longer runs.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const { hostname } = await import('node:os');
    await t.db.insert(importRuns).values({
      kind: 'overlaps:northwind',
      status: 'applying',
      rowsTotal: 1_000_000,
      rowsApplied: 480_000,
      pid: Number(dead.stdout),
      host: hostname(),
      startedAt: Date.parse('2026-12-01T10:00:00Z'),
      updatedAt: Date.parse('2026-12-01T10:00:30Z'),
    });
    const res = await importAccounts(t.db, t.write('a.csv', generatedAccounts(10)), {
      now: 1_700_000_000_000,
    });
    expect(res.warnings).toContain(
      'An earlier overlaps import for northwind (started 2026-12-01T10:00:00.000Z) was interrupted after 480,000 of 1,000,000 rows; run that import again to complete it (importing the same file twice is safe)',
    );
    expect(
      (await t.db.select({ s: importRuns.status }).from(importRuns).orderBy(importRuns.id)).map((r) => r.s),
    ).toEqual(['interrupted', 'done']);
  });
});

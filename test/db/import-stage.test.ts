import { describe, expect, it } from 'vitest';
import {
  type AccountImportRow,
  createAccountStage,
  createBaselineStage,
  createOverlapStage,
  type ImportStage,
  importsInProgress,
  syncPartners,
} from '../../src/db/stores/import-store.ts';
import { testEngine } from '../helpers/db.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// The import stage on the engine under test: rows staged in batches (SQLite's TEMP table fast path, PostgreSQL's
// UNLOGGED table with multi-row INSERTs), repeated keys resolved (the later row wins), applied as idempotent
// upserts that only touch the columns the file has, and counted.

const T0 = Date.parse('2026-11-16T15:00:00Z');

const fresh = databasePerTest();

function account(i: number, patch: Partial<AccountImportRow> = {}): AccountImportRow {
  return {
    domain: `acct${i}.example`,
    name: `Account ${i}`,
    industry: i % 2 ? 'Software' : null,
    employees: i * 10,
    country: 'DE',
    revenue: i * 1.5,
    ownerUserId: null,
    isCustomer: i % 3 === 0,
    hasOpenOpportunity: false,
    ...patch,
  } as AccountImportRow;
}

async function stageAll<Row>(stage: ImportStage<Row>, rows: Array<[number, Row]>): Promise<void> {
  for (const [line, row] of rows) await stage.add(line, row);
}

const ALL_FIELDS = new Set([
  'name',
  'industry',
  'employees',
  'country',
  'revenue',
  'ownerUserId',
  'isCustomer',
]);

describe(`import stage (${testEngine()})`, () => {
  it('stages several batches, reports repeated keys, applies, and re-applying the same file changes nothing', async () => {
    const { db } = await fresh();
    const n = 4500; // more than two staging batches of 2,000
    const rows: Array<[number, AccountImportRow]> = [];
    for (let i = 1; i <= n; i++) rows.push([i + 1, account(i)]);
    // Line 5000 repeats account 7 with another name: the later row wins.
    rows.push([5000, account(7, { name: 'Account seven, renamed' })]);
    const stage = createAccountStage(db);
    try {
      await stageAll(stage, rows);
      expect(await stage.finish()).toEqual([{ row: 5000, previousRow: 8, key: 'acct7.example' }]);
      const progress: number[] = [];
      const counts = await stage.apply(T0, ALL_FIELDS, (p) => progress.push(p.applied));
      expect(counts).toEqual({ inserted: n, updated: 0, unchanged: 0, notes: [] });
      expect(progress.at(-1)).toBe(n);
    } finally {
      await stage.dispose();
    }
    const seven = await sqlGet<{ name: string; is_customer: unknown; employees: number }>(
      db,
      "select name, is_customer, employees from crm_accounts where domain = 'acct7.example'",
    );
    expect(seven).toMatchObject({ name: 'Account seven, renamed', employees: 70 });
    expect(Boolean(seven!.is_customer)).toBe(false);
    const nine = await sqlGet<{ is_customer: unknown; revenue: number }>(
      db,
      "select is_customer, revenue from crm_accounts where domain = 'acct9.example'",
    );
    expect(Boolean(nine!.is_customer)).toBe(true);
    expect(Number(nine!.revenue)).toBe(13.5);
    expect(await importsInProgress(db)).toEqual([]);

    // The same file again: nothing changes.
    const again = createAccountStage(db);
    try {
      await stageAll(again, rows);
      await again.finish();
      expect(await again.apply(T0 + 1000, ALL_FIELDS)).toEqual({
        inserted: 0,
        updated: 0,
        unchanged: n,
        notes: [],
      });
    } finally {
      await again.dispose();
    }
    const [stamp] = await sqlAll<{ n: number }>(
      db,
      'select count(*) as n from crm_accounts where imported_at = ?',
      T0,
    );
    expect(Number(stamp!.n)).toBe(n);
  });

  it('updates only the columns the file has, and only rows whose values differ', async () => {
    const { db } = await fresh();
    const first = createAccountStage(db);
    await stageAll(first, [
      [2, account(1)],
      [3, account(2)],
    ]);
    await first.finish();
    await first.apply(T0, ALL_FIELDS);
    await first.dispose();
    // A file with only Domain and Name: account 1 renamed, account 2 as it was, account 3 new.
    const second = createAccountStage(db);
    await stageAll(second, [
      [2, account(1, { name: 'Renamed', employees: null })],
      [3, account(2, { employees: null })],
      [4, account(3)],
    ]);
    await second.finish();
    expect(await second.apply(T0 + 1, new Set(['name']))).toEqual({
      inserted: 1,
      updated: 1,
      unchanged: 1,
      notes: [],
    });
    await second.dispose();
    const one = await sqlGet<{ name: string; employees: number }>(
      db,
      "select name, employees from crm_accounts where domain = 'acct1.example'",
    );
    expect(one).toEqual({ name: 'Renamed', employees: 10 });
  });

  it('stages any text as written: quotes, braces, backslashes, commas, non-ASCII, the word NULL', async () => {
    const { db } = await fresh();
    const awkward = 'Acme "Quoted", {Brace} \\ back\\slash \'apos\' ünïcødé 🚀';
    const stage = createAccountStage(db);
    await stageAll(stage, [
      [2, account(1, { name: awkward, industry: 'NULL' })],
      [3, account(2, { name: '', industry: null })],
    ]);
    await stage.finish();
    await stage.apply(T0, ALL_FIELDS);
    await stage.dispose();
    const rows = await sqlAll<{ name: string; industry: string | null }>(
      db,
      'select name, industry from crm_accounts order by domain',
    );
    expect(rows).toEqual([
      { name: awkward, industry: 'NULL' },
      { name: '', industry: null },
    ]);
  });

  it('imports overlaps and baselines the same way', async () => {
    const { db } = await fresh();
    await syncPartners(db, [{ slug: 'acme', name: 'Acme', manager: 'U1' }], T0);
    const overlaps = createOverlapStage(db, 'acme');
    await stageAll(overlaps, [
      [2, { domain: 'a.example', relationship: 'customer' }],
      [3, { domain: 'b.example', relationship: 'prospect' }],
    ]);
    expect(await overlaps.finish()).toEqual([]);
    expect(await overlaps.apply(T0, new Set(['relationship']))).toMatchObject({ inserted: 2, updated: 0 });
    await overlaps.dispose();
    const baselines = createBaselineStage(db);
    await stageAll(baselines, [
      [
        2,
        {
          leadType: 'partner',
          period: '2026-Q3',
          leads: 10,
          opportunities: 4,
          won: 2,
          opportunityRate: 0.4,
          winRate: 0.5,
          avgDealSize: 1000.5,
          currency: 'EUR',
          daysToOpportunity: 12.5,
          daysToClose: null,
        },
      ],
    ]);
    await baselines.finish();
    expect(await baselines.apply(T0, new Set())).toMatchObject({ inserted: 1 });
    await baselines.dispose();
    const rows = await sqlAll<{ partner_slug: string; domain: string; relationship: string }>(
      db,
      'select partner_slug, domain, relationship from partner_overlaps order by domain',
    );
    expect(rows).toEqual([
      { partner_slug: 'acme', domain: 'a.example', relationship: 'customer' },
      { partner_slug: 'acme', domain: 'b.example', relationship: 'prospect' },
    ]);
    const b = await sqlGet<{ avg_deal_size: number; days_to_close: number | null }>(
      db,
      'select avg_deal_size, days_to_close from baselines',
    );
    expect(b).toEqual({ avg_deal_size: 1000.5, days_to_close: null });
  });

  it('syncs partners: upserts, leaves matching rows alone, deactivates removed ones', async () => {
    const { db } = await fresh();
    const two = [
      { slug: 'acme', name: 'Acme', manager: 'U1' },
      { slug: 'globex', name: 'Globex', manager: 'U2' },
    ];
    expect(await syncPartners(db, two, T0)).toEqual({ changed: 2, deactivated: 0 });
    expect(await syncPartners(db, two, T0 + 1)).toEqual({ changed: 0, deactivated: 0 });
    expect(await syncPartners(db, [two[0]!], T0 + 2)).toEqual({ changed: 0, deactivated: 1 });
    expect(await syncPartners(db, two, T0 + 3)).toEqual({ changed: 1, deactivated: 0 });
  });

  it.runIf(testEngine() === 'postgres')(
    "drops the stage tables a killed import of this host left behind, and no one else's",
    async () => {
      const { db } = await fresh();
      const live = createAccountStage(db);
      await live.finish();
      const [mine] = await sqlAll<{ tablename: string }>(
        db,
        "select tablename from pg_tables where tablename like '\\_import\\_stage\\_%'",
      );
      const prefix = mine!.tablename.replace(/\d+_\d+$/, '');
      // A dead process of this host (no pid is that high) and another host's import.
      await sqlAll(db, `create unlogged table "${prefix}99999999_1" (line bigint)`);
      await sqlAll(db, 'create unlogged table "_import_stage_0000beef_1_1" (line bigint)');
      const next = createAccountStage(db);
      await next.finish();
      const left = await sqlAll<{ tablename: string }>(
        db,
        "select tablename from pg_tables where tablename like '\\_import\\_stage\\_%' order by tablename",
      );
      expect(left.map((t) => t.tablename).sort()).toEqual(
        [
          '_import_stage_0000beef_1_1',
          mine!.tablename,
          `${prefix}${process.pid}_${Number(mine!.tablename.split('_').at(-1)) + 1}`,
        ].sort(),
      );
      await live.dispose();
      await next.dispose();
    },
  );

  it('drops its staging table on dispose', async () => {
    const { db, engine: kind } = await fresh();
    const stage = createAccountStage(db);
    await stageAll(stage, [[2, account(1)]]);
    await stage.finish();
    const tables = () =>
      kind === 'sqlite'
        ? sqlAll(
            db,
            "select name from sqlite_temp_master where type = 'table' and name like '_import_stage_%'",
          )
        : sqlAll(db, "select tablename from pg_tables where tablename like '\\_import\\_stage\\_%'");
    expect(await tables()).toHaveLength(1);
    await stage.dispose();
    expect(await tables()).toHaveLength(0);
  });
});

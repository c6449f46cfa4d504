import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.ts';
import {
  type AccountPageCounts,
  type AccountsPage,
  type AccountWrite,
  applyAccountsPage,
  applyDeleted,
  applyOpportunitiesPage,
  type OpportunityWrite,
  saveOwnerEntry,
} from '../../src/db/stores/crm-store.ts';
import { accountWrite, opportunityWrite } from '../helpers/crm.ts';
import { testEngine } from '../helpers/db.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

// A CRM page is applied in a few multi-row statements (crm-store.ts): the page's rows are read in bulk and the
// sync's rules run on them in memory in the page's order. These tests hold the batched apply to what applying the
// same records one at a time does, on a page whose records depend on each other (a merge, moves into domains freed
// earlier in the page, clashes inside the page, a CSV takeover, a record repeated), and push pages past the
// rows-per-statement chunk size on the engine under test.

const T0 = Date.parse('2026-11-16T15:00:00Z');
const NOW = T0 + 100;
const cursor = { lastModified: T0, resumeToken: null };
const fresh = databasePerTest();

const acct = (crmId: string, domain: string, patch: Partial<AccountWrite> = {}) =>
  accountWrite(crmId, domain, T0, patch);

const opp = (crmId: string, accountCrmId: string, patch: Partial<OpportunityWrite> = {}) =>
  opportunityWrite(crmId, accountCrmId, T0, { ownerEmail: 'rep@vendor.example', ...patch });

async function seed(db: Db): Promise<void> {
  await saveOwnerEntry(db, 'rep@vendor.example', { slackUserId: 'U1', miss: false, error: null }, T0);
  await sqlRun(
    db,
    'insert into crm_accounts (domain, name, is_customer, has_open_opportunity, imported_at) values (?, ?, true, false, ?)',
    'csv.example',
    'From the CSV',
    T0,
  );
  const accounts = [
    acct('A1', 'one.example'),
    acct('A2', 'two.example'),
    acct('A3', 'three.example'),
    acct('A4', 'four.example'),
  ];
  await applyAccountsPage(db, 'salesforce', { upserts: accounts, removals: [] }, cursor, T0);
  const opps = [opp('O1', 'A1'), opp('O2', 'A2'), opp('O4', 'A4', { isClosed: true }), opp('O5', 'A9')];
  await applyOpportunitiesPage(db, 'salesforce', { upserts: opps, removals: [] }, cursor, T0);
}

/** Records that depend on the ones before them in the same page. */
const PAGE: AccountsPage = {
  // A3 merged into A2: its row is released before A2 is written.
  removals: [{ crmId: 'A3', at: T0 + 10, mergedInto: 'A2' }],
  upserts: [
    acct('A2', 'three.example', { crmUpdatedAt: T0 + 10 }), // moves onto the merged-away row
    acct('A1', 'two.example', { crmUpdatedAt: T0 + 11 }), // moves onto the domain A2 just left
    acct('A4', 'four.example'), // unchanged
    acct('A5', 'csv.example'), // takes over the CSV row, keeps its customer flag
    acct('A6', 'five.example', { crmUpdatedAt: T0 + 5 }),
    acct('A7', 'five.example', { crmUpdatedAt: T0 + 4 }), // older: clashes and loses
    acct('A8', 'six.example', { crmUpdatedAt: T0 + 5 }),
    acct('A9', 'six.example', { crmUpdatedAt: T0 + 6 }), // newer: clashes and wins, its deal follows
    acct('A4', 'four.example', { name: 'Renamed' }), // the same record again, changed
  ],
};

const tables = async (db: Db) => ({
  accounts: await sqlAll(db, 'select * from crm_accounts order by domain'),
  opportunities: await sqlAll(db, 'select * from crm_opportunities order by crm_id'),
});

describe(`CRM page batching (${testEngine()})`, () => {
  it('applies a page of interdependent records exactly as applying them one at a time would', async () => {
    const batched = (await fresh()).db;
    const oneByOne = (await fresh()).db;
    await seed(batched);
    await seed(oneByOne);

    const counts = await applyAccountsPage(batched, 'salesforce', PAGE, cursor, NOW);
    const summed: AccountPageCounts = { inserted: 0, updated: 0, unchanged: 0, removed: 0, clashes: [] };
    const singles: AccountsPage[] = [
      { upserts: [], removals: PAGE.removals },
      ...PAGE.upserts.map((a) => ({ upserts: [a], removals: [] })),
    ];
    for (const page of singles) {
      const c = await applyAccountsPage(oneByOne, 'salesforce', page, cursor, NOW);
      summed.inserted += c.inserted;
      summed.updated += c.updated;
      summed.unchanged += c.unchanged;
      summed.removed += c.removed;
      summed.clashes.push(...c.clashes);
    }
    expect(counts).toEqual(summed);
    expect(counts).toEqual({
      inserted: 2,
      updated: 5,
      unchanged: 1,
      removed: 1,
      clashes: [
        { domain: 'five.example', crmId: 'A7', keptCrmId: 'A6' },
        { domain: 'six.example', crmId: 'A8', keptCrmId: 'A9' },
      ],
    });
    expect(await tables(batched)).toEqual(await tables(oneByOne));

    expect(
      await sqlAll(
        batched,
        'select domain, name, crm_id, is_customer, has_open_opportunity, crm_deleted_at, crm_merged_into, owner_user_id from crm_accounts order by domain',
      ),
    ).toEqual([
      row('csv.example', 'Account A5', 'A5', { is_customer: 1 }),
      row('five.example', 'Account A6', 'A6'),
      row('four.example', 'Renamed', 'A4'),
      // Left by A1: unlinked, marked gone; its flag is not recomputed (no CRM account owns it).
      row('one.example', 'Account A1', null, { has_open_opportunity: 1, crm_deleted_at: NOW }),
      row('six.example', 'Account A9', 'A9', { has_open_opportunity: 1 }),
      row('three.example', 'Account A2', 'A2', { has_open_opportunity: 1 }),
      row('two.example', 'Account A1', 'A1', { has_open_opportunity: 1 }),
    ]);
    expect(
      await sqlAll(batched, 'select crm_id, account_domain from crm_opportunities order by crm_id'),
    ).toEqual([
      { crm_id: 'O1', account_domain: 'two.example' },
      { crm_id: 'O2', account_domain: 'three.example' },
      { crm_id: 'O4', account_domain: 'four.example' },
      { crm_id: 'O5', account_domain: 'six.example' },
    ]);

    // Applying the page again changes nothing but the sync times.
    expect(await applyAccountsPage(batched, 'salesforce', PAGE, cursor, NOW + 1)).toMatchObject({
      inserted: 0,
      removed: 0,
    });
    expect(await sqlGet(batched, "select crm_id from crm_accounts where domain = 'two.example'")).toEqual({
      crm_id: 'A1',
    });
  });

  it('writes, re-reads and removes pages larger than one statement can carry', async () => {
    const { db } = await fresh();
    await saveOwnerEntry(db, 'rep@vendor.example', { slackUserId: 'U1', miss: false, error: null }, T0);
    const n = 4_000;
    const ids = Array.from({ length: n }, (_, i) => i);
    const accounts = ids.map((i) => acct(`A${i}`, `acct${i}.example`));
    const opps = ids.map((i) => opp(`O${i}`, `A${i}`, { isClosed: i % 2 === 0 }));
    const page = { upserts: accounts, removals: [] };
    expect(await applyAccountsPage(db, 'salesforce', page, cursor, T0)).toMatchObject({ inserted: n });
    expect(await applyAccountsPage(db, 'salesforce', page, cursor, T0 + 1)).toMatchObject({ unchanged: n });
    const renamed = { upserts: accounts.map((a) => ({ ...a, name: `${a.name}!` })), removals: [] };
    expect(await applyAccountsPage(db, 'salesforce', renamed, cursor, T0 + 2)).toMatchObject({ updated: n });
    const oppPage = { upserts: opps, removals: [] };
    expect(await applyOpportunitiesPage(db, 'salesforce', oppPage, cursor, T0)).toMatchObject({
      inserted: n,
    });
    expect(await applyOpportunitiesPage(db, 'salesforce', oppPage, cursor, T0 + 1)).toMatchObject({
      unchanged: n,
    });
    const summary = () =>
      sqlGet(
        db,
        `select count(*) as n, sum(case when has_open_opportunity then 1 else 0 end) as open,
           sum(case when owner_user_id = 'U1' and name like '%!' then 1 else 0 end) as renamed
         from crm_accounts`,
      );
    expect(await summary()).toEqual({ n, open: n / 2, renamed: n });
    expect(
      await sqlGet(
        db,
        "select count(*) as n from crm_opportunities where owner_user_id = 'U1' and account_domain is not null",
      ),
    ).toEqual({ n });

    const gone = ids.map((i) => ({ crmId: `O${i}`, at: T0 + 5, mergedInto: null }));
    expect(await applyDeleted(db, 'salesforce', 'opportunities', gone)).toBe(n);
    expect(await applyDeleted(db, 'salesforce', 'opportunities', gone)).toBe(0);
    expect(await summary()).toEqual({ n, open: 0, renamed: n });
    const accountsGone = ids.map((i) => ({ crmId: `A${i}`, at: T0 + 6, mergedInto: null }));
    expect(await applyDeleted(db, 'salesforce', 'accounts', accountsGone)).toBe(n);
    expect(
      await sqlGet(db, 'select count(*) as n from crm_accounts where crm_deleted_at = ?', T0 + 6),
    ).toEqual({ n });
  });
});

function row(domain: string, name: string, crmId: string | null, patch: Record<string, unknown> = {}) {
  return {
    domain,
    name,
    crm_id: crmId,
    is_customer: 0,
    has_open_opportunity: 0,
    crm_deleted_at: null,
    crm_merged_into: null,
    owner_user_id: 'U1',
    ...patch,
  };
}

import { afterEach, expect, it } from 'vitest';
import { startHubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { sfDateTime, startSalesforceStandIn } from '../../src/dev/crm-stand-ins/salesforce.ts';
import {
  hubspotConfig,
  hubspotProvider,
  rows,
  salesforceConfig,
  salesforceProvider,
  sync,
} from '../helpers/crm.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';

// Bounded memory at CI size: the sync holds at most two pages. Asserted structurally (the CRM is never read
// more than one page ahead of what is written); the heap figures at 20k vs 100k accounts are B7 in the bench.

let t: TestDb;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await t.cleanup();
});

const T0 = Date.parse('2026-10-01T00:00:00Z');

it('syncs 20,000 Salesforce accounts and 4,000 opportunities, at most two pages in memory', async () => {
  t = await openTestDb();
  const sf = await startSalesforceStandIn();
  closers.push(() => sf.close());
  const owner = sf.put('User', { Email: 'rep@vendor.example', IsActive: true });
  const ids: string[] = [];
  for (let i = 0; i < 20_000; i += 1) {
    ids.push(
      sf.put('Account', {
        Name: `Account ${i}`,
        Website: `acct${i}.com`,
        OwnerId: owner,
        SystemModstamp: sfDateTime(T0 + i),
      }),
    );
  }
  for (let i = 0; i < 4_000; i += 1) {
    sf.put('Opportunity', {
      Name: `Opp ${i}`,
      AccountId: ids[i * 5],
      StageName: i % 3 ? 'Qualification' : 'Closed Won',
      Amount: i,
      CloseDate: '2026-12-01',
      SystemModstamp: sfDateTime(T0 + i),
    });
  }
  const config = salesforceConfig();
  const aheadAtPage: number[] = [];
  const s = await sync(t.db, config, salesforceProvider(sf.url, config.crm!), {
    onPage: (object, page) => {
      if (object !== 'accounts') return;
      // Batches served so far (first query + queryMore calls) minus pages written: the next page is fetched
      // while this one is written, never more.
      const served = sf.http
        .calls(/\/(queryAll|query\/01g)/)
        .filter((r) => !r.query.get('q')?.includes('COUNT()')).length;
      aheadAtPage.push(served - page);
    },
  });
  expect(s.error).toBeNull();
  expect(s.accounts).toMatchObject({ read: 20_000, pages: 10, inserted: 20_000 });
  expect(s.opportunities).toMatchObject({ read: 4_000, inserted: 4_000 });
  expect(Math.max(...aheadAtPage)).toBeLessThanOrEqual(1);
  expect(
    await rows(
      t.db,
      'SELECT count(*) AS n, sum(CASE WHEN has_open_opportunity THEN 1 ELSE 0 END) AS open FROM crm_accounts',
    ),
  ).toEqual([{ n: 20_000, open: 2_666 }]);
});

it('syncs 12,000 HubSpot companies past the search cap reading at most one page ahead', async () => {
  t = await openTestDb();
  const hs = await startHubSpotStandIn();
  closers.push(() => hs.close());
  for (let i = 0; i < 12_000; i += 1)
    hs.put('companies', { name: `Co ${i}`, domain: `co${i}.com` }, { updatedAt: T0 + Math.floor(i / 3) });
  const config = hubspotConfig();
  const aheadAtPage: number[] = [];
  const s = await sync(t.db, config, hubspotProvider(hs.url, config.crm!), {
    onPage: (object, page) => {
      if (object === 'accounts') aheadAtPage.push(hs.http.calls('/companies/search').length - page);
    },
  });
  expect(s.error).toBeNull();
  expect(s.accounts).toMatchObject({ read: 12_000, inserted: 12_000, unchanged: 0 });
  // 60 pages of 200, plus one short page where the walk restarts below the cap and skips the tied rows.
  expect(aheadAtPage).toHaveLength(61);
  expect(Math.max(...aheadAtPage)).toBeLessThanOrEqual(1);
  expect(hs.http.requests.some((r) => r.status === 400)).toBe(false);
  expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 12_000 }]);
});

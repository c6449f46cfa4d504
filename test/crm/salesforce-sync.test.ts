import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCrmAccount } from '../../src/db/stores/account-store.ts';
import {
  type SalesforceStandIn,
  sfDateTime,
  startSalesforceStandIn,
} from '../../src/dev/crm-stand-ins/salesforce.ts';
import { rows, salesforceConfig, salesforceProvider, sync } from '../helpers/crm.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';

// Salesforce pulls through the real jsforce 3.10.16 against the loopback stand-in (FACTS.md §S).

let t: TestDb;
let sf: SalesforceStandIn;
const config = salesforceConfig();
const crm = config.crm!;
const T0 = Date.parse('2026-11-01T00:00:00Z');
let owner = '';

beforeEach(async () => {
  t = await openTestDb();
  sf = await startSalesforceStandIn({ multicurrency: true });
  owner = sf.put('User', { Email: 'Rep.One@Vendor.example', IsActive: true });
});
afterEach(async () => {
  await sf.close();
  await t.cleanup();
});

function accounts(n: number, from = 0) {
  const ids: string[] = [];
  for (let i = from; i < from + n; i += 1) {
    ids.push(
      sf.put('Account', {
        Name: `Account ${i}`,
        Website: `www.acct${i}.com`,
        OwnerId: owner,
        SystemModstamp: sfDateTime(T0 + i * 1000),
      }),
    );
  }
  return ids;
}

function soql(): string[] {
  return sf.http.calls(/\/query(All)?$/).map((r) => r.query.get('q') ?? '');
}

describe('Salesforce pull', () => {
  it('signs in with client credentials at the login URL and maps accounts and opportunities', async () => {
    const acme = sf.put('Account', {
      Name: 'Acme Corp',
      Website: 'https://www.acme.com/en',
      Industry: 'Technology',
      NumberOfEmployees: 1200,
      BillingCountry: 'Germany',
      AnnualRevenue: 12_500_000,
      Type: 'Customer - Direct',
      OwnerId: owner,
      SystemModstamp: sfDateTime(T0),
    });
    sf.put('Opportunity', {
      Name: 'Acme renewal',
      AccountId: acme,
      StageName: 'Qualification',
      Amount: 48_000,
      CurrencyIsoCode: 'EUR',
      CloseDate: '2027-01-31',
      OwnerId: owner,
      CreatedDate: sfDateTime(T0 - 3_600_000),
      SystemModstamp: sfDateTime(T0 + 1000),
    });
    const cfg = salesforceConfig((c) => {
      c.fields = { opportunities: { currency: 'CurrencyIsoCode' } };
    });

    const s = await sync(t.db, cfg, salesforceProvider(sf.url, cfg.crm!));

    expect(s.error).toBeNull();
    const token = sf.http.calls('/services/oauth2/token', 'POST')[0];
    expect(new URLSearchParams(token?.body).get('grant_type')).toBe('client_credentials');
    expect(await getCrmAccount(t.db, 'acme.com')).toMatchObject({
      name: 'Acme Corp',
      industry: 'Technology',
      employees: 1200,
      country: 'DE',
      revenue: 12_500_000,
      isCustomer: true,
      hasOpenOpportunity: true,
      ownerEmail: 'rep.one@vendor.example',
      crmProvider: 'salesforce',
      crmId: acme,
    });
    expect(await rows(t.db, 'SELECT * FROM crm_opportunities')).toEqual([
      expect.objectContaining({
        account_crm_id: acme,
        account_domain: 'acme.com',
        stage_id: 'Qualification',
        is_closed: 0,
        amount: 48_000,
        currency: 'EUR',
        close_date: '2027-01-31',
        owner_email: 'rep.one@vendor.example',
        crm_created_at: T0 - 3_600_000,
      }),
    ]);
    // queryAll (deleted and merged rows too), ordered by SystemModstamp, the version from the env.
    expect(sf.http.calls('/services/data/v66.0/queryAll').length).toBeGreaterThan(0);
    expect(soql().find((q) => q.includes('FROM Account ORDER'))).toMatch(
      /^SELECT Id, Name, Website, .*Owner\.Email, SystemModstamp, IsDeleted, MasterRecordId FROM Account ORDER BY SystemModstamp ASC, Id ASC$/,
    );
  });

  it('pages with queryMore at the requested batch size, then pulls incrementally from the cursor', async () => {
    accounts(450);
    const s = await sync(t.db, config, salesforceProvider(sf.url, crm), { pageSize: 200 });
    expect(s.error).toBeNull();
    expect(s.accounts).toMatchObject({ read: 450, pages: 3, inserted: 450 });
    expect(sf.http.calls(/\/query\/01g/).length).toBe(2);
    const walks = sf.http.calls('/queryAll').filter((r) => !r.query.get('q')?.includes('COUNT()'));
    expect(walks.map((r) => r.headers['sforce-query-options'])).toEqual(['batchSize=200', 'batchSize=200']);

    accounts(3, 450);
    const again = await sync(t.db, config, salesforceProvider(sf.url, crm), { pageSize: 200 });
    const last = soql()
      .filter((q) => q.includes('FROM Account ORDER') || q.includes('FROM Account WHERE'))
      .at(-1);
    expect(last).toContain(
      `WHERE SystemModstamp >= ${new Date(T0 + 449_000).toISOString().replace('.000Z', 'Z')}`,
    );
    // The boundary row is read again and found unchanged; the three new ones are inserted.
    expect(again.accounts).toMatchObject({ read: 4, inserted: 3, unchanged: 1 });
  });

  it('refreshes an expired session by running the grant again (jsforce refreshFn) and carries on', async () => {
    accounts(5);
    const provider = salesforceProvider(sf.url, crm);
    await sync(t.db, config, provider);
    expect(sf.tokensIssued()).toBe(1);
    sf.expireTokens();
    accounts(2, 5);
    const s = await sync(t.db, config, provider);
    expect(s.error).toBeNull();
    expect(s.accounts.inserted).toBe(2);
    expect(sf.tokensIssued()).toBe(2);
    expect(sf.http.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('signs in again when the session expires in the middle of a walk, without losing a page', async () => {
    accounts(600);
    const provider = salesforceProvider(sf.url, crm);
    const s = await sync(t.db, config, provider, {
      pageSize: 200,
      onPage: (object, page) => {
        if (object === 'accounts' && page === 1) sf.expireTokens();
      },
    });
    expect(s.error).toBeNull();
    expect(s.accounts).toMatchObject({ read: 600, inserted: 600, pages: 3 });
    expect(sf.tokensIssued()).toBe(2);
    const retried = sf.http.requests.filter((r) => r.status === 401);
    expect(retried).toHaveLength(1);
    expect(retried[0]?.path).toMatch(/\/query\/01g/);
  });

  it('uses a Bulk API 2.0 query job above the threshold and reads it page by page', async () => {
    accounts(250);
    const cfg = salesforceConfig((c) => {
      c.bulkThreshold = 100;
    });
    const pages: number[] = [];
    const s = await sync(t.db, cfg, salesforceProvider(sf.url, cfg.crm!), {
      pageSize: 100,
      onPage: (object, _n, records) => {
        if (object === 'accounts') pages.push(records);
      },
    });
    expect(s.error).toBeNull();
    expect(pages).toEqual([100, 100, 50]);
    const job = JSON.parse(sf.http.calls('/jobs/query', 'POST')[0]?.body ?? '{}');
    expect(job.operation).toBe('queryAll');
    expect(job.query).not.toContain('ORDER BY');
    const results = sf.http.calls(/\/jobs\/query\/750[0-9a-f]+\/results$/);
    expect(results.map((r) => r.query.get('locator'))).toEqual([null, '100', '200']);
    expect(await getCrmAccount(t.db, 'acct249.com')).toMatchObject({
      name: 'Account 249',
      ownerEmail: 'rep.one@vendor.example',
    });
    expect(
      await rows(t.db, 'SELECT last_modified FROM crm_sync_cursors WHERE object = ?', 'accounts'),
    ).toEqual([{ last_modified: T0 + 249_000 }]);
  });

  it('handles deleted accounts (getDeleted and queryAll) and merged ones (MasterRecordId)', async () => {
    const [a, b, c] = accounts(3);
    await sync(t.db, config, salesforceProvider(sf.url, crm));
    // Deleted a few seconds before the first sync finished reading deletions: the overlap still catches it.
    sf.remove('Account', a!, { at: Date.now() - 5_000 });
    sf.remove('Account', b!, { mergedInto: c!, at: Date.now() - 5_000 });
    sf.update('Account', b!, { SystemModstamp: sfDateTime(Date.now()) });
    const s = await sync(t.db, config, salesforceProvider(sf.url, crm));
    expect(s.error).toBeNull();
    expect(s.accounts.removed).toBe(2);
    expect(
      await rows(
        t.db,
        'SELECT domain, crm_deleted_at IS NOT NULL AS gone, crm_merged_into FROM crm_accounts ORDER BY domain',
      ),
    ).toEqual([
      { domain: 'acct0.com', gone: 1, crm_merged_into: null },
      { domain: 'acct1.com', gone: 1, crm_merged_into: c },
      { domain: 'acct2.com', gone: 0, crm_merged_into: null },
    ]);
    const deleted = sf.http.calls('/sobjects/Account/deleted', 'GET')[0];
    expect(deleted?.query.get('start')).toBeTruthy();
  });
});

describe('Salesforce faults', () => {
  it('stops when a page fails halfway through the walk, and the next run resumes from the last page written', async () => {
    accounts(600);
    sf.fault({
      method: 'GET',
      path: /\/query\/01g/,
      after: 1,
      fault: {
        kind: 'status',
        status: 400,
        body: [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }],
      },
    });
    const first = await sync(t.db, config, salesforceProvider(sf.url, crm), { pageSize: 200 });
    expect(first.error).toMatchObject({
      object: 'accounts',
      message: expect.stringContaining('INVALID_QUERY_LOCATOR'),
    });
    expect(first.accounts.inserted).toBe(400);
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 400 }]);

    const second = await sync(t.db, config, salesforceProvider(sf.url, crm), { pageSize: 200 });
    expect(second.error).toBeNull();
    expect(second.accounts).toMatchObject({ inserted: 200, unchanged: 1 });
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 600 }]);
  });

  it('rides out 503s, a dropped connection and a request that never answers', async () => {
    accounts(3);
    sf.fault({ method: 'GET', path: '/queryAll', after: 1, fault: { kind: 'hang' } });
    sf.fault({
      method: 'GET',
      path: '/queryAll',
      fault: { kind: 'status', status: 503, body: [{ message: 'busy', errorCode: 'SERVER_UNAVAILABLE' }] },
    });
    sf.fault({ method: 'GET', path: '/sobjects/Account/deleted', fault: { kind: 'reset' } });
    const s = await sync(t.db, config, salesforceProvider(sf.url, crm, { timeoutMs: 400 }));
    expect(s.error).toBeNull();
    expect(s.accounts.inserted).toBe(3);
    const queries = sf.http.calls('/queryAll', 'GET').map((r) => r.status);
    expect(queries).toContain(503);
    expect(queries).toContain(0); // the one that never answered: abandoned at the deadline, then retried
  });

  it('stops on REQUEST_LIMIT_EXCEEDED as retryable, without hammering', async () => {
    const limited = await startSalesforceStandIn({ apiLimit: 2 });
    try {
      for (let i = 0; i < 3; i += 1) limited.put('Account', { Name: `L${i}`, Website: `l${i}-corp.com` });
      const s = await sync(t.db, config, salesforceProvider(limited.url, crm));
      expect(s.error).toMatchObject({
        retryable: true,
        message: expect.stringContaining('REQUEST_LIMIT_EXCEEDED'),
      });
      expect(limited.http.requests.filter((r) => r.status === 403)).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it('explains a refused client-credentials grant', async () => {
    const cfg = salesforceConfig();
    const bad = await startSalesforceStandIn({ clientSecret: 'another-secret' });
    try {
      const s = await sync(t.db, cfg, salesforceProvider(bad.url, cfg.crm!));
      expect(s.error).toMatchObject({ retryable: false, fix: expect.stringContaining('My Domain') });
    } finally {
      await bad.close();
    }
  });
});

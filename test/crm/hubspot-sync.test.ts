import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slackLookupByEmail } from '../../src/crm/owners.ts';
import { getCrmAccount } from '../../src/db/stores/account-store.ts';
import { type HubSpotStandIn, startHubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { hubspotConfig, hubspotProvider, rows, sync } from '../helpers/crm.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';

// HubSpot pulls through the real @hubspot/api-client against the loopback stand-in (FACTS.md §H).

let t: TestDb;
let hs: HubSpotStandIn;
let slack: SlackStandIn;
const config = hubspotConfig();
const crm = config.crm!;
const T0 = Date.parse('2026-11-01T00:00:00Z');

beforeEach(async () => {
  t = await openTestDb();
  hs = await startHubSpotStandIn({
    owners: [
      { id: '11', email: 'Rep.One@Vendor.example' },
      { id: '12', email: 'nobody@vendor.example' },
      { id: '13', email: 'gone@vendor.example', archived: true },
    ],
  });
  slack = await startSlackStandIn({
    users: [
      { id: 'U0REP1', email: 'rep.one@vendor.example' },
      { id: 'U0GONE', email: 'gone@vendor.example' },
    ],
  });
});
afterEach(async () => {
  await hs.close();
  await slack.close();
  await t.cleanup();
});

function lookup() {
  return slackLookupByEmail(
    new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
  );
}

function searches(type: 'companies' | 'deals') {
  return hs.http.calls(`/crm/v3/objects/${type}/search`, 'POST').map((r) => JSON.parse(r.body));
}

interface AccountRow {
  domain: string;
  name: string;
  industry: string | null;
  employees: number | null;
  country: string | null;
  revenue: number | null;
  owner_email: string | null;
  owner_user_id: string | null;
  is_customer: number;
  has_open_opportunity: number;
  crm_id: string;
  crm_provider: string;
  crm_deleted_at: number | null;
  crm_merged_into: string | null;
}

describe('HubSpot pull', () => {
  it('maps companies and deals, resolves owners to Slack users by email and reports misses', async () => {
    const acme = hs.put(
      'companies',
      {
        name: 'Acme Corp',
        domain: 'https://www.Acme.com/about',
        industry: 'COMPUTER_SOFTWARE',
        numberofemployees: '1200',
        country: 'United States',
        annualrevenue: '5000000.5',
        lifecyclestage: 'customer',
        hubspot_owner_id: '11',
      },
      { updatedAt: T0 },
    );
    const globex = hs.put(
      'companies',
      {
        name: 'Globex',
        domain: 'globex.co.uk',
        country: 'GB',
        hubspot_owner_id: '12',
        lifecyclestage: 'lead',
      },
      { updatedAt: T0 + 1 },
    );
    hs.put('companies', { name: 'No Website Ltd' }, { updatedAt: T0 + 2 });
    const open = hs.put(
      'deals',
      {
        dealname: 'Acme expansion',
        dealstage: 'qualifiedtobuy',
        amount: '25000',
        deal_currency_code: 'eur',
        closedate: '2026-12-15T00:00:00.000Z',
        hubspot_owner_id: '13',
        createdate: String(T0 - 86_400_000),
      },
      { updatedAt: T0 + 3 },
    );
    hs.associate(open, globex, false);
    hs.associate(open, acme, true);
    const lost = hs.put(
      'deals',
      {
        dealname: 'Globex pilot',
        dealstage: 'closedlost',
        amount: '900',
        closed_lost_reason: 'Went with a competitor',
      },
      { updatedAt: T0 + 4 },
    );
    hs.associate(lost, globex);

    const s = await sync(t.db, config, hubspotProvider(hs.url, crm), { lookup: await lookup() });

    expect(s.error).toBeNull();
    expect(s.accounts).toMatchObject({
      read: 3,
      inserted: 2,
      noDomain: 1,
      noDomainExamples: [expect.stringContaining('No Website Ltd')],
    });
    const accounts = await rows<AccountRow>(t.db, 'SELECT * FROM crm_accounts ORDER BY domain');
    expect(accounts).toEqual([
      expect.objectContaining({
        domain: 'acme.com',
        name: 'Acme Corp',
        industry: 'COMPUTER_SOFTWARE',
        employees: 1200,
        country: 'US',
        revenue: 5000000.5,
        owner_email: 'rep.one@vendor.example',
        owner_user_id: 'U0REP1',
        is_customer: 1,
        has_open_opportunity: 1,
        crm_provider: 'hubspot',
        crm_id: acme,
      }),
      expect.objectContaining({
        domain: 'globex.co.uk',
        country: 'GB',
        owner_email: 'nobody@vendor.example',
        owner_user_id: null,
        is_customer: 0,
        has_open_opportunity: 0,
      }),
    ]);
    const deals = await rows<Record<string, unknown>>(
      t.db,
      'SELECT * FROM crm_opportunities ORDER BY crm_id',
    );
    expect(deals).toEqual([
      expect.objectContaining({
        crm_id: open,
        account_crm_id: acme, // the primary company, not the first association
        account_domain: 'acme.com',
        stage_id: 'qualifiedtobuy',
        is_closed: 0,
        is_won: 0,
        amount: 25000,
        currency: 'EUR',
        close_date: '2026-12-15',
        owner_email: 'gone@vendor.example', // an archived owner still names the rep
        owner_user_id: 'U0GONE',
        crm_created_at: T0 - 86_400_000,
      }),
      expect.objectContaining({
        crm_id: lost,
        account_domain: 'globex.co.uk',
        is_closed: 1,
        is_won: 0,
        currency: 'USD', // no currency on the deal: the config's defaultCurrency
        loss_reason: 'Went with a competitor',
      }),
    ]);
    expect(s.owners).toMatchObject({ seen: 3, mapped: 2, misses: ['nobody@vendor.example'], lookups: 3 });
    expect(await rows(t.db, 'SELECT email, slack_user_id, miss FROM crm_owner_map ORDER BY email')).toEqual([
      { email: 'gone@vendor.example', slack_user_id: 'U0GONE', miss: 0 },
      { email: 'nobody@vendor.example', slack_user_id: null, miss: 1 },
      { email: 'rep.one@vendor.example', slack_user_id: 'U0REP1', miss: 0 },
    ]);
    // Search as documented: sorted by hs_lastmodifieddate, 200 a page, no filter on the first (full) pull.
    expect(searches('companies')[0]).toMatchObject({
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
      limit: 200,
      filterGroups: [],
      after: '0',
    });
    // The raw token, never "Bearer Bearer", and no double slash from the trailing slash in HUBSPOT_API_URL.
    expect(hs.http.requests.every((r) => r.headers.authorization === 'Bearer pat-na1-standin-token')).toBe(
      true,
    );
    expect(hs.http.requests.some((r) => r.path.includes('//'))).toBe(false);
  });

  it('pulls only what changed since the stored cursor, and skips rows already applied at the cursor time', async () => {
    const a = hs.put('companies', { name: 'A', domain: 'a-corp.com' }, { updatedAt: T0 });
    hs.put('companies', { name: 'B', domain: 'b-corp.com' }, { updatedAt: T0 });
    await sync(t.db, config, hubspotProvider(hs.url, crm));
    hs.update('companies', a, { name: 'A renamed' }, T0 + 60_000);

    const s = await sync(t.db, config, hubspotProvider(hs.url, crm));

    const last = searches('companies').at(-1);
    expect(last.filterGroups).toEqual([
      { filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(T0) }] },
    ]);
    expect(s.accounts).toMatchObject({ read: 1, updated: 1, inserted: 0 });
    expect((await getCrmAccount(t.db, 'a-corp.com'))?.name).toBe('A renamed');
  });

  it('walks past the 10,000-result search cap by restarting from the last timestamp, ties included', async () => {
    const small = await startHubSpotStandIn({ searchCap: 50 });
    try {
      // 130 companies; 30 of them share one timestamp across a restart boundary.
      for (let i = 0; i < 130; i += 1) {
        const at = i >= 40 && i < 70 ? T0 + 40 : T0 + i;
        small.put('companies', { name: `C${i}`, domain: `c${i}-corp.org` }, { updatedAt: at });
      }
      const s = await sync(t.db, config, hubspotProvider(small.url, crm, { searchCap: 50 }), {
        pageSize: 20,
      });
      expect(s.error).toBeNull();
      expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 130 }]);
      const bodies = small.http.calls('/companies/search').map((r) => JSON.parse(r.body));
      expect(bodies.every((b) => Number(b.after) + b.limit <= 50)).toBe(true);
      expect(bodies.filter((b) => b.after === '0').length).toBeGreaterThan(2);
      expect(small.http.requests.some((r) => r.status === 400)).toBe(false);
      // Every record applied once: ties at the boundary are skipped, not applied twice.
      expect(s.accounts.inserted).toBe(130);
      expect(s.accounts.unchanged).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('marks archived companies and deals deleted, and merged companies as merged into the survivor', async () => {
    const keep = hs.put('companies', { name: 'Initech', domain: 'initech.com' }, { updatedAt: T0 });
    const dupe = hs.put('companies', { name: 'Initech (old)', domain: 'initech-old.com' }, { updatedAt: T0 });
    const gone = hs.put('companies', { name: 'Hooli', domain: 'hooli.com' }, { updatedAt: T0 });
    const deal = hs.put('deals', { dealname: 'Hooli deal', dealstage: 'qualifiedtobuy' }, { updatedAt: T0 });
    hs.associate(deal, gone);
    await sync(t.db, config, hubspotProvider(hs.url, crm));
    expect((await getCrmAccount(t.db, 'hooli.com'))?.hasOpenOpportunity).toBe(true);

    hs.merge('companies', keep, dupe, Date.now());
    hs.archive('companies', gone);
    hs.archive('deals', deal);
    const s = await sync(t.db, config, hubspotProvider(hs.url, crm));

    expect(s.error).toBeNull();
    expect(s.accounts.removed).toBe(2);
    expect(s.opportunities.removed).toBe(1);
    const byDomain = Object.fromEntries(
      (await rows<AccountRow>(t.db, 'SELECT * FROM crm_accounts')).map((r) => [r.domain, r]),
    );
    expect(byDomain['initech-old.com']).toMatchObject({
      crm_merged_into: keep,
      crm_deleted_at: expect.any(Number),
    });
    expect(byDomain['hooli.com']?.crm_deleted_at).toEqual(expect.any(Number));
    expect(byDomain['initech.com']?.crm_deleted_at).toBeNull();
    // The gates no longer see deleted accounts.
    expect(await getCrmAccount(t.db, 'hooli.com')).toBeNull();
    expect(await getCrmAccount(t.db, 'initech-old.com')).toBeNull();
    expect(await rows(t.db, 'SELECT crm_deleted_at IS NOT NULL AS deleted FROM crm_opportunities')).toEqual([
      { deleted: 1 },
    ]);
    expect(
      hs.http.calls('/crm/v3/objects/companies', 'GET').some((r) => r.query.get('archived') === 'true'),
    ).toBe(true);
  });

  it('reports stages missing from crm.stages without failing, and stores the deals', async () => {
    const c = hs.put('companies', { name: 'Acme', domain: 'acme.com' }, { updatedAt: T0 });
    for (const stage of ['closedwon', '1234567', '1234567', 'contractsent']) {
      hs.associate(hs.put('deals', { dealname: `D ${stage}`, dealstage: stage }, { updatedAt: T0 }), c);
    }
    const s = await sync(t.db, config, hubspotProvider(hs.url, crm));
    expect(s.error).toBeNull();
    expect(s.opportunities.unknownStages).toEqual({ '1234567': 2 });
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_opportunities')).toEqual([{ n: 4 }]);
  });
});

describe('HubSpot faults', () => {
  beforeEach(() => {
    for (let i = 0; i < 5; i += 1)
      hs.put('companies', { name: `F${i}`, domain: `f${i}-corp.net` }, { updatedAt: T0 + i });
  });

  it('waits out a 429 (Retry-After or the TEN_SECONDLY window), a 502 and a hung request, then completes', async () => {
    hs.fault({
      path: '/companies/search',
      fault: {
        kind: 'status',
        status: 429,
        headers: { 'Retry-After': '0' },
        body: {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: 'c1',
          policyName: 'TEN_SECONDLY_ROLLING',
        },
      },
    });
    hs.fault({ path: '/companies/search', fault: { kind: 'status', status: 502, body: 'Bad gateway' } });
    hs.fault({ path: '/companies/search', fault: { kind: 'hang' } });
    hs.fault({ path: '/crm/v3/owners', fault: { kind: 'reset' } });
    const s = await sync(t.db, config, hubspotProvider(hs.url, crm, { timeoutMs: 300 }), { pageSize: 2 });
    expect(s.error).toBeNull();
    expect(s.accounts.inserted).toBe(5);
    const statuses = hs.http.calls('/companies/search').map((r) => r.status);
    expect(statuses.slice(0, 2)).toEqual([429, 502]);
  });

  it('stops on the DAILY limit with the pages so far applied, and the next run resumes from the cursor', async () => {
    hs.fault({
      path: '/companies/search',
      after: 2,
      fault: {
        kind: 'status',
        status: 429,
        body: {
          status: 'error',
          message: 'You have reached your daily limit.',
          errorType: 'RATE_LIMIT',
          correlationId: 'c2',
          policyName: 'DAILY',
        },
      },
    });
    const first = await sync(t.db, config, hubspotProvider(hs.url, crm), { pageSize: 2 });
    expect(first.error).toMatchObject({ object: 'accounts', retryable: true });
    expect(first.error?.message).toContain('daily limit');
    expect(first.accounts.inserted).toBe(4);
    expect(
      await rows(t.db, 'SELECT last_modified FROM crm_sync_cursors WHERE object = ?', 'accounts'),
    ).toEqual([{ last_modified: T0 + 3 }]);

    const before = searches('companies').length;
    const second = await sync(t.db, config, hubspotProvider(hs.url, crm), { pageSize: 2 });
    expect(second.error).toBeNull();
    expect(second.accounts).toMatchObject({ inserted: 1, read: 1 });
    expect(searches('companies')[before]?.filterGroups[0].filters[0]).toMatchObject({
      operator: 'GTE',
      value: String(T0 + 3),
    });
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 5 }]);
  });

  it('fails with the fix when the token is refused', async () => {
    const provider = hubspotProvider(hs.url, crm);
    hs.fault({
      path: '/',
      times: 100,
      fault: {
        kind: 'status',
        status: 401,
        body: {
          status: 'error',
          category: 'INVALID_AUTHENTICATION',
          message: 'Authentication credentials not found.',
          correlationId: 'x',
        },
      },
    });
    const s = await sync(t.db, config, provider);
    expect(s.error).toMatchObject({ retryable: false, fix: expect.stringContaining('HUBSPOT_ACCESS_TOKEN') });
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 0 }]);
  });
});

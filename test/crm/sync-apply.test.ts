import { Readable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slackLookupByEmail } from '../../src/crm/owners.ts';
import { getCrmAccount } from '../../src/db/stores/account-store.ts';
import { type HubSpotStandIn, startHubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { importAccounts } from '../../src/imports/import-accounts.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { goodSubmission } from '../helpers/actors.ts';
import { hubspotConfig, hubspotProvider, rows, sync } from '../helpers/crm.ts';
import { openTestDb, serviceDeps, type TestDb, testClock } from '../helpers/db.ts';
import { allowInserts, failInserts } from '../helpers/sql.ts';

// How pulled pages land in the one account table the gates read: atomically with their cursor, over CSV
// rows of the same domain, and with owners mapped to Slack users so `when.crmOwner` routing works.

let t: TestDb;
let hs: HubSpotStandIn;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const config = hubspotConfig();
const crm = config.crm!;

beforeEach(async () => {
  t = await openTestDb();
  hs = await startHubSpotStandIn({ owners: [{ id: '21', email: 'rep1@vendor.example' }] });
});
afterEach(async () => {
  await hs.close();
  await t.cleanup();
});

describe('applying pages', () => {
  it('never half-applies a page: a failure inside a page rolls back the page and its cursor, and the rerun completes it', async () => {
    for (let i = 0; i < 6; i += 1)
      hs.put('companies', { name: `P${i}`, domain: `p${i}-corp.com` }, { updatedAt: T0 + i });
    // The 4th row (second row of the second page) fails to write, as a crash mid-transaction would.
    await failInserts(t.db, 'crm_accounts', 'simulated crash', "NEW.domain = 'p3-corp.com'");
    const first = await sync(t.db, config, hubspotProvider(hs.url, crm), { pageSize: 2 });
    expect(first.error?.message).toContain('simulated crash');
    expect(await rows(t.db, 'SELECT domain FROM crm_accounts ORDER BY domain')).toEqual([
      { domain: 'p0-corp.com' },
      { domain: 'p1-corp.com' },
    ]);
    expect(
      await rows(t.db, 'SELECT last_modified FROM crm_sync_cursors WHERE object = ?', 'accounts'),
    ).toEqual([{ last_modified: T0 + 1 }]);

    await allowInserts(t.db, 'crm_accounts');
    const second = await sync(t.db, config, hubspotProvider(hs.url, crm), { pageSize: 2 });
    expect(second.error).toBeNull();
    expect(second.accounts.inserted).toBe(4);
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 6 }]);
  });

  it('takes over the CSV-imported row of the same domain instead of adding a second account', async () => {
    const csv =
      'Account Name,Website,Industry,Employees,Billing Country,Account Owner Slack ID\nAcme (CSV),acme.com,software,50,US,U0REP2\n';
    await importAccounts(t.db, Readable.from([csv]), { now: 1_000 });
    hs.put(
      'companies',
      { name: 'Acme Corp', domain: 'www.acme.com', numberofemployees: '1200' },
      { updatedAt: T0 },
    );
    const s = await sync(t.db, config, hubspotProvider(hs.url, crm));
    expect(s.accounts).toMatchObject({ updated: 1, inserted: 0 });
    expect(await rows(t.db, 'SELECT domain, name, employees, crm_id FROM crm_accounts')).toEqual([
      { domain: 'acme.com', name: 'Acme Corp', employees: 1200, crm_id: expect.any(String) },
    ]);
  });

  it('keeps the most recently modified of two CRM accounts sharing a domain, and reports the clash', async () => {
    const older = hs.put('companies', { name: 'Acme EU', domain: 'acme.com' }, { updatedAt: T0 });
    const newer = hs.put('companies', { name: 'Acme US', domain: 'https://acme.com' }, { updatedAt: T0 + 5 });
    const s = await sync(t.db, config, hubspotProvider(hs.url, crm));
    expect(s.accounts.domainClashes).toBe(1);
    expect(s.accounts.clashExamples).toEqual([{ domain: 'acme.com', crmId: older, keptCrmId: newer }]);
    expect(await getCrmAccount(t.db, 'acme.com')).toMatchObject({ name: 'Acme US', crmId: newer });
  });

  it('moves an account to its new domain when the website changes in the CRM', async () => {
    const id = hs.put('companies', { name: 'Acme', domain: 'acme.com' }, { updatedAt: T0 });
    await sync(t.db, config, hubspotProvider(hs.url, crm));
    hs.update('companies', id, { domain: 'acme.io' }, T0 + 10);
    await sync(t.db, config, hubspotProvider(hs.url, crm));
    expect(await getCrmAccount(t.db, 'acme.io')).toMatchObject({ crmId: id });
    expect(await getCrmAccount(t.db, 'acme.com')).toBeNull();
  });

  it('links opportunities synced before their account once the account arrives', async () => {
    const company = hs.put('companies', { name: 'Umbrella' }, { updatedAt: T0 });
    const deal = hs.put(
      'deals',
      { dealname: 'Umbrella pilot', dealstage: 'qualifiedtobuy' },
      { updatedAt: T0 },
    );
    hs.associate(deal, company);
    const first = await sync(t.db, config, hubspotProvider(hs.url, crm));
    expect(first.accounts.noDomain).toBe(1);
    expect(await rows(t.db, 'SELECT account_crm_id, account_domain FROM crm_opportunities')).toEqual([
      { account_crm_id: company, account_domain: null },
    ]);
    hs.update('companies', company, { domain: 'umbrella-corp.com' }, T0 + 1);
    await sync(t.db, config, hubspotProvider(hs.url, crm));
    expect(await rows(t.db, 'SELECT account_domain FROM crm_opportunities')).toEqual([
      { account_domain: 'umbrella-corp.com' },
    ]);
    expect((await getCrmAccount(t.db, 'umbrella-corp.com'))?.hasOpenOpportunity).toBe(true);
  });

  it('writes nothing in a dry run but reports what it would do', async () => {
    hs.put('companies', { name: 'Acme', domain: 'acme.com' }, { updatedAt: T0 });
    const s = await sync(t.db, config, hubspotProvider(hs.url, crm), { dryRun: true });
    expect(s).toMatchObject({ dryRun: true, accounts: { inserted: 1 } });
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual([{ n: 0 }]);
    expect(await rows(t.db, 'SELECT count(*) AS n FROM crm_sync_cursors')).toEqual([{ n: 0 }]);
  });
});

describe('owners by email', () => {
  let slack: SlackStandIn;
  beforeEach(async () => {
    slack = await startSlackStandIn({ users: [{ id: 'U0REP1', email: 'REP1@vendor.example' }] });
  });
  afterEach(() => slack.close());

  const lookup = () =>
    slackLookupByEmail(
      new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
    );

  it('routes a lead on a CRM-owned account straight to that rep under when.crmOwner', async () => {
    hs.put(
      'companies',
      {
        name: 'Acme Corp',
        domain: 'acme.com',
        hubspot_owner_id: '21',
        industry: 'software',
        numberofemployees: '1200',
        country: 'US',
      },
      { updatedAt: T0 },
    );
    const routed = hubspotConfig();
    routed.routing.unshift({ when: { crmOwner: true }, channel: 'C0OWNED' });
    await sync(t.db, routed, hubspotProvider(hs.url, routed.crm!), { lookup: await lookup() });
    expect((await getCrmAccount(t.db, 'acme.com'))?.ownerUserId).toBe('U0REP1');

    const clock = testClock();
    const res = await submitLead(await serviceDeps(t.db, routed, clock.now), goodSubmission());
    expect(res.kind).toBe('created');
    if (res.kind !== 'created') return;
    expect(res.view).toMatchObject({ status: 'claimed', ownerUserId: 'U0REP1', routeChannel: 'C0OWNED' });
  });

  it('caches lookups for the TTL, remembers misses, and re-points accounts when a missed owner joins Slack', async () => {
    hs.put('companies', { name: 'Globex', domain: 'globex.com', hubspot_owner_id: '21' }, { updatedAt: T0 });
    const quiet = await startSlackStandIn({ users: [] });
    try {
      const missLookup = await slackLookupByEmail(
        new WebClient('xoxb-test', { slackApiUrl: quiet.apiUrl, retryConfig: { retries: 0 } }),
      );
      let now = T0 + 86_400_000;
      const first = await sync(t.db, config, hubspotProvider(hs.url, crm), {
        lookup: missLookup,
        now: () => now,
      });
      expect(first.owners.misses).toEqual(['rep1@vendor.example']);
      expect((await getCrmAccount(t.db, 'globex.com'))?.ownerUserId).toBeNull();

      // Within the TTL the miss is not asked again.
      now += 3_600_000;
      const second = await sync(t.db, config, hubspotProvider(hs.url, crm), {
        lookup: await lookup(),
        now: () => now,
        full: true,
      });
      expect(second.owners).toMatchObject({ lookups: 0, misses: ['rep1@vendor.example'] });
      expect(slack.calls('users.lookupByEmail')).toHaveLength(0);

      // After the TTL the email is looked up again, found, and the account is re-pointed.
      now += 25 * 3_600_000;
      const third = await sync(t.db, config, hubspotProvider(hs.url, crm), {
        lookup: await lookup(),
        now: () => now,
        full: true,
      });
      expect(third.owners).toMatchObject({ lookups: 1, mapped: 1, misses: [] });
      expect((await getCrmAccount(t.db, 'globex.com'))?.ownerUserId).toBe('U0REP1');
    } finally {
      await quiet.close();
    }
  });
});

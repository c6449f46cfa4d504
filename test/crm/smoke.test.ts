import { afterEach, expect, test } from 'vitest';
import { startHubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { startSalesforceStandIn } from '../../src/dev/crm-stand-ins/salesforce.ts';
import { hubspotConfig, hubspotProvider, rows, salesforceConfig, salesforceProvider, sync } from '../helpers/crm.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';

let t: TestDb | null = null;
afterEach(() => t?.cleanup());

test('hubspot smoke', async () => {
  t = openTestDb();
  const hs = await startHubSpotStandIn({ owners: [{ id: '11', email: 'Rep@Vendor.example' }] });
  const c = hs.put('companies', { name: 'Acme', domain: 'www.acme.com', hubspot_owner_id: '11', country: 'United States' }, { updatedAt: 1000 });
  const d = hs.put('deals', { dealname: 'Acme deal', dealstage: 'closedwon', amount: '1200', closedate: '2026-10-01T00:00:00.000Z', deal_currency_code: 'EUR' }, { updatedAt: 2000 });
  hs.associate(d, c);
  const config = hubspotConfig();
  const s = await sync(t.db, config, hubspotProvider(hs.url, config.crm!));
  console.log(s);
  console.log(rows(t.db, 'select * from crm_accounts'), rows(t.db, 'select * from crm_opportunities'));
  await hs.close();
});

test('salesforce smoke', async () => {
  t = openTestDb();
  const sf = await startSalesforceStandIn({ customFields: { Account: ['Foothold_Write_Key__c'] } });
  const u = sf.put('User', { Email: 'rep@vendor.example', IsActive: true });
  const a = sf.put('Account', { Name: 'Acme', Website: 'https://acme.com/x', OwnerId: u, BillingCountry: 'US' });
  sf.put('Opportunity', { Name: 'Acme opp', AccountId: a, StageName: 'Closed Won', Amount: 500, CloseDate: '2026-10-01', OwnerId: u });
  const config = salesforceConfig();
  const s = await sync(t.db, config, salesforceProvider(sf.url, config.crm!));
  console.log(s);
  console.log(rows(t.db, 'select * from crm_accounts'), rows(t.db, 'select * from crm_opportunities'));
  await sf.close();
});

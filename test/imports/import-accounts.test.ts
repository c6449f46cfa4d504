import { asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crmAccounts } from '../../src/db/schema.ts';
import { importAccounts, slackOwnerId } from '../../src/imports/import-accounts.ts';
import { fixture, generatedAccounts, type TempDb, tempDb } from './helpers.ts';

let t: TempDb;
beforeEach(async () => {
  t = await tempDb();
});
afterEach(() => t.cleanup());

const accounts = async () => await t.db.select().from(crmAccounts).orderBy(asc(crmAccounts.domain));
const account = async (domain: string) =>
  (await t.db.select().from(crmAccounts).where(eq(crmAccounts.domain, domain)))[0];

describe('importAccounts: Salesforce export (BOM, CRLF, quotes, multi-line cell, blank lines)', () => {
  it('imports every row with normalised values', async () => {
    const result = await importAccounts(t.db, fixture('salesforce-accounts.csv'), { now: 1_000 });
    expect(result).toMatchObject({
      accepted: 6,
      rejected: [],
      inserted: 6,
      updated: 0,
      unchanged: 0,
      applied: true,
      fatal: false,
      duplicates: [],
      unmappedOwners: 2,
    });
    expect(result.warnings).toEqual([
      expect.stringMatching(/^2 owners could not be mapped to a Slack user id/),
    ]);
    // CSV rows carry no CRM link (the sync's columns, section 11).
    const base = {
      importedAt: 1_000,
      crmProvider: null,
      crmId: null,
      ownerEmail: null,
      crmUpdatedAt: null,
      crmDeletedAt: null,
      crmMergedInto: null,
      syncedAt: null,
    };
    expect(await accounts()).toEqual([
      {
        ...base,
        domain: 'acme.com',
        name: 'Acme, Inc.',
        industry: 'Software',
        employees: 1200,
        country: 'US',
        revenue: 1_200_000,
        ownerUserId: 'U0REP1',
        isCustomer: true,
        hasOpenOpportunity: false,
      },
      {
        ...base,
        domain: 'globex.co.uk',
        name: 'Globex Corporation',
        industry: 'Fintech',
        employees: 350,
        country: 'GB',
        revenue: 45_000_000,
        ownerUserId: null,
        isCustomer: false,
        hasOpenOpportunity: true,
      },
      {
        ...base,
        domain: 'hooli.io',
        name: 'Hooli',
        industry: null,
        employees: 12_000,
        country: 'NL',
        revenue: 2_500_000,
        ownerUserId: 'U0REP1',
        isCustomer: false,
        hasOpenOpportunity: true,
      },
      {
        ...base,
        domain: 'initech.de',
        name: 'Initech',
        industry: 'Software',
        employees: 5000,
        country: 'DE',
        revenue: 12_000_000,
        ownerUserId: 'U0REP2',
        isCustomer: false,
        hasOpenOpportunity: false,
      },
      {
        ...base,
        domain: 'starkindustries.com.au',
        name: 'Stark Industries',
        industry: 'Manufacturing',
        employees: 900,
        country: 'AU',
        revenue: null,
        ownerUserId: null,
        isCustomer: false,
        hasOpenOpportunity: false,
      },
      {
        ...base,
        domain: 'umbrella-health.com',
        name: 'Umbrella Health',
        industry: 'Healthcare',
        employees: null,
        country: 'CA',
        revenue: null,
        ownerUserId: null,
        isCustomer: true,
        hasOpenOpportunity: false,
      },
    ]);
  });

  it('is idempotent: re-importing the same file changes nothing, a changed row is one update', async () => {
    await importAccounts(t.db, fixture('salesforce-accounts.csv'), { now: 1_000 });
    const before = await accounts();
    const again = await importAccounts(t.db, fixture('salesforce-accounts.csv'), { now: 2_000 });
    expect(again).toMatchObject({ accepted: 6, inserted: 0, updated: 0, unchanged: 6, applied: true });
    expect(await accounts()).toEqual(before);

    const changed = t.write(
      'changed.csv',
      'Account Name,Website,Billing Country,Customer\nAcme Corporation,acme.com,US,yes\nNew Co,newco.com,,no\n',
    );
    const third = await importAccounts(t.db, changed, { now: 3_000 });
    expect(third).toMatchObject({ accepted: 2, inserted: 1, updated: 1, unchanged: 0 });
    // Columns the file does not have keep their imported values; columns it has are replaced.
    expect(await account('acme.com')).toMatchObject({
      name: 'Acme Corporation',
      industry: 'Software',
      employees: 1200,
      revenue: 1_200_000,
      country: 'US',
      isCustomer: true,
      ownerUserId: 'U0REP1',
      importedAt: 3_000,
    });
    expect(await account('newco.com')).toMatchObject({
      industry: null,
      country: null,
      isCustomer: false,
      hasOpenOpportunity: false,
    });
    expect((await account('hooli.io'))?.importedAt).toBe(1_000);
    expect(await accounts()).toHaveLength(7);

    // An empty cell in a present column clears the value.
    const cleared = t.write('cleared.csv', 'Account Name,Website,Industry\nAcme Corporation,acme.com,\n');
    expect(await importAccounts(t.db, cleared, { now: 4_000 })).toMatchObject({ updated: 1 });
    expect(await account('acme.com')).toMatchObject({ industry: null, employees: 1200 });
    // Present columns all equal: unchanged, even though the file lacks other columns.
    expect(await importAccounts(t.db, cleared, { now: 5_000 })).toMatchObject({ updated: 0, unchanged: 1 });
  });
});

describe('importAccounts: HubSpot export', () => {
  it('matches HubSpot column names, lifecycle stage and country names', async () => {
    const result = await importAccounts(t.db, fixture('hubspot-companies.csv'), { now: 5 });
    expect(result).toMatchObject({ accepted: 6, rejected: [], inserted: 6, unmappedOwners: 1 });
    expect(await account('wayneenterprises.com')).toMatchObject({
      name: 'Wayne Enterprises',
      industry: 'COMPUTER_SOFTWARE',
      employees: 2500,
      country: 'US',
      revenue: 500_000_000,
      ownerUserId: null,
      isCustomer: true,
    });
    expect(await account('cyberdyne.ai')).toMatchObject({
      name: 'Cyberdyne Systems, LLC',
      country: 'JP',
      ownerUserId: 'U0REP2',
      isCustomer: false,
    });
    expect(await account('soylent.fr')).toMatchObject({ employees: 1500, country: 'FR', revenue: 3_000_000 });
    expect(await account('tyrell.es')).toMatchObject({ country: 'ES', isCustomer: false });
    expect(await account('oscorp.ie')).toMatchObject({ country: 'IE', isCustomer: true });
    expect(await account('wonka.in')).toMatchObject({ country: 'IN' });
  });
});

describe('importAccounts: bad rows', () => {
  it('lists every rejected row with its line number and reason, and writes nothing', async () => {
    const result = await importAccounts(t.db, fixture('accounts-with-errors.csv'));
    expect(result.applied).toBe(false);
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([
      { row: 3, reason: 'domain: empty; expected a website or domain such as acme.com' },
      { row: 4, reason: 'country: unknown country "Atlantis" (use a 2-letter ISO code such as US, GB, DE)' },
      { row: 5, reason: 'employees: expected a whole number such as 1,200, got "ten"' },
      {
        row: 6,
        reason: expect.stringMatching(
          /^domain: "http:\/\/localhost:8080" is localhost.*; customer: expected yes or no/,
        ),
      },
      { row: 7, reason: expect.stringContaining('has 6 cells but the header has 5 columns') },
    ]);
    expect(await accounts()).toEqual([]);
  });

  it('with skipInvalid writes the good rows and still lists the bad', async () => {
    const result = await importAccounts(t.db, fixture('accounts-with-errors.csv'), { skipInvalid: true });
    expect(result).toMatchObject({ applied: true, accepted: 2, inserted: 2 });
    expect(result.rejected).toHaveLength(5);
    expect((await accounts()).map((a) => a.domain)).toEqual(['goodone.com', 'goodtwo.com']);
  });

  it('one bad row among 10,000 good ones: nothing imported, the row named; skipInvalid imports the 10,000', async () => {
    const file = t.write('big.csv', generatedAccounts(10_000, { badAt: 7_345, crlf: true }));
    const result = await importAccounts(t.db, file);
    expect(result).toMatchObject({ accepted: 10_000, applied: false, inserted: 0, updated: 0 });
    // Header is line 1, generated row i is on line i + 1, the bad row comes before row 7,345.
    expect(result.rejected).toEqual([
      { row: 7_346, reason: expect.stringMatching(/^domain: "not a website" is not a domain/) },
    ]);
    expect(await accounts()).toHaveLength(0);

    const skipped = await importAccounts(t.db, file, { skipInvalid: true });
    expect(skipped).toMatchObject({ accepted: 10_000, applied: true, inserted: 10_000 });
    expect(skipped.rejected).toHaveLength(1);
    expect(await accounts()).toHaveLength(10_000);
  });

  it('a missing required column is a whole-file error, even with skipInvalid', async () => {
    const file = t.write('nodomain.csv', 'Account Name,Industry\nAcme,Software\n');
    const result = await importAccounts(t.db, file, { skipInvalid: true });
    expect(result).toMatchObject({ applied: false, fatal: true, accepted: 0 });
    expect(result.rejected).toEqual([
      {
        row: 1,
        reason:
          'header row: no column for domain (expected one of: Domain, Company Domain Name, Website, Company Website, Web Site, URL)',
      },
    ]);
  });

  it('an unclosed quote is a whole-file error at the line the row starts, nothing written', async () => {
    const file = t.write('unclosed.csv', 'Name,Domain\nA,a.com\nB,b.com\n"C,c.com\nD,d.com\n');
    const result = await importAccounts(t.db, file, { skipInvalid: true });
    expect(result).toMatchObject({ applied: false, fatal: true, accepted: 2 });
    expect(result.rejected).toEqual([{ row: 4, reason: expect.stringMatching(/never closed/) }]);
    expect(await accounts()).toEqual([]);
  });
});

describe('importAccounts: repeated domains within one file', () => {
  it('keeps the later row and reports each repeat with the row it overrides', async () => {
    const file = t.write(
      'dupes.csv',
      [
        'Name,Website,Employees',
        'Acme,acme.com,10',
        'Globex,globex.com,20',
        'Acme Again,https://www.ACME.com/about,30',
        'Acme Third,acme.com,40',
        '',
      ].join('\n'),
    );
    const result = await importAccounts(t.db, file);
    expect(result).toMatchObject({ accepted: 4, inserted: 2, updated: 0, unchanged: 0 });
    expect(result.duplicates).toEqual([
      { row: 4, previousRow: 2, key: 'acme.com' },
      { row: 5, previousRow: 4, key: 'acme.com' },
    ]);
    expect(await account('acme.com')).toMatchObject({ name: 'Acme Third', employees: 40 });
  });
});

describe('slackOwnerId', () => {
  it('keeps Slack user ids only', () => {
    expect(slackOwnerId('U0123ABCD')).toBe('U0123ABCD');
    expect(slackOwnerId('<@W0123ABCD>')).toBe('W0123ABCD');
    expect(slackOwnerId('Jane Smith')).toBeNull();
    expect(slackOwnerId('jane@acme.com')).toBeNull();
    expect(slackOwnerId(undefined)).toBeNull();
  });
});

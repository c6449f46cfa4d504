import { asc } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.ts';
import { partnerOrgs, partnerOverlaps } from '../../src/db/schema.ts';
import { syncPartners } from '../../src/db/stores/import-store.ts';
import { importOverlaps } from '../../src/imports/import-overlaps.ts';
import { fixture, type TempDb, tempDb } from './helpers.ts';

let t: TempDb;
beforeEach(async () => {
  t = await tempDb();
  await syncPartners(
    t.db,
    [
      { slug: 'northwind', name: 'Northwind Consulting', manager: 'U0PAM' },
      { slug: 'contoso', name: 'Contoso Systems', manager: 'U0PAM' },
    ],
    100,
  );
});
afterEach(() => t.cleanup());

const overlaps = async () =>
  await t.db
    .select()
    .from(partnerOverlaps)
    .orderBy(asc(partnerOverlaps.partnerSlug), asc(partnerOverlaps.domain));

describe('importOverlaps', () => {
  it('imports a partner account-mapping file keyed by partner and domain', async () => {
    const result = await importOverlaps(t.db, fixture('northwind-overlaps.csv'), {
      partner: 'northwind',
      now: 7,
    });
    expect(result).toMatchObject({
      accepted: 4,
      rejected: [],
      inserted: 4,
      updated: 0,
      unchanged: 0,
      applied: true,
    });
    expect(await overlaps()).toEqual([
      { partnerSlug: 'northwind', domain: 'acme.com', relationship: 'customer', importedAt: 7 },
      { partnerSlug: 'northwind', domain: 'globex.co.uk', relationship: 'open_opportunity', importedAt: 7 },
      { partnerSlug: 'northwind', domain: 'hooli.io', relationship: 'open_opportunity', importedAt: 7 },
      { partnerSlug: 'northwind', domain: 'initech.de', relationship: 'prospect', importedAt: 7 },
    ]);
  });

  it('keeps partners apart, and re-import is a no-op; a changed relationship is one update', async () => {
    await importOverlaps(t.db, fixture('northwind-overlaps.csv'), { partner: 'northwind', now: 7 });
    const contoso = await importOverlaps(t.db, fixture('northwind-overlaps.csv'), {
      partner: 'contoso',
      now: 8,
    });
    expect(contoso).toMatchObject({ inserted: 4 });
    const again = await importOverlaps(t.db, fixture('northwind-overlaps.csv'), {
      partner: 'northwind',
      now: 9,
    });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
    const file = t.write('one.csv', 'Domain,Status\nacme.com,prospect\n');
    expect(await importOverlaps(t.db, file, { partner: 'northwind', now: 10 })).toMatchObject({
      updated: 1,
      unchanged: 0,
    });
    expect(await overlaps()).toHaveLength(8);
    expect(
      (await overlaps()).find((o) => o.partnerSlug === 'northwind' && o.domain === 'acme.com'),
    ).toMatchObject({
      relationship: 'prospect',
      importedAt: 10,
    });
  });

  it('rejects an unknown partner with the list of known ones, before reading the file', async () => {
    const err = await importOverlaps(t.db, fixture('northwind-overlaps.csv'), { partner: 'fabrikam' }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'not_found' });
    expect(err.message).toBe(
      'unknown partner "fabrikam": known partners are contoso, northwind (partners come from the "partners" list of the config file)',
    );
    expect(await overlaps()).toEqual([]);
  });

  it('rejects a partner that was removed from the config', async () => {
    await syncPartners(t.db, [{ slug: 'northwind', name: 'Northwind Consulting', manager: 'U0PAM' }], 200);
    const err = await importOverlaps(t.db, fixture('northwind-overlaps.csv'), { partner: 'contoso' }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/no longer in the config/),
    });
  });

  it('rejects bad relationships and domains with row numbers; nothing written', async () => {
    const file = t.write(
      'bad.csv',
      'Website,Relationship\nacme.com,customer\n10.0.0.1,prospect\nglobex.com,partner\nhooli.io,\n',
    );
    const result = await importOverlaps(t.db, file, { partner: 'northwind' });
    expect(result.applied).toBe(false);
    expect(result.rejected).toEqual([
      { row: 3, reason: expect.stringMatching(/^domain: "10\.0\.0\.1" is an IP address/) },
      { row: 4, reason: 'relationship: expected customer, prospect or open opportunity, got "partner"' },
      { row: 5, reason: 'relationship: expected customer, prospect or open opportunity' },
    ]);
    expect(await overlaps()).toEqual([]);
  });
});

describe('syncPartners', () => {
  it('upserts config partners, deactivates removed ones, and leaves matching rows untouched', async () => {
    const rows = async () => await t.db.select().from(partnerOrgs).orderBy(asc(partnerOrgs.slug));
    expect(await rows()).toEqual([
      { slug: 'contoso', name: 'Contoso Systems', managerUserId: 'U0PAM', active: true, updatedAt: 100 },
      {
        slug: 'northwind',
        name: 'Northwind Consulting',
        managerUserId: 'U0PAM',
        active: true,
        updatedAt: 100,
      },
    ]);
    expect(
      await syncPartners(
        t.db,
        [
          { slug: 'northwind', name: 'Northwind Consulting', manager: 'U0PAM' },
          { slug: 'fabrikam', name: 'Fabrikam', manager: 'U0PAM2' },
        ],
        300,
      ),
    ).toEqual({ changed: 1, deactivated: 1 });
    expect(await rows()).toEqual([
      { slug: 'contoso', name: 'Contoso Systems', managerUserId: 'U0PAM', active: false, updatedAt: 300 },
      { slug: 'fabrikam', name: 'Fabrikam', managerUserId: 'U0PAM2', active: true, updatedAt: 300 },
      {
        slug: 'northwind',
        name: 'Northwind Consulting',
        managerUserId: 'U0PAM',
        active: true,
        updatedAt: 100,
      },
    ]);
    expect(await syncPartners(t.db, [], 400)).toEqual({ changed: 0, deactivated: 2 });
  });
});

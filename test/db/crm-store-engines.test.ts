import { describe, expect, it } from 'vitest';
import {
  dueCrmWrites,
  enqueueCrmWrites,
  lastSentId,
  markCrmWriteSent,
  nextCrmWriteAt,
} from '../../src/db/stores/crm-outbox-store.ts';
import {
  linkCandidates,
  linkedLeadsToApply,
  unlinkedLeadsWithOpportunities,
} from '../../src/db/stores/crm-outcome-store.ts';
import {
  type AccountWrite,
  applyAccountsPage,
  applyDeleted,
  applyOpportunitiesPage,
  getOwnerEntry,
  getSyncCursor,
  type OpportunityWrite,
  saveDeletedThrough,
  saveOwnerEntry,
} from '../../src/db/stores/crm-store.ts';
import {
  accountSegment,
  needRows,
  segmentCells,
  signalCells,
  splitPoint,
} from '../../src/db/stores/insight-store.ts';
import { loadLeadFacts, takenPeriods, takePeriod } from '../../src/db/stores/job-store.ts';
import {
  deliveryProblems,
  listOutbox,
  nextDueAt,
  outboxHealth,
  rowsByDeliveryKey,
} from '../../src/db/stores/outbox-store.ts';
import { accountWrite, opportunityWrite } from '../helpers/crm.ts';
import { testEngine } from '../helpers/db.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { sqlGet } from '../helpers/sql.ts';

// The CRM sync's storage (drizzle prepared queries on both engines) and, as a smoke test of their SQL on the
// engine under test, the stores' hand-written statements (insight, CRM outcomes, CRM outbox, lead facts,
// outbox health): PostgreSQL plans and type-checks a statement even on empty tables.

const T0 = Date.parse('2026-11-16T15:00:00Z');

const fresh = databasePerTest();

const cursor = { lastModified: T0, resumeToken: null };

const acct = (crmId: string, domain: string, patch: Partial<AccountWrite> = {}) =>
  accountWrite(crmId, domain, T0, patch);

const opp = (crmId: string, accountCrmId: string, patch: Partial<OpportunityWrite> = {}) =>
  opportunityWrite(crmId, accountCrmId, T0, patch);

describe(`CRM sync storage (${testEngine()})`, () => {
  it('writes account and opportunity pages idempotently, with open flags, clashes, removals and cursors', async () => {
    const { db } = await fresh();
    await saveOwnerEntry(db, 'rep@vendor.example', { slackUserId: 'U1', miss: false, error: null }, T0);
    const page = { upserts: [acct('A1', 'a.example'), acct('A2', 'b.example')], removals: [] };
    expect(await applyAccountsPage(db, 'hubspot', page, cursor, T0)).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      removed: 0,
      clashes: [],
    });
    expect(await applyAccountsPage(db, 'hubspot', page, cursor, T0 + 1)).toMatchObject({
      inserted: 0,
      unchanged: 2,
    });
    // A dry run reports and rolls back.
    const dry = await applyAccountsPage(
      db,
      'hubspot',
      { upserts: [acct('A1', 'a.example', { name: 'Renamed' })], removals: [] },
      cursor,
      T0 + 2,
      true,
    );
    expect(dry).toMatchObject({ updated: 1 });
    expect(await sqlGet(db, "select name from crm_accounts where domain = 'a.example'")).toEqual({
      name: 'Account A1',
    });
    // Another CRM account on the same domain, modified later: it takes the row, the clash is reported.
    const clash = await applyAccountsPage(
      db,
      'hubspot',
      { upserts: [acct('A3', 'a.example', { crmUpdatedAt: T0 + 5 })], removals: [] },
      cursor,
      T0 + 3,
    );
    expect(clash).toMatchObject({
      updated: 1,
      clashes: [{ domain: 'a.example', crmId: 'A1', keptCrmId: 'A3' }],
    });
    const row = await sqlGet<{ owner_user_id: string; is_customer: unknown; crm_id: string }>(
      db,
      "select owner_user_id, is_customer, crm_id from crm_accounts where domain = 'a.example'",
    );
    expect(row).toMatchObject({ owner_user_id: 'U1', crm_id: 'A3' });
    expect(Boolean(row!.is_customer)).toBe(false);

    const opps = {
      upserts: [opp('O1', 'A2'), opp('O2', 'A2', { isClosed: true, isWon: true })],
      removals: [],
    };
    expect(await applyOpportunitiesPage(db, 'hubspot', opps, cursor, T0)).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      removed: 0,
    });
    expect(await applyOpportunitiesPage(db, 'hubspot', opps, cursor, T0 + 1)).toMatchObject({ unchanged: 2 });
    const flag = () =>
      sqlGet<{ has_open_opportunity: unknown }>(
        db,
        "select has_open_opportunity from crm_accounts where domain = 'b.example'",
      );
    expect(Boolean((await flag())!.has_open_opportunity)).toBe(true);
    expect(
      await applyDeleted(db, 'hubspot', 'opportunities', [{ crmId: 'O1', at: T0 + 9, mergedInto: null }]),
    ).toBe(1);
    expect(Boolean((await flag())!.has_open_opportunity)).toBe(false);
    await saveDeletedThrough(db, 'hubspot', 'opportunities', T0 + 9, T0 + 9);
    expect(await getSyncCursor(db, 'hubspot', 'opportunities')).toEqual({
      lastModified: T0,
      resumeToken: null,
      deletedThrough: T0 + 9,
    });
  });

  it('re-points owned rows when an owner lookup changes, and keeps them on a failed lookup', async () => {
    const { db } = await fresh();
    await applyAccountsPage(
      db,
      'salesforce',
      { upserts: [acct('A1', 'a.example')], removals: [] },
      cursor,
      T0,
    );
    expect(
      await saveOwnerEntry(db, 'rep@vendor.example', { slackUserId: 'U9', miss: false, error: null }, T0),
    ).toBe(1);
    expect(
      await saveOwnerEntry(db, 'rep@vendor.example', { slackUserId: 'U9', miss: false, error: null }, T0),
    ).toBe(0);
    expect(
      await saveOwnerEntry(
        db,
        'rep@vendor.example',
        { slackUserId: null, miss: false, error: 'timeout' },
        T0,
      ),
    ).toBe(0);
    expect(await getOwnerEntry(db, 'rep@vendor.example')).toEqual({
      slackUserId: null,
      lookedUpAt: T0,
      miss: false,
      error: 'timeout',
    });
    expect(await sqlGet(db, "select owner_user_id from crm_accounts where domain = 'a.example'")).toEqual({
      owner_user_id: 'U9',
    });
  });

  it('runs the CRM outbox, outcome, insight, lead-fact and outbox-health statements', async () => {
    const { db } = await fresh();
    await enqueueCrmWrites(
      db,
      [{ deliveryKey: 'k1', recordKey: 'account:A1', leadId: null, payload: { a: 1 } }],
      T0,
    );
    const due = await dueCrmWrites(db, T0, 10);
    expect(due.map((r) => [r.deliveryKey, r.payload])).toEqual([['k1', { a: 1 }]]);
    expect(await nextCrmWriteAt(db)).toBe(T0);
    await markCrmWriteSent(db, due[0]!.id, T0);
    expect(await lastSentId(db, 'account')).toBe(due[0]!.id);
    expect(await unlinkedLeadsWithOpportunities(db, 'hubspot')).toEqual([]);
    expect(await linkCandidates(db, 'hubspot', 'a.example')).toEqual([]);
    expect(await linkedLeadsToApply(db, 'hubspot')).toEqual([]);
    const q = { now: T0, matureDays: 90, includeDisqualified: true, includeExpired: false, since: 0 };
    expect(await signalCells(db, { ...q, splitAt: T0 })).toEqual([]);
    expect(await segmentCells(db, q)).toEqual([]);
    expect(await splitPoint(db, q, 0.2)).toBeNull();
    expect(await needRows(db, { since: 0, until: T0 })).toEqual([]);
    expect(await accountSegment(db, 'a.example')).toEqual({ industry: null, country: null, employees: null });
    expect(await loadLeadFacts(db, { since: 0, until: T0, statuses: ['candidate'] })).toEqual([]);
    expect(await takePeriod(db, 'digest', 'p1', T0)).toBe(true);
    expect(await takePeriod(db, 'digest', 'p1', T0)).toBe(false);
    expect(await takenPeriods(db, 'digest', ['p1', 'p2'])).toEqual(new Set(['p1']));
    expect(await nextDueAt(db)).toBeNull();
    expect(await outboxHealth(db, T0)).toEqual({ pending: 0, due: 0, oldestDueSeconds: 0, failed: 0 });
    expect(await deliveryProblems(db, T0)).toEqual({
      channels: [],
      heldMessages: 0,
      heldExample: null,
      failedMessages: 0,
    });
    expect(await listOutbox(db, ['pending', 'failed'], 10)).toEqual([]);
    expect(await rowsByDeliveryKey(db, ['nope'])).toEqual([]);
  });
});

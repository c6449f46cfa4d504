import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProgramConfig } from '../../src/config/program-config.ts';
import type { CrmProvider, CrmWrite, CrmWriteResult } from '../../src/crm/types.ts';
import { createWriteBackSender } from '../../src/crm/write-back-sender.ts';
import { crmOutboxRows } from '../../src/db/stores/crm-outbox-store.ts';
import { eventsForLead, getLead } from '../../src/db/stores/lead-store.ts';
import type { HubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { sfDateTime, startSalesforceStandIn } from '../../src/dev/crm-stand-ins/salesforce.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { linkOpportunity, syncCrmOutcomes } from '../../src/services/crm-outcomes.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { ADMIN, LEADER, NORTHWIND, REP1, REP2 } from '../helpers/actors.ts';
import {
  hubspotConfig,
  hubspotProvider,
  salesforceConfig,
  salesforceProvider,
  sync,
} from '../helpers/crm.ts';
import { putAcme, startFootholdPortal, WRITE_PROPS } from '../helpers/crm-outcomes.ts';
import { catchDomainError } from '../helpers/errors.ts';
import { DAY, type JobWorld, jobWorld, MONDAY_10AM, outbox, seedEql, textOf } from '../jobs/helpers.ts';

// Outcomes from the CRM and write-back, end to end below Slack: the HubSpot stand-in (through the real
// @hubspot/api-client), the real sync, the outcomes service, the write-back sender, a real SQLite file.

let hs: HubSpotStandIn;
let w: JobWorld;
let config: ProgramConfig;
let provider: CrmProvider;
let companyId: string;

async function standIn(props = WRITE_PROPS): Promise<void> {
  hs = await startFootholdPortal(props);
  provider = hubspotProvider(hs.url, config.crm!);
  companyId = putAcme(hs);
}

const iso = (ms: number) => new Date(ms).toISOString();
const syncNow = () => sync(w.db, config, provider, { now: w.clock.now });

function deal(props: Record<string, string | number | null>, createdAt: number): string {
  const id = hs.put('deals', {
    dealname: 'Acme platform',
    pipeline: 'default',
    createdate: iso(createdAt),
    ...props,
  });
  hs.associate(id, companyId);
  return id;
}

/** A claimed EQL on Acme, its account synced first (as the bot's crm-sync job would have). */
async function claimedEql(): Promise<number> {
  await syncNow();
  const id = await seedEql(w, { accountName: 'Acme Corp', website: 'https://www.acme.com' });
  await claimLead(w.services, { actor: REP1, leadId: id });
  return id;
}

beforeEach(async () => {
  config = hubspotConfig();
  w = await jobWorld({ config, start: MONDAY_10AM });
});
afterEach(async () => {
  await hs?.close();
  w.cleanup();
});

describe('outcomes from the CRM', () => {
  it('links the only deal opened after the claim and lets its stages drive the lifecycle, the partner told', async () => {
    await standIn();
    const leadId = await claimedEql();
    const dealId = deal(
      { dealstage: 'appointmentscheduled', amount: '48000', deal_currency_code: 'EUR' },
      w.clock.now() + DAY,
    );
    w.clock.advance(2 * DAY);
    await syncNow();
    expect(await syncCrmOutcomes(w.services)).toMatchObject({ linked: 1, transitions: 1, corrections: 0 });
    let lead = (await getLead(w.db, leadId))!;
    expect(lead).toMatchObject({
      status: 'meeting_held',
      crmOpportunityId: dealId,
      crmStage: 'appointmentscheduled',
      opportunityAmount: 48_000,
      opportunityCurrency: 'EUR',
    });
    // The same transition as the button: the routing post is updated and the partner hears it.
    const update = (await outbox(w.db, "method = 'chat.update'")).at(-1)!;
    expect(textOf(update.payload)).toContain('Acme platform · stage `appointmentscheduled` · €48,000');
    expect(JSON.stringify(update.payload.blocks)).not.toContain('"action_id":"won"');
    expect(textOf((await outbox(w.db, `recipient = '${NORTHWIND.userId}'`)).at(-1)!.payload)).toContain(
      'has met with',
    );

    // Running again changes nothing.
    expect(await syncCrmOutcomes(w.services)).toMatchObject({ linked: 0, transitions: 0, refreshed: 0 });

    hs.update('deals', dealId, {
      dealstage: 'closedwon',
      amount: '52000',
      closedate: '2026-12-01T00:00:00.000Z',
    });
    w.clock.advance(DAY);
    await syncNow();
    expect(await syncCrmOutcomes(w.services)).toMatchObject({ transitions: 1 });
    lead = (await getLead(w.db, leadId))!;
    expect(lead).toMatchObject({
      status: 'won',
      opportunityAmount: 52_000,
      opportunityCloseDate: '2026-12-01',
    });
    expect(lead.crmOpportunityClosedAt).toBe(Date.parse('2026-12-01T12:00:00Z'));
    const won = (await eventsForLead(w.db, leadId)).filter((e) => e.type === 'transition').at(-1)!;
    expect(won).toMatchObject({ fromStatus: 'meeting_held', toStatus: 'won', actorUserId: null });
    expect(won.data).toMatchObject({ source: 'crm', stageId: 'closedwon', opportunityId: dealId });
    const partnerWon = (await outbox(w.db, `recipient = '${NORTHWIND.userId}'`)).at(-1)!;
    expect(textOf(partnerWon.payload).toLowerCase()).toContain('won');
  });

  it('maps a CRM loss reason to a reason code, or keeps it as text', async () => {
    await standIn();
    const leadId = await claimedEql();
    deal({ dealstage: 'closedlost', closed_lost_reason: 'Went with an in-house build' }, w.clock.now() + DAY);
    w.clock.advance(2 * DAY);
    await syncNow();
    await syncCrmOutcomes(w.services);
    expect(await getLead(w.db, leadId)).toMatchObject({
      status: 'lost',
      reasonCode: 'other',
      reasonText: 'Went with an in-house build',
    });
  });

  it('resolves a click and the CRM to the CRM, and logs who clicked what', async () => {
    await standIn();
    const leadId = await claimedEql();
    // Before any deal is linked the buttons work as in a program without a CRM: the rep clicks Won.
    await recordOutcome(w.services, { actor: REP1, leadId, outcome: 'won' });
    deal({ dealstage: 'closedlost', closed_lost_reason: 'Price' }, w.clock.now() + DAY);
    w.clock.advance(2 * DAY);
    await syncNow();
    expect(await syncCrmOutcomes(w.services)).toMatchObject({ linked: 1, corrections: 1 });
    expect(await getLead(w.db, leadId)).toMatchObject({ status: 'lost', reasonCode: 'price' });
    const conflict = (await eventsForLead(w.db, leadId)).find((e) => e.type === 'crm_conflict')!;
    expect(conflict).toMatchObject({ fromStatus: 'won', toStatus: 'lost', actorUserId: REP1.userId });
    expect(conflict.data).toMatchObject({
      foothold: 'won',
      crm: 'lost',
      clickedBy: REP1.userId,
      stageId: 'closedlost',
    });
    expect(conflict.reason).toContain('The CRM wins');

    // Once linked, a click on a CRM-driven outcome is refused, logged, and changes nothing.
    const err = await catchDomainError(() =>
      recordOutcome(w.services, { actor: LEADER, leadId, outcome: 'won' }),
    );
    expect(err.code).toBe('conflict');
    expect(err.message).toContain('follows its HubSpot opportunity');
    expect(err.message).toContain('closedlost');
    expect((await getLead(w.db, leadId))?.status).toBe('lost');
    const logged = (await eventsForLead(w.db, leadId)).filter((e) => e.type === 'crm_conflict').at(-1)!;
    expect(logged).toMatchObject({ actorUserId: LEADER.userId });
    expect(logged.data).toMatchObject({ source: 'click', clicked: 'won', crm: 'lost' });
  });

  it('asks the owner to pick when several deals were opened, once, and links the one picked', async () => {
    await standIn();
    const leadId = await claimedEql();
    const older = deal({ dealname: 'Acme renewal', dealstage: 'qualifiedtobuy' }, w.clock.now() - DAY);
    const a = deal(
      { dealname: 'Acme platform', dealstage: 'qualifiedtobuy', amount: '90000' },
      w.clock.now() + DAY,
    );
    const b = deal({ dealname: 'Acme add-on', dealstage: 'appointmentscheduled' }, w.clock.now() + 2 * DAY);
    w.clock.advance(3 * DAY);
    await syncNow();
    expect(await syncCrmOutcomes(w.services)).toMatchObject({ linked: 0, asked: 1 });
    expect(await syncCrmOutcomes(w.services)).toMatchObject({ asked: 0 });
    const lead = (await getLead(w.db, leadId))!;
    expect(lead.crmLinkChoices?.map((c) => c.id)).toEqual([b, a, older]);
    const post = (await outbox(w.db, "method = 'chat.update'")).at(-1)!;
    expect(JSON.stringify(post.payload.blocks)).toContain('"action_id":"link_opportunity"');
    expect(textOf(post.payload)).toContain('3 opportunities on this account could be');
    const asks = await outbox(w.db, `recipient = '${REP1.userId}' and delivery_key like '%crm-link-ask%'`);
    expect(asks).toHaveLength(1);

    // Only the owner, a leader or an admin may pick (the outcome rule).
    expect(
      (await catchDomainError(() => linkOpportunity(w.services, { actor: REP2, leadId, opportunityId: a })))
        .code,
    ).toBe('forbidden');
    expect(
      (
        await catchDomainError(() =>
          linkOpportunity(w.services, { actor: NORTHWIND, leadId, opportunityId: a }),
        )
      ).code,
    ).toBe('forbidden');
    const res = await linkOpportunity(w.services, { actor: REP1, leadId, opportunityId: a });
    expect(res.view.status).toBe('opportunity');
    expect(await getLead(w.db, leadId)).toMatchObject({
      crmOpportunityId: a,
      crmLinkChoices: null,
      opportunityAmount: 90_000,
    });
    expect((await eventsForLead(w.db, leadId)).find((e) => e.type === 'crm_linked')).toMatchObject({
      actorUserId: REP1.userId,
    });
    expect(
      (await catchDomainError(() => linkOpportunity(w.services, { actor: ADMIN, leadId, opportunityId: b })))
        .code,
    ).toBe('conflict');
  });
});

describe('write-back', () => {
  it('writes the fields on the company and the deal exactly once, even after a crash between send and commit', async () => {
    await standIn();
    const leadId = await claimedEql();
    const dealId = deal({ dealstage: 'qualifiedtobuy', amount: '10000' }, w.clock.now() + DAY);
    w.clock.advance(2 * DAY);
    await syncNow();
    await syncCrmOutcomes(w.services);
    // Queued with the state changes: qualification, claim, (link + opportunity): company and deal writes.
    const rows = await crmOutboxRows(w.db);
    expect(rows.map((r) => r.recordKey)).toContain(`account:${companyId}`);
    expect(rows.map((r) => r.recordKey)).toContain(`opportunity:${dealId}`);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);

    // "Crash": the CRM applies each write, then the process dies before it commits (the row stays pending).
    const crashing: CrmProvider = {
      ...provider,
      kind: provider.kind,
      writeBack: async (write: CrmWrite): Promise<CrmWriteResult> => {
        await provider.writeBack(write);
        throw new Error('killed before the commit');
      },
    };
    const logger = { info() {}, warn() {}, error() {} };
    const first = createWriteBackSender({
      db: w.db,
      provider: crashing,
      logger,
      now: w.clock.now,
      maxAttempts: 5,
    });
    await first.drain();
    expect((await crmOutboxRows(w.db)).every((r) => r.status === 'pending')).toBe(true);
    // The restarted process resends everything that is due.
    w.clock.advance(DAY);
    const second = createWriteBackSender({ db: w.db, provider, logger, now: w.clock.now });
    await second.drain();
    expect((await crmOutboxRows(w.db)).every((r) => r.status === 'sent')).toBe(true);

    const company = hs.get('companies', companyId)!.properties;
    expect(company).toMatchObject({
      foothold_eql_status: 'Opportunity',
      foothold_partner: 'Northwind Consulting',
      foothold_attribution: 'Partner-sourced',
      foothold_lead_id: String(leadId),
    });
    expect(company.foothold_write_key).toMatch(new RegExp(`^foothold:lead:${leadId}:event:\\d+:account$`));
    expect(hs.get('deals', dealId)!.properties).toMatchObject({ foothold_eql_status: 'Opportunity' });
    // One note per write on the company, however often a write was replayed.
    const notes = hs.notesOn('companies', companyId);
    const accountWrites = (await crmOutboxRows(w.db)).filter((r) => r.recordKey === `account:${companyId}`);
    expect(notes).toHaveLength(accountWrites.length);
    expect(new Set(notes.map((n) => n.properties.foothold_write_key)).size).toBe(notes.length);
  });

  it('reports a permanent failure once to the admins with the fix, and stops retrying it', async () => {
    // The portal lacks the custom properties: every write to it fails for the same reason.
    await standIn([]);
    await claimedEql();
    const logger = { info() {}, warn() {}, error() {} };
    const sender = createWriteBackSender({ db: w.db, provider, logger, now: w.clock.now });
    await sender.drain();
    const rows = await crmOutboxRows(w.db);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.status === 'failed' && r.attempts === 1)).toBe(true);
    expect(rows[0]?.lastError).toMatch(/foothold_/);
    const dms = await outbox(w.db, "delivery_key like 'crm-write-back-problem:%'");
    expect(dms.map((d) => d.recipient)).toEqual(config.roles.admins);
    const text = textOf(dms[0]!.payload);
    expect(text).toContain('HubSpot refused a Foothold write-back');
    expect(text).toContain('How to fix it');
    // More writes with the same problem: no more DMs, and nothing is retried.
    w.clock.advance(DAY);
    await recordOutcome(w.services, { actor: REP1, leadId: rows[0]!.leadId!, outcome: 'intro_requested' });
    await sender.drain();
    expect(await outbox(w.db, "delivery_key like 'crm-write-back-problem:%'")).toHaveLength(dms.length);
    expect((await crmOutboxRows(w.db)).every((r) => r.status === 'failed')).toBe(true);
  });

  it('does the same on Salesforce: Account and Opportunity fields, one Task per write after a crash', async () => {
    const fields = ['Foothold_EQL_Status__c', 'Foothold_Partner__c', 'Foothold_Write_Key__c'];
    const sf = await startSalesforceStandIn({
      customFields: { Account: fields, Opportunity: fields, Task: ['Foothold_Write_Key__c'] },
      externalIdFields: { Task: ['Foothold_Write_Key__c'] },
      now: () => w.clock.now(), // the org's clock is the test's (getDeleted reaches back 15 days)
    });
    try {
      config = salesforceConfig();
      w.cleanup();
      w = await jobWorld({ config, start: MONDAY_10AM });
      provider = salesforceProvider(sf.url, config.crm!);
      const account = sf.put('Account', {
        Name: 'Acme Corp',
        Website: 'https://acme.com',
        Industry: 'software',
        NumberOfEmployees: 1200,
        BillingCountry: 'US',
      });
      const leadId = await claimedEql();
      const opp = sf.put('Opportunity', {
        Name: 'Acme platform',
        AccountId: account,
        StageName: 'Closed Won',
        Amount: 75_000,
        CloseDate: '2026-12-10',
        CreatedDate: sfDateTime(w.clock.now() + DAY),
      });
      w.clock.advance(2 * DAY);
      await syncNow();
      expect(await syncCrmOutcomes(w.services)).toMatchObject({ linked: 1, transitions: 1 });
      expect(await getLead(w.db, leadId)).toMatchObject({ status: 'won', opportunityAmount: 75_000 });

      const logger = { info() {}, warn() {}, error() {} };
      const crashing: CrmProvider = {
        ...provider,
        kind: provider.kind,
        writeBack: async (write: CrmWrite): Promise<CrmWriteResult> => {
          await provider.writeBack(write);
          throw new Error('killed before the commit');
        },
      };
      await (await createWriteBackSender({ db: w.db, provider: crashing, logger, now: w.clock.now })).drain();
      w.clock.advance(DAY);
      await (await createWriteBackSender({ db: w.db, provider, logger, now: w.clock.now })).drain();
      const rows = await crmOutboxRows(w.db);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
      expect(rows.some((r) => r.attempts === 2)).toBe(true); // replayed after the "crash"
      expect(sf.get('Account', account)).toMatchObject({
        Foothold_EQL_Status__c: 'Won',
        Foothold_Partner__c: 'Northwind Consulting',
      });
      expect(sf.get('Opportunity', opp)).toMatchObject({ Foothold_EQL_Status__c: 'Won' });
      // salesforceConfig notes every write (account and opportunity): one Task per write, none twice.
      expect(sf.count('Task')).toBe(rows.filter((r) => r.recordKey.startsWith('account:')).length);
    } finally {
      await sf.close();
    }
  });
});

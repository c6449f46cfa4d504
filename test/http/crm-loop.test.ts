import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProgramConfig } from '../../src/config/program-config.ts';
import { crmOutboxRows } from '../../src/db/stores/crm-outbox-store.ts';
import type { HubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { blockAction } from '../../src/dev/slack-client.ts';
import { ACTIONS, encodeLinkChoice } from '../../src/slack/ids.ts';
import { routingPostUrl } from '../../src/slack/permalink.ts';
import { hubspotConfig } from '../helpers/crm.ts';
import { putAcme, startFootholdPortal } from '../helpers/crm-outcomes.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import {
  allText,
  buttons,
  click,
  command,
  flagAccount,
  type Person,
  routingPost,
} from '../helpers/slack-actors.ts';
import { sqlGet } from '../helpers/sql.ts';

// The whole loop over HTTP: signed Slack requests to the real Bolt app with the Slack stand-in, the HubSpot
// stand-in reached through HUBSPOT_API_URL by the real @hubspot/api-client, the bot's own crm-sync job (pull,
// then outcomes) and its write-back sender.

const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const REP1: Person = { userId: 'U0REP1', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const REP2: Person = { userId: 'U0REP2', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const LEAD: Person = { userId: 'U0LEAD', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };

let hs: HubSpotStandIn;
let h: Harness;
let config: ProgramConfig;
let companyId: string;

beforeEach(async () => {
  config = hubspotConfig();
  hs = await startFootholdPortal();
  h = await startHarness({ config, env: hubspotEnv(hs) });
  companyId = putAcme(hs);
});
afterEach(async () => {
  await h.stop();
  await hs.close();
});

/** The bot reaches the HubSpot stand-in through the environment, as in production. */
const hubspotEnv = (standIn: HubSpotStandIn) => ({
  HUBSPOT_ACCESS_TOKEN: 'pat-na1-standin-token',
  HUBSPOT_API_URL: standIn.url,
});

/** The bot's own crm-sync job (pull, then outcomes; its afterRun wakes both senders); then wait for Slack. */
async function crmSyncJob(): Promise<void> {
  const run = await h.foothold.scheduler.run('crm-sync');
  expect(run.skipped ?? null).toBeNull();
  await h.drain();
}

function deal(props: Record<string, string>): string {
  const id = hs.put('deals', {
    pipeline: 'default',
    createdate: new Date(Date.now() + 1_000).toISOString(),
    ...props,
  });
  hs.associate(id, companyId);
  return id;
}

const dmsTo = (userId: string) => h.standIn.messagesTo(userId).filter((m) => m.method === 'chat.postMessage');

async function flaggedAndClaimed(): Promise<number> {
  await crmSyncJob();
  await flagAccount(h, PAT);
  const leadId = ((await sqlGet(h.db, 'select max(id) as id from leads')) as { id: number }).id;
  await h.drain();
  const post = (await routingPost(h, leadId))!;
  const claim = buttons(post).get(ACTIONS.claim)!;
  expect(
    (await click(h, REP1, ACTIONS.claim, claim.value, { channelId: post.channel, messageTs: post.ts })).res
      .status,
  ).toBe(200);
  await h.drain();
  return leadId;
}

describe('the CRM loop over HTTP', () => {
  it('flag → qualify → claim in Slack → deal in HubSpot → sync → post and partner DM → won in HubSpot → digest revenue', async () => {
    const leadId = await flaggedAndClaimed();
    expect((await routingPost(h, leadId))?.text).toContain('Claimed');

    const dealId = deal({
      dealname: 'Acme platform',
      dealstage: 'qualifiedtobuy',
      amount: '64000',
      deal_currency_code: 'USD',
    });
    await crmSyncJob();
    let post = (await routingPost(h, leadId))!;
    expect(post.text).toContain('Opportunity');
    expect(allText(post.blocks)).toContain('Acme platform · stage `qualifiedtobuy` · $64,000');
    // The CRM drives the outcome now: no Won/Lost/Opportunity buttons on the post.
    expect([...buttons(post).keys()]).not.toContain(ACTIONS.won);
    expect(allText(dmsTo(PAT.userId).at(-1))).toContain('open opportunity');

    hs.update('deals', dealId, {
      dealstage: 'closedwon',
      amount: '72000',
      closedate: new Date().toISOString(),
    });
    await crmSyncJob();
    post = (await routingPost(h, leadId))!;
    expect(post.text).toContain('Won');
    expect(allText(post.blocks)).toContain('$72,000');
    const partnerNews = dmsTo(PAT.userId).map((m) => allText(m));
    expect(partnerNews.filter((t) => /won/i.test(t)).length).toBeGreaterThan(0);

    // Write-back: the company and the deal carry the EQL's fields, the link to the routing post included.
    await h.foothold.crmWriteBack!.drain();
    expect((await crmOutboxRows(h.db)).every((r) => r.status === 'sent')).toBe(true);
    const company = hs.get('companies', companyId)!.properties;
    expect(company).toMatchObject({
      foothold_eql_status: 'Won',
      foothold_partner: 'Northwind Consulting',
      foothold_attribution: 'Partner-sourced',
      foothold_lead_id: String(leadId),
      foothold_lead_url: routingPostUrl(post.channel, post.ts),
    });
    expect(hs.get('deals', dealId)!.properties.foothold_eql_status).toBe('Won');

    // The digest answers in revenue.
    const digest = allText((await command(h, LEAD, 'digest')).res.json);
    expect(digest).toContain('Partner-sourced EQLs won *$72,000*');
    expect(digest).toContain('won *$72,000* (1 deal, average $72,000)');
  });

  it('a click the CRM contradicts is logged and the CRM wins', async () => {
    const leadId = await flaggedAndClaimed();
    let post = (await routingPost(h, leadId))!;
    const won = buttons(post).get(ACTIONS.won)!;
    await click(h, REP1, ACTIONS.won, won.value, { channelId: post.channel, messageTs: post.ts });
    await h.drain();
    expect((await routingPost(h, leadId))?.text).toContain('Won');
    deal({ dealname: 'Acme platform', dealstage: 'closedlost', closed_lost_reason: 'Price' });
    await crmSyncJob();
    post = (await routingPost(h, leadId))!;
    expect(post.text).toContain('Lost');
    const conflict = await sqlGet(
      h.db,
      "select actor_user_id as actor, from_status as f, to_status as t from lead_events where lead_id = ? and type = 'crm_conflict'",
      leadId,
    );
    expect(conflict).toEqual({ actor: REP1.userId, f: 'won', t: 'lost' });
  });

  it('several deals: the owner links one from the routing post select; others may not', async () => {
    const leadId = await flaggedAndClaimed();
    const a = deal({ dealname: 'Acme platform', dealstage: 'qualifiedtobuy', amount: '30000' });
    deal({ dealname: 'Acme add-on', dealstage: 'appointmentscheduled' });
    await crmSyncJob();
    const post = (await routingPost(h, leadId))!;
    expect(allText(post.blocks)).toContain('link_opportunity');
    expect(allText(dmsTo(REP1.userId).at(-1))).toContain('Link opportunity');
    const version = (
      (await sqlGet(h.db, 'select version from leads where id = ?', leadId)) as { version: number }
    ).version;
    const pick = (who: Person) =>
      h.slack.action(
        blockAction({
          user: { id: who.userId, team_id: who.teamId },
          teamId: h.standIn.team.id,
          actionId: ACTIONS.linkOpportunity,
          actionType: 'static_select',
          blockId: 'crm_link',
          action: {
            selected_option: {
              text: { type: 'plain_text', text: 'x' },
              value: encodeLinkChoice({ leadId, version, opportunityId: a }),
            },
          },
          channelId: post.channel,
          messageTs: post.ts,
        }),
      );
    expect((await pick(REP2)).status).toBe(200);
    await h.standIn.waitFor(
      () => h.standIn.calls('chat.postEphemeral').some((c) => c.args.user === REP2.userId),
      2000,
    );
    expect(await sqlGet(h.db, 'select crm_opportunity_id as o from leads where id = ?', leadId)).toEqual({
      o: null,
    });
    expect((await pick(REP1)).status).toBe(200);
    await h.drain();
    expect(
      await sqlGet(h.db, 'select crm_opportunity_id as o, status from leads where id = ?', leadId),
    ).toEqual({ o: a, status: 'opportunity' });
    expect(allText((await routingPost(h, leadId))?.blocks)).toContain(
      'Acme platform · stage `qualifiedtobuy` · $30,000',
    );
  });

  it('a write-back HubSpot refuses for good is reported once to the admins over Slack', async () => {
    await hs.close();
    hs = await startFootholdPortal([]); // a portal without Foothold's properties
    await h.stop();
    h = await startHarness({ config, env: hubspotEnv(hs) });
    companyId = putAcme(hs);
    await flaggedAndClaimed();
    await h.foothold.crmWriteBack!.drain();
    h.foothold.sender.kick();
    await h.drain();
    const adminDms = dmsTo('U0ADMIN').filter((m) => allText(m).includes('refused a Foothold write-back'));
    expect(adminDms).toHaveLength(1);
    expect(allText(adminDms[0])).toContain('How to fix it');
    expect((await crmOutboxRows(h.db)).every((r) => r.status === 'failed')).toBe(true);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockAction, eventEnvelope, messageShortcut } from '../../src/dev/slack-client.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import {
  allText,
  buttons,
  click,
  command,
  flagAccount,
  lastModal,
  modalCount,
  type Person,
  routingPost,
  submissionValues,
  submitModal,
} from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const CON: Person = { userId: 'U0CONPAT', teamId: 'T0CONTOSO', channelId: 'C0SHAREDC' };
const STRANGER: Person = { userId: 'U0STRANGER', teamId: 'T0UNKNOWN', channelId: 'C0RANDOM' };
const REP1: Person = { userId: 'U0REP1', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const REP2: Person = { userId: 'U0REP2', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const LEAD: Person = { userId: 'U0LEAD', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const ADMIN: Person = { userId: 'U0ADMIN', teamId: 'T0VENDOR', channelId: 'C0ADMIN' };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

async function leadIds(): Promise<number[]> {
  return ((await sqlAll(h.db, 'select id from leads order by id')) as Array<{ id: number }>).map((r) => r.id);
}
function dmsTo(userId: string) {
  return h.standIn.messagesTo(userId).filter((m) => m.method === 'chat.postMessage');
}
function ephemeralsTo(userId: string) {
  return h.standIn.calls('chat.postEphemeral').filter((c) => c.args.user === userId);
}
/** A refusal is sent just after the ack, so wait for the n-th one to arrive. */
async function ephemeralsAfter(userId: string, n: number) {
  await h.standIn.waitFor(() => ephemeralsTo(userId).length >= n, 2000).catch(() => undefined);
  return ephemeralsTo(userId);
}

describe('a partner flags an account and hears back at every step', () => {
  it('runs flag → EQL → claim race → intro → meeting → opportunity → won over HTTP', async () => {
    const { res } = await command(h, PAT, '');
    expect(res.status).toBe(200);
    const modal = await lastModal(h, PAT.userId);
    expect(modal.callbackId).toBe('submit_lead');
    expect(allText(modal.history.at(-1))).toContain('relationship');

    const ack = await submitModal(
      h,
      PAT,
      modal,
      submissionValues({ notes: 'Met their CTO <!channel> <@U0LEAD> <https://evil.example|click>' }),
    );
    expect(ack.status).toBe(200);
    expect((ack.json as { response_action: string }).response_action).toBe('update');
    expect(allText(ack.json)).toContain('Acme Corp');
    const [leadId] = await leadIds();
    expect(leadId).toBeDefined();
    await h.drain();

    // The routing post: internal channel, all four gates, escaped notes, a Claim button.
    const post = await routingPost(h, leadId!);
    expect(post?.channel).toBe('C0ROUTING');
    const postText = allText(post?.blocks);
    for (const gate of ['Overlap', 'Warmth', 'Fit', 'Motion'])
      expect(postText.toLowerCase()).toContain(gate.toLowerCase());
    expect(postText).toContain('&lt;!channel&gt;');
    expect(postText).not.toContain('<!channel>');
    expect(postText).not.toContain('<@U0LEAD>');
    expect(postText).not.toContain('<https://evil');
    const claim = buttons(post).get(ACTIONS.claim);
    expect(claim).toBeDefined();

    // The partner got the primer and the "it's an EQL" news, and nothing internal.
    const patDms = dmsTo(PAT.userId);
    expect(patDms.length).toBeGreaterThanOrEqual(2);
    expect(allText(patDms)).not.toContain('C0ROUTING');

    // Two reps click Claim at the same moment: one owner, the other told who.
    const [a, b] = await Promise.all([
      click(h, REP1, ACTIONS.claim, claim!.value, { channelId: post!.channel, messageTs: post!.ts }),
      click(h, REP2, ACTIONS.claim, claim!.value, { channelId: post!.channel, messageTs: post!.ts }),
    ]);
    expect(a.res.status).toBe(200);
    expect(b.res.status).toBe(200);
    const owner = (
      (await sqlGet(h.db, 'select owner_user_id as o from leads where id = ?', leadId)) as { o: string }
    ).o;
    expect([REP1.userId, REP2.userId]).toContain(owner);
    const loser = owner === REP1.userId ? REP2 : REP1;
    const told = await ephemeralsAfter(loser.userId, 1);
    expect(told).toHaveLength(1);
    expect(String(told[0]?.args.text)).toContain(`<@${owner}>`);
    expect(String(told[0]?.args.text)).toContain('First click wins');
    const ownerPerson = owner === REP1.userId ? REP1 : REP2;
    await h.drain();

    // A rep who does not own it cannot move it.
    const claimed = await routingPost(h, leadId!);
    const intro = buttons(claimed).get(ACTIONS.requestIntro);
    expect(intro).toBeDefined();
    await click(h, loser, ACTIONS.requestIntro, intro!.value, {
      channelId: claimed!.channel,
      messageTs: claimed!.ts,
    });
    expect(await ephemeralsAfter(loser.userId, 2)).toHaveLength(2);
    expect(
      ((await sqlGet(h.db, 'select status from leads where id = ?', leadId)) as { status: string }).status,
    ).toBe('claimed');

    // The owner requests an intro: the partner gets Intro made / Can't introduce.
    await click(h, ownerPerson, ACTIONS.requestIntro, intro!.value, {
      channelId: claimed!.channel,
      messageTs: claimed!.ts,
    });
    await h.drain();
    const introDm = dmsTo(PAT.userId).find((m) => buttons(m).has(ACTIONS.introMade));
    expect(introDm).toBeDefined();
    expect(buttons(introDm).has(ACTIONS.introDeclined)).toBe(true);
    // Another partner org cannot answer it.
    await click(h, CON, ACTIONS.introMade, buttons(introDm).get(ACTIONS.introMade)!.value, {
      channelId: introDm!.channel,
    });
    const refused = await ephemeralsAfter(CON.userId, 1);
    expect(refused).toHaveLength(1);
    expect(String(refused[0]?.args.text)).toMatch(/isn.t one of your organisation/);
    expect(
      ((await sqlGet(h.db, 'select intro_status as s from leads where id = ?', leadId)) as { s: string }).s,
    ).toBe('requested');
    await click(h, PAT, ACTIONS.introMade, buttons(introDm).get(ACTIONS.introMade)!.value, {
      channelId: introDm!.channel,
      messageTs: introDm!.ts,
    });
    await h.drain();
    // The partner's DM now thanks them instead of offering the buttons again.
    const answeredDm = h.standIn.message(introDm!.channel, introDm!.ts);
    expect(buttons(answeredDm).has(ACTIONS.introMade)).toBe(false);
    expect(answeredDm?.text).toMatch(/Thank you/);
    expect(
      ((await sqlGet(h.db, 'select intro_status as s from leads where id = ?', leadId)) as { s: string }).s,
    ).toBe('made');
    expect(allText((await routingPost(h, leadId!))?.blocks)).toContain('Made by the partner');

    for (const step of [ACTIONS.meetingHeld, ACTIONS.opportunity, ACTIONS.won]) {
      const current = await routingPost(h, leadId!);
      const btn = buttons(current).get(step);
      expect(btn, `button ${step}`).toBeDefined();
      const r = await click(h, ownerPerson, step, btn!.value, {
        channelId: current!.channel,
        messageTs: current!.ts,
      });
      expect(r.res.status).toBe(200);
      await h.drain();
    }
    const final = await routingPost(h, leadId!);
    // A won lead has nothing left to do: only its History remains.
    expect([...buttons(final).keys()]).toEqual([ACTIONS.history]);
    expect(allText(final?.blocks)).toMatch(/Won/);
    const events = (await sqlAll(
      h.db,
      'select to_status from lead_events where lead_id = ? and type = ? order by id',
      leadId,
      'transition',
    )) as Array<{ to_status: string }>;
    expect(events.map((e) => e.to_status)).toEqual([
      'qualified',
      'claimed',
      'intro_requested',
      'meeting_held',
      'opportunity',
      'won',
    ]);
    // The partner heard about every step that matters to them.
    expect(dmsTo(PAT.userId).length).toBeGreaterThanOrEqual(7);
    expect(allText(dmsTo(PAT.userId))).not.toContain('Contoso');
  });

  it('answers bad input with inline field errors and stores nothing', async () => {
    const { res } = await command(h, PAT, '');
    expect(res.status).toBe(200);
    const ack = await submitModal(
      h,
      PAT,
      await lastModal(h, PAT.userId),
      submissionValues({ website: 'localhost', lastInteractionOn: '2099-01-01' }),
    );
    expect(ack.json).toMatchObject({ response_action: 'errors' });
    const errors = (ack.json as { errors: Record<string, string> }).errors;
    expect(Object.keys(errors)).toContain('website');
    expect(errors.website).toMatch(/localhost/);
    expect(errors.last_interaction_on).toMatch(/future/);
    expect(await leadIds()).toEqual([]);
  });

  it('prefills the modal from `/eql acme.com`', async () => {
    await command(h, PAT, 'acme.com');
    expect(allText((await lastModal(h, PAT.userId)).history.at(-1))).toContain('acme.com');
  });

  it('makes a cold lead a candidate and tells the partner how to fix it', async () => {
    await flagAccount(h, PAT, { strength: '2' });
    await h.drain();
    expect(h.standIn.messagesTo('C0ROUTING')).toHaveLength(0);
    const dm = dmsTo(PAT.userId).find((m) => buttons(m).has(ACTIONS.attestOpen));
    expect(dm, 'candidate DM with Update attestation').toBeDefined();
    expect(allText(dm).toLowerCase()).toContain('warmth');

    // The partner updates the attestation from the DM (and adds the company details fit was missing).
    const before = modalCount(h, PAT.userId);
    await click(h, PAT, ACTIONS.attestOpen, buttons(dm).get(ACTIONS.attestOpen)!.value, {
      channelId: dm!.channel,
      messageTs: dm!.ts,
    });
    const modal = await lastModal(h, PAT.userId, before);
    expect(modal.callbackId).toBe('attest');
    const values = submissionValues({ strength: '4' });
    for (const k of ['account_name', 'website', 'need', 'notes', 'industry', 'employees', 'country'])
      delete values[k];
    const ack = await submitModal(h, PAT, modal, values);
    expect(ack.json).toMatchObject({ response_action: 'update' });
    await h.drain();
    expect(await sqlGet(h.db, 'select status from leads')).toEqual({ status: 'qualified' });
    expect(h.standIn.messagesTo('C0ROUTING').filter((m) => m.method === 'chat.postMessage')).toHaveLength(1);
  });
});

describe('who may do what', () => {
  it('refuses an unregistered organisation politely and stores nothing', async () => {
    const { res } = await command(h, STRANGER, '');
    expect(res.status).toBe(200);
    expect(allText(res.json)).toMatch(/isn.t registered/);
    expect(h.standIn.calls('views.open')).toHaveLength(0);
    expect(await sqlGet(h.db, 'select count(*) as n from people')).toEqual({ n: 0 });
  });

  it('shows a partner only its own organisation’s leads in /eql status', async () => {
    await flagAccount(h, PAT);
    await h.drain();
    const { res } = await command(h, CON, 'status acme.com');
    expect(allText(res.json)).not.toContain('Acme Corp');
    expect(allText(res.json)).not.toContain('Northwind');
    expect(allText(res.json)).not.toContain('C0ROUTING');
    const mine = await command(h, PAT, 'status acme.com');
    expect(allText(mine.res.json)).toContain('Acme');
  });

  it('refuses /eql digest to partners and reps, and shows rates to leaders', async () => {
    expect(allText((await command(h, PAT, 'digest')).res.json)).toMatch(/vendor team|leaders/i);
    expect(allText((await command(h, REP1, 'digest')).res.json)).toMatch(/leaders/i);
    await flagAccount(h, PAT);
    const digest = await command(h, LEAD, 'digest');
    expect(allText(digest.res.json)).toMatch(/%/);
  });

  it('answers unknown subcommands with help', async () => {
    const { res } = await command(h, REP1, 'frobnicate');
    expect(allText(res.json)).toContain('frobnicate');
    expect(allText(res.json)).toContain('status');
  });

  it('rejects unsigned and stale requests without recording anything', async () => {
    const body = 'command=%2Feql&text=&user_id=U0NWPAT&team_id=T0NORTH&trigger_id=1.2.3';
    const unsigned = await h.slack.raw(
      body,
      { 'content-type': 'application/x-www-form-urlencoded' },
      { sign: false },
    );
    expect(unsigned.status).toBe(401);
    const stale = await h.slack.raw(
      body,
      { 'content-type': 'application/x-www-form-urlencoded' },
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
    );
    expect(stale.status).toBe(401);
    expect(h.standIn.calls('views.open')).toHaveLength(0);
  });
});

describe('the two partner doors', () => {
  it('pins a Flag an account card in each shared channel on /eql setup, whose button opens the modal for external people', async () => {
    const { res } = await command(h, ADMIN, 'setup');
    expect(allText(res.json)).toContain('C0SHAREDN');
    await h.drain();
    expect(h.standIn.pins('C0SHAREDN')).toHaveLength(1);
    expect(h.standIn.pins('C0SHAREDC')).toHaveLength(1);
    const card = h.standIn.messagesTo('C0SHAREDN').find((m) => buttons(m).has(ACTIONS.flagAccount));
    expect(card).toBeDefined();
    // A refresh updates the card in place instead of posting a second one.
    await command(h, ADMIN, 'setup');
    await h.drain();
    expect(h.standIn.messagesTo('C0SHAREDN').filter((m) => m.method === 'chat.postMessage')).toHaveLength(1);
    expect(h.standIn.pins('C0SHAREDN')).toHaveLength(1);

    // A partner without the app clicks it in the shared channel.
    const trigger = h.standIn.issueTriggerId({ userId: PAT.userId });
    const clickRes = await h.slack.action(
      blockAction({
        user: { id: PAT.userId, team_id: PAT.teamId },
        teamId: 'T0VENDOR',
        actionId: ACTIONS.flagAccount,
        value: 'flag',
        channelId: 'C0SHAREDN',
        triggerId: trigger,
      }),
    );
    expect(clickRes.status).toBe(200);
    expect((await lastModal(h, PAT.userId)).callbackId).toBe('submit_lead');
    // A rep is not allowed to run setup.
    expect(allText((await command(h, REP1, 'setup')).res.json)).toMatch(/admin/i);
  });

  it('posts the card once when the bot joins a shared channel, even if Slack retries the event', async () => {
    const event = eventEnvelope(
      {
        type: 'member_joined_channel',
        user: h.standIn.bot.userId,
        channel: 'C0SHAREDC',
        channel_type: 'C',
        team: 'T0VENDOR',
        event_ts: '1.1',
      },
      { teamId: 'T0VENDOR', eventId: 'Ev0JOIN1' },
    );
    expect((await h.slack.event(event)).status).toBe(200);
    expect((await h.slack.event(event, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    // Events are acknowledged before they are handled: wait for the card, then give a repeat every chance.
    const cards = () => h.standIn.messagesTo('C0SHAREDC').filter((m) => m.method === 'chat.postMessage');
    const deadline = Date.now() + 5000;
    while (cards().length === 0 && Date.now() < deadline) {
      await h.drain();
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    await h.drain();
    expect(cards()).toHaveLength(1);
  });

  it('opens the modal with the message linked from the Flag as EQL shortcut', async () => {
    const ts = h.standIn.addMessage({
      channel: 'C0SHAREDN',
      text: 'Acme &amp; Co is looking at partner portals &lt;3',
      user: PAT.userId,
    });
    const trigger = h.standIn.issueTriggerId({ userId: PAT.userId });
    const res = await h.slack.shortcut(
      messageShortcut({
        user: { id: PAT.userId, team_id: PAT.teamId },
        teamId: 'T0VENDOR',
        callbackId: 'flag_as_eql',
        channel: 'C0SHAREDN',
        // As Slack sends message text: `&`, `<` and `>` escaped.
        message: { ts, text: 'Acme &amp; Co is looking at partner portals &lt;3' },
        triggerId: trigger,
      }),
    );
    expect(res.status).toBe(200);
    const modal = await lastModal(h, PAT.userId);
    // The notes field shows what Pat wrote, not Slack's escaping.
    const notes = JSON.stringify(modal.history.at(-1)).match(/"initial_value":"(Acme[^"]*)"/)?.[1];
    expect(notes).toBe('Acme & Co is looking at partner portals <3');
    expect(String(modal.payload.private_metadata)).toContain('archives/C0SHAREDN');
  });

  it('publishes a role-specific App Home when opened', async () => {
    await flagAccount(h, PAT);
    const res = await h.slack.event(
      eventEnvelope(
        { type: 'app_home_opened', user: PAT.userId, tab: 'home', channel: 'D0PAT', event_ts: '1.2' },
        { teamId: 'T0VENDOR' },
      ),
    );
    expect(res.status).toBe(200);
    await h.standIn.waitFor((c) => c.method === 'views.publish');
    const home = h.standIn.homeView(PAT.userId);
    expect(allText(home?.payload)).toContain('Acme');
    expect(allText(home?.payload)).not.toContain('C0ROUTING');
  });
});

import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { eventEnvelope, stateValue } from '../../src/dev/slack-client.ts';
import { overlapFirstJob } from '../../src/jobs/overlap-first-job.ts';
import { createTimeZoneLookup } from '../../src/jobs/time-zones.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { CONTOSO, LEADER, NORTHWIND, REP1, REP2 } from '../helpers/actors.ts';
import { testConfig } from '../helpers/db.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import {
  allText,
  buttons,
  click,
  command,
  lastModal,
  modalCount,
  type Person,
  routingPost,
  submissionValues,
  submitModal,
} from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

// Issue 13's partner loop over HTTP (signed requests, the real Bolt app, the Slack stand-in): an intro from a
// corroborating partner, overlap-first answers, reward approval and rejection, App Homes, and the payout CSV.

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function flag(who: Person, fields: Parameters<typeof submissionValues>[0] = {}, text = 'acme.com') {
  const before = modalCount(h, who.userId);
  await command(h, who, text);
  const modal = await lastModal(h, who.userId, before);
  expect((await submitModal(h, who, modal, submissionValues(fields))).status).toBe(200);
  await h.drain();
}
const leadOf = async (domain: string, partner: string) =>
  (
    (await sqlGet(h.db, 'select id from leads where domain = ? and partner_slug = ?', domain, partner)) as {
      id: number;
    }
  ).id;
const lastWith = (userId: string, action: string) =>
  h.standIn
    .messagesTo(userId)
    .filter((m) => buttons(m).has(action))
    .at(-1);
async function pressOnPost(who: Person, leadId: number, action: string) {
  const post = (await routingPost(h, leadId))!;
  const res = await click(h, who, action, buttons(post).get(action)!.value, {
    channelId: post.channel,
    messageTs: post.ts,
  });
  expect(res.res.status).toBe(200);
  await h.drain();
}
async function openHome(who: Person) {
  const before = h.standIn.calls('views.publish').length;
  await h.slack.event(
    eventEnvelope(
      { type: 'app_home_opened', user: who.userId, tab: 'home', channel: 'D0HOME' },
      { teamId: 'T0VENDOR' },
    ),
  );
  for (let i = 0; i < 100 && h.standIn.calls('views.publish').length === before; i++)
    await new Promise((r) => setTimeout(r, 20));
  return h.standIn.calls('views.publish').at(-1)!.args.view;
}

describe('corroboration as signal', () => {
  it('shows each corroborator’s warmth and contact to reps, and the owner can ask that partner for an intro', async () => {
    h = await startHarness();
    await flag(NORTHWIND);
    await flag(CONTOSO, {
      accountName: 'Acme (as Contoso knows it)',
      contactName: 'Carla Contoso-Contact',
      strength: '5',
    });
    const id = await leadOf('acme.com', 'northwind');
    await pressOnPost(REP1, id, ACTIONS.claim);
    const post = allText(await routingPost(h, id));
    expect(post).toContain('Corroborated by Contoso Systems');
    expect(post).toContain('5/5 Champion');
    expect(post).toContain('Carla Contoso-Contact');
    expect(post).toContain('willing to introduce');
    expect(buttons(await routingPost(h, id)).has(ACTIONS.requestCorroboratorIntro)).toBe(true);

    // Only the owner (or a leader) may ask: another rep is told privately and nothing is sent.
    await pressOnPost(REP2, id, ACTIONS.requestCorroboratorIntro);
    expect(lastWith(CONTOSO.userId, ACTIONS.introMade)).toBeUndefined();
    await pressOnPost(REP1, id, ACTIONS.requestCorroboratorIntro);
    const dm = lastWith(CONTOSO.userId, ACTIONS.introMade)!;
    const dmText = allText(dm);
    expect(dmText).toContain('Acme (as Contoso knows it)');
    expect(dmText).toContain('Carla Contoso-Contact');
    expect(dmText).not.toContain('Northwind');
    expect(dmText).not.toContain('Jane Doe');
    expect(allText(await routingPost(h, id))).toContain('intro requested, waiting');
    expect(buttons(await routingPost(h, id)).has(ACTIONS.requestCorroboratorIntro)).toBe(false);
    // The submitting partner's own intro flow is untouched.
    expect(buttons(await routingPost(h, id)).has(ACTIONS.requestIntro)).toBe(true);

    await click(h, CONTOSO, ACTIONS.introMade, buttons(dm).get(ACTIONS.introMade)!.value, {
      channelId: dm.channel,
      messageTs: dm.ts,
    });
    await h.drain();
    expect(allText(await routingPost(h, id))).toContain('✅ intro made');
    expect(allText(h.standIn.message(dm.channel, dm.ts))).toContain('Thank you!');
    const ownerDm = h.standIn.messagesTo(REP1.userId).at(-1);
    expect(allText(ownerDm)).toContain('Contoso Systems made the intro to Carla Contoso-Contact');
    const row = await sqlGet(h.db, 'select status, answered_by_user_id as by from corroborator_intros');
    expect(row).toEqual({ status: 'made', by: CONTOSO.userId });
    // Northwind (the submitter) heard nothing of any of it.
    expect(allText(h.standIn.messagesTo(NORTHWIND.userId))).not.toContain('Contoso');
  });
});

describe('overlap first', () => {
  it('asks the partner in Slack; “not now” and “we don’t know them” are remembered, “we know them” opens the form', async () => {
    h = await startHarness();
    await flag(NORTHWIND);
    for (const d of ['ov-a.com', 'ov-b.com', 'ov-c.com']) {
      await sqlRun(
        h.db,
        "insert into crm_accounts (domain, name, industry, employees, country, imported_at) values (?, ?, 'software', 800, 'US', 0)",
        d,
        `Overlap ${d}`,
      );
      await sqlRun(
        h.db,
        "insert into partner_overlaps (partner_slug, domain, relationship, imported_at) values ('northwind', ?, 'customer', 0)",
        d,
      );
    }
    const now = Date.now();
    const services = { ...h.foothold.deps.services, now: () => now };
    await overlapFirstJob.run(
      { services, timeZones: createTimeZoneLookup({ db: h.db, usersInfo: null }) },
      now,
    );
    await sqlRun(h.db, "update outbox set not_before = 0 where status = 'pending'");
    await h.drain();
    const ask = lastWith(NORTHWIND.userId, ACTIONS.overlapSnooze)!;
    expect(allText(ask)).toContain('Overlap ov-a.com');
    const values = (action: string) =>
      ((ask.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>)
        .filter((b) => b.type === 'actions')
        .map((b) => b.elements!.find((e) => e.action_id === action)!.value);
    const where = { channelId: ask.channel, messageTs: ask.ts };
    await click(h, NORTHWIND, ACTIONS.overlapSnooze, values(ACTIONS.overlapSnooze)[0]!, where);
    await click(h, NORTHWIND, ACTIONS.overlapUnknown, values(ACTIONS.overlapUnknown)[1]!, where);
    // Another org's person cannot answer Northwind's question.
    await click(h, CONTOSO, ACTIONS.overlapUnknown, values(ACTIONS.overlapUnknown)[2]!, where);
    const before = modalCount(h, NORTHWIND.userId);
    await click(h, NORTHWIND, ACTIONS.overlapKnown, values(ACTIONS.overlapKnown)[2]!, where);
    const modal = await lastModal(h, NORTHWIND.userId, before);
    expect(allText(modal.payload)).toContain('ov-c.com');
    // The answer is recorded right after the modal is opened (the trigger cannot wait for anything).
    const known = async () =>
      (
        (await sqlGet(h.db, "select status from overlap_asks where domain = 'ov-c.com'")) as {
          status: string;
        }
      ).status;
    for (let i = 0; i < 250 && (await known()) !== 'known'; i++) await new Promise((r) => setTimeout(r, 20));
    await h.drain();
    const statuses = await sqlAll(
      h.db,
      'select domain, status, answered_by_user_id as by from overlap_asks order by domain',
    );
    expect(statuses).toEqual([
      { domain: 'ov-a.com', status: 'snoozed', by: NORTHWIND.userId },
      { domain: 'ov-b.com', status: 'unknown', by: NORTHWIND.userId },
      { domain: 'ov-c.com', status: 'known', by: NORTHWIND.userId },
    ]);
    // The message now shows every answer and no buttons.
    const updated = h.standIn.message(ask.channel, ask.ts)!;
    expect(buttons(updated).size).toBe(0);
    expect(allText(updated)).toContain('Not now');
    expect(allText(updated)).toContain('won’t ask about it again');
    // Submitting the prefilled form is the normal path: a lead on ov-c.com.
    expect(
      (
        await submitModal(
          h,
          NORTHWIND,
          modal,
          submissionValues({ website: 'ov-c.com', accountName: 'Overlap C' }),
        )
      ).status,
    ).toBe(200);
    expect(await leadOf('ov-c.com', 'northwind')).toBeGreaterThan(0);
  });
});

describe('partner rewards', () => {
  it('a leader approves or rejects in Slack; the partner sees its own rewards; the payout CSV has them', async () => {
    h = await startHarness({
      config: testConfig((raw) =>
        Object.assign(raw, {
          rewards: {
            currency: 'USD',
            rules: [
              { on: 'opportunity', points: 10 },
              { on: 'won', amount: 300 },
            ],
          },
        }),
      ),
    });
    await flag(NORTHWIND);
    const id = await leadOf('acme.com', 'northwind');
    await pressOnPost(REP1, id, ACTIONS.claim);
    await pressOnPost(REP1, id, ACTIONS.opportunity);
    await pressOnPost(REP1, id, ACTIONS.won);
    const asks = h.standIn.messagesTo(LEADER.userId).filter((m) => buttons(m).has(ACTIONS.rewardApprove));
    expect(asks).toHaveLength(2);
    expect(allText(asks[0])).toContain('10 points');
    expect(allText(asks[1])).toContain('300 USD');

    // A rep cannot approve.
    const approve = buttons(asks[0]).get(ACTIONS.rewardApprove)!.value;
    await click(h, REP1, ACTIONS.rewardApprove, approve, {
      channelId: asks[0]!.channel,
      messageTs: asks[0]!.ts,
    });
    expect(
      (
        (await sqlGet(h.db, "select count(*) as n from reward_awards where status = 'pending'")) as {
          n: number;
        }
      ).n,
    ).toBe(2);

    // The leader's App Home lists both with buttons.
    const leaderHome = await openHome({
      userId: LEADER.userId,
      teamId: 'T0VENDOR',
      channelId: null,
    } as Person);
    expect(allText(leaderHome)).toContain('Rewards to approve (2)');

    await click(h, LEADER, ACTIONS.rewardApprove, approve, {
      channelId: asks[0]!.channel,
      messageTs: asks[0]!.ts,
    });
    await h.drain();
    expect(allText(h.standIn.message(asks[0]!.channel, asks[0]!.ts))).toContain('Approved by');
    const before = modalCount(h, LEADER.userId);
    await click(h, LEADER, ACTIONS.rewardReject, buttons(asks[1]).get(ACTIONS.rewardReject)!.value, {
      channelId: asks[1]!.channel,
      messageTs: asks[1]!.ts,
    });
    const modal = await lastModal(h, LEADER.userId, before);
    expect(
      (
        await submitModal(h, LEADER, modal, {
          reject_reason: { reject_reason: stateValue.text('Internal: duplicate of a direct deal') },
        })
      ).status,
    ).toBe(200);
    await h.drain();
    expect(allText(h.standIn.message(asks[1]!.channel, asks[1]!.ts))).toContain('Rejected by');
    expect(await sqlAll(h.db, 'select status, decision_reason as r from reward_awards order by id')).toEqual([
      { status: 'approved', r: null },
      { status: 'rejected', r: 'Internal: duplicate of a direct deal' },
    ]);
    const partnerDms = allText(h.standIn.messagesTo(NORTHWIND.userId));
    expect(partnerDms).toContain('Reward approved:');
    expect(partnerDms).toContain('wasn’t approved');
    expect(partnerDms).not.toContain('duplicate of a direct deal');

    // The partner's App Home: its own scorecard and rewards.
    const home = allText(await openHome(NORTHWIND));
    expect(home).toContain('Your scorecard');
    expect(home).toContain('Your rewards');
    expect(home).toContain('10 points');
    expect(home).toContain('The program average appears once at least 3 other partners');

    // The payout export.
    let out = '';
    const stdout = new Writable({
      write(c, _e, cb) {
        out += c.toString();
        cb();
      },
    });
    const stderr = new Writable({
      write(_c, _e, cb) {
        cb();
      },
    });
    const code = await runCli(['export', 'rewards', '--status', 'approved'], {
      stdout,
      stderr,
      env: { ...h.tdb.env },
    });
    expect(code).toBe(0);
    const rows = parse(out, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'approved',
      partner_slug: 'northwind',
      partner_name: 'Northwind Consulting',
      lead_id: String(id),
      domain: 'acme.com',
      milestone: 'opportunity',
      kind: 'points',
      points: '10',
      amount: '',
      currency: '',
      decided_by_user_id: LEADER.userId,
    });
    out = '';
    expect(
      await runCli(['export', 'rewards', '--status', 'paid'], {
        stdout,
        stderr,
        env: { ...h.tdb.env },
      }),
    ).toBe(2);
  });
});

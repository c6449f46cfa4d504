import { afterEach, describe, expect, it } from 'vitest';
import { eventEnvelope } from '../../src/dev/slack-client.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { allText, buttons, click, flagAccount, type Person, routingPost } from '../helpers/slack-actors.ts';
import { ENVELOPES, events, WORLDS } from '../helpers/slack-payloads.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// Issue 9, item 4: a routing channel shared with another organisation mid-run. Slack's `channel_shared` /
// `channel_unshared` events (https://api.slack.com/events/channel_shared) and `conversations.info`'s
// `is_ext_shared`, `is_pending_ext_shared`, `pending_connected_team_ids` (https://api.slack.com/types/conversations),
// played by the stand-in.

const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const REP1: Person = { userId: 'U0REP1', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const ADMIN = 'U0ADMIN';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function harness(): Promise<Harness> {
  const h = await startHarness();
  cleanups.push(() => h.stop());
  return h;
}

async function leadId(h: Harness, domain: string): Promise<number> {
  return ((await sqlGet(h.db, 'select id from leads where domain = ?', domain)) as { id: number }).id;
}

async function channelState(h: Harness, channel: string): Promise<string> {
  const row = (await sqlGet(h.db, 'select state from channel_states where channel_id = ?', channel)) as
    | { state: string }
    | undefined;
  return row?.state ?? 'internal';
}

async function until(what: string, fn: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Calls that would show something in a channel. */
function postsTo(h: Harness, channel: string, afterSeq = 0) {
  return h.standIn
    .calls()
    .filter(
      (c) =>
        c.seq > afterSeq &&
        ['chat.postMessage', 'chat.update', 'pins.add'].includes(c.method) &&
        c.args.channel === channel,
    );
}

const adminDms = (h: Harness, text: RegExp) =>
  h.standIn.messagesTo(ADMIN).filter((m) => text.test(m.text ?? ''));

describe('a routing channel shared mid-run', () => {
  it('stops posting there at once, tells admins, shows it on their App Home, and resumes when fixed', async () => {
    const h = await harness();
    await flagAccount(h, PAT, { accountName: 'One Co', website: 'one-co.com' });
    await h.drain();
    const first = await leadId(h, 'one-co.com');
    expect((await routingPost(h, first))?.channel).toBe('C0ROUTING');

    // Someone shares #eql-routing with another organisation.
    h.standIn.addChannel({
      id: 'C0ROUTING',
      name: 'eql-routing',
      isExtShared: true,
      connectedTeamIds: ['T0OUTSIDE'],
    });
    const shared = eventEnvelope(
      { type: 'channel_shared', connected_team_id: 'T0OUTSIDE', channel: 'C0ROUTING' },
      { teamId: 'T0VENDOR' },
    );
    const sharedAt = h.standIn.calls().at(-1)?.seq ?? 0;
    expect((await h.slack.event(shared)).status).toBe(200);
    await until('the channel to be held', async () => (await channelState(h, 'C0ROUTING')) === 'shared');

    // The program goes on: a new lead for the same channel, and a claim that updates the first post.
    await flagAccount(h, PAT, { accountName: 'Two Co', website: 'two-co.com' });
    const post = (await routingPost(h, first))!;
    const claim = buttons(post).get(ACTIONS.claim)!;
    expect(
      (await click(h, REP1, ACTIONS.claim, claim.value, { channelId: post.channel, messageTs: post.ts })).res
        .status,
    ).toBe(200);
    await h.drain();

    expect(postsTo(h, 'C0ROUTING', sharedAt)).toEqual([]);
    const waiting = (await sqlAll(
      h.db,
      "select method from outbox where recipient = 'C0ROUTING' and status = 'pending' order by id",
    )) as Array<{ method: string }>;
    expect(waiting.map((w) => w.method)).toEqual(['chat.postMessage', 'chat.update']);
    // Partners still hear from Foothold: only the shared channel is held.
    expect(h.standIn.messagesTo(PAT.userId).some((m) => /Two Co/.test(allText(m)))).toBe(true);

    // Admins are told once, with what to do.
    const stopped = adminDms(h, /stopped posting to <#C0ROUTING>/);
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.text).toMatch(/shared with another organisation \(T0OUTSIDE\)/);
    expect(allText(stopped[0])).toMatch(/Remove the other organisation/);
    expect(await sqlGet(h.db, "select count(*) as n from lead_events where type = 'channel_held'")).toEqual({
      n: 1,
    });

    // ...and see it on their App Home.
    await h.slack.event(
      eventEnvelope(
        { type: 'app_home_opened', user: ADMIN, tab: 'home', channel: 'D0ADMIN' },
        { teamId: 'T0VENDOR' },
      ),
    );
    await until('the admin home', () =>
      allText(h.standIn.homeView(ADMIN)?.payload ?? {}).includes('Delivery problems'),
    );
    expect(allText(h.standIn.homeView(ADMIN)?.payload ?? {})).toMatch(
      /<#C0ROUTING> is shared with another organisation.*2 messages waiting/,
    );

    // Slack retries the event, and a proxy replays it under a new id: nothing changes, nobody is told twice.
    await h.slack.event(shared, { retryNum: 1, retryReason: 'http_timeout' });
    await h.slack.event({ ...shared, event_id: 'Ev0REPLAYED01' });
    await h.drain();
    expect(adminDms(h, /stopped posting/)).toHaveLength(1);

    // The other organisation is removed: posting resumes, the held rows go out in order.
    h.standIn.addChannel({ id: 'C0ROUTING', name: 'eql-routing' });
    const unshareAt = h.standIn.calls().at(-1)?.seq ?? 0;
    await h.slack.event(
      eventEnvelope(
        {
          type: 'channel_unshared',
          previously_connected_team_id: 'T0OUTSIDE',
          channel: 'C0ROUTING',
          is_ext_shared: false,
        },
        { teamId: 'T0VENDOR' },
      ),
    );
    await until('the channel to resume', async () => (await channelState(h, 'C0ROUTING')) === 'internal');
    await h.drain();
    const resumed = postsTo(h, 'C0ROUTING', unshareAt);
    expect(resumed.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect((await routingPost(h, await leadId(h, 'two-co.com')))?.channel).toBe('C0ROUTING');
    expect(allText(await routingPost(h, first))).toMatch(
      /Claimed · from Northwind Consulting · owner <@U0REP1>/,
    );
    expect(adminDms(h, /is internal again.*2 messages that waited/)).toHaveLength(1);

    // A late replay of the old `channel_shared` does not hold the channel again: Slack says it is internal.
    await h.slack.event({ ...shared, event_id: 'Ev0LATEREPLAY1' });
    await h.drain();
    expect(await channelState(h, 'C0ROUTING')).toBe('internal');
    expect(adminDms(h, /stopped posting/)).toHaveLength(1);
  });

  it('holds a routing channel that is archived, and resumes when it is unarchived', async () => {
    const h = await harness();
    h.standIn.addChannel({ id: 'C0EMEA', name: 'eql-emea', isArchived: true });
    await h.slack.event(eventEnvelope({ type: 'channel_archive', channel: 'C0EMEA', user: 'U0ADMIN' }));
    await until('the channel to be held', async () => (await channelState(h, 'C0EMEA')) === 'archived');
    h.standIn.addChannel({ id: 'C0EMEA', name: 'eql-emea' });
    await h.slack.event(eventEnvelope({ type: 'channel_unarchive', channel: 'C0EMEA', user: 'U0ADMIN' }));
    await until('the channel to resume', async () => (await channelState(h, 'C0EMEA')) === 'internal');
    await h.drain();
    expect(adminDms(h, /stopped posting to <#C0EMEA>: it is archived/)).toHaveLength(1);
    expect(adminDms(h, /<#C0EMEA> is internal again/)).toHaveLength(1);
  });

  // The payload library's four envelopes (plain, Slack Connect, Grid workspace, Grid org-wide with team null).
  it.each(ENVELOPES)('holds the channel on a channel_shared event in the %s envelope', async (envelope) => {
    const h = await harness();
    h.standIn.addChannel({
      id: 'C0ROUTING',
      name: 'eql-routing',
      isExtShared: true,
      connectedTeamIds: ['T0NORTH'],
    });
    const res = await h.slack.event(WORLDS[envelope].event(events.channelShared('C0ROUTING', 'T0NORTH')));
    expect(res.status).toBe(200);
    await until('the channel to be held', async () => (await channelState(h, 'C0ROUTING')) === 'shared');
    await h.drain();
    expect(adminDms(h, /stopped posting to <#C0ROUTING>.*\(T0NORTH\)/)).toHaveLength(1);
  });

  it('ignores channel events about channels that are not the program’s', async () => {
    const h = await harness();
    await h.slack.event(
      eventEnvelope({ type: 'channel_shared', connected_team_id: 'T0NORTH', channel: 'C0SHAREDN' }),
    );
    await h.slack.event(
      eventEnvelope({ type: 'channel_id_changed', old_channel_id: 'G0OTHER', new_channel_id: 'C0OTHER' }),
    );
    await h.drain();
    expect(await sqlGet(h.db, 'select count(*) as n from channel_states')).toEqual({ n: 0 });
    expect(h.standIn.calls('conversations.info').filter((c) => c.args.channel === 'C0SHAREDN')).toEqual([]);
  });
});

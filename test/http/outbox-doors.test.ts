import type { InstallationStore } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInstallationStore } from '../../src/db/stores/installation-store.ts';
import {
  deliveryProblems,
  enqueue,
  markPendingUnconfirmed,
  type OutboxMessage,
} from '../../src/db/stores/outbox-store.ts';
import { touchPerson } from '../../src/db/stores/program-store.ts';
import { createDeliveryRoutes } from '../../src/delivery/delivery-routes.ts';
import { createOutboxSender, type OutboxSenderOptions } from '../../src/delivery/outbox-sender.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';
import { TEST_KEYRING } from '../helpers/harness.ts';
import { captureLogger } from '../helpers/logs.ts';
import { sqlGet } from '../helpers/sql.ts';

// The sender against the Slack stand-in through the real Web API client: which door each message takes
// (issue 9 item 3), when it gives up (item 6), what it may read back (item 7), and two senders on one file.

const VENDOR = 'xoxb-test';
const NORTH = 'xoxb-north-installed';
let standIn: SlackStandIn;
let t: TestDb;
const { logger, logged } = captureLogger();
const clientOptions = () => ({
  slackApiUrl: standIn.apiUrl,
  rejectRateLimitedCalls: true,
  retryConfig: { retries: 0 },
  timeout: 2000,
});

beforeEach(async () => {
  standIn = await startSlackStandIn({
    team: { id: 'T0VENDOR', name: 'Vendor', domain: 'vendor' },
    tokens: [VENDOR, { token: NORTH, teamId: 'T0NORTH', userId: 'U0NORTHBOT', botId: 'B0NORTH' }],
    channels: [
      { id: 'C0ROUTING', name: 'eql-routing' },
      { id: 'C0SHAREDN', name: 'shared-northwind', isExtShared: true, connectedTeamIds: ['T0NORTH'] },
    ],
    users: [
      { id: 'U0NWPAT', teamId: 'T0NORTH' },
      { id: 'U0REP1', teamId: 'T0VENDOR' },
      { id: 'U0FAR', teamId: 'T0FARAWAY', canDm: false },
    ],
  });
  t = await openTestDb();
  logged.length = 0;
  await touchPerson(t.db, { userId: 'U0NWPAT', teamId: 'T0NORTH', partnerSlug: null }, Date.now());
  await touchPerson(t.db, { userId: 'U0REP1', teamId: 'T0VENDOR', partnerSlug: null }, Date.now());
  await touchPerson(t.db, { userId: 'U0FAR', teamId: 'T0FARAWAY', partnerSlug: null }, Date.now());
});
afterEach(async () => {
  await standIn.close();
  await t.cleanup();
});

function appSender(extra: Partial<OutboxSenderOptions> = {}) {
  const vendorClient = new WebClient(VENDOR, clientOptions());
  const routes = createDeliveryRoutes({
    db: t.db,
    vendorClient,
    clientOfToken: (token) => new WebClient(token, clientOptions()),
    isHome: (team) => team === 'T0VENDOR',
    keyring: TEST_KEYRING,
  });
  const internal = new Set(['C0ROUTING']);
  return createOutboxSender({
    db: t.db,
    routeFor: routes.routeFor,
    mayLookUp: ({ channel, dm, route }) => route.vendor && (dm || internal.has(channel)),
    logger,
    concurrency: 4,
    ...extra,
  });
}

const dm = (key: string, user: string, text = key): OutboxMessage => ({
  deliveryKey: key,
  recipient: user,
  method: 'chat.postMessage',
  payload: { channel: user, text },
});
const post = (key: string, channel: string, text = key): OutboxMessage => ({
  deliveryKey: key,
  recipient: channel,
  method: 'chat.postMessage',
  payload: { channel, text },
});
const queue = (...m: OutboxMessage[]) => enqueue(t.db, m, Date.now());
const tokensOf = (text: string) =>
  standIn
    .calls('chat.postMessage')
    .filter((c) => c.args.text === text && c.response?.ok)
    .map((c) => c.token);
const row = async (key: string) =>
  (await sqlGet(
    t.db,
    'select status, attempts, team_id as team, held_reason as held, last_error as e from outbox where delivery_key = ?',
    key,
  )) as {
    status: string;
    attempts: number;
    team: string | null;
    held: string | null;
    e: string | null;
  };

/** Northwind's workspace installs Foothold (what Bolt's OAuth flow stores). */
function installNorthwind(store: InstallationStore) {
  return store.storeInstallation({
    team: { id: 'T0NORTH', name: 'Northwind' },
    enterprise: undefined,
    user: { id: 'U0NWPAT', token: undefined, scopes: undefined },
    bot: { id: 'B0NORTH', userId: 'U0NORTHBOT', token: NORTH, scopes: ['chat:write'] },
    tokenType: 'bot',
    isEnterpriseInstall: false,
    appId: 'A0FOOTHOLD',
    authVersion: 'v2',
  });
}

describe('which door a message takes', () => {
  it("reaches a partner person through their own workspace's installation, and never a removed one", async () => {
    const store = createInstallationStore(t.db, Date.now, TEST_KEYRING);
    await installNorthwind(store);
    await queue(dm('north-1', 'U0NWPAT'), dm('rep-1', 'U0REP1'), post('routing-1', 'C0ROUTING'));
    const s = appSender();
    await s.drain();
    // The row carries the recipient's team, resolved from who we know them to be.
    expect((await row('north-1')).team).toBe('T0NORTH');
    expect(tokensOf('north-1')).toEqual([NORTH]);
    expect(tokensOf('rep-1')).toEqual([VENDOR]);
    expect(tokensOf('routing-1')).toEqual([VENDOR]);
    expect(standIn.calls('conversations.open').find((c) => c.args.users === 'U0NWPAT')?.token).toBe(NORTH);

    // Northwind uninstalls (its installation row is deleted): the next DM goes through the vendor's bot,
    // which Slack lets reach Pat through the channel they share. The old token is never used again.
    await store.deleteInstallation?.({
      teamId: 'T0NORTH',
      isEnterpriseInstall: false,
      enterpriseId: undefined,
    });
    const seq = standIn.calls().at(-1)?.seq ?? 0;
    await queue(dm('north-2', 'U0NWPAT'));
    await s.drain();
    expect(tokensOf('north-2')).toEqual([VENDOR]);
    expect(standIn.calls().filter((c) => c.seq > seq && c.token === NORTH)).toEqual([]);
  });

  it('holds a DM to an external person it has no door to, says so in the logs and to admins, and keeps it', async () => {
    await queue(dm('far-1', 'U0FAR'), dm('far-2', 'U0FAR'), dm('rep-1', 'U0REP1'));
    const res = await appSender().drain();
    expect(res).toMatchObject({ sent: 1, failed: 0, held: 1 });
    expect(await row('far-1')).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await row('far-1')).held).toMatch(
      /no installation of Foothold in T0FARAWAY and no channel shared with the vendor to reach U0FAR \(invalid_user_combination\)/,
    );
    // Its conversation waits behind it, in order; nobody else does.
    expect(await row('far-2')).toMatchObject({ status: 'pending', held: null });
    expect(tokensOf('rep-1')).toEqual([VENDOR]);
    expect(logged.some((l) => l.level === 'warn' && /held/.test(l.msg ?? ''))).toBe(true);
    const problems = await deliveryProblems(t.db, Date.now());
    expect(problems).toMatchObject({ heldMessages: 1, failedMessages: 0 });
    expect(problems.heldExample).toMatch(/T0FARAWAY/);
  });
});

describe('failing fast, and not waiting for the slowest', () => {
  it('fails a message on a Slack error it does not know, at once, and lets the next one through', async () => {
    standIn.fail(
      'chat.postMessage',
      { kind: 'slack_error', error: 'something_new_went_wrong' },
      { times: 1 },
    );
    await queue(post('odd', 'C0ROUTING'), post('after', 'C0ROUTING'));
    await appSender().drain();
    expect(await row('odd')).toMatchObject({ status: 'failed', attempts: 1, e: 'something_new_went_wrong' });
    expect((await row('after')).status).toBe('sent');
    expect((await deliveryProblems(t.db, Date.now())).failedMessages).toBe(1);
  });

  it('records each answer as it comes: a call slow up to the client timeout holds back no other mark', async () => {
    standIn.fail('chat.postMessage', { kind: 'delay', ms: 1500 }, { times: 1 });
    await queue(post('slow', 'C0ROUTING'), ...['a', 'b', 'c'].map((k) => dm(k, 'U0REP1')));
    const s = appSender();
    s.start();
    try {
      const deadline = Date.now() + 5000;
      const allSent = async () => {
        for (const k of ['a', 'b', 'c']) if ((await row(k)).status !== 'sent') return false;
        return true;
      };
      while (!(await allSent())) {
        if (Date.now() > deadline) throw new Error('the quick messages were not marked sent');
        await new Promise((r) => setTimeout(r, 10));
      }
      // The slow call has not answered yet, and the quick ones are already recorded.
      expect((await row('slow')).status).toBe('pending');
      await s.drain();
      expect((await row('slow')).status).toBe('sent');
    } finally {
      await s.stop();
    }
  });
});

describe('what the sender may read back', () => {
  it('looks up an unconfirmed post only in internal channels and its own DMs, never a shared channel', async () => {
    await queue(post('shared-1', 'C0SHAREDN'), post('routing-1', 'C0ROUTING'), dm('rep-1', 'U0REP1'));
    await markPendingUnconfirmed(t.db, 'restored from a backup');
    await appSender().drain();
    const looked = standIn.calls('conversations.history').map((c) => c.args.channel);
    expect(looked).toContain('C0ROUTING');
    expect(looked).toContain(standIn.dmChannelFor('U0REP1'));
    expect(looked).not.toContain('C0SHAREDN');
    // Where it may not look, it posts again rather than lose the message.
    expect(tokensOf('shared-1')).toEqual([VENDOR]);
  });

  it('never reads history through a partner installation', async () => {
    await installNorthwind(createInstallationStore(t.db, Date.now, TEST_KEYRING));
    await queue(dm('north-1', 'U0NWPAT'));
    await markPendingUnconfirmed(t.db, 'restored from a backup');
    await appSender().drain();
    expect(standIn.calls('conversations.history').filter((c) => c.token === NORTH)).toEqual([]);
    expect(tokensOf('north-1')).toEqual([NORTH]);
  });
});

describe('two senders on one database file', () => {
  it('never send the same row twice', async () => {
    standIn.fail('chat.postMessage', { kind: 'delay', ms: 5 }, { forMs: 60_000 });
    const messages = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? dm(`m${i}`, 'U0REP1') : post(`m${i}`, i % 3 === 1 ? 'C0ROUTING' : 'C0SHAREDN'),
    );
    await queue(...messages);
    const other = await t.reopen();
    const a = appSender({ owner: 'host:1:a' });
    const b = createOutboxSender({
      db: other,
      clientFor: () => new WebClient(VENDOR, clientOptions()),
      logger,
      concurrency: 4,
      owner: 'host:2:b',
    });
    await Promise.all([a.drain(), b.drain()]);
    const delivered = standIn.calls('chat.postMessage').filter((c) => c.response?.ok);
    const counts = new Map<string, number>();
    for (const c of delivered) counts.set(String(c.args.text), (counts.get(String(c.args.text)) ?? 0) + 1);
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Each kept its conversation's order.
    const routing = standIn.messagesTo('C0ROUTING').map((m) => Number(m.text?.slice(1)));
    expect(routing).toEqual([...routing].sort((x, y) => x - y));
  });
});

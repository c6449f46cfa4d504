import { afterEach, describe, expect, it } from 'vitest';
import { createFoothold, StartupError } from '../../src/app.ts';
import type { Env } from '../../src/config/env.ts';
import { type StandInChannel, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { createLogger } from '../../src/logger.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { openTestDb, testConfig } from '../helpers/db.ts';
import { type Harness, programStandInOptions, SIGNING_SECRET, startHarness } from '../helpers/harness.ts';
import { getPage as get } from '../helpers/oauth.ts';
import { allText, buttons, click, flagAccount, type Person, routingPost } from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const REP1: Person = { userId: 'U0REP1', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function harness(opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(opts);
  cleanups.push(() => h.stop());
  return h;
}

async function outboxCounts(h: Harness) {
  return (await sqlAll(
    h.db,
    'select status, count(*) as n from outbox group by status order by status',
  )) as Array<{ status: string; n: number }>;
}

describe('start-up', () => {
  it('answers /healthz 200 once ready', async () => {
    const h = await harness();
    const res = await get(`http://127.0.0.1:${h.port}/healthz`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, outbox: { failed: 0 } });
  });

  /** What start-up says when C0EMEA is as `patch` makes it. */
  async function startupErrorWith(patch: Partial<StandInChannel>): Promise<unknown> {
    const opts = programStandInOptions();
    opts.channels = opts.channels?.map((c) => (c.id === 'C0EMEA' ? { ...c, ...patch } : c));
    const standIn = await startSlackStandIn(opts);
    const t = await openTestDb();
    cleanups.push(
      () => standIn.close(),
      () => t.cleanup(),
    );
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.apiUrl,
      PORT: 0,
      ...t.env,
      FOOTHOLD_CONFIG: '-',
      LOG_LEVEL: 'silent',
    } as Env;
    const foothold = createFoothold({ env, config: testConfig(), db: t.db, logger: createLogger('silent') });
    return foothold.start().catch((e: unknown) => e);
  }

  it('refuses to start when a routing channel is shared with another organisation', async () => {
    const err = await startupErrorWith({ isExtShared: true });
    expect(err).toBeInstanceOf(StartupError);
    expect(String((err as Error).message)).toMatch(/C0EMEA.*shared with another organisation/);
  });

  // Slack's conversation object: `is_pending_ext_shared`, `pending_connected_team_ids`
  // (https://api.slack.com/types/conversations). Once the invitation is accepted, partners read the history.
  it('refuses to start when a routing channel has a pending invitation to share it', async () => {
    const err = await startupErrorWith({ pendingConnectedTeamIds: ['T0OUTSIDE'] });
    expect(err).toBeInstanceOf(StartupError);
    expect(String((err as Error).message)).toMatch(
      /C0EMEA \(#eql-emea\): an invitation to share it with another organisation is pending \(T0OUTSIDE\)/,
    );
    expect(String((await startupErrorWith({ isPendingExtShared: true })) as Error)).toMatch(
      /C0EMEA.*pending/,
    );
  });
});

describe('nothing is lost', () => {
  it('delivers messages queued before a restart exactly once after it', async () => {
    const t = await openTestDb();
    cleanups.push(() => t.cleanup());
    const first = await startHarness({ tdb: t });
    await first.foothold.sender.stop();
    // Slack is down while the partner submits: the submission is committed and acked, the messages wait.
    for (const method of ['chat.postMessage', 'chat.update', 'conversations.open']) {
      first.standIn.fail(method, { kind: 'http_error', status: 503 }, { forMs: 60_000 });
    }
    await flagAccount(first, PAT);
    const pending = (await sqlGet(t.db, "select count(*) as n from outbox where status = 'pending'")) as {
      n: number;
    };
    expect(pending.n).toBeGreaterThanOrEqual(3);
    await first.foothold.stop();
    await first.standIn.close();

    // A new process on the same database (Slack is back): the outbox drains, once.
    await sqlRun(t.db, 'update outbox set not_before = 0');
    const second = await startHarness({ tdb: t });
    cleanups.push(() => second.stop());
    await second.drain();
    expect(await outboxCounts(second)).toEqual([{ status: 'sent', n: pending.n }]);
    const posts = second.standIn.messagesTo('C0ROUTING').filter((m) => m.method === 'chat.postMessage');
    expect(posts).toHaveLength(1);
    const keys = (await sqlAll(t.db, 'select delivery_key from outbox')) as Array<{
      delivery_key: string;
    }>;
    expect(new Set(keys.map((k) => k.delivery_key)).size).toBe(keys.length);
  });

  it('keeps working through a Slack outage and rate limits, then delivers everything once, in order', async () => {
    const h = await harness();
    h.standIn.fail('chat.postMessage', { kind: 'http_error', status: 500 }, { times: 2 });
    h.standIn.fail('chat.update', { kind: 'rate_limited', retryAfterSeconds: 1 }, { times: 1 });
    await flagAccount(h, PAT);
    await h.drain();
    const [lead] = (await sqlAll(h.db, 'select id from leads')) as Array<{ id: number }>;
    const post = await routingPost(h, lead!.id);
    const claim = buttons(post).get(ACTIONS.claim);
    await click(h, REP1, ACTIONS.claim, claim!.value, { channelId: post!.channel, messageTs: post!.ts });
    await h.drain();
    expect(await outboxCounts(h)).toEqual([{ status: 'sent', n: expect.any(Number) }]);
    expect(buttons(await routingPost(h, lead!.id)).has(ACTIONS.requestIntro)).toBe(true);
    // Pat's DMs arrive exactly in the order they were queued (primer, EQL news, claimed), once each.
    const queued = (
      (await sqlAll(
        h.db,
        'select payload from outbox where recipient = ? order by id',
        PAT.userId,
      )) as Array<{ payload: string }>
    ).map((r) => (JSON.parse(r.payload) as { text: string }).text);
    expect(queued.length).toBeGreaterThanOrEqual(3);
    expect(h.standIn.messagesTo(PAT.userId).map((m) => m.text)).toEqual(queued);
  });
});

describe('hostile and maximum-length input', () => {
  it('shows every injection attempt as inert text and stays within Block Kit limits', async () => {
    const h = await harness();
    const hostile =
      "<!channel> <!here> <@U0LEAD> <#C0ROUTING> <https://evil.example|click me> *bold* `code` \u202Eevil\u202C '; DROP TABLE leads; --";
    const long = `${hostile} `.repeat(60).slice(0, 2000);
    const ack = await flagAccount(h, PAT, {
      accountName: `${hostile}`.slice(0, 120),
      need: long,
      notes: long,
      contactName: hostile.slice(0, 120),
      contactTitle: hostile.slice(0, 120),
      industry: 'software',
    });
    expect(ack.response_action).toBe('update');
    await h.drain();
    // Nothing Slack refused: every queued message was accepted within its limits.
    expect(await outboxCounts(h)).toEqual([{ status: 'sent', n: expect.any(Number) }]);
    const rejected = h.standIn.calls().filter((c) => c.response && c.response.ok === false);
    expect(rejected.map((c) => `${c.method}: ${c.response?.error}`)).toEqual([]);
    for (const call of h.standIn.calls()) {
      if (
        !['chat.postMessage', 'chat.update', 'views.open', 'views.publish', 'chat.postEphemeral'].includes(
          call.method,
        )
      )
        continue;
      const text = allText(call.args);
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<!here>');
      expect(text).not.toContain('<@U0LEAD>');
      expect(text).not.toContain('<https://evil');
      expect(text).not.toContain('\u202E');
    }
    expect(await sqlGet(h.db, 'select count(*) as n from leads')).toEqual({ n: 1 });
  });
});

describe('partners whose workspace installs Foothold (OAuth)', () => {
  it('stores the installation and serves /eql in the partner workspace with its own token', async () => {
    const opts = programStandInOptions();
    opts.oauth = {
      clientId: '111.222',
      clientSecret: 'client-secret',
      validCodes: ['code-1'],
      response: {
        access_token: 'xoxb-northwind-install',
        team: { id: 'T0NORTH', name: 'Northwind' },
        bot_user_id: 'U0NWBOT',
      },
    };
    const h = await harness({
      standIn: opts,
      env: {
        SLACK_CLIENT_ID: '111.222',
        SLACK_CLIENT_SECRET: 'client-secret',
        SLACK_STATE_SECRET: 'a-long-state-secret-for-tests',
      },
    });
    const install = await get(`http://127.0.0.1:${h.port}/slack/install`);
    expect(install.status).toBe(302);
    const location = String(install.headers.location);
    expect(location).toContain('client_id=111.222');
    const state = new URL(location).searchParams.get('state');
    const cookie = ([] as string[])
      .concat(install.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    const done = await get(
      `http://127.0.0.1:${h.port}/slack/oauth_redirect?code=code-1&state=${encodeURIComponent(state ?? '')}`,
      { cookie },
    );
    expect(done.status).toBe(200);
    const row = await sqlGet(h.db, "select team_id from slack_installations where install_key = 'T0NORTH'");
    expect(row).toEqual({ team_id: 'T0NORTH' });

    // Pat now uses /eql in Northwind's own workspace: Bolt authorises with Northwind's token.
    const trigger = h.standIn.issueTriggerId({ userId: PAT.userId });
    const res = await h.slack.command({
      token: 'x',
      team_id: 'T0NORTH',
      team_domain: 'northwind',
      channel_id: 'C0NWINTERNAL',
      channel_name: 'sales',
      user_id: PAT.userId,
      user_name: 'pat',
      command: '/eql',
      text: '',
      response_url: 'https://hooks.slack.com/commands/T0NORTH/1/x',
      trigger_id: trigger,
      api_app_id: 'A0000APP',
      is_enterprise_install: 'false',
    });
    expect(res.status).toBe(200);
    const opened = await h.standIn.waitFor((c) => c.method === 'views.open');
    expect(opened.token).toBe('xoxb-northwind-install');
    expect(opened.response?.ok).toBe(true);
  });
});

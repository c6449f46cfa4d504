import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  blockAction,
  createSlackRequester,
  eventEnvelope,
  messageShortcut,
  signRequest,
  slashCommand,
  stateValue,
  viewSubmission,
} from '../../src/dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';

const SECRET = 'test-signing-secret';

describe('signRequest', () => {
  it("matches the test vector from Slack's docs", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

describe('createSlackRequester wire format', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"echo":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const verify = (s: { headers: IncomingHttpHeaders; body: string }, nowMs: number) =>
    verifySlackRequest({
      signingSecret: SECRET,
      body: s.body,
      headers: {
        'x-slack-signature': String(s.headers['x-slack-signature']),
        'x-slack-request-timestamp': Number(s.headers['x-slack-request-timestamp']),
      },
      nowMilliseconds: nowMs,
    });

  it('sends commands and interactivity form-encoded with the exact content type, events as JSON', async () => {
    const nowMs = 1_700_000_123_456;
    const slack = createSlackRequester({ baseUrl, signingSecret: SECRET, now: () => nowMs });
    const res = await slack.command(slashCommand({ text: 'flag acme.com', triggerId: 'T.1' }));
    expect(res).toMatchObject({ status: 200, json: { echo: true } });
    expect(res.ms).toBeGreaterThanOrEqual(0);
    await slack.action(
      blockAction({ actionId: 'claim', value: '42', user: { id: 'W0PARTNER', team_id: 'T0ACME' } }),
    );
    await slack.event(eventEnvelope({ type: 'app_home_opened', user: 'U0000ALICE' }), {
      retryNum: 2,
      retryReason: 'http_timeout',
    });
    const [cmd, act, evt] = seen;
    expect(cmd?.path).toBe('/slack/events');
    expect(cmd?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(cmd?.headers['x-slack-request-timestamp']).toBe('1700000123');
    expect(Object.fromEntries(new URLSearchParams(cmd?.body))).toMatchObject({
      command: '/foothold',
      text: 'flag acme.com',
      trigger_id: 'T.1',
      is_enterprise_install: 'false',
      team_id: 'T0000HOME',
      user_id: 'U0000ALICE',
    });
    expect(act?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(act?.body);
    expect([...form.keys()]).toEqual(['payload']);
    expect(JSON.parse(form.get('payload') ?? '')).toMatchObject({
      type: 'block_actions',
      team: { id: 'T0000HOME' },
      user: { id: 'W0PARTNER', team_id: 'T0ACME' },
      actions: [{ action_id: 'claim', value: '42', type: 'button' }],
    });
    expect(evt?.headers['content-type']).toBe('application/json');
    expect(evt?.headers['x-slack-retry-num']).toBe('2');
    expect(evt?.headers['x-slack-retry-reason']).toBe('http_timeout');
    for (const s of seen) expect(() => verify(s, nowMs)).not.toThrow();
  });

  it('raw() can send unsigned or tampered requests', async () => {
    const slack = createSlackRequester({ baseUrl, signingSecret: SECRET, path: '/custom' });
    await slack.raw(
      'a=1',
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      { sign: false },
    );
    await slack.raw('{}', { 'content-type': 'application/json', 'X-Slack-Signature': 'v0=bad' });
    expect(seen[0]?.path).toBe('/custom');
    expect(seen[0]?.headers['x-slack-signature']).toBeUndefined();
    expect(seen[1]?.headers['x-slack-signature']).toBe('v0=bad');
    expect(seen[1]?.headers['x-slack-request-timestamp']).toBeDefined();
  });
});

describe('a real Bolt app driven through the requester and the stand-in', () => {
  let standIn: SlackStandIn;
  let app: App;
  let slack: ReturnType<typeof createSlackRequester>;
  const retryNums: (number | undefined)[] = [];

  beforeAll(async () => {
    standIn = await startSlackStandIn();
    app = new App({
      token: 'xoxb-test',
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    app.command('/foothold', async ({ ack, body, client }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'flag_lead',
          title: { type: 'plain_text', text: 'Flag a lead' },
          submit: { type: 'plain_text', text: 'Flag' },
          blocks: [
            {
              type: 'input',
              block_id: 'domain',
              label: { type: 'plain_text', text: 'Domain' },
              element: { type: 'plain_text_input', action_id: 'value' },
            },
          ],
        },
      });
    });
    app.view('flag_lead', async ({ ack, view }) => {
      const domain = view.state.values.domain?.value?.value ?? '';
      if (!domain.includes('.')) {
        await ack({ response_action: 'errors', errors: { domain: 'Enter a domain' } });
        return;
      }
      await ack();
    });
    app.action('claim', async ({ ack, body, client }) => {
      await ack();
      await client.chat.postEphemeral({
        channel: body.channel?.id ?? '',
        user: body.user.id,
        text: `claimed by ${body.user.id} of ${body.user.team_id}`,
      });
    });
    app.shortcut('pin_it', async ({ ack, shortcut, client }) => {
      await ack();
      if (shortcut.type === 'message_action') {
        await client.pins.add({ channel: shortcut.channel.id, timestamp: shortcut.message.ts });
      }
    });
    app.event('app_home_opened', async ({ event, client, context }) => {
      retryNums.push(context.retryNum);
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [] } });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    slack = createSlackRequester({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      signingSecret: SECRET,
    });
  });
  afterAll(async () => {
    await app.stop();
    await standIn.close();
  });

  it('runs command → modal → submission with validation errors', async () => {
    const triggerId = standIn.issueTriggerId({ userId: 'U0000ALICE' });
    const res = await slack.command(slashCommand({ userId: 'U0000ALICE', triggerId }));
    expect(res.status).toBe(200);
    const opened = await standIn.waitFor((c) => c.method === 'views.open');
    expect(opened.response).toMatchObject({ ok: true });
    const [modal] = standIn.viewStack('U0000ALICE');
    expect(modal?.callbackId).toBe('flag_lead');

    const bad = await slack.viewSubmission(
      viewSubmission({ view: modal?.payload, values: { domain: { value: stateValue.text('acme') } } }),
    );
    expect(bad.json).toEqual({ response_action: 'errors', errors: { domain: 'Enter a domain' } });
    const good = await slack.viewSubmission(
      viewSubmission({ view: modal?.payload, values: { domain: { value: stateValue.text('acme.com') } } }),
    );
    expect(good.status).toBe(200);
    expect(good.body).toBe('');
  });

  it('rejects bad signatures, stale timestamps and a charset on form bodies', async () => {
    const body = new URLSearchParams(slashCommand()).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await slack.raw(body, { ...form, 'x-slack-signature': 'v0=00' })).status).toBe(401);
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await slack.raw(body, form, { timestamp: old })).status).toBe(401);
    const charset = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    expect((await slack.raw(body, charset)).status).toBe(400);
  });

  it('handles a Slack Connect button click, a message shortcut and a retried event', async () => {
    await slack.action(
      blockAction({
        actionId: 'claim',
        value: '1',
        channelId: 'C0SHARED',
        user: { id: 'W0PARTNER', team_id: 'T0ACME' },
      }),
    );
    const eph = await standIn.waitFor((c) => c.method === 'chat.postEphemeral');
    expect(eph.args).toMatchObject({
      channel: 'C0SHARED',
      user: 'W0PARTNER',
      text: 'claimed by W0PARTNER of T0ACME',
    });

    const ts = standIn.addMessage({ channel: 'C0SHARED', text: 'lead!', user: 'W0PARTNER' });
    await slack.shortcut(
      messageShortcut({
        callbackId: 'pin_it',
        channel: 'C0SHARED',
        message: { ts, text: 'lead!' },
        triggerId: 't',
      }),
    );
    await standIn.waitFor((c) => c.method === 'pins.add');
    expect(standIn.pins('C0SHARED')).toEqual([ts]);

    const res = await slack.event(
      eventEnvelope({ type: 'app_home_opened', user: 'U0000ALICE', tab: 'home' }),
      {
        retryNum: 1,
        retryReason: 'http_timeout',
      },
    );
    expect(res.status).toBe(200);
    await standIn.waitFor((c) => c.method === 'views.publish');
    expect(retryNums).toEqual([1]);
    expect(standIn.homeView('U0000ALICE')?.type).toBe('home');
  });
});

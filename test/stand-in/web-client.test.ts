import { ErrorCode, LogLevel, WebClient, WebClientEvent } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { api, fakeClock } from './helpers.ts';

const retryConfig = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 };

function client(standIn: SlackStandIn, extra: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient('xoxb-test', {
    slackApiUrl: standIn.apiUrl,
    retryConfig,
    logLevel: LogLevel.ERROR,
    ...extra,
  });
}

describe('stand-in through a real @slack/web-api WebClient', () => {
  let standIn: SlackStandIn;
  beforeAll(async () => {
    standIn = await startSlackStandIn({ users: [{ id: 'U0000ALICE', tz: 'Europe/Paris' }] });
  });
  afterAll(async () => {
    await standIn.close();
  });
  beforeEach(() => {
    standIn.reset();
  });

  it('exposes an apiUrl ending in /api/ and answers auth.test like Slack', async () => {
    expect(standIn.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const res = await client(standIn).auth.test();
    expect(res).toMatchObject({ ok: true, team_id: 'T0000HOME', user_id: 'U0000BOT', bot_id: 'B0000BOT' });
    expect(standIn.lastCall('auth.test')?.token).toBe('xoxb-test');
  });

  it('records decoded args, with JSON fields parsed and ts monotonically increasing', async () => {
    const web = client(standIn);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const a = await web.chat.postMessage({
      channel: 'C0000GENERAL',
      text: 'one',
      blocks,
      unfurl_links: false,
    });
    const b = await web.chat.postMessage({ channel: 'C0000GENERAL', text: 'two' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    const call = standIn.calls('chat.postMessage')[0];
    expect(call).toMatchObject({
      seq: 1,
      method: 'chat.postMessage',
      token: 'xoxb-test',
      httpStatus: 200,
      args: { channel: 'C0000GENERAL', text: 'one', blocks, unfurl_links: 'false' },
      response: { ok: true, channel: 'C0000GENERAL', ts: a.ts },
    });
  });

  it('retries after Retry-After on 429 and succeeds; both attempts are recorded', async () => {
    standIn.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 1 });
    let rateLimitedEvents = 0;
    const web = client(standIn);
    web.on(WebClientEvent.RATE_LIMITED, () => {
      rateLimitedEvents++;
    });
    const started = Date.now();
    const res = await web.chat.postMessage({ channel: 'C0000GENERAL', text: 'hello' });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(rateLimitedEvents).toBe(1);
    const [first, second] = standIn.calls('chat.postMessage');
    expect(first).toMatchObject({
      httpStatus: 429,
      fault: 'rate_limited',
      response: { ok: false, error: 'ratelimited' },
    });
    expect(second).toMatchObject({ httpStatus: 200, response: { ok: true } });
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(standIn.messagesTo('C0000GENERAL')).toHaveLength(1);
  });

  it('sends the Retry-After header with 429', async () => {
    standIn.fail('users.info', { kind: 'rate_limited', retryAfterSeconds: 7 });
    const res = await api(standIn, 'users.info', { user: 'U0000ALICE' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('throws a rate-limited error with rejectRateLimitedCalls', async () => {
    standIn.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 7 });
    const web = client(standIn, { rejectRateLimitedCalls: true });
    await expect(web.chat.postMessage({ channel: 'C0000GENERAL', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    expect(standIn.calls('chat.postMessage')).toHaveLength(1);
  });

  it('answers an injected HTTP 500: WebClient retries it, or throws WebAPIHTTPError without retries', async () => {
    standIn.fail('chat.update', { kind: 'http_error', status: 500 });
    const noRetry = client(standIn, { retryConfig: { retries: 0 } });
    const posted = await noRetry.chat.postMessage({ channel: 'C0000GENERAL', text: 'x' });
    await expect(
      noRetry.chat.update({ channel: 'C0000GENERAL', ts: posted.ts ?? '', text: 'y' }),
    ).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 500,
    });
    standIn.fail('chat.update', { kind: 'http_error', status: 503 }, { times: 2 });
    const res = await client(standIn).chat.update({
      channel: 'C0000GENERAL',
      ts: posted.ts ?? '',
      text: 'z',
    });
    expect(res.ok).toBe(true);
    expect(standIn.calls('chat.update').map((c) => c.httpStatus)).toEqual([500, 503, 503, 200]);
  });

  it('refuses a connection: WebClient throws a request error, or retries and succeeds', async () => {
    standIn.fail('conversations.open', { kind: 'refuse' });
    const noRetry = client(standIn, { retryConfig: { retries: 0 } });
    await expect(noRetry.conversations.open({ users: 'U0000ALICE' })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    standIn.fail('*', { kind: 'refuse' });
    const res = await client(standIn).conversations.open({ users: 'U0000ALICE' });
    expect(res.channel?.id).toBe(standIn.dmChannelFor('U0000ALICE'));
    expect(standIn.calls('conversations.open').map((c) => c.httpStatus)).toEqual([0, 0, 200]);
  });

  it('injects Slack errors as WebAPIPlatformError', async () => {
    const handle = standIn.fail(
      'chat.postMessage',
      { kind: 'slack_error', error: 'channel_not_found' },
      { times: 2 },
    );
    const web = client(standIn);
    await expect(web.chat.postMessage({ channel: 'C0000GENERAL', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    expect(handle.hits).toBe(1);
    handle.clear();
    expect((await web.chat.postMessage({ channel: 'C0000GENERAL', text: 'x' })).ok).toBe(true);
  });

  it('delays answers (the call still takes effect even if the client gives up)', async () => {
    standIn.fail('chat.postMessage', { kind: 'delay', ms: 300 });
    const impatient = client(standIn, { timeout: 50, retryConfig: { retries: 0 } });
    await expect(impatient.chat.postMessage({ channel: 'C0000GENERAL', text: 'late' })).rejects.toMatchObject(
      {
        code: ErrorCode.RequestError,
      },
    );
    expect(standIn.messagesTo('C0000GENERAL').map((m) => m.text)).toEqual(['late']);
    standIn.fail('chat.postMessage', { kind: 'delay', ms: 150 });
    const started = Date.now();
    await client(standIn).chat.postMessage({ channel: 'C0000GENERAL', text: 'slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('rate-limits per method with a token bucket; WebClient waits and gets through', async () => {
    standIn.rateLimit('chat.postMessage', { perSecond: 1, retryAfterSeconds: 1 });
    const web = client(standIn);
    const started = Date.now();
    await Promise.all([
      web.chat.postMessage({ channel: 'C0000GENERAL', text: 'a' }),
      web.chat.postMessage({ channel: 'C0000GENERAL', text: 'b' }),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const statuses = standIn.calls('chat.postMessage').map((c) => c.httpStatus);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(standIn.calls('chat.postMessage').find((c) => c.httpStatus === 429)?.fault).toBe('rate_limit');
    // other methods are not limited
    await web.auth.test();
    expect(standIn.lastCall('auth.test')?.httpStatus).toBe(200);
  });

  it('rejects missing and unknown tokens and unknown methods', async () => {
    expect((await api(standIn, 'auth.test', {}, { token: null })).body).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect((await api(standIn, 'auth.test', {}, { token: 'xoxb-nope' })).body).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect((await api(standIn, 'chat.frobnicate')).body).toMatchObject({
      ok: false,
      error: 'unknown_method',
    });
    await expect(
      new WebClient('xoxb-wrong', { slackApiUrl: standIn.apiUrl }).auth.test(),
    ).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
  });

  it('waitFor resolves on past and future calls and times out with context', async () => {
    const web = client(standIn);
    await web.auth.test();
    await expect(standIn.waitFor((c) => c.method === 'auth.test')).resolves.toMatchObject({
      method: 'auth.test',
    });
    const pending = standIn.waitFor((c) => c.method === 'chat.postMessage' && c.args.text === 'later', 1000);
    setTimeout(() => {
      void web.chat.postMessage({ channel: 'C0000GENERAL', text: 'later' });
    }, 20);
    await expect(pending).resolves.toMatchObject({ response: { ok: true } });
    await expect(standIn.waitFor((c) => c.method === 'views.open', 30)).rejects.toThrow(/auth\.test/);
  });
});

describe('fault windows and rate limits on the stand-in clock', () => {
  const clock = fakeClock();
  let standIn: SlackStandIn;
  beforeAll(async () => {
    standIn = await startSlackStandIn({ now: clock.now });
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('faults every call for forMs, then stops', async () => {
    standIn.fail('*', { kind: 'http_error', status: 503 }, { forMs: 1000 });
    expect((await fetch(`${standIn.apiUrl}auth.test`, { method: 'POST' })).status).toBe(503);
    expect((await fetch(`${standIn.apiUrl}users.info`, { method: 'POST' })).status).toBe(503);
    clock.advance(1000);
    expect((await api(standIn, 'auth.test')).body.ok).toBe(true);
  });

  it('refills the bucket at perSecond, with a burst and per-channel buckets', async () => {
    standIn.rateLimit('chat.postMessage', { perSecond: 2, burst: 2, retryAfterSeconds: 3, perChannel: true });
    const post = (channel: string) => api(standIn, 'chat.postMessage', { channel, text: 't' });
    expect((await post('C1')).status).toBe(200);
    expect((await post('C1')).status).toBe(200);
    const limited = await post('C1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await post('C2')).status).toBe(200);
    clock.advance(499);
    expect((await post('C1')).status).toBe(429);
    clock.advance(1);
    expect((await post('C1')).status).toBe(200);
    standIn.clearRateLimits();
    expect((await post('C1')).status).toBe(200);
  });
});

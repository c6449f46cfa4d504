import { afterEach, describe, expect, it } from 'vitest';
import type { StandInOptions } from '../../src/dev/slack-stand-in.ts';
import { type Harness, programStandInOptions, startHarness } from '../helpers/harness.ts';
import { type PageResult, redirectBack, startInstall } from '../helpers/oauth.ts';
import { sqlGet } from '../helpers/sql.ts';

// The OAuth install flow's failures, over HTTP against the Slack stand-in's `oauth.v2.access` (issue 10,
// finding 7): each gets a page saying what happened and what to do, with a link to start again and a 4xx
// (never a 500), and a state works once.

const OAUTH_ENV = {
  SLACK_CLIENT_ID: '111.222',
  SLACK_CLIENT_SECRET: 'client-secret',
  SLACK_STATE_SECRET: 'a-long-state-secret-for-tests',
};

const running: Harness[] = [];
afterEach(async () => {
  for (const x of running.splice(0)) await x.stop();
});

async function oauthHarness(
  opts: { clientSecret?: string; now?: () => number; codes?: string[] } = {},
): Promise<{ h: Harness; base: string }> {
  const standIn: StandInOptions = programStandInOptions();
  standIn.oauth = {
    clientId: OAUTH_ENV.SLACK_CLIENT_ID,
    clientSecret: opts.clientSecret ?? OAUTH_ENV.SLACK_CLIENT_SECRET,
    validCodes: opts.codes ?? ['good-1', 'good-2'],
    response: { access_token: 'xoxb-northwind-install', team: { id: 'T0NORTH', name: 'Northwind' } },
  };
  const h = await startHarness({ standIn, env: OAUTH_ENV, ...(opts.now ? { now: opts.now } : {}) });
  running.push(h);
  return { h, base: `http://127.0.0.1:${h.port}` };
}

const exchanges = (x: Harness) => x.standIn.calls().filter((c) => c.method === 'oauth.v2.access').length;
const installs = async (x: Harness) =>
  ((await sqlGet(x.db, 'select count(*) as n from slack_installations')) as { n: number }).n;

function expectPage(page: PageResult, status: number, title: RegExp): void {
  expect(page.status).toBe(status);
  expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
  expect(page.body).toMatch(title);
  expect(page.body).toContain('href="/slack/install"');
}

describe('OAuth install failures', () => {
  it('installs once; the same redirect replayed is refused as used, without a second code exchange', async () => {
    const { h, base } = await oauthHarness();
    const start = await startInstall(base);
    const done = await redirectBack(base, { code: 'good-1', state: start.state }, start.cookie);
    expect(done.status).toBe(200);
    expect(await installs(h)).toBe(1);
    expect(exchanges(h)).toBe(1);
    const replay = await redirectBack(base, { code: 'good-1', state: start.state }, start.cookie);
    expectPage(replay, 400, /already used/);
    // Replayed with a fresh code too: the state alone decides.
    const replay2 = await redirectBack(base, { code: 'good-2', state: start.state }, start.cookie);
    expectPage(replay2, 400, /already used/);
    expect(exchanges(h)).toBe(1);
    expect(await installs(h)).toBe(1);
  });

  it('explains a cancelled installation (error=access_denied) with a 403 and a way back', async () => {
    const { h, base } = await oauthHarness();
    const start = await startInstall(base);
    const page = await redirectBack(base, { error: 'access_denied', state: start.state }, start.cookie);
    expectPage(page, 403, /Foothold was not installed/);
    expect(page.body).toMatch(/choose Allow/);
    expect(exchanges(h)).toBe(0);
    expect(await installs(h)).toBe(0);
  });

  it('shows another Slack error code escaped, as a reference', async () => {
    const { base } = await oauthHarness();
    const start = await startInstall(base);
    const page = await redirectBack(
      base,
      { error: 'invalid_scope<script>', state: start.state },
      start.cookie,
    );
    expectPage(page, 400, /Slack stopped the installation/);
    expect(page.body).toContain('Reference: invalid_scope&lt;script&gt;');
    expect(page.body).not.toContain('<script>');
  });

  it('answers a code Slack refuses with 400, and the state it came with is spent', async () => {
    const { h, base } = await oauthHarness();
    const start = await startInstall(base);
    const bad = await redirectBack(base, { code: 'made-up-code', state: start.state }, start.cookie);
    expectPage(bad, 400, /Slack did not accept this authorization/);
    expect(exchanges(h)).toBe(1);
    const retry = await redirectBack(base, { code: 'good-1', state: start.state }, start.cookie);
    expectPage(retry, 400, /already used/);
    // Starting again works.
    const again = await startInstall(base);
    expect((await redirectBack(base, { code: 'good-1', state: again.state }, again.cookie)).status).toBe(200);
    expect(await installs(h)).toBe(1);
  });

  it('refuses missing, forged and unknown states and a missing code with 400 pages', async () => {
    const { h, base } = await oauthHarness();
    const start = await startInstall(base);
    expectPage(await redirectBack(base, { code: 'good-1' }, start.cookie), 400, /incomplete/);
    expectPage(
      await redirectBack(base, { state: start.state }, start.cookie),
      400,
      /did not send an authorization/,
    );
    // A forged state the attacker also planted as the cookie.
    const forged = 'AAAA.BBBB';
    expectPage(
      await redirectBack(base, { code: 'good-1', state: forged }, `slack-app-oauth-state=${forged}`),
      400,
      /not valid/,
    );
    // Well signed but never issued here (e.g. another server with the same secret, or purged).
    const other = await oauthHarness();
    const foreign = await startInstall(other.base);
    expectPage(
      await redirectBack(
        base,
        { code: 'good-1', state: foreign.state },
        `slack-app-oauth-state=${foreign.state}`,
      ),
      400,
      /does not recognise this link/,
    );
    expect(exchanges(h)).toBe(0);
  });

  it('asks to finish in the same browser when the state cookie is missing', async () => {
    const { base } = await oauthHarness();
    const start = await startInstall(base);
    expectPage(
      await redirectBack(base, { code: 'good-1', state: start.state }),
      400,
      /same browser|where you started/,
    );
  });

  it('refuses a state older than 10 minutes as expired', async () => {
    let clock = Date.now();
    const { h, base } = await oauthHarness({ now: () => clock });
    const start = await startInstall(base);
    clock += 11 * 60_000;
    expectPage(
      await redirectBack(base, { code: 'good-1', state: start.state }, start.cookie),
      400,
      /expired/,
    );
    expect(exchanges(h)).toBe(0);
  });

  it('answers wrong app credentials with a 502 page that says it is not the visitor’s fault, never a 500', async () => {
    const { h, base } = await oauthHarness({ clientSecret: 'the-real-secret-differs' });
    const start = await startInstall(base);
    const page = await redirectBack(base, { code: 'good-1', state: start.state }, start.cookie);
    expect(page.status).toBe(502);
    expect(page.body).toMatch(/not yours/);
    expect(page.body).toContain('Reference: bad_client_secret');
    expect(await installs(h)).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, programStandInOptions, startHarness } from '../helpers/harness.ts';
import { type PageResult, redirectBack, startInstall } from '../helpers/oauth.ts';
import { sqlAll } from '../helpers/sql.ts';
import { report, size } from './support/figures.ts';

// Scenario 26 (issue 10, finding 7): the OAuth install flow under forgery and mistakes. The probe got a 500
// for a bad code and for `error=access_denied`, and completed a second install by replaying a finished
// install's redirect. Rounds of a genuine install followed by its replay, a forged state, a cancelled
// install, a refused code, an expired link and a visit from another browser: every failure gets its page and
// a 4xx (never a 5xx), only states issued here and not yet used ever reach Slack's `oauth.v2.access`, and
// exactly the genuine installs are stored.

const ROUNDS = size(8, 50);
const OAUTH_ENV = {
  SLACK_CLIENT_ID: '111.222',
  SLACK_CLIENT_SECRET: 'client-secret',
  SLACK_STATE_SECRET: 'a-long-state-secret-for-tests',
};
const team = (i: number) => `T0OA${String(i).padStart(4, '0')}`;

let h: Harness;
let base: string;
let clock = Date.now();
beforeAll(async () => {
  const standIn = programStandInOptions();
  standIn.oauth = {
    clientId: OAUTH_ENV.SLACK_CLIENT_ID,
    clientSecret: OAUTH_ENV.SLACK_CLIENT_SECRET,
    validCodes: Array.from({ length: ROUNDS }, (_, i) => `code-${i}`),
    responses: Object.fromEntries(
      Array.from({ length: ROUNDS }, (_, i) => [
        `code-${i}`,
        { access_token: `xoxb-oauth-${team(i)}`, team: { id: team(i), name: team(i) } },
      ]),
    ),
  };
  h = await startHarness({ standIn, env: OAUTH_ENV, now: () => clock });
  base = `http://127.0.0.1:${h.port}`;
});
afterAll(async () => {
  await h?.stop();
});

const exchanges = () => h.standIn.calls().filter((c) => c.method === 'oauth.v2.access').length;

describe('scenario 26: OAuth forgery and failures', () => {
  it('answers every forged, replayed, cancelled, refused and expired install with a 4xx page; states work once', async () => {
    const started = Date.now();
    const answers: Record<string, number> = {};
    let requests = 0;
    let faults = 0;
    let expectedExchanges = 0;
    const expectFailure = (name: string, page: PageResult, status: number) => {
      requests++;
      faults++;
      answers[status] = (answers[status] ?? 0) + 1;
      expect(page.status, `${name}: ${page.body.slice(0, 200)}`).toBe(status);
      expect(page.body, name).toContain('href="/slack/install"');
    };

    for (let i = 0; i < ROUNDS; i++) {
      // Genuine install.
      const start = await startInstall(base);
      const ok = await redirectBack(base, { code: `code-${i}`, state: start.state }, start.cookie);
      requests += 2;
      expectedExchanges++;
      expect(ok.status).toBe(200);
      // Its redirect replayed (same cookie, as an attacker holding the browser's request would).
      expectFailure(
        'replay',
        await redirectBack(base, { code: `code-${i}`, state: start.state }, start.cookie),
        400,
      );
      // A forged state planted as the cookie too.
      const forged = `${'A'.repeat(43)}.${'B'.repeat(43)}`;
      expectFailure(
        'forged state',
        await redirectBack(base, { code: `code-${i}`, state: forged }, `slack-app-oauth-state=${forged}`),
        400,
      );
      // Cancelled on Slack's page.
      const cancel = await startInstall(base);
      expectFailure(
        'access_denied',
        await redirectBack(base, { error: 'access_denied', state: cancel.state }, cancel.cookie),
        403,
      );
      // A code Slack refuses.
      const bad = await startInstall(base);
      expectedExchanges++;
      expectFailure(
        'bad code',
        await redirectBack(base, { code: `nope-${i}`, state: bad.state }, bad.cookie),
        400,
      );
      // A link left open for 11 minutes.
      const late = await startInstall(base);
      clock += 11 * 60_000;
      expectFailure(
        'expired',
        await redirectBack(base, { code: `code-${i}`, state: late.state }, late.cookie),
        400,
      );
      // Finished in another browser (no state cookie).
      const elsewhere = await startInstall(base);
      expectFailure(
        'other browser',
        await redirectBack(base, { code: `code-${i}`, state: elsewhere.state }),
        400,
      );
      requests += 4;
    }

    expect(exchanges()).toBe(expectedExchanges);
    const stored = (
      (await sqlAll(h.db, 'select install_key from slack_installations order by 1')) as Array<{
        install_key: string;
      }>
    ).map((r) => r.install_key);
    expect(stored).toEqual(Array.from({ length: ROUNDS }, (_, i) => team(i)));
    expect(Object.keys(answers).every((s) => Number(s) >= 400 && Number(s) < 500)).toBe(true);

    report({
      n: 26,
      name: 'OAuth failures and forgery: replayed, forged, cancelled, refused, expired, other browser',
      requests,
      faults,
      inputs: ROUNDS * 7,
      checked: `${ROUNDS} genuine installs, each followed by 6 bad redirects: all answered with a page and a link to start again (${Object.entries(
        answers,
      )
        .map(([s, n]) => `${n}×${s}`)
        .join(
          ', ',
        )}, no 5xx); a finished install's state refused on replay; oauth.v2.access called only for ${expectedExchanges} issued, unused states; exactly the ${ROUNDS} genuine workspaces stored`,
      ms: Date.now() - started,
    });
  }, 180_000);
});

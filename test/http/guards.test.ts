import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockAction, eventEnvelope, signRequest, viewSubmission } from '../../src/dev/slack-client.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { type Harness, SIGNING_SECRET, startHarness } from '../helpers/harness.ts';
import { command } from '../helpers/slack-actors.ts';

// Requests Slack never sends but a signed request can carry, and Slack's own retries: each gets a prompt
// 4xx or an ack without effect, never a 5xx, a hang or a crash, and a retried event has one effect.

const FORM = 'application/x-www-form-urlencoded';
const PAT = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

/** Resolves with the status, or 0 if no answer came within `ms`. */
function within<T extends { status: number }>(p: Promise<T>, ms = 1500): Promise<number> {
  return Promise.race([p.then((r) => r.status), new Promise<number>((r) => setTimeout(() => r(0), ms))]);
}

describe('malformed signed requests', () => {
  it('answers a body that parses to null with 400 at once, and keeps serving', async () => {
    expect(await within(h.slack.raw('null', { 'content-type': 'application/json' }))).toBe(400);
    expect(await within(h.slack.raw('payload=null', { 'content-type': FORM }))).toBe(400);
    expect((await command(h, PAT, 'help')).res.status).toBe(200);
  });

  it('acknowledges interactivity payloads missing the fields Bolt reads, instead of a 500', async () => {
    const noUser = viewSubmission({ callbackId: 'submit_lead', privateMetadata: '{}' });
    delete noUser.user;
    const noTeamNoUser = blockAction({ actionId: ACTIONS.claim, value: 'x' });
    delete noTeamNoUser.user;
    delete noTeamNoUser.team;
    const noView = viewSubmission({ callbackId: 'submit_lead' });
    delete noView.view;
    for (const payload of [noUser, noTeamNoUser, noView]) {
      const status = await within(h.slack.viewSubmission(payload));
      expect(status).toBeGreaterThanOrEqual(200);
      expect(status).toBeLessThan(500);
    }
  });

  it('answers a request no listener handles at once, not after Bolt’s 3-second timeout', async () => {
    const started = Date.now();
    const typeless = await within(h.slack.raw('hello=world', { 'content-type': FORM }));
    const unknownAction = await within(
      h.slack.action(blockAction({ actionId: 'no_such_button', value: 'x' })),
    );
    expect([typeless, unknownAction]).toEqual([200, 200]);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('rejects a request dated more than 5 minutes in the future, even correctly signed', async () => {
    const future = Math.floor(Date.now() / 1000) + 600;
    const body = 'command=%2Feql&text=setup&user_id=U0ADMIN&team_id=T0VENDOR&trigger_id=1.2.3';
    const res = await h.slack.raw(
      body,
      {
        'content-type': FORM,
        'x-slack-request-timestamp': String(future),
        'x-slack-signature': signRequest(SIGNING_SECRET, future, body),
      },
      { sign: false },
    );
    expect(res.status).toBe(401);
  });
});

describe('Slack retries', () => {
  it('handles an event once however often Slack delivers it', async () => {
    const event = eventEnvelope({ type: 'app_home_opened', user: PAT.userId, tab: 'home', channel: 'D0PAT' });
    for (let retryNum = 0; retryNum <= 3; retryNum++) {
      const res = await h.slack.event(event, retryNum ? { retryNum, retryReason: 'http_timeout' } : {});
      expect(res.status).toBe(200);
    }
    await h.standIn.waitFor((c) => c.method === 'views.publish');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.standIn.calls('views.publish')).toHaveLength(1);
    // A different event for the same person is not mistaken for a retry.
    await h.slack.event(
      eventEnvelope({ type: 'app_home_opened', user: PAT.userId, tab: 'home', channel: 'D0PAT' }),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(h.standIn.calls('views.publish')).toHaveLength(2);
  });
});

describe('what a command echoes back', () => {
  it('shows an unknown subcommand as inert text', async () => {
    const { res } = await command(h, PAT, '<!channel> <@U0LEAD> please');
    const text = JSON.stringify(res.json);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U0LEAD>');
  });
});

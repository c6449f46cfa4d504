import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockAction,
  eventEnvelope,
  messageShortcut,
  signRequest,
  slashCommand,
  viewSubmission,
} from '../../src/dev/slack-client.ts';
import { ACTIONS, CALLBACKS, encodeLeadRef } from '../../src/slack/ids.ts';
import { type Harness, SIGNING_SECRET } from '../helpers/harness.ts';
import { submissionValues } from '../helpers/slack-actors.ts';
import { sqlGet } from '../helpers/sql.ts';
import { report } from './support/figures.ts';
import { CAST } from './support/program.ts';
import { startProgram, submissionPayload } from './support/slack-world.ts';

// Scenario 9: requests that did not come from Slack: unsigned, signed with another secret, too old (or from
// the future), replayed, or altered after signing, for every kind of request. Each is rejected and leaves
// no trace: nothing stored, nothing sent to Slack.

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

let h: Harness;
let leadId = 0;
beforeAll(async () => {
  h = await startProgram();
  const res = await h.slack.viewSubmission(submissionPayload(CAST.pat, { website: 'verify-acct.com' }));
  expect((res.json as { response_action: string }).response_action).toBe('update');
  leadId = ((await sqlGet(h.db, 'select id from leads')) as { id: number }).id;
  await h.drain();
});
afterAll(async () => {
  await h?.stop();
});

/** Requests that would each change something if they were genuine. */
function genuine(): Array<{ name: string; body: string; type: string }> {
  const interactive = (payload: Record<string, unknown>) =>
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return [
    {
      name: 'slash command (/eql setup by an admin)',
      type: FORM,
      body: new URLSearchParams(
        slashCommand({ command: '/eql', userId: CAST.admin.userId, teamId: 'T0VENDOR', text: 'setup' }),
      ).toString(),
    },
    {
      name: 'button (Claim)',
      type: FORM,
      body: interactive(
        blockAction({
          user: { id: CAST.rep1.userId, team_id: 'T0VENDOR' },
          actionId: ACTIONS.claim,
          value: encodeLeadRef({ leadId, version: 1 }),
          channelId: 'C0ROUTING',
        }),
      ),
    },
    {
      name: 'modal submission (flag an account)',
      type: FORM,
      body: interactive(submissionPayload(CAST.pat, { website: 'forged-acct.com' })),
    },
    {
      name: 'modal submission (rep flags for a partner)',
      type: FORM,
      body: interactive(
        viewSubmission({
          user: { id: CAST.rep1.userId, team_id: 'T0VENDOR' },
          callbackId: CALLBACKS.submitLead,
          privateMetadata: '{}',
          values: submissionValues({ website: 'forged2-acct.com', partner: 'contoso' }) as never,
        }),
      ),
    },
    {
      name: 'message shortcut',
      type: FORM,
      body: interactive(
        messageShortcut({
          user: { id: CAST.pat.userId, team_id: 'T0NORTH' },
          callbackId: CALLBACKS.flagAsEql,
          channel: 'C0SHAREDN',
          message: { ts: '1700000000.000100', text: 'x' },
          triggerId: h.standIn.issueTriggerId({ userId: CAST.pat.userId }),
        }),
      ),
    },
    {
      name: 'event (bot joined a shared channel)',
      type: JSON_TYPE,
      body: JSON.stringify(
        eventEnvelope(
          {
            type: 'member_joined_channel',
            user: h.standIn.bot.userId,
            channel: 'C0SHAREDF',
            channel_type: 'C',
          },
          { teamId: 'T0VENDOR' },
        ),
      ),
    },
  ];
}

async function trace(): Promise<string> {
  return JSON.stringify({
    db: await sqlGet(
      h.db,
      'select (select count(*) from leads) l, (select count(*) from lead_events) e, (select count(*) from outbox) o, (select count(*) from people) p, (select count(*) from channel_cards) c',
    ),
    slack: h.standIn.calls().length,
  });
}

describe('scenario 9: request verification', () => {
  it('rejects unsigned, wrongly signed, stale, future, replayed and altered requests, and records nothing', async () => {
    const started = Date.now();
    const now = () => Math.floor(Date.now() / 1000);
    const attacks: Array<{
      name: string;
      headers: (body: string, type: string) => Record<string, string>;
      body?: (b: string) => string;
    }> = [
      { name: 'unsigned', headers: (_b, type) => ({ 'content-type': type }) },
      {
        name: 'signed with another secret',
        headers: (b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': String(now()),
          'x-slack-signature': signRequest('not-the-signing-secret', now(), b),
        }),
      },
      {
        name: 'timestamp 6 minutes old (correctly signed)',
        headers: (b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': String(now() - 360),
          'x-slack-signature': signRequest(SIGNING_SECRET, now() - 360, b),
        }),
      },
      {
        name: 'replay of a request signed an hour ago',
        headers: (b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': String(now() - 3600),
          'x-slack-signature': signRequest(SIGNING_SECRET, now() - 3600, b),
        }),
      },
      {
        name: 'timestamp 6 minutes in the future (correctly signed)',
        headers: (b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': String(now() + 360),
          'x-slack-signature': signRequest(SIGNING_SECRET, now() + 360, b),
        }),
      },
      {
        name: 'body altered after signing',
        headers: (b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': String(now()),
          'x-slack-signature': signRequest(SIGNING_SECRET, now(), b),
        }),
        body: (b) => {
          const promoted = b.replace(/U0(REP1|ADMIN|NWPAT)/g, 'U0LEAD');
          return promoted !== b ? promoted : `${b.slice(0, -1)},"user":"U0LEAD"}`;
        },
      },
      {
        name: 'signature of another timestamp',
        headers: (b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': String(now()),
          'x-slack-signature': signRequest(SIGNING_SECRET, now() - 1, b),
        }),
      },
      {
        name: 'signature header malformed',
        headers: (_b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': String(now()),
          'x-slack-signature': 'v0=',
        }),
      },
      {
        name: 'timestamp not a number',
        headers: (b, type) => ({
          'content-type': type,
          'x-slack-request-timestamp': 'yesterday',
          'x-slack-signature': signRequest(SIGNING_SECRET, 'yesterday', b),
        }),
      },
    ];
    const before = await trace();
    let requests = 0;
    const answers: Record<string, number> = {};
    for (const attack of attacks) {
      for (const req of genuine()) {
        const headers = attack.headers(req.body, req.type);
        const body = attack.body ? attack.body(req.body) : req.body;
        expect(body !== req.body || !attack.body, `${attack.name}: the body really changed`).toBe(true);
        const res = await h.slack.raw(body, headers, { sign: false });
        requests++;
        answers[res.status] = (answers[res.status] ?? 0) + 1;
        expect(res.status, `${attack.name} · ${req.name}`).toBe(401);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    await h.drain();
    expect(await trace()).toBe(before);
    // The same requests, genuinely signed, do get through (so the rejections above are the signature's doing).
    let accepted = 0;
    for (const req of genuine()) {
      const res = await h.slack.raw(req.body, { 'content-type': req.type });
      if (res.status === 200) accepted++;
    }
    await h.drain();
    expect(accepted).toBe(genuine().length);
    expect(await trace()).not.toBe(before);
    report({
      n: 9,
      name: 'Request verification (unsigned, wrong secret, stale, future, replayed, altered)',
      requests: requests + accepted,
      faults: requests,
      inputs: attacks.length * genuine().length,
      checked: `${attacks.length} kinds of forgery × ${genuine().length} kinds of request (command, button, modal ×2, shortcut, event): all answered ${Object.keys(answers).join('/')}, nothing stored, no Slack call; the same requests genuinely signed all went through`,
      ms: Date.now() - started,
    });
  });
});

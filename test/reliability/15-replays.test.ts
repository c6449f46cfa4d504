import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockAction, eventEnvelope, type SlackPayload } from '../../src/dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { ACTIONS, encodeLeadRef } from '../../src/slack/ids.ts';
import { buttons, type Person } from '../helpers/slack-actors.ts';
import { type BotDatabase, botDatabase } from './support/bot-database.ts';
import { type BotProcess, startBot } from './support/bot-process.ts';
import { report, size } from './support/figures.ts';
import { CAST, programStandIn, writeProgramConfig } from './support/program.ts';
import { submissionPayload, waitUntil } from './support/slack-world.ts';

// Scenario 15 (issue 10, item 8): Slack retries an event (X-Slack-Retry-Num 1–3) and, after a restart, the
// same event id arrives again; a button payload or a modal submission is replayed after a restart; a new
// instance (after a clean stop, then after kill -9) gets the whole history again. No replay may repeat a state
// change or post a new message. Harmless calls may repeat: `views.publish` (a Home is a view of the state),
// `chat.update` and `pins.add` (same content), and private replies to the person who clicked.

const INSTANCES = size(2, 4);
const HARMLESS = new Set(['views.publish', 'chat.update', 'pins.add', 'chat.postEphemeral', 'views.open']);

let standIn: SlackStandIn;
let dir: string;
let bot: BotProcess | null = null;
let database: BotDatabase | null = null;
beforeAll(async () => {
  standIn = await startSlackStandIn(programStandIn());
  dir = mkdtempSync(join(tmpdir(), 'foothold-replays-'));
});
afterAll(async () => {
  bot?.kill('SIGKILL');
  await bot?.exited;
  await standIn?.close();
  await database?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Effects {
  leads: number;
  versions: number;
  events: number;
  outbox: number;
  pending: number;
  channelStates: string;
}

async function effects(db: BotDatabase): Promise<Effects> {
  return {
    leads: await db.count('select count(*) as n from leads'),
    versions: await db.count('select coalesce(sum(version), 0) as n from leads'),
    events: await db.count('select count(*) as n from lead_events'),
    outbox: await db.count('select count(*) as n from outbox'),
    pending: await db.count("select count(*) as n from outbox where status = 'pending'"),
    channelStates: JSON.stringify(await db.all('select channel_id, state from channel_states order by 1')),
  };
}

/** Every request the history is made of, to be sent again as it was. */
type Replay =
  | { kind: 'event'; payload: SlackPayload }
  | { kind: 'action'; payload: SlackPayload }
  | { kind: 'view'; payload: SlackPayload };

async function send(b: BotProcess, r: Replay, retryNum = 0) {
  const res =
    r.kind === 'event'
      ? await b.slack.event(r.payload, retryNum ? { retryNum, retryReason: 'http_timeout' } : {})
      : r.kind === 'action'
        ? await b.slack.action(r.payload)
        : await b.slack.viewSubmission(r.payload);
  expect(res.status).toBe(200);
}

function action(who: Person, actionId: string, value: string, channelId: string, messageTs?: string) {
  return blockAction({
    user: { id: who.userId, team_id: who.teamId },
    teamId: 'T0VENDOR',
    actionId,
    value,
    channelId,
    ...(messageTs ? { messageTs } : {}),
    triggerId: standIn.issueTriggerId({ userId: who.userId }),
  });
}

describe('scenario 15: replays across restarts and instances', () => {
  it('never repeats a state change or a new message, whatever is delivered again', async () => {
    const started = Date.now();
    const db = await botDatabase(dir);
    database = db;
    const configPath = writeProgramConfig(dir);
    const start = async () => {
      bot = await startBot({ apiUrl: standIn.apiUrl, database: db.env, configPath, logLevel: 'warn' });
      return bot;
    };
    const settle = () =>
      waitUntil('the outbox to drain', async () => (await effects(db)).pending === 0, 30_000);

    // ── the history, played once ──────────────────────────────────────────────────────────────────────
    let b = await start();
    const history: Replay[] = [];
    const play = async (r: Replay) => {
      history.push(r);
      await send(b, r);
      await settle();
    };
    await play({
      kind: 'event',
      payload: eventEnvelope(
        {
          type: 'member_joined_channel',
          user: standIn.bot.userId,
          channel: 'C0SHAREDF',
          channel_type: 'C',
          team: 'T0VENDOR',
        },
        { teamId: 'T0VENDOR' },
      ),
    });
    await play({
      kind: 'event',
      payload: eventEnvelope({
        type: 'app_home_opened',
        user: CAST.fab.userId,
        tab: 'home',
        channel: 'D0FAB',
      }),
    });
    await play({
      kind: 'view',
      payload: submissionPayload(CAST.pat, { accountName: 'Replay Co', website: 'replay-co.com' }),
    });
    const lead = async () =>
      (
        await db.all<{ id: number; version: number; c: string; ts: string }>(
          "select id, version, routing_post_channel as c, routing_post_ts as ts from leads where domain = 'replay-co.com'",
        )
      )[0]!;
    for (const step of [ACTIONS.claim, ACTIONS.requestIntro]) {
      const l = await lead();
      await play({
        kind: 'action',
        payload: action(CAST.rep1, step, encodeLeadRef({ leadId: l.id, version: l.version }), l.c, l.ts),
      });
    }
    const introDm = standIn
      .messagesTo(CAST.pat.userId)
      .filter((m) => buttons(m).has(ACTIONS.introMade))
      .at(-1);
    expect(introDm).toBeDefined();
    await play({
      kind: 'action',
      payload: action(
        CAST.pat,
        ACTIONS.introMade,
        buttons(introDm).get(ACTIONS.introMade)!.value,
        introDm!.channel,
        introDm!.ts,
      ),
    });
    // A routing channel event: Slack says the channel is internal, so nothing is held.
    await play({
      kind: 'event',
      payload: eventEnvelope({
        type: 'channel_unshared',
        previously_connected_team_id: 'T0OUTSIDE',
        channel: 'C0ROUTING',
        is_ext_shared: false,
      }),
    });
    const baseline = await effects(db);
    expect(baseline.leads).toBe(1);
    expect((await lead()).version).toBeGreaterThan(1);

    // ── replays: retries now, then everything again in each new instance ─────────────────────────────────
    let replays = 0;
    const repeated = new Map<string, number>();
    for (let instance = 0; instance <= INSTANCES; instance++) {
      const fromSeq = standIn.calls().at(-1)?.seq ?? 0;
      for (const r of history) {
        for (const retry of r.kind === 'event' ? [0, 1, 2, 3] : [0, 0]) {
          await send(b, r, retry);
          replays++;
        }
      }
      await settle();
      // Let anything a replay might have caused reach Slack before counting.
      await new Promise((res) => setTimeout(res, 300));
      expect(await effects(db), `instance ${instance}`).toEqual(baseline);
      for (const c of standIn.calls().filter((c) => c.seq > fromSeq)) {
        expect(
          HARMLESS.has(c.method) ||
            c.method.startsWith('conversations.') ||
            c.method === 'users.info' ||
            c.method === 'auth.test',
          `${c.method} after a replay`,
        ).toBe(true);
        if (HARMLESS.has(c.method)) repeated.set(c.method, (repeated.get(c.method) ?? 0) + 1);
      }
      expect(standIn.calls('chat.postMessage').filter((c) => c.seq > fromSeq)).toEqual([]);
      if (instance === INSTANCES) break;
      // A new instance: after a clean stop, and every other time after kill -9.
      const current = b;
      current.kill(instance % 2 === 0 ? 'SIGTERM' : 'SIGKILL');
      await current.exited;
      b = await start();
    }
    bot?.kill('SIGTERM');
    await bot?.exited;
    bot = null;
    report({
      n: 15,
      name: 'Replays across restarts: event retries 1–3, the same event id, button payloads and modal submissions after a restart',
      requests: replays + history.length,
      faults: replays,
      inputs: history.length,
      checked: `${history.length} requests (2 events, a channel event, a submission, 3 buttons) replayed ${replays} times over ${INSTANCES + 1} instances (restarts after SIGTERM and kill -9): no state change, no audit event, no outbox row, no new message; repeated only: ${[...repeated].map(([m, n]) => `${m} ×${n}`).join(', ') || 'nothing'}`,
      ms: Date.now() - started,
    });
  }, 240_000);
});

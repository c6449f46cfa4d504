import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFoothold, type Foothold } from '../../src/app.ts';
import type { Env } from '../../src/config/env.ts';
import { sqliteClient } from '../../src/db/connection.ts';
import {
  blockAction,
  createSlackRequester,
  eventEnvelope,
  type SlackRequester,
} from '../../src/dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { createLogger } from '../../src/logger.ts';
import { ACTIONS, encodeLeadRef } from '../../src/slack/ids.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/harness.ts';
import { getPage as httpGet } from '../helpers/oauth.ts';
import { sqlExec, sqlGet } from '../helpers/sql.ts';
import { report } from './support/figures.ts';
import { CAST, programConfig, programStandIn } from './support/program.ts';
import { submissionPayload } from './support/slack-world.ts';

// Structured logs: every line is JSON, every line written while a Slack request is handled carries that
// request's id and who/what it was, an unexpected error is logged once with that context, and no token or
// secret ever reaches the log, at any level, whatever fails.

const BOT_TOKEN = 'xoxb-1111111111-2222222222-LOGTESTsecretTOKENvalue';
const SIGNING_SECRET = 'signing-secret-that-must-never-be-logged-42';

class Lines extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
}

/**
 * Makes the database refuse writes (SQLite: the connection goes query-only; PostgreSQL: a trigger refuses new
 * leads, as a read-only standby or a full disk would), or accept them again.
 */
async function refuseWrites(t: TestDb, refuse: boolean): Promise<void> {
  if (t.engine === 'sqlite') {
    sqliteClient(t.db).pragma(`query_only = ${refuse ? 'ON' : 'OFF'}`);
    return;
  }
  await sqlExec(
    t.db,
    refuse
      ? `create function refuse_writes() returns trigger language plpgsql as $$ begin raise exception 'cannot execute INSERT in a read-only transaction'; end $$;
         create trigger refuse_writes before insert on leads for each statement execute function refuse_writes();`
      : 'drop trigger refuse_writes on leads; drop function refuse_writes();',
  );
}

let standIn: SlackStandIn;
let tdb: TestDb;
let foothold: Foothold;
let slack: SlackRequester;
const out = new Lines();
beforeAll(async () => {
  standIn = await startSlackStandIn({ ...programStandIn(), tokens: [BOT_TOKEN] });
  tdb = await openTestDb();
  const env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: standIn.apiUrl,
    PORT: 0,
    ...tdb.env,
    FOOTHOLD_CONFIG: '(test)',
    LOG_LEVEL: 'debug',
  } as Env;
  foothold = createFoothold({ env, config: programConfig(), db: tdb.db, logger: createLogger('trace', out) });
  const { port } = await foothold.start();
  slack = createSlackRequester({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET });
});
afterAll(async () => {
  await foothold?.stop();
  await standIn?.close();
  await tdb?.cleanup();
});

describe('structured logs', () => {
  it('carry request ids, log an error once with its context, and never contain a secret', async () => {
    const started = Date.now();
    let requests = 0;

    // Ordinary traffic, and everything going wrong at once: Slack refusing the token, erroring, dropping
    // connections and rate limiting; a request Bolt cannot read; a database that refuses writes.
    await slack.viewSubmission(submissionPayload(CAST.pat, { website: 'logs1-acct.com' }));
    standIn.fail('chat.postMessage', { kind: 'slack_error', error: 'invalid_auth' }, { times: 1 });
    standIn.fail('chat.update', { kind: 'http_error', status: 500 }, { times: 2 });
    standIn.fail('conversations.open', { kind: 'refuse' }, { times: 2 });
    standIn.fail('views.open', { kind: 'rate_limited', retryAfterSeconds: 1 }, { times: 1 });
    await slack.viewSubmission(submissionPayload(CAST.con, { website: 'logs2-acct.com' }));
    await slack.command({
      command: '/eql',
      user_id: CAST.pat.userId,
      team_id: 'T0NORTH',
      text: '',
      trigger_id: 'bad',
    });
    const lead = (await sqlGet(tdb.db, 'select id, version from leads order by id')) as {
      id: number;
      version: number;
    };
    await slack.action(
      blockAction({
        user: { id: CAST.rep1.userId, team_id: 'T0VENDOR' },
        actionId: ACTIONS.claim,
        value: encodeLeadRef({ leadId: lead.id, version: lead.version }),
        channelId: 'C0ROUTING',
      }),
    );
    await slack.action(
      blockAction({
        user: { id: CAST.stranger.userId, team_id: 'T0UNKNOWN' },
        actionId: ACTIONS.won,
        value: encodeLeadRef({ leadId: lead.id, version: 9 }),
        channelId: 'C0RANDOM',
      }),
    );
    await slack.event(
      eventEnvelope({ type: 'app_home_opened', user: CAST.pat.userId, tab: 'home', channel: 'D0X' }),
    );
    await slack.raw('payload=null', { 'content-type': 'application/x-www-form-urlencoded' });
    await slack.raw(`payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [] }))}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    requests += 8;
    // An unexpected failure inside a use case: the database refuses writes.
    await refuseWrites(tdb, true);
    const failing = await slack.viewSubmission(submissionPayload(CAST.fab, { website: 'logs3-acct.com' }));
    await refuseWrites(tdb, false);
    requests++;
    expect(failing.status).toBe(200);
    await foothold.sender.drain({ timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 700));

    const lines = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(50);
    // No token or secret, in any form, anywhere.
    const all = out.lines.join('\n');
    for (const secret of [BOT_TOKEN, BOT_TOKEN.slice(5), SIGNING_SECRET, 'LOGTESTsecret'])
      expect(all).not.toContain(secret);
    expect(all).not.toMatch(/xox[abposre]-[A-Za-z0-9-]{6,}/);
    expect(all).not.toMatch(/Bearer (?!\[redacted\])/);

    // Lines written while a request is handled carry its id and what it was.
    const inRequests = lines.filter((l) => typeof l.requestId === 'string');
    const kinds = new Set(inRequests.map((l) => l.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['view_submission', 'block_actions', 'slash_command']));
    expect(inRequests.every((l) => typeof l.kind === 'string')).toBe(true);

    // The unexpected error: logged once, as an error, with the request's context and the error itself.
    const errors = lines.filter(
      (l) => Number(l.level) >= 50 && l.callbackId === 'submit_lead' && l.userId === CAST.fab.userId,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      kind: 'view_submission',
      teamId: 'T0FABRIK',
      err: { type: tdb.engine === 'sqlite' ? 'SqliteError' : expect.any(String) },
    });
    // A Slack error that cannot be retried: one error line, naming the message it concerns.
    const undelivered = lines.filter((l) => Number(l.level) >= 50 && l.error === 'invalid_auth');
    expect(undelivered).toHaveLength(1);
    expect(undelivered[0]).toMatchObject({ deliveryKey: expect.any(String), method: 'chat.postMessage' });

    report({
      n: 13,
      name: 'Operations: structured logs',
      requests,
      faults: 7,
      inputs: lines.length,
      checked: `${lines.length} JSON lines at trace level through Slack errors, 500s, refused connections, 429s, an unreadable request and a failing database: no token or signing secret; ${inRequests.length} lines carry a request id with kind/user/team; the database failure logged once with its request context`,
      ms: Date.now() - started,
    });
  });

  it('keep the OAuth client secret, state secret and installed tokens out of the log at trace level', async () => {
    const lines = new Lines();
    const CLIENT_SECRET = 'oauth-client-secret-never-logged-7f3a';
    const STATE_SECRET = 'oauth-state-secret-never-logged-9c1b';
    const INSTALLED = 'xoxb-3333333333-4444444444-INSTALLEDsecretTOKEN';
    const opts = programStandIn();
    opts.tokens = [BOT_TOKEN];
    opts.oauth = {
      clientId: '111.222',
      clientSecret: CLIENT_SECRET,
      validCodes: ['code-1'],
      response: {
        access_token: INSTALLED,
        team: { id: 'T0NORTH', name: 'Northwind' },
        bot_user_id: 'U0NWBOT',
      },
    };
    const oauthStandIn = await startSlackStandIn(opts);
    const db = await openTestDb();
    const app = createFoothold({
      env: {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_CLIENT_ID: '111.222',
        SLACK_CLIENT_SECRET: CLIENT_SECRET,
        SLACK_STATE_SECRET: STATE_SECRET,
        FOOTHOLD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        SLACK_API_URL: oauthStandIn.apiUrl,
        PORT: 0,
        ...db.env,
        FOOTHOLD_CONFIG: '(test)',
        LOG_LEVEL: 'trace',
      } as Env,
      config: programConfig(),
      db: db.db,
      logger: createLogger('trace', lines),
    });
    try {
      const { port } = await app.start();
      const install = await httpGet(`http://127.0.0.1:${port}/slack/install`);
      const location = String(install.headers.location);
      const state = new URL(location).searchParams.get('state') ?? '';
      const cookie = ([] as string[])
        .concat(install.headers['set-cookie'] ?? [])
        .map((c) => c.split(';')[0])
        .join('; ');
      const done = await httpGet(
        `http://127.0.0.1:${port}/slack/oauth_redirect?code=code-1&state=${encodeURIComponent(state)}`,
        { cookie },
      );
      expect(done.status).toBe(200);
      expect(
        await sqlGet(db.db, "select count(*) as n from slack_installations where install_key = 'T0NORTH'"),
      ).toEqual({ n: 1 });
      const all = lines.lines.join('\n');
      expect(lines.lines.length).toBeGreaterThan(10);
      for (const secret of [
        CLIENT_SECRET,
        STATE_SECRET,
        INSTALLED,
        BOT_TOKEN,
        SIGNING_SECRET,
        TEST_ENCRYPTION_KEY,
      ])
        expect(all).not.toContain(secret);
    } finally {
      await app.stop();
      await oauthStandIn.close();
      await db.cleanup();
    }
  });

  // The Web API clients of the sender and App Home log through pino; the SDK's own console warnings would
  // otherwise print outside the JSON log, a second time beside the sender's structured line.
  it('write nothing outside the structured log when Slack cannot be reached', async () => {
    const unstructured: string[] = [];
    for (const level of ['debug', 'info', 'warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        unstructured.push(args.map(String).join(' '));
      });
    try {
      standIn.fail('conversations.open', { kind: 'refuse' }, { times: 1 });
      await slack.viewSubmission(submissionPayload(CAST.bob, { website: 'logs4-acct.com' }));
      await foothold.sender.drain({ timeoutMs: 10_000 });
    } finally {
      vi.restoreAllMocks();
    }
    expect(unstructured).toEqual([]);
  });

  it('scrub the deployment’s own secrets by value, and secret-named fields in any message', () => {
    const lines = new Lines();
    const log = createLogger('info', lines, { secrets: ['an-unusual-deployment-secret'] });
    log.info({ note: 'x an-unusual-deployment-secret y' }, 'value an-unusual-deployment-secret');
    log.info(
      'http request body: {"client_id":"1.2","client_secret":"s3cr3t-value"} client_secret=s3cr3t-form&x=1',
    );
    log.warn({ headers: { Authorization: 'Bearer xoxb-9-9-abc' } }, 'Authorization: Bearer xoxp-1-2-def');
    const all = lines.lines.join('\n');
    for (const s of [
      'an-unusual-deployment-secret',
      's3cr3t-value',
      's3cr3t-form',
      'xoxb-9-9-abc',
      'xoxp-1-2-def',
    ])
      expect(all).not.toContain(s);
    expect(lines.lines.every((l) => JSON.parse(l))).toBe(true);
  });
});

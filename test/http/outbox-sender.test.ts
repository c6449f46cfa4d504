import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, type OutboxMessage } from '../../src/db/stores/outbox-store.ts';
import { createOutboxSender } from '../../src/delivery/outbox-sender.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';
import { captureLogger } from '../helpers/logs.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

let standIn: SlackStandIn;
let t: TestDb;
const { logger, logged } = captureLogger();

beforeEach(async () => {
  standIn = await startSlackStandIn({
    channels: [{ id: 'C0ROUTING', name: 'routing' }],
    users: [{ id: 'U0PAT' }],
  });
  t = await openTestDb();
  logged.length = 0;
});
afterEach(async () => {
  await standIn.close();
  await t.cleanup();
});

function sender(opts: { maxAttempts?: number; timeoutMs?: number } = {}) {
  const client = new WebClient('xoxb-test', {
    slackApiUrl: standIn.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: opts.timeoutMs ?? 2000,
  });
  return createOutboxSender({
    db: t.db,
    clientFor: () => client,
    logger,
    concurrency: 4,
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
  });
}

function post(key: string, recipient: string, text: string): OutboxMessage {
  return { deliveryKey: key, recipient, method: 'chat.postMessage', payload: { channel: recipient, text } };
}

async function queue(messages: OutboxMessage[]) {
  await enqueue(t.db, messages, Date.now());
}

async function outboxStatus() {
  return (await sqlAll(
    t.db,
    'select delivery_key as k, status, attempts, last_error as e from outbox order by id',
  )) as Array<{
    k: string;
    status: string;
    attempts: number;
    e: string | null;
  }>;
}

describe('the outbox sender', () => {
  it('delivers in order per recipient, opening DMs for user ids, and marks rows sent', async () => {
    await queue([
      post('a1', 'C0ROUTING', 'one'),
      post('b1', 'U0PAT', 'hello'),
      post('a2', 'C0ROUTING', 'two'),
      post('a3', 'C0ROUTING', 'three'),
    ]);
    const res = await sender().drain();
    expect(res.sent).toBe(4);
    expect(standIn.messagesTo('C0ROUTING').map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(standIn.messagesTo('U0PAT').map((m) => m.text)).toEqual(['hello']);
    expect(standIn.calls('conversations.open')).toHaveLength(1);
    expect((await outboxStatus()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('never queues or sends the same delivery key twice', async () => {
    await queue([post('same', 'C0ROUTING', 'once')]);
    await queue([post('same', 'C0ROUTING', 'once again')]);
    const s = sender();
    await s.drain();
    await s.drain();
    expect(standIn.messagesTo('C0ROUTING').map((m) => m.text)).toEqual(['once']);
  });

  it('honours 429 Retry-After, then delivers each message exactly once and in order', async () => {
    standIn.fail('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 1 }, { times: 1 });
    await queue([post('r1', 'C0ROUTING', 'first'), post('r2', 'C0ROUTING', 'second')]);
    const started = Date.now();
    await sender().drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(standIn.messagesTo('C0ROUTING').map((m) => m.text)).toEqual(['first', 'second']);
    expect(standIn.calls('chat.postMessage').filter((c) => c.httpStatus === 429)).toHaveLength(1);
  });

  it('retries through 500s and refused connections with backoff', async () => {
    standIn.fail('chat.postMessage', { kind: 'http_error', status: 500 }, { times: 1 });
    standIn.fail('chat.postMessage', { kind: 'refuse' }, { times: 1 });
    await queue([post('o1', 'C0ROUTING', 'survives')]);
    await sender().drain({ timeoutMs: 20_000 });
    expect(standIn.messagesTo('C0ROUTING').map((m) => m.text)).toEqual(['survives']);
    expect((await outboxStatus())[0]).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('stops on permanent errors, logs them, and lets the recipient’s next message through', async () => {
    standIn.fail('chat.postMessage', { kind: 'slack_error', error: 'invalid_blocks' }, { times: 1 });
    await queue([post('p1', 'C0ROUTING', 'broken'), post('p2', 'C0ROUTING', 'fine')]);
    await sender().drain();
    expect(await outboxStatus()).toEqual([
      { k: 'p1', status: 'failed', attempts: 1, e: 'invalid_blocks' },
      { k: 'p2', status: 'sent', attempts: 1, e: null },
    ]);
    expect(logged.some((l) => l.level === 'error' && JSON.stringify(l.obj).includes('invalid_blocks'))).toBe(
      true,
    );
  });

  it('survives a restart: pending rows left by a stopped sender go out once from a new one', async () => {
    await queue([post('s1', 'C0ROUTING', 'before restart')]);
    standIn.fail('chat.postMessage', { kind: 'http_error', status: 503 }, { times: 1 });
    const first = sender();
    await first.drain({ untilEmpty: false });
    expect((await outboxStatus())[0]?.status).toBe('pending');
    await sqlRun(t.db, 'update outbox set not_before = 0');
    const second = sender();
    await second.drain();
    expect(standIn.messagesTo('C0ROUTING').map((m) => m.text)).toEqual(['before restart']);
  });

  it('fills in the routing post ts for updates and thread replies once the post is delivered', async () => {
    const now = Date.now();
    await sqlRun(
      t.db,
      "insert into partner_orgs (slug, name, manager_user_id, active, updated_at) values ('nw', 'Northwind', 'U0PAM', true, 0)",
    );
    await sqlRun(
      t.db,
      "insert into leads (id, domain, account_name, partner_slug, surfaced_by, submitted_by_user_id, status, attribution, created_at, updated_at, last_progress_at) values (7, 'acme.com', 'Acme', 'nw', 'partner', 'U0PAT', 'qualified', 'sourced', ?, ?, ?)",
      now,
      now,
      now,
    );
    await queue([
      {
        deliveryKey: 'post',
        recipient: 'C0ROUTING',
        method: 'chat.postMessage',
        payload: { channel: 'C0ROUTING', text: 'v1' },
        leadId: 7,
        onSent: 'routing_post',
      },
      {
        deliveryKey: 'upd',
        recipient: 'C0ROUTING',
        method: 'chat.update',
        payload: { channel: 'C0ROUTING', ts: '@lead-post-ts', text: 'v2' },
        leadId: 7,
      },
      {
        deliveryKey: 'thr',
        recipient: 'C0ROUTING',
        method: 'chat.postMessage',
        payload: { channel: 'C0ROUTING', thread_ts: '@lead-post-ts', text: 'reply' },
        leadId: 7,
      },
    ]);
    await sender().drain();
    const postTs = (
      (await sqlGet(t.db, 'select routing_post_ts as ts from leads where id = 7')) as { ts: string }
    ).ts;
    expect(postTs).toBeTruthy();
    expect(standIn.message('C0ROUTING', postTs)?.text).toBe('v2');
    expect(standIn.messagesTo('C0ROUTING').find((m) => m.text === 'reply')?.threadTs).toBe(postTs);
  });

  it('does not post a message twice when Slack posted it but answered after the client timeout', async () => {
    standIn.fail('chat.postMessage', { kind: 'delay', ms: 700 }, { times: 1 });
    await queue([post('slow', 'C0ROUTING', 'posted once'), post('next', 'C0ROUTING', 'then this')]);
    await sender({ timeoutMs: 300 }).drain({ timeoutMs: 20_000 });
    expect(standIn.messagesTo('C0ROUTING').map((m) => m.text)).toEqual(['posted once', 'then this']);
    expect((await outboxStatus()).map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(standIn.calls('conversations.history')).toHaveLength(1);
  });

  it('after a crash mid-call, finds the message Slack already has instead of posting it again', async () => {
    await queue([post('crash', 'U0PAT', 'hello once')]);
    // What a process killed between Slack's answer and the database write leaves behind: the message is in
    // Slack (tagged with its delivery key), the row is pending and marked unconfirmed.
    const channel = standIn.dmChannelFor('U0PAT');
    const client = new WebClient('xoxb-test', { slackApiUrl: standIn.apiUrl });
    const posted = await client.chat.postMessage({
      channel,
      text: 'hello once',
      metadata: { event_type: 'foothold_delivery', event_payload: { delivery_key: 'crash' } },
    });
    await sqlRun(t.db, "update outbox set last_error = 'unconfirmed: sent at …, no answer yet'");
    await sender().drain();
    expect(standIn.messagesTo('U0PAT').map((m) => m.text)).toEqual(['hello once']);
    const row = (await sqlGet(t.db, 'select status, result from outbox')) as {
      status: string;
      result: string;
    };
    expect(row.status).toBe('sent');
    expect(JSON.parse(row.result)).toMatchObject({ ts: posted.ts });
  });

  it('posts an unconfirmed message again when Slack does not have it', async () => {
    await queue([post('lost', 'C0ROUTING', 'never arrived')]);
    await sqlRun(t.db, "update outbox set last_error = 'unconfirmed: socket hang up'");
    await sender().drain();
    expect(standIn.messagesTo('C0ROUTING').map((m) => m.text)).toEqual(['never arrived']);
  });
});

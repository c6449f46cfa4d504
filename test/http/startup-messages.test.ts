import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFoothold, StartupError } from '../../src/app.ts';
import type { Env } from '../../src/config/env.ts';
import type { Db } from '../../src/db/connection.ts';
import { type OutboxHealth, outboxHealth } from '../../src/db/stores/outbox-store.ts';
import { startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { startSocketModeStandIn } from '../../src/dev/socket-mode-stand-in.ts';
import { createLogger } from '../../src/logger.ts';
import { openTestDb, testConfig } from '../helpers/db.ts';
import { programStandInOptions, SIGNING_SECRET } from '../helpers/harness.ts';
import { sqlRun } from '../helpers/sql.ts';

// Start-up problems are one line that names the real cause: Slack unreachable is not a rejected token, and a
// port in use is not a stack trace (issue 14).

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

async function startWith(env: Partial<Env>): Promise<unknown> {
  const t = await openTestDb();
  cleanups.push(() => t.cleanup());
  const foothold = createFoothold({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: 0,
      ...t.env,
      FOOTHOLD_CONFIG: '-',
      LOG_LEVEL: 'silent',
      ...env,
    } as Env,
    config: testConfig(),
    db: t.db,
    logger: createLogger('silent'),
  });
  const err = await foothold.start().catch((e: unknown) => e);
  if (!(err instanceof Error)) cleanups.push(() => foothold.stop());
  return err;
}

describe('start-up says why Slack could not be used', () => {
  it('offline: Slack could not be reached, at SLACK_API_URL, and the token was not checked', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const apiUrl = `http://127.0.0.1:${port}/api/`;
    const err = await startWith({ SLACK_API_URL: apiUrl });
    expect(err).toBeInstanceOf(StartupError);
    const message = (err as Error).message;
    expect(message).toBe(
      `Slack could not be reached at SLACK_API_URL (${apiUrl}) (ECONNREFUSED). Check the network, proxy and DNS, and SLACK_API_URL; the token was not checked.`,
    );
    expect(message).not.toMatch(/rejected/);
  });

  it('a token Slack refuses is named as the token', async () => {
    const standIn = await startSlackStandIn(programStandInOptions());
    cleanups.push(() => standIn.close());
    const err = await startWith({ SLACK_API_URL: standIn.apiUrl, SLACK_BOT_TOKEN: 'xoxb-not-a-real-token' });
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toBe(
      'Slack rejected SLACK_BOT_TOKEN (invalid_auth). Check the token under OAuth & Permissions.',
    );
  });

  it('an HTTP error from Slack is reported as such, not as a bad token', async () => {
    const standIn = await startSlackStandIn(programStandInOptions());
    cleanups.push(() => standIn.close());
    standIn.fail('auth.test', { kind: 'http_error', status: 503 }, { times: 1 });
    const err = await startWith({ SLACK_API_URL: standIn.apiUrl });
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toMatch(
      /^Slack answered HTTP 503 at SLACK_API_URL \(http:\/\/127\.0\.0\.1:\d+/,
    );
  });

  it('a port in use is one line naming PORT', async () => {
    const standIn = await startSlackStandIn(programStandInOptions());
    cleanups.push(() => standIn.close());
    const taken = createServer();
    const port = await listen(taken);
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const err = await startWith({ SLACK_API_URL: standIn.apiUrl, PORT: port });
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toBe(
      `Port ${port} is already in use by another program; stop it, or set PORT to a free port.`,
    );
  });
});

/** An outbox row in a given state, written directly (the health figures read only these columns). */
function queueRow(db: Db, key: string, status: string, notBefore: number, createdAt: number) {
  return sqlRun(
    db,
    "insert into outbox (delivery_key, recipient, method, payload, status, not_before, created_at) values (?, 'C0ROUTING', 'chat.postMessage', '{}', ?, ?, ?)",
    key,
    status,
    notBefore,
    createdAt,
  );
}

describe('/healthz', () => {
  it('reports the outbox backlog and failures beside ok, in HTTP mode', async () => {
    const standIn = await startSlackStandIn(programStandInOptions());
    cleanups.push(() => standIn.close());
    const t = await openTestDb();
    cleanups.push(() => t.cleanup());
    const now = Date.parse('2026-11-23T14:00:00Z');
    const insert = (key: string, status: string, notBefore: number, createdAt: number) =>
      queueRow(t.db, key, status, notBefore, createdAt);
    await insert('a', 'pending', now - 90_000, now - 90_000);
    await insert('b', 'pending', now + 3_600_000, now);
    await insert('c', 'failed', now - 1_000, now - 1_000);
    const foothold = createFoothold({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: standIn.apiUrl,
        PORT: 0,
        ...t.env,
        FOOTHOLD_CONFIG: '-',
        LOG_LEVEL: 'silent',
      } as Env,
      config: testConfig(),
      db: t.db,
      logger: createLogger('silent'),
      now: () => now,
    });
    const { port } = await foothold.start();
    await foothold.sender.stop();
    cleanups.push(() => foothold.stop());
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; outbox: OutboxHealth };
    expect(body).toEqual({ ok: true, role: 'web+worker', outbox: await outboxHealth(t.db, now) });
    expect(body.outbox.failed).toBeGreaterThanOrEqual(1);
  });

  it('counts pending, due, the oldest due message and failures', async () => {
    const t = await openTestDb();
    cleanups.push(() => t.cleanup());
    const now = Date.parse('2026-11-23T14:00:00Z');
    expect(await outboxHealth(t.db, now)).toEqual({ pending: 0, due: 0, oldestDueSeconds: 0, failed: 0 });
    const insert = (key: string, status: string, notBefore: number, createdAt: number) =>
      queueRow(t.db, key, status, notBefore, createdAt);
    await insert('a', 'pending', now - 90_000, now - 90_000);
    await insert('b', 'pending', now - 5_000, now - 5_000);
    await insert('c', 'pending', now + 3_600_000, now);
    await insert('d', 'failed', now - 1_000, now - 1_000);
    await insert('e', 'sent', now - 1_000, now - 1_000);
    expect(await outboxHealth(t.db, now)).toEqual({ pending: 3, due: 2, oldestDueSeconds: 90, failed: 1 });
  });

  it('is served in Socket Mode too, on PORT', async () => {
    const socket = await startSocketModeStandIn();
    cleanups.push(() => socket.close());
    const standIn = await startSlackStandIn({
      ...programStandInOptions(),
      tokens: ['xoxb-test', 'xapp-test'],
      socketModeUrl: () => socket.url(),
    });
    cleanups.push(() => standIn.close());
    const t = await openTestDb();
    cleanups.push(() => t.cleanup());
    const foothold = createFoothold({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_APP_TOKEN: 'xapp-test',
        SLACK_API_URL: standIn.apiUrl,
        PORT: 0,
        ...t.env,
        FOOTHOLD_CONFIG: '-',
        LOG_LEVEL: 'silent',
      } as Env,
      config: testConfig(),
      db: t.db,
      logger: createLogger('silent'),
    });
    const { port } = await foothold.start();
    cleanups.push(() => foothold.stop());
    expect(port).toBeGreaterThan(0);
    expect(socket.connections()).toBe(1);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    // No Slack request comes over HTTP in Socket Mode.
    expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' })).status).toBe(404);
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { type BotDatabase, botDatabase, sqliteIntegrity } from './support/bot-database.ts';
import { type BotProcess, httpGet, startBot } from './support/bot-process.ts';
import { report } from './support/figures.ts';
import { ORGS, partnerPerson, programStandIn, writeProgramConfig } from './support/program.ts';
import { pool, submissionPayload, waitUntil } from './support/slack-world.ts';

// Scenario 10: the process's life. SIGTERM stops accepting requests, finishes the ones in flight (and the
// Slack deliveries in flight), stops the jobs and closes the database cleanly, exiting 0. After an unclean
// stop (kill -9, messages still queued), the next start-up recovers: healthy, intact, and the outbox drains.

let standIn: SlackStandIn;
let dir: string;
const bots: BotProcess[] = [];
const databases: BotDatabase[] = [];
beforeAll(async () => {
  standIn = await startSlackStandIn(programStandIn());
  dir = mkdtempSync(join(tmpdir(), 'foothold-lifecycle-'));
});
afterAll(async () => {
  for (const b of bots) b.kill('SIGKILL');
  await Promise.all(bots.map((b) => b.exited));
  await standIn?.close();
  for (const d of databases) await d.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function bot(database: BotDatabase, configPath: string): Promise<BotProcess> {
  const b = await startBot({ apiUrl: standIn.apiUrl, database: database.env, configPath, logLevel: 'info' });
  bots.push(b);
  return b;
}

async function newDatabase(name: string): Promise<BotDatabase> {
  const d = await botDatabase(dir, name);
  databases.push(d);
  return d;
}

/** What the database holds (read as another process would). `integrity` is SQLite's file check (null on PostgreSQL). */
async function dbFacts(db: BotDatabase) {
  return {
    integrity: sqliteIntegrity(db),
    domains: new Set((await db.all<{ domain: string }>('select domain from leads')).map((r) => r.domain)),
    pending: await db.count("select count(*) as n from outbox where status = 'pending'"),
    unconfirmed: await db.count("select count(*) as n from outbox where last_error like 'unconfirmed:%'"),
  };
}

describe('scenario 10: lifecycle of the process', () => {
  it('SIGTERM finishes what is in flight and exits cleanly; a start after kill -9 recovers', async () => {
    const started = Date.now();
    const configPath = writeProgramConfig(dir);
    const people = ORGS.flatMap((o) => [1, 2, 3].map((i) => partnerPerson(o, i)));
    let requests = 0;

    // ── SIGTERM under load, with Slack slow to answer (deliveries in flight) ──────────────────────
    const db1 = await newDatabase('graceful');
    const b1 = await bot(db1, configPath);
    const slow = standIn.fail('chat.postMessage', { kind: 'delay', ms: 1200 }, { forMs: 60_000 });
    const acked: string[] = [];
    const outcomes = { answered: 0, refused: 0, other: 0 };
    let termAt = 0;
    const N = 60;
    await pool(
      Array.from({ length: N }, (_, i) => i),
      6,
      async (i) => {
        const domain = `term${i}-acct.com`;
        requests++;
        const res = await b1.slack
          .viewSubmission(submissionPayload(people[i % people.length]!, { website: domain }))
          .catch((e: NodeJS.ErrnoException) => e);
        if (res instanceof Error) {
          if (res.code === 'ECONNREFUSED' || res.code === 'ECONNRESET') outcomes.refused++;
          else outcomes.other++;
        } else {
          outcomes.answered++;
          expect(res.status).toBe(200);
          if ((res.json as { response_action?: string } | null)?.response_action === 'update')
            acked.push(domain);
        }
        if (acked.length === 20 && !termAt) {
          termAt = Date.now();
          b1.kill('SIGTERM');
        }
      },
    );
    const exit1 = await b1.exited;
    const stopMs = Date.now() - termAt;
    // The database was closed cleanly: on SQLite no write-ahead log left behind (checked before anything reopens
    // it).
    const walLeft = db1.file !== null && existsSync(`${db1.file}-wal`);
    slow.clear();
    const logs = b1.stdout.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(exit1.code).toBe(0);
    expect(logs.some((l) => /shutting down/.test(l.msg))).toBe(true);
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    // Every answered submission is stored; later requests found the door closed; the file was closed cleanly
    // (no write-ahead log left behind) and no delivery was cut off half-way.
    const f1 = await dbFacts(db1);
    expect(acked.filter((d) => !f1.domains.has(d))).toEqual([]);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.other).toBe(0);
    if (db1.engine === 'sqlite') expect(f1.integrity).toBe('ok');
    expect(f1.unconfirmed).toBe(0);
    expect(walLeft).toBe(false);

    // ── kill -9 with messages still queued (Slack down), then a start-up that must recover ──────────
    const db2 = await newDatabase('unclean');
    const b2 = await bot(db2, configPath);
    const down = standIn.fail('chat.postMessage', { kind: 'http_error', status: 503 }, { forMs: 60_000 });
    const acked2: string[] = [];
    for (let i = 0; i < 15; i++) {
      requests++;
      const res = await b2.slack.viewSubmission(
        submissionPayload(people[i % people.length]!, { website: `kill${i}-acct.com` }),
      );
      if ((res.json as { response_action?: string } | null)?.response_action === 'update')
        acked2.push(`kill${i}-acct.com`);
    }
    b2.kill('SIGKILL');
    expect((await b2.exited).signal).toBe('SIGKILL');
    down.clear();
    if (db2.file) expect(existsSync(`${db2.file}-wal`)).toBe(true); // an unclean stop leaves SQLite's write-ahead log
    const pendingAtCrash = (await dbFacts(db2)).pending;
    expect(pendingAtCrash).toBeGreaterThan(0);
    const b3 = await bot(db2, configPath);
    expect((await httpGet(`http://127.0.0.1:${b3.port}/healthz`)).status).toBe(200);
    await waitUntil(
      'the outbox to drain after recovery',
      async () => (await dbFacts(db2)).pending === 0,
      60_000,
      200,
    );
    const f2 = await dbFacts(db2);
    if (db2.engine === 'sqlite') expect(f2.integrity).toBe('ok');
    expect(acked2.filter((d) => !f2.domains.has(d))).toEqual([]);
    b3.kill('SIGTERM');
    expect((await b3.exited).code).toBe(0);

    report({
      n: 10,
      name: 'Lifecycle of the process (SIGTERM under load; start-up after kill -9)',
      requests,
      faults: 2,
      checked: `SIGTERM after 20 of ${N} submissions: ${outcomes.answered} answered (all stored), ${outcomes.refused} refused once closed; deliveries in flight finished; exit 0 after ${stopMs} ms with no error logged, no WAL left; kill -9 with ${pendingAtCrash} messages queued: restart healthy, integrity ok, outbox drained`,
      ms: Date.now() - started,
    });
  }, 120_000);
});

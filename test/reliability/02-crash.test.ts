import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDb, sqliteClient } from '../../src/db/connection.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { sqlGet } from '../helpers/sql.ts';
import { type BotProcess, startBot } from './support/bot-process.ts';
import { FULL, report, size } from './support/figures.ts';
import { ORGS, partnerPerson, programStandIn, writeProgramConfig } from './support/program.ts';
import { deliveryReport, pendingCount, pool, submissionPayload, waitUntil } from './support/slack-world.ts';

// Scenario 2: kill -9 the bot while submissions pour in, at three random points, restarting it each time.
// Every submission acknowledged without error is in the database, the database is intact, the outbox drains
// after the restart, and nothing reaches Slack twice.

const PER_ROUND = size(80, 1000);
const ROUNDS = 3;
const SEED = Number(process.env.FOOTHOLD_RELIABILITY_SEED ?? Date.now() % 100_000);

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let standIn: SlackStandIn;
let dir: string;
let bot: BotProcess | null = null;
let latency: { clear(): void } | null = null;
beforeAll(async () => {
  standIn = await startSlackStandIn(programStandIn());
  // Slack takes a moment to answer each post, so a kill is likely to land between Slack posting a message
  // and the bot recording that it did: the window where a naive sender posts twice after a restart.
  latency = standIn.fail('chat.postMessage', { kind: 'delay', ms: 25 }, { forMs: 3_600_000 });
  dir = mkdtempSync(join(tmpdir(), 'foothold-crash-'));
});
afterAll(async () => {
  bot?.kill('SIGKILL');
  await bot?.exited;
  await standIn?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scenario 2: crash mid-load', () => {
  it(
    'loses no acknowledged submission, keeps the database intact and sends nothing twice across three kill -9s',
    async () => {
      const started = Date.now();
      const random = mulberry32(SEED);
      const databasePath = join(dir, 'foothold.db');
      const configPath = writeProgramConfig(dir);
      const people = ORGS.flatMap((org) => Array.from({ length: 10 }, (_, i) => partnerPerson(org, i + 1)));
      const acked: string[] = [];
      let requests = 0;
      let refused = 0;
      const killPoints: number[] = [];

      for (let round = 0; round < ROUNDS; round++) {
        bot = await startBot({
          apiUrl: standIn.apiUrl,
          database: { DATABASE_PATH: databasePath },
          configPath,
          logLevel: 'warn',
        });
        const killAfter = Math.floor(PER_ROUND * (0.15 + random() * 0.7));
        killPoints.push(killAfter);
        let done = 0;
        let killed = false;
        const b = bot;
        await pool(
          Array.from({ length: PER_ROUND }, (_, i) => i),
          16,
          async (i) => {
            if (killed) return;
            const domain = `crash${round}x${i}-acct.com`;
            const who = people[(round * PER_ROUND + i) % people.length]!;
            requests++;
            const res = await b.slack
              .viewSubmission(submissionPayload(who, { accountName: `Crash ${round}/${i}`, website: domain }))
              .catch(() => null);
            if (!res) {
              refused++;
              return;
            }
            if (
              res.status === 200 &&
              (res.json as { response_action?: string } | null)?.response_action === 'update'
            )
              acked.push(domain);
            if (++done === killAfter && !killed) {
              killed = true;
              b.kill('SIGKILL');
            }
          },
        );
        const exit = await b.exited;
        expect(exit.signal).toBe('SIGKILL');
        bot = null;

        // Straight after the crash: the file is intact and every acknowledged submission is in it.
        const check = new Database(databasePath);
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        const stored = new Set(
          (check.prepare('select domain from leads').all() as Array<{ domain: string }>).map((r) => r.domain),
        );
        check.close();
        const lost = acked.filter((d) => !stored.has(d));
        expect(lost).toEqual([]);
      }

      // The last restart (Slack back to its usual speed): the outbox drains and nothing was sent twice over
      // all the crashes.
      latency?.clear();
      bot = await startBot({
        apiUrl: standIn.apiUrl,
        database: { DATABASE_PATH: databasePath },
        configPath,
        logLevel: 'warn',
      });
      const db: Db = openDb(databasePath, { migrate: false });
      try {
        await waitUntil(
          'the outbox to drain after the restart',
          async () => (await pendingCount(db)) === 0,
          FULL ? 300_000 : 60_000,
          100,
        );
        const r = await deliveryReport(db, standIn);
        const failed = (await sqlGet(db, "select count(*) as n from outbox where status = 'failed'")) as {
          n: number;
        };
        const leads = ((await sqlGet(db, 'select count(*) as n from leads')) as { n: number }).n;
        const lookups =
          standIn.calls('conversations.history').length + standIn.calls('conversations.replies').length;
        report({
          n: 2,
          name: 'Crash mid-load (kill -9 at 3 random points, restart)',
          requests,
          faults: ROUNDS,
          expected: r.expected,
          delivered: r.delivered,
          duplicated: r.duplicated.length,
          checked: `${ROUNDS} × ${PER_ROUND} submissions, killed after ${killPoints.join(', ')} answers (seed ${SEED}); ${acked.length} acknowledged, all ${leads >= acked.length ? 'stored' : 'NOT stored'}; ${refused} refused while down; integrity_check ok; posts cut off mid-call looked up in Slack (${lookups} history calls) before any re-post; outbox drained`,
          ms: Date.now() - started,
        });
        expect(failed.n).toBe(0);
        expect(r.missing.map((m) => m.key)).toEqual([]);
        expect(r.duplicated).toEqual([]);
        expect(r.outOfOrder).toEqual([]);
        expect(leads).toBeGreaterThanOrEqual(acked.length);
      } finally {
        sqliteClient(db).close();
      }
      bot.kill('SIGTERM');
      expect((await bot.exited).code).toBe(0);
      bot = null;
    },
    FULL ? 900_000 : 120_000,
  );
});

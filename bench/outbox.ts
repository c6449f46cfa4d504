// B5: outbox fan-out. N DMs queued in one transaction (as a use case queues them), delivered by the real bot
// (createFoothold: its outbox sender and Web API clients, configured as in production) to the Slack stand-in,
// which rate-limits chat.postMessage to 50 per second and answers 429 with Retry-After beyond that. The
// baseline is the floor the rate limit sets: N / 50 seconds. Every DM is checked off by its text: lost ones
// and duplicates are counted.

import { mkdirSync, rmSync } from 'node:fs';
import { createFoothold } from '../src/app.ts';
import type { Env } from '../src/config/env.ts';
import { closeDb, openDb, sqliteClient, transaction } from '../src/db/connection.ts';
import { enqueue, type OutboxMessage } from '../src/db/stores/outbox-store.ts';
import { syncProgram } from '../src/db/stores/program-store.ts';
import { startSlackStandIn } from '../src/dev/slack-stand-in.ts';
import { createLogger } from '../src/logger.ts';
import { type BenchProgram, standInOptions } from './generate.ts';
import { type Figure, figure, log, sleep, summarize } from './lib.ts';

export interface OutboxBenchOptions {
  dms: number;
  reps: number;
  perSecond: number;
  dataDir: string;
  program: BenchProgram;
}

interface FanOut {
  seconds: number;
  delivered: number;
  lost: number;
  duplicates: number;
  rateLimited: number;
  failedRows: number;
}

async function fanOut(o: OutboxBenchOptions, rep: number): Promise<FanOut> {
  mkdirSync(o.dataDir, { recursive: true });
  const dbPath = `${o.dataDir}/outbox-bench.db`;
  for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  const db = openDb(dbPath);
  const config = o.program.config;
  await syncProgram(db, config, Date.now());
  const standIn = await startSlackStandIn(standInOptions(config));
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'bench-signing-secret-4c1d2e9a',
    SLACK_API_URL: standIn.apiUrl,
    PORT: 0,
    DATABASE_PATH: dbPath,
    FOOTHOLD_CONFIG: '(bench)',
    LOG_LEVEL: 'warn',
  } as Env;
  const foothold = createFoothold({ env, config, db, logger: createLogger('warn') });
  try {
    await foothold.start();
    await foothold.scheduler.stop();
    standIn.rateLimit('chat.postMessage', { perSecond: o.perSecond, retryAfterSeconds: 1 });
    // DMs to the people of the partners (a few messages each, as an announcement to every contact would be).
    const recipients = o.program.partners.flatMap((p) => p.users);
    const messages: OutboxMessage[] = Array.from({ length: o.dms }, (_, i) => {
      const to = recipients[i % recipients.length]!;
      return {
        deliveryKey: `bench:dm:${rep}:${i}`,
        recipient: to,
        method: 'chat.postMessage',
        payload: {
          channel: to,
          text: `bench-dm-${rep}-${i}: a lead you flagged moved forward`,
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: `*Acme ${i}* is now an opportunity. Thanks!` } },
          ],
        },
      };
    });
    const started = Date.now();
    await transaction(db, (tx) => enqueue(tx, messages, started));
    foothold.deps.afterCommit();
    const client = sqliteClient(db);
    const pending = client.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'");
    const deadline = started + Math.max(60_000, (o.dms / o.perSecond) * 3000);
    while ((pending.get() as { n: number }).n > 0 && Date.now() < deadline) await sleep(50);
    const last = client
      .prepare("SELECT max(sent_at) AS t, sum(status = 'failed') AS failed FROM outbox")
      .get() as { t: number | null; failed: number | null };
    const posts = standIn.calls('chat.postMessage');
    const seen = new Map<string, number>();
    let rateLimited = 0;
    for (const c of posts) {
      if (c.httpStatus === 429) rateLimited++;
      if (!c.response?.ok) continue;
      const key = /^bench-dm-\d+-(\d+):/.exec(String(c.args.text ?? ''))?.[1];
      if (key !== undefined) seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const delivered = [...seen.values()].reduce((a, b) => a + b, 0);
    return {
      seconds: ((last.t ?? Date.now()) - started) / 1000,
      delivered,
      lost: o.dms - seen.size,
      duplicates: delivered - seen.size,
      rateLimited,
      failedRows: last.failed ?? 0,
    };
  } finally {
    await foothold.stop();
    await standIn.close();
    await closeDb(db);
    for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  }
}

export async function runOutboxBench(
  o: OutboxBenchOptions,
): Promise<{ figures: Figure[]; info: Record<string, unknown> }> {
  const runs: FanOut[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    const r = await fanOut(o, rep);
    runs.push(r);
    log(
      `  outbox rep ${rep + 1}/${o.reps}: ${r.seconds.toFixed(1)} s, ${r.delivered} delivered, ${r.lost} lost, ${r.duplicates} duplicates, ${r.rateLimited} answered 429`,
    );
  }
  const floor = o.dms / o.perSecond;
  const lost = runs.reduce((a, r) => a + r.lost + r.failedRows, 0);
  const dups = runs.reduce((a, r) => a + r.duplicates, 0);
  return {
    figures: [
      figure({
        id: 'B5',
        what: `outbox fan-out, ${o.dms.toLocaleString('en-US')} DMs at ${o.perSecond}/s`,
        unit: 's',
        value: summarize(runs.map((r) => r.seconds)),
        baseline: summarize([floor]),
        baselineName: 'rate-limit floor',
        target: '≤ 1.2× floor',
        check: (_v, ratio) => ratio <= 1.2,
      }),
      figure({
        id: 'B5',
        what: 'lost + duplicate DMs (all repetitions)',
        unit: 'DMs',
        value: summarize([lost + dups]),
        baseline: summarize([0]),
        baselineName: 'none',
        target: '0 lost, 0 duplicates',
        check: (v) => v.median === 0,
        note: `lost ${lost}, duplicates ${dups}`,
      }),
    ],
    info: { runs, floorSeconds: floor },
  };
}

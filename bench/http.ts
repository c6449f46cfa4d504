// B1 (/eql), B2 (modal submission) and B6 (resident memory): Foothold and the bare Bolt app, each in its own
// process, under the same load from autocannon, calling the same Slack stand-in (its own process too).
//
// Each repetition starts both apps afresh (Foothold on a fresh copy of a database with 100k leads), reads
// their RSS once idle, runs /eql at each connection count against each app (a short warm-up, then the
// measured run; which app goes first alternates between repetitions), reads RSS again ("after B1"), then
// runs the view submissions the same way. Every request is signed as Slack signs it, with the current
// timestamp; every /eql carries a trigger id the stand-in issued, and every submission a new account, so each
// one is a full qualification that commits a lead, its gate results, event and outbox rows.

import type { EventEmitter } from 'node:events';
import { copyFileSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { signRequest, slashCommand, stateValue, viewSubmission } from '../src/dev/slack-client.ts';
import { encodeMeta } from '../src/listeners/payloads.ts';
import { submissionModal } from '../src/slack/blocks/modals.ts';
import { resultModal } from '../src/slack/blocks/results.ts';
import { CALLBACKS } from '../src/slack/ids.ts';
import { type BenchProgram, rng } from './generate.ts';
import {
  type Child,
  type Figure,
  figure,
  freePort,
  log,
  rssMiB,
  type Summary,
  sleep,
  startChild,
  summarize,
} from './lib.ts';

export const SIGNING_SECRET = 'bench-signing-secret-4c1d2e9a';
const FORM = 'application/x-www-form-urlencoded';

export interface HttpBenchOptions {
  reps: number;
  /** Seconds both apps sit idle after start before their idle RSS is read. */
  idleSettleSec: number;
  /** Seconds per measured run, and per warm-up run. */
  durationSec: number;
  warmupSec: number;
  connections: number[];
  /** Connection counts for B2 (the target is stated at 50). */
  submitConnections: number[];
  /** B2 also at this steady offered load (requests/s over all connections), for latency without queueing. */
  offeredRate?: number;
  /** Source database (copied for every repetition: B2 writes to it). */
  dbPath: string;
  leads: number;
  configPath: string;
  dataDir: string;
  program: BenchProgram;
}

export type AppName = 'foothold' | 'bare';

interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface Person {
  userId: string;
  teamId: string;
  channelId: string;
}

export function people(program: BenchProgram): Person[] {
  return program.partners.flatMap((p) =>
    p.users.map((userId) => ({ userId, teamId: p.teamId, channelId: p.channel })),
  );
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** One autocannon run; latency percentiles from every 2xx response time (autocannon's histogram has 1 ms steps). */
export function cannon(
  port: number,
  connections: number,
  durationSec: number,
  build: () => { body: string; headers: Record<string, string> },
  onBody?: (status: number, body: string) => void,
  /** Offered load (requests/s over all connections); unset: as fast as the app answers. */
  overallRate?: number,
): Promise<RunResult> {
  return cannonTimes(port, connections, durationSec, build, onBody, overallRate).then(({ result, times }) =>
    summarise(result.requests.total / result.duration, times, result),
  );
}

function summarise(
  rps: number,
  times: number[],
  counts: Pick<autocannon.Result, 'non2xx' | 'errors' | 'timeouts'> & { requests: { total: number } },
): RunResult {
  const sorted = Float64Array.from(times).sort();
  return {
    rps,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    requests: counts.requests.total,
    non2xx: counts.non2xx,
    errors: counts.errors,
    timeouts: counts.timeouts,
  };
}

/**
 * A steady offered load of `rate` requests/s spread evenly over time from `connections` connections.
 * autocannon's own `overallRate` fires every connection's request at the start of each second, which is a
 * burst of `connections` requests a second, not a steady rate: here each connection is its own 1-connection
 * run at `rate / connections` req/s, started `1000 / rate` ms after the previous one.
 */
export async function steadyCannon(
  port: number,
  connections: number,
  durationSec: number,
  build: () => { body: string; headers: Record<string, string> },
  rate: number,
): Promise<RunResult> {
  const r = await steadyTimes(port, connections, durationSec, build, rate);
  return summarise(r.requests.total / durationSec, r.times, r);
}

/** `steadyCannon`'s run with every 2xx response time, for pooling several runs into one percentile. */
export async function steadyTimes(
  port: number,
  connections: number,
  durationSec: number,
  build: () => { body: string; headers: Record<string, string> },
  rate: number,
): Promise<{
  times: number[];
  requests: { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}> {
  // autocannon paces a connection at 1 request/s at least, so a rate below the connection count uses fewer.
  const used = Math.max(1, Math.min(connections, Math.floor(rate)));
  const gapMs = 1000 / rate;
  const runs = await Promise.all(
    Array.from(
      { length: used },
      (_, i) =>
        new Promise<Awaited<ReturnType<typeof cannonTimes>>>((resolve, reject) => {
          setTimeout(() => {
            cannonTimes(port, 1, durationSec, build, undefined, rate / used).then(resolve, reject);
          }, i * gapMs);
        }),
    ),
  );
  return {
    times: runs.flatMap((r) => r.times),
    requests: { total: runs.reduce((n, r) => n + r.result.requests.total, 0) },
    non2xx: runs.reduce((n, r) => n + r.result.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.result.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.result.timeouts, 0),
  };
}

function cannonTimes(
  port: number,
  connections: number,
  durationSec: number,
  build: () => { body: string; headers: Record<string, string> },
  onBody?: (status: number, body: string) => void,
  overallRate?: number,
): Promise<{ result: autocannon.Result; times: number[] }> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: durationSec,
        timeout: 10,
        ...(overallRate ? { overallRate } : {}),
        requests: [
          {
            method: 'POST',
            path: '/slack/events',
            setupRequest: (req) => ({ ...req, ...build() }),
            ...(onBody ? { onResponse: (status: number, body: string) => onBody(status, body) } : {}),
          },
        ],
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) return reject(err);
        resolve({ result, times });
      },
    );
    // autocannon emits (client, statusCode, bytes, responseTime in ms, float).
    (instance as unknown as EventEmitter).on('response', (...args: unknown[]) => {
      const status = args[1] as number;
      if (status >= 200 && status < 300) times.push(args[3] as number);
    });
  });
}

export function signed(body: string): { body: string; headers: Record<string, string> } {
  const ts = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': FORM,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signRequest(SIGNING_SECRET, ts, body),
    },
  };
}

/** Trigger ids issued by the stand-in ahead of the load, topped up in the background. */
export class TriggerPool {
  private ids: string[] = [];
  private refilling: Promise<void> | null = null;
  constructor(private readonly standIn: Child<unknown>) {}
  async fill(n: number): Promise<void> {
    while (this.ids.length < n) await this.refill(Math.max(10_000, n - this.ids.length));
  }
  private refill(n: number): Promise<void> {
    this.refilling ??= this.standIn
      .ask<{ ids: string[] }>({ type: 'triggers', n }, 'triggers')
      .then((r) => {
        this.ids.push(...r.ids);
      })
      .finally(() => {
        this.refilling = null;
      });
    return this.refilling;
  }
  /** Reads and forgets the stand-in's recorded calls; that forgets its triggers too, so the pool starts over. */
  async resetStandIn(): Promise<{ ok: Record<string, number>; failed: Record<string, number> }> {
    await this.refilling;
    const counts = await this.standIn.ask<{ ok: Record<string, number>; failed: Record<string, number> }>(
      { type: 'count' },
      'count',
    );
    this.ids = [];
    return counts;
  }
  take(): string {
    if (this.ids.length < 20_000) void this.refill(30_000);
    return this.ids.pop() ?? 'trigger-pool-ran-dry';
  }
}

/** The view_submission body builder: a new account each time, 30% of them failing a gate. */
export function submissionBuilder(program: BenchProgram, tag: string) {
  const everyone = people(program);
  const modal = submissionModal({
    variant: 'partner',
    prefill: {},
    partners: [],
    privateMetadata: encodeMeta({ channelId: everyone[0]?.channelId ?? null }),
  }) as unknown as Record<string, unknown>;
  const rand = rng(7);
  const recent = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
  const good = [
    { industry: 'software', employees: '1200', country: 'US' },
    { industry: 'fintech', employees: '800', country: 'GB' },
    { industry: 'healthcare', employees: '3000', country: 'CA' },
    { industry: 'software', employees: '450', country: 'US' },
  ];
  let n = 0;
  return () => {
    n++;
    const who = everyone[Math.floor(rand() * everyone.length)]!;
    const r = rand();
    const firm = r < 0.2 ? { industry: 'retail', employees: '40', country: 'DE' } : good[n % good.length]!;
    const strength = r >= 0.2 && r < 0.3 ? '2' : String(3 + (n % 3));
    const values = {
      account_name: { account_name: stateValue.text(`Bench Account ${tag} ${n}`) },
      website: { website: stateValue.text(`bench-${tag}-${n}.com`) },
      relationship: { relationship: stateValue.select(n % 3 ? 'prospect' : 'customer') },
      strength: { strength: stateValue.select(strength) },
      contact_name: { contact_name: stateValue.text('Jane Doe') },
      contact_title: { contact_title: stateValue.text('VP Engineering') },
      contact_email: { contact_email: stateValue.text(null) },
      last_interaction_on: { last_interaction_on: stateValue.date(recent) },
      willing_to_introduce: { willing_to_introduce: stateValue.radio('yes') },
      need: { need: stateValue.text('Replacing a legacy tool this quarter') },
      notes: { notes: stateValue.text(null) },
      industry: { industry: stateValue.text(firm.industry) },
      employees: { employees: stateValue.text(firm.employees) },
      country: { country: stateValue.text(firm.country) },
    };
    const payload = viewSubmission({
      user: { id: who.userId, team_id: who.teamId },
      teamId: 'T0VENDOR',
      callbackId: CALLBACKS.submitLead,
      privateMetadata: encodeMeta({ channelId: who.channelId }),
      values: values as never,
      view: modal,
    });
    return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  };
}

async function cpuMs(child: Child<unknown>): Promise<number> {
  return (await child.ask<{ ms: number }>({ type: 'cpu' }, 'cpu')).ms;
}

/** Waits until Foothold's outbox has nothing due (read from the database file, as another process would). */
async function waitOutboxDrained(reader: Database.Database, timeoutMs: number): Promise<boolean> {
  const due = reader.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending' AND not_before <= ?");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((due.get(Date.now()) as { n: number }).n === 0) return true;
    await sleep(200);
  }
  return false;
}

export interface HttpBenchResult {
  figures: Figure[];
  info: Record<string, unknown>;
}

/** The bare Bolt app's static views (BENCH_VIEWS), sized like Foothold's; returns the file's path. */
export function writeBareViews(dataDir: string, program: BenchProgram): string {
  const path = `${dataDir}/bare-views.json`;
  const modal = submissionModal({
    variant: 'partner',
    prefill: {},
    partners: [],
    privateMetadata: encodeMeta({ channelId: people(program)[0]?.channelId ?? null }),
  });
  const result = resultModal(
    'It’s an EQL',
    '*Bench Account* cleared all four gates and is on its way to the sales team.',
    'We’ll message you when a rep picks it up.',
  );
  writeFileSync(path, JSON.stringify({ modal, result }));
  return path;
}

/** B1's request builder: a signed `/eql` from each person in turn, each with a fresh trigger id. */
export function eqlBuilder(program: BenchProgram, triggers: TriggerPool) {
  const everyone = people(program);
  let who = 0;
  return () => {
    const p = everyone[who++ % everyone.length]!;
    return signed(
      new URLSearchParams(
        slashCommand({
          command: '/eql',
          userId: p.userId,
          teamId: p.teamId,
          channelId: p.channelId,
          channelName: 'shared-partner',
          text: '',
          triggerId: triggers.take(),
        }),
      ).toString(),
    );
  };
}

/**
 * Starts the bare Bolt app and Foothold side by side, as B1, B2 and B6 run them: each compiled (scripts/build.mjs)
 * and run by plain Node in its own process, as production runs the bot (lib.ts: COMPILED), the same signing
 * secret, token and Slack stand-in, Foothold on a fresh copy of `dbSource`.
 */
export async function startBoth(o: {
  dataDir: string;
  dbSource: string;
  dbPath: string;
  configPath: string;
  viewsPath: string;
  slackApiUrl: string;
  logSuffix: string;
}): Promise<Record<AppName, Child<{ port: number }>>> {
  for (const s of ['', '-wal', '-shm']) rmSync(o.dbPath + s, { force: true });
  copyFileSync(o.dbSource, o.dbPath);
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.slackApiUrl,
    LOG_LEVEL: 'info',
  };
  return {
    bare: await startChild<{ port: number }>('./bare-bolt.ts', [], {
      env: { ...env, PORT: '0', BENCH_VIEWS: o.viewsPath },
      stdout: openSync(`${o.dataDir}/logs/bare-${o.logSuffix}.log`, 'w'),
    }),
    foothold: await startChild<{ port: number }>('./serve-foothold.ts', [], {
      env: {
        ...env,
        PORT: String(await freePort()),
        DATABASE_PATH: o.dbPath,
        FOOTHOLD_CONFIG: o.configPath,
      },
      stdout: openSync(`${o.dataDir}/logs/foothold-${o.logSuffix}.log`, 'w'),
    }),
  };
}

export async function runHttpBench(o: HttpBenchOptions): Promise<HttpBenchResult> {
  mkdirSync(`${o.dataDir}/logs`, { recursive: true });
  const viewsPath = writeBareViews(o.dataDir, o.program);

  const standIn = await startChild<{ apiUrl: string }>('./stand-in.ts', [o.configPath]);
  const triggers = new TriggerPool(standIn);
  const samples = new Map<string, number[]>();
  const add = (key: string, v: number) => {
    const list = samples.get(key) ?? [];
    list.push(v);
    samples.set(key, list);
  };
  const checks: Array<Record<string, unknown>> = [];
  const memory: Array<Record<string, unknown>> = [];
  const eqlRequest = eqlBuilder(o.program, triggers);

  try {
    for (let rep = 0; rep < o.reps; rep++) {
      const dbPath = `${o.dataDir}/run-foothold.db`;
      const apps = await startBoth({
        dataDir: o.dataDir,
        dbSource: o.dbPath,
        dbPath,
        configPath: o.configPath,
        viewsPath,
        slackApiUrl: standIn.ready.apiUrl,
        logSuffix: String(rep),
      });
      const order: AppName[] = rep % 2 ? ['foothold', 'bare'] : ['bare', 'foothold'];
      try {
        await triggers.resetStandIn();
        // Idle: long enough for V8's memory reducer to give back what start-up used (both apps alike).
        await sleep(o.idleSettleSec * 1000);
        for (const app of order) add(`rss-idle:${app}`, rssMiB(apps[app].pid));
        for (const app of order)
          memory.push({ rep, app, when: 'idle', ...(await apps[app].ask({ type: 'memory' }, 'memory')) });

        // B1: /eql
        for (const c of o.connections) {
          for (const app of order) {
            const port = apps[app].ready.port;
            await triggers.fill(20_000);
            await cannon(port, c, o.warmupSec, eqlRequest);
            await sleep(300);
            await triggers.resetStandIn();
            await triggers.fill(40_000);
            const cpu0 = await cpuMs(apps[app]);
            const r = await cannon(port, c, o.durationSec, eqlRequest);
            await sleep(300);
            add(`b1:${c}:${app}:cpu`, ((await cpuMs(apps[app])) - cpu0) / Math.max(1, r.requests));
            const calls = await triggers.resetStandIn();
            add(`b1:${c}:${app}:rps`, r.rps);
            add(`b1:${c}:${app}:p50`, r.p50);
            add(`b1:${c}:${app}:p99`, r.p99);
            checks.push({
              b: 'B1',
              rep,
              app,
              connections: c,
              ...r,
              modalsOpened: calls.ok['views.open'] ?? 0,
              failedCalls: calls.failed,
            });
            await sleep(500);
          }
        }
        await sleep(2000);
        for (const app of order) add(`rss-after:${app}`, rssMiB(apps[app].pid));
        for (const app of order)
          memory.push({ rep, app, when: 'after B1', ...(await apps[app].ask({ type: 'memory' }, 'memory')) });

        // B2: view submissions (each a new account: a full qualification in one transaction)
        const reader = new Database(dbPath, { readonly: true });
        const countLeads = reader.prepare("SELECT count(*) AS n FROM leads WHERE domain LIKE 'bench-%'");
        for (const c of o.submitConnections) {
          for (const app of order) {
            const port = apps[app].ready.port;
            await cannon(port, c, o.warmupSec, submissionBuilder(o.program, `w${rep}${app[0]}${c}`));
            if (app === 'foothold') await waitOutboxDrained(reader, 30_000);
            await sleep(300);
            await triggers.resetStandIn();
            const before = (countLeads.get() as { n: number }).n;
            const cpu0 = await cpuMs(apps[app]);
            const answers = { update: 0, errors: 0, other: 0 };
            const r = await cannon(
              port,
              c,
              o.durationSec,
              submissionBuilder(o.program, `r${rep}${app[0]}${c}`),
              (status, body) => {
                if (status !== 200) answers.other++;
                else if (body.includes('"response_action":"update"')) answers.update++;
                else if (body.includes('"response_action":"errors"')) answers.errors++;
                else answers.other++;
              },
            );
            const committed = (countLeads.get() as { n: number }).n - before;
            add(`b2:${c}:${app}:rps`, r.rps);
            add(`b2:${c}:${app}:p50`, r.p50);
            add(`b2:${c}:${app}:p99`, r.p99);
            checks.push({ b: 'B2', rep, app, connections: c, ...r, answers, leadsCommitted: committed });
            // Foothold's deliveries of the messages it queued are its own load: let them finish before the
            // next run, so they never run during the bare app's measurement.
            const drained = app === 'foothold' ? await waitOutboxDrained(reader, 30_000) : true;
            if (!drained) log("  B2 warning: Foothold's outbox was still sending after 30 s");
            // CPU per submission, including the Slack messages it queued (delivered by the time of this reading).
            const perRequest = app === 'foothold' ? committed : r.requests;
            add(`b2:${c}:${app}:cpu`, ((await cpuMs(apps[app])) - cpu0) / Math.max(1, perRequest));
            await sleep(300);
            const delivered = await triggers.resetStandIn();
            const last = checks.at(-1);
            if (last) last.slackCalls = { ok: delivered.ok, failed: delivered.failed, drained };
            if (o.offeredRate) {
              // The same submissions at a steady offered rate below saturation: the ack latency a burst of
              // people sees when the app is not queueing (a saturating closed loop measures mostly queueing).
              const steady = await steadyCannon(
                port,
                c,
                o.durationSec,
                submissionBuilder(o.program, `s${rep}${app[0]}${c}`),
                o.offeredRate,
              );
              add(`b2s:${c}:${app}:p50`, steady.p50);
              add(`b2s:${c}:${app}:p99`, steady.p99);
              checks.push({
                b: 'B2 steady',
                rep,
                app,
                connections: c,
                offeredRate: o.offeredRate,
                ...steady,
              });
              if (app === 'foothold') await waitOutboxDrained(reader, 30_000);
              await sleep(300);
              await triggers.resetStandIn();
            }
          }
        }
        reader.close();
      } finally {
        await apps.foothold.stop();
        await apps.bare.stop();
      }
      log(`  http rep ${rep + 1}/${o.reps} done`);
    }
  } finally {
    await standIn.stop();
  }

  const s = (key: string): Summary => summarize(samples.get(key) ?? []);
  const figures: Figure[] = [];
  for (const c of o.connections) {
    figures.push(
      figure({
        id: 'B1',
        what: `/eql throughput, ${c} connections`,
        unit: 'req/s',
        value: s(`b1:${c}:foothold:rps`),
        baseline: s(`b1:${c}:bare:rps`),
        baselineName: 'bare Bolt',
        target: '≥ 0.8× bare Bolt',
        check: (_v, r) => r >= 0.8,
      }),
      figure({
        id: 'B1',
        what: `/eql CPU per request, ${c} connections`,
        unit: 'ms',
        value: s(`b1:${c}:foothold:cpu`),
        baseline: s(`b1:${c}:bare:cpu`),
        baselineName: 'bare Bolt',
        target: '(context)',
      }),
      figure({
        id: 'B1',
        what: `/eql ack p50, ${c} connections`,
        unit: 'ms',
        value: s(`b1:${c}:foothold:p50`),
        baseline: s(`b1:${c}:bare:p50`),
        baselineName: 'bare Bolt',
        target: '(context)',
      }),
      figure({
        id: 'B1',
        what: `/eql ack p99, ${c} connections`,
        unit: 'ms',
        value: s(`b1:${c}:foothold:p99`),
        baseline: s(`b1:${c}:bare:p99`),
        baselineName: 'bare Bolt',
        target: '≤ 2× bare Bolt',
        check: (_v, r) => r <= 2,
      }),
    );
  }
  for (const c of o.submitConnections) {
    figures.push(
      figure({
        id: 'B2',
        what: `submission throughput, ${c} connections`,
        unit: 'req/s',
        value: s(`b2:${c}:foothold:rps`),
        baseline: s(`b2:${c}:bare:rps`),
        baselineName: 'bare Bolt',
        target: '≥ 0.5× bare Bolt',
        check: (_v, r) => r >= 0.5,
      }),
      figure({
        id: 'B2',
        what: `CPU per submission (with its Slack messages), ${c} conns`,
        unit: 'ms',
        value: s(`b2:${c}:foothold:cpu`),
        baseline: s(`b2:${c}:bare:cpu`),
        baselineName: 'bare Bolt',
        target: '(context)',
      }),
      figure({
        id: 'B2',
        what: `submission ack p50, ${c} connections`,
        unit: 'ms',
        value: s(`b2:${c}:foothold:p50`),
        baseline: s(`b2:${c}:bare:p50`),
        baselineName: 'bare Bolt',
        target: '(context)',
      }),
      figure({
        id: 'B2',
        what: `submission ack p99, ${c} connections`,
        unit: 'ms',
        value: s(`b2:${c}:foothold:p99`),
        baseline: s(`b2:${c}:bare:p99`),
        baselineName: 'bare Bolt',
        // A closed loop of 50 connections measures the queue at saturation; issue 12's target is the p99 at a
        // steady 50 submissions a second (below).
        target: '(context)',
      }),
    );
  }
  if (o.offeredRate) {
    for (const c of o.submitConnections) {
      figures.push(
        figure({
          id: 'B2',
          what: `submission ack p50 at ${o.offeredRate} req/s offered, ${c} conns`,
          unit: 'ms',
          value: s(`b2s:${c}:foothold:p50`),
          baseline: s(`b2s:${c}:bare:p50`),
          baselineName: 'bare Bolt',
          target: '(context)',
        }),
        figure({
          id: 'B2',
          what: `submission ack p99 at ${o.offeredRate} req/s offered, ${c} conns`,
          unit: 'ms',
          value: s(`b2s:${c}:foothold:p99`),
          baseline: s(`b2s:${c}:bare:p99`),
          baselineName: 'bare Bolt',
          // The target as issue 12 states it ("B2 submission throughput ≥ 0.5× bare Bolt and p99 < 50 ms at 50
          // submissions/s"): the p99 at a steady 50/s, not at saturation (the quick run offers less).
          target: o.offeredRate === 50 ? '< 50 ms' : '(context: < 50 ms at 50/s)',
          ...(o.offeredRate === 50 ? { check: (v: Summary) => v.median < 50 } : {}),
        }),
      );
    }
  }
  const label = o.leads >= 1000 ? `${o.leads / 1000}k` : String(o.leads);
  figures.push(
    figure({
      id: 'B6',
      what: `RSS idle ${o.idleSettleSec} s (Foothold with ${label} leads)`,
      unit: 'MiB',
      value: s('rss-idle:foothold'),
      baseline: s('rss-idle:bare'),
      baselineName: 'bare Bolt',
      target: '≤ 1.5× bare Bolt',
      check: (_v, r) => r <= 1.5,
    }),
    figure({
      id: 'B6',
      what: 'RSS after B1',
      unit: 'MiB',
      value: s('rss-after:foothold'),
      baseline: s('rss-after:bare'),
      baselineName: 'bare Bolt',
      target: '≤ 1.5× bare Bolt',
      check: (_v, r) => r <= 1.5,
    }),
  );
  return { figures, info: { runs: checks, memory } };
}

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LEASE_MS } from '../../src/db/stores/outbox-store.ts';
import { blockAction } from '../../src/dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { scheduleLedger } from '../../src/jobs/scheduler.ts';
import { ACTIONS, encodeLeadRef } from '../../src/slack/ids.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';
import { BOT_TOKEN, REPO_ROOT } from './support/bot-process.ts';
import {
  type Answer,
  acknowledged,
  type Cluster,
  createBalancer,
  type Instance,
  keepLogs,
  SLACK_ACK_MS,
  startCluster,
} from './support/cluster.ts';
import { type Figures, FULL, report, size } from './support/figures.ts';
import { ORGS, partnerPerson, programJson, programStandIn, RACE_REPS } from './support/program.ts';
import { deliveryReport, pendingCount, pool, submissionPayload, waitUntil } from './support/slack-world.ts';

// Scenario 27 (issue 12, "Tests"): several Foothold instances on one PostgreSQL database, as a load balancer
// runs them: `foothold web` instances behind a round-robin balancer (support/cluster.ts) and `foothold worker`
// instances sending the outbox and running the jobs.
//   1. 3 web + 2 workers under a submission load; one worker is killed (kill -9) while it has posts in flight and
//      one web instance while it has requests in flight; both restart. Every acknowledged submission is stored,
//      the outbox drains with nothing lost, nothing posted twice and every lane in order, and the surviving
//      worker took the dead one's leased rows over once their lease ran out (within MAX_LEASE_MS).
//   2. 50 reps click Claim on the same lead, their clicks spread over the 3 web instances at once: one owner,
//      the other 49 told privately who owns it, one audit event.
//   3. 3 workers run the same schedules: each period of a job runs in exactly one of them (one ledger row, one
//      "ran" log line cluster-wide, one digest posted); 3 concurrent `jobs run digest` CLI runs queue it once.
//   4. A rolling restart of the 3 web instances (SIGTERM, wait for the exit, start a new one) while
//      submissions flow: every submission acknowledged (200) within Slack's 3 s, the balancer's retries
//      included (no 5xx, no 404 past Bolt's 3 s, nothing cut off beyond what the balancer retries), every
//      acknowledged submission stored; the worst ack time is reported.
// PostgreSQL only (vitest.config.ts POSTGRES_ONLY): on SQLite one process owns the database file.

const SUBMISSIONS = size(150, 1000);
const CONCURRENCY = size(8, 16);
const RACE_LEADS = size(3, 10);
const ROLLING_SUBMISSIONS = size(120, 600);
/** How long Slack takes per post while the worker is killed: long enough that a kill lands mid-call. */
const SLOW_POST_MS = 300;

const people = ORGS.flatMap((org) => Array.from({ length: 10 }, (_, i) => partnerPerson(org, i + 1)));

let standIn: SlackStandIn;
let dir: string;
let tdb: TestDb;
let cluster: Cluster | null = null;
/** Scenario 3's own database and workers (a schedule every minute). */
let jobsDb: TestDb | null = null;
let jobWorkers: Cluster | null = null;
let jobWorkersReadyAt = 0;
let jobsConfigPath = '';

/** Runs the CLI (`node --import tsx src/cli/main.ts …`) with `env`; resolves with its exit code and output. */
function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeConfig(name: string, patch: (raw: Record<string, unknown>) => void = () => {}): string {
  const raw = programJson();
  patch(raw);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(raw, null, 2));
  return path;
}

beforeAll(async () => {
  standIn = await startSlackStandIn(programStandIn());
  dir = mkdtempSync(join(tmpdir(), 'foothold-cluster-'));
  tdb = await openTestDb();
  jobsDb = await openTestDb();
  // The digest every minute, to the leaders' channel only (a DM to a leader waits for their working hours),
  // without charts (rendering them is not what is tested here).
  jobsConfigPath = writeConfig('jobs.config.json', (raw) => {
    raw.digest = { cron: '* * * * *', channel: 'C0LEADERS', dmLeaders: false };
    raw.charts = { enabled: false };
  });
  const common = { apiUrl: standIn.apiUrl, logLevel: 'info', env: { DATABASE_POOL_SIZE: '4' } };
  [cluster, jobWorkers] = await Promise.all([
    startCluster(
      { webs: 3, workers: 2 },
      { ...common, database: tdb.env, configPath: writeConfig('foothold.config.json') },
    ),
    startCluster({ webs: 0, workers: 3 }, { ...common, database: jobsDb.env, configPath: jobsConfigPath }),
  ]);
  jobWorkersReadyAt = Date.now();
}, 180_000);

afterAll(async () => {
  keepLogs([...(cluster?.all ?? []), ...(jobWorkers?.all ?? [])]);
  await cluster?.killAll();
  await jobWorkers?.killAll();
  await standIn?.close();
  await tdb?.cleanup();
  await jobsDb?.cleanup();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Answers by kind (`200 update`, `200 errors: <first message>`, `cut-off`…), for the figures. */
function tally(answers: readonly Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    let kind: string = a.outcome;
    if (a.outcome === 'answered') {
      const json = a.json as { response_action?: string; errors?: Record<string, string> } | null;
      const error = json?.errors ? Object.values(json.errors)[0] : undefined;
      kind = `${a.status} ${json?.response_action ?? 'ack'}${error ? `: ${error}` : ''}`;
    }
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

/** Transactions committed and rolled back on the database so far (PostgreSQL's statistics; a retried
 * serialization failure is a rollback). */
async function transactionCounts(): Promise<{ commits: number; rollbacks: number }> {
  const row = await sqlGet<{ c: number; r: number }>(
    tdb.db,
    'select xact_commit as c, xact_rollback as r from pg_stat_database where datname = current_database()',
  );
  return { commits: Number(row?.c ?? 0), rollbacks: Number(row?.r ?? 0) };
}

async function xactDelta(before: { commits: number; rollbacks: number }): Promise<string> {
  const after = await transactionCounts();
  return `PostgreSQL: ${after.commits - before.commits} transactions committed, ${after.rollbacks - before.rollbacks} rolled back (serialization failures retried, requests cut off)`;
}

/** report(), and what was checked printed too (the figures' JSON is shared with other runs of the suite). */
function publish(figures: Figures): void {
  report(figures);
  process.stdout.write(`    ${figures.checked}\n`);
}

/** One line per answer for a failed expectation: what Slack would have seen, from which instance, how late. */
function summary(a: Answer): string {
  const from = a.outcome === 'unreachable' ? 'no instance' : a.instance;
  const what =
    a.outcome === 'answered'
      ? `HTTP ${a.status}`
      : a.outcome === 'cut-off'
        ? `cut off (${a.error})`
        : a.outcome;
  return `${what} from ${from} after ${a.ms} ms`;
}

/** The worst, 99th-percentile and median time to an answer, in ms. */
function ackLatency(answers: readonly Answer[]): { worst: number; p99: number; median: number } {
  const ms = answers.map((a) => a.ms).sort((x, y) => x - y);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
  return { worst: ms.at(-1) ?? 0, p99: at(0.99), median: at(0.5) };
}

/** A 200 answer that is not the confirmation: the modal kept open with an error. */
function refusedWithError(a: Answer): boolean {
  return a.outcome === 'answered' && a.status === 200 && !acknowledged(a);
}

/**
 * Waits until no more leads or outbox rows appear for 3 s: a submission whose answer missed Slack's 3 s goes on
 * in its instance (retrying its transaction) and may commit later.
 */
async function settled(timeoutMs: number): Promise<void> {
  let last = '';
  let since = Date.now();
  await waitUntil(
    'the web instances to finish the submissions in progress',
    async () => {
      const row = await sqlGet<{ l: number; o: number }>(
        tdb.db,
        'select (select count(*) from leads) as l, (select count(*) from outbox) as o',
      );
      const now = `${row?.l}/${row?.o}`;
      if (now !== last) {
        last = now;
        since = Date.now();
      }
      return Date.now() - since >= 3_000;
    },
    timeoutMs,
    250,
  );
}

async function storedDomains(): Promise<Set<string>> {
  const rows = await sqlAll<{ domain: string }>(tdb.db, 'select domain from leads');
  return new Set(rows.map((r) => r.domain));
}

/** The outbox rows a worker holds (leased, pending): its calls in flight. */
async function heldBy(worker: Instance): Promise<Array<{ id: number; lease_until: number }>> {
  return sqlAll(
    tdb.db,
    "select id, lease_until from outbox where status = 'pending' and lease_owner like ?",
    `${hostname()}:${worker.pid}:%`,
  );
}

describe('scenario 27: several instances on one PostgreSQL database', () => {
  it(
    '1. 3 web + 2 workers: kill -9 of a worker mid-send and of a web instance mid-request lose nothing, duplicate nothing',
    async () => {
      const c = cluster!;
      const started = Date.now();
      const xactBefore = await transactionCounts();
      const lb = createBalancer(c);
      const slow = standIn.fail(
        'chat.postMessage',
        { kind: 'delay', ms: SLOW_POST_MS },
        { forMs: 3_600_000 },
      );
      const fromSeq = standIn.calls().at(-1)?.seq ?? 0;
      const acked: string[] = [];
      const answers: Answer[] = [];
      const victim = c.workers[0]!;
      const survivor = c.workers[1]!;

      // ── the worker kill: once the victim has posts in flight, kill -9 it and watch its rows ──────────
      const workerKill = (async () => {
        let held: Array<{ id: number; lease_until: number }> = [];
        await waitUntil(
          `${victim.name} to have posts in flight`,
          async () => {
            held = await heldBy(victim);
            return held.length >= 3;
          },
          120_000,
          20,
        );
        victim.kill('SIGKILL');
        const killedAt = Date.now();
        await victim.exited;
        // What it held when it died (a row it settled in its last instant is no longer held).
        const still = await heldBy(victim);
        if (still.length > 0) held = still;
        const ids = held.map((r) => r.id);
        const leases = held.map((r) => Number(r.lease_until) - killedAt);
        const leaseLeftMs = Math.min(...leases);
        let firstTakenMs = -1;
        await waitUntil(
          `${survivor.name} to take over ${victim.name}'s ${ids.length} rows`,
          async () => {
            const rows = await sqlAll<{ status: string; lease_owner: string | null }>(
              tdb.db,
              `select status, lease_owner from outbox where id in (${ids.join(',')})`,
            );
            const taken = rows.filter(
              (r) => r.status !== 'pending' || !(r.lease_owner ?? '').includes(`:${victim.pid}:`),
            );
            if (taken.length > 0 && firstTakenMs < 0) firstTakenMs = Date.now() - killedAt;
            return rows.every((r) => r.status === 'sent');
          },
          MAX_LEASE_MS + 30_000,
          100,
        );
        const takeover = {
          held: ids.length,
          leaseLeftMs,
          firstTakenMs,
          allSentMs: Date.now() - killedAt,
        };
        // Only now is the dead worker replaced (its successor would release the dead leases at once, on the
        // same host, and hide the lease expiry this checks).
        await c.restartWorker(0);
        return takeover;
      })();

      // ── the web kill: halfway through, kill -9 web-2 while it has requests in flight; restart it ─────
      let webKill: Promise<unknown> | null = null;
      let webKilledInFlight = 0;
      const killWebAt = Math.floor(SUBMISSIONS / 2);

      let sent = 0;
      await pool(
        Array.from({ length: SUBMISSIONS }, (_, i) => i),
        CONCURRENCY,
        async (i) => {
          const domain = `multi${i}-acct.com`;
          const who = people[i % people.length]!;
          if (++sent >= killWebAt && !webKill) {
            await waitUntil('web-2 to have requests in flight', () => lb.inFlight(1) > 0, 10_000, 1);
            webKilledInFlight = lb.inFlight(1);
            webKill = c.restartWeb(1, 'SIGKILL');
          }
          const answer = await lb.interactive(
            submissionPayload(who, { accountName: `Multi ${i}`, website: domain }),
          );
          answers.push(answer);
          if (acknowledged(answer)) acked.push(domain);
        },
      );
      const webExit = (await webKill) as { exit: { signal: string | null } } | null;
      expect(webExit?.exit.signal).toBe('SIGKILL');
      const t = await workerKill;
      slow.clear();
      await settled(FULL ? 300_000 : 90_000);

      // Every acknowledged submission is stored.
      const stored = await storedDomains();
      expect(acked.filter((d) => !stored.has(d))).toEqual([]);
      // No 5xx: an instance that is down refuses the connection (retried on the next one) or, killed
      // mid-request, cuts it off (counted, not acknowledged).
      const fiveXx = answers.filter((a) => a.outcome === 'answered' && a.status >= 500);
      expect(fiveXx).toEqual([]);
      // No submission refused with "something went wrong" (a transaction that gave up, a database error).
      expect(answers.filter(refusedWithError).map((a) => a.outcome === 'answered' && a.body)).toEqual([]);
      expect(answers.filter((a) => a.outcome === 'unreachable')).toEqual([]);

      // The outbox drains; nothing lost, nothing posted twice, every lane in order.
      await waitUntil(
        'the outbox to drain',
        async () => (await pendingCount(tdb.db)) === 0,
        FULL ? 300_000 : 90_000,
        200,
      );
      const r = await deliveryReport(tdb.db, standIn, fromSeq);
      const failed = await sqlGet<{ n: number }>(
        tdb.db,
        "select count(*) as n from outbox where status = 'failed'",
      );
      const lookups = standIn.calls('conversations.history').filter((call) => call.seq > fromSeq).length;
      publish({
        n: 27.1,
        name: 'Several instances on PostgreSQL: 3 web + 2 workers, kill -9 of a worker mid-send and of a web instance mid-request',
        requests: lb.counts.requests,
        faults: 2,
        expected: r.expected,
        delivered: r.delivered,
        duplicated: r.duplicated.length,
        checked: `${SUBMISSIONS} submissions through a round-robin balancer (${CONCURRENCY} at once, answers per instance ${JSON.stringify(lb.counts.byInstance)}; answers ${JSON.stringify(tally(answers))}): ${acked.length} acknowledged, all stored; web-2 killed with ${webKilledInFlight} request(s) in flight (${lb.counts.cutOff} cut off, ${lb.counts.refused} refused connections retried on the next instance, 0 5xx); ${victim.name} killed holding ${t.held} leased rows (lease ${(t.leaseLeftMs / 1000).toFixed(1)} s left), ${survivor.name} took the first over ${(t.firstTakenMs / 1000).toFixed(1)} s and had sent all ${(t.allSentMs / 1000).toFixed(1)} s after the kill (${lookups} history look-ups for posts cut off mid-call); outbox drained, ${r.outOfOrder.length} lanes out of order; ${await xactDelta(xactBefore)}`,
        ms: Date.now() - started,
      });
      expect(Number(failed?.n ?? 0)).toBe(0);
      expect(r.missing.map((m) => m.key)).toEqual([]);
      expect(r.duplicated).toEqual([]);
      expect(r.outOfOrder).toEqual([]);
      // The survivor waited for the lease (it did not steal a live worker's rows) and no longer than it.
      expect(t.firstTakenMs).toBeGreaterThanOrEqual(t.leaseLeftMs - 1_000);
      expect(t.firstTakenMs).toBeLessThanOrEqual(MAX_LEASE_MS + 5_000);
    },
    FULL ? 900_000 : 240_000,
  );

  it('2. a claim race across 3 web instances gives one owner and tells the other 49 who it is', async () => {
    const c = cluster!;
    const started = Date.now();
    const lb = createBalancer(c);
    let clicks = 0;
    const owners: string[] = [];
    for (let n = 0; n < RACE_LEADS; n++) {
      const domain = `multirace${n}-acct.com`;
      await lb.interactive(
        submissionPayload(people[n % people.length]!, { accountName: `Multi race ${n}`, website: domain }),
      );
      // (On a saturated machine the answer may miss Slack's 3 s; the lead is committed all the same.)
      let lead: { id: number; version: number; status: string } | undefined;
      await waitUntil(
        `the lead ${domain}`,
        async () => {
          lead = await sqlGet(tdb.db, 'select id, version, status from leads where domain = ?', domain);
          return lead !== undefined;
        },
        60_000,
      );
      expect(lead?.status).toBe('qualified');
      const value = encodeLeadRef({ leadId: Number(lead!.id), version: Number(lead!.version) });
      const payloads = RACE_REPS.map((userId) =>
        blockAction({
          user: { id: userId, team_id: 'T0VENDOR' },
          teamId: 'T0VENDOR',
          actionId: ACTIONS.claim,
          value,
          channelId: 'C0ROUTING',
          triggerId: standIn.issueTriggerId({ userId }),
        }),
      );
      const ephemeralsBefore = standIn.calls('chat.postEphemeral').length;
      const eventsBefore = await sqlGet<{ n: number }>(
        tdb.db,
        'select count(*) as n from lead_events where lead_id = ?',
        lead!.id,
      );
      // Rep i's click goes to instance i mod 3, all at once.
      const answers = await Promise.all(payloads.map((p, i) => lb.interactive(p, { slot: i % 3 })));
      clicks += answers.length;
      expect(answers.map((a) => (a.outcome === 'answered' ? a.status : a.outcome))).toEqual(
        RACE_REPS.map(() => 200),
      );
      const row = await sqlGet<{ owner: string; status: string }>(
        tdb.db,
        'select owner_user_id as owner, status from leads where id = ?',
        lead!.id,
      );
      expect(row?.status).toBe('claimed');
      expect(RACE_REPS).toContain(row?.owner);
      owners.push(row!.owner);
      const eventsAfter = await sqlGet<{ n: number }>(
        tdb.db,
        'select count(*) as n from lead_events where lead_id = ?',
        lead!.id,
      );
      expect(Number(eventsAfter?.n) - Number(eventsBefore?.n)).toBe(1);
      await waitUntil(
        '49 refusals',
        () => standIn.calls('chat.postEphemeral').length - ephemeralsBefore >= RACE_REPS.length - 1,
        15_000,
      );
      const told = standIn.calls('chat.postEphemeral').slice(ephemeralsBefore);
      const losers = RACE_REPS.filter((rep) => rep !== row!.owner);
      expect(told.map((call) => String(call.args.user)).sort()).toEqual([...losers].sort());
      for (const call of told) expect(String(call.args.text)).toContain(`<@${row!.owner}>`);
    }
    publish({
      n: 27.2,
      name: 'Claim race across 3 web instances on PostgreSQL (50 reps at once)',
      requests: lb.counts.requests,
      faults: 0,
      inputs: clicks,
      checked: `${RACE_LEADS} lead(s) × 50 simultaneous clicks spread over 3 instances (${JSON.stringify(lb.counts.byInstance)}): one owner each (${owners.join(', ')}), one audit event; the other 49 told privately who owns it`,
      ms: Date.now() - started,
    });
  }, 120_000);

  it('3. a job period runs once across 3 workers; 3 concurrent `jobs run digest` queue the digest once', async () => {
    const db = jobsDb!.db;
    const workers = jobWorkers!.workers;
    const started = Date.now();
    // At least one period (every minute) fell due while all three workers were running.
    const nextMinute = Math.ceil((jobWorkersReadyAt + 1) / 60_000) * 60_000;
    await waitUntil(
      'a digest period after all 3 workers started',
      async () =>
        Number(
          (
            await sqlGet<{ n: number }>(
              db,
              'select count(*) as n from job_runs where job = ? and ran_at >= ? and result like \'%"outcome":"ran"%\'',
              scheduleLedger('digest'),
              nextMinute,
            )
          )?.n,
        ) >= 1,
      100_000,
      500,
    );
    // Let any other worker that was racing for that period finish its turn.
    await new Promise((r) => setTimeout(r, 3_000));
    const ledger = await sqlAll<{ period_key: string; ran_at: number; result: string }>(
      db,
      'select period_key, ran_at, result from job_runs where job = ? order by period_key',
      scheduleLedger('digest'),
    );
    const ranLines = workers.flatMap((w) =>
      w.logs('job digest ran').map((l) => ({ worker: w.name, period: String(l.scheduledFor) })),
    );
    const ranPeriods = ledger
      .filter((row) => String(row.result).includes('"outcome":"ran"'))
      .map((r) => r.period_key);
    expect(ranPeriods.length).toBeGreaterThanOrEqual(1);
    // Each period that ran has one ledger row (the key is unique) and ONE "ran" line among the 3 workers.
    for (const period of ranPeriods)
      expect(ranLines.filter((l) => l.period === period).map((l) => l.worker)).toHaveLength(1);
    expect(ranLines.filter((l) => !ranPeriods.includes(l.period))).toEqual([]);
    // One digest for the week, queued once and posted once.
    await waitUntil('the digest to be sent', async () => (await pendingCount(db)) === 0, 30_000, 200);
    const digests = await sqlAll<{ delivery_key: string; status: string }>(
      db,
      "select delivery_key, status from outbox where delivery_key like 'digest:%'",
    );
    expect(digests.map((d) => d.status)).toEqual(['sent']);
    const posted = standIn
      .calls('chat.postMessage')
      .filter(
        (call) =>
          call.response?.ok &&
          (call.args.metadata as { event_payload?: { delivery_key?: string } } | undefined)?.event_payload
            ?.delivery_key === digests[0]?.delivery_key,
      );
    expect(posted).toHaveLength(1);

    // `jobs run digest` (the CLI) runs the job itself, outside the scheduler's ledger and lock: three at once
    // for next week's digest rely on the digest's own ledger key (job_runs digest/<week>) alone.
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const runs = await Promise.all(
      [1, 2, 3].map(() =>
        runCli(['jobs', 'run', 'digest', '--now', nextWeek], {
          ...jobsDb!.env,
          FOOTHOLD_CONFIG: jobsConfigPath,
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_API_URL: standIn.apiUrl,
        }),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const queuedBy = runs.filter((r) => /\b1 message queued/.test(r.stdout)).length;
    const skippedBy = runs.filter((r) => /already sent/.test(r.stdout)).length;
    expect([queuedBy, skippedBy]).toEqual([1, 2]);
    // Queued once, for next week's Monday (the run is "as if it were" next week: it goes out then).
    const allDigests = await sqlAll<{ delivery_key: string; status: string }>(
      db,
      "select delivery_key, status from outbox where delivery_key like 'digest:%' order by id",
    );
    expect(allDigests.map((d) => d.status)).toEqual(['sent', 'pending']);
    expect(allDigests[1]?.delivery_key).not.toBe(allDigests[0]?.delivery_key);

    publish({
      n: 27.3,
      name: 'A job period across 3 workers on PostgreSQL',
      requests: 0,
      faults: 0,
      inputs: ranPeriods.length,
      checked: `digest every minute in 3 workers: ${ranPeriods.length} period(s) ran (${ranPeriods.join(', ')}), each in exactly one worker (${ranLines.map((l) => l.worker).join(', ')}), one ledger row each; the week's digest queued and posted once; 3 concurrent \`jobs run digest\` for next week (the CLI runs the job without the scheduler's ledger and lock; the digest's own week key guards it): 1 queued, 2 told it was already sent`,
      ms: Date.now() - started,
    });
  }, 180_000);
  it(
    '4. a rolling restart of the 3 web instances under load: every submission acknowledged within 3 s, and stored',
    async () => {
      const c = cluster!;
      const started = Date.now();
      const xactBefore = await transactionCounts();
      // A refused connection goes to the next instance, as any load balancer sends it. So does a reset: an
      // instance stopped with SIGTERM finishes every request it accepted, and a reset comes only from a
      // connection still in the kernel's accept queue when it closed its listening socket (its event loop busy
      // with other requests), a request that never ran: a proxy that retries resets (Envoy's `retry_on: reset`,
      // HAProxy's `retry-on empty-response`) sends it on safely. Were one to have run, its retry would be
      // refused as a duplicate submission, which fails the test below.
      const lb = createBalancer(c, { retryResets: true });
      const answers: Answer[] = [];
      const acked: string[] = [];
      let restarted = false;
      let next = 0;
      // Submissions flow until every instance was replaced and at least ROLLING_SUBMISSIONS were sent.
      const load = Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (!restarted || next < ROLLING_SUBMISSIONS) {
            const i = next++;
            const domain = `rolling${i}-acct.com`;
            const answer = await lb.interactive(
              submissionPayload(people[i % people.length]!, { accountName: `Rolling ${i}`, website: domain }),
            );
            answers.push(answer);
            if (acknowledged(answer)) acked.push(domain);
            // A steady flow rather than a flood: the restarts, not the load, are under test.
            await new Promise((r) => setTimeout(r, 20));
          }
        }),
      );
      const exits: Array<number | null> = [];
      const during: number[] = [];
      for (let slot = 0; slot < c.webs.length; slot++) {
        const before = answers.length;
        const { exit } = await c.restartWeb(slot, 'SIGTERM');
        exits.push(exit.code);
        during.push(answers.length - before);
      }
      restarted = true;
      await load;
      await settled(FULL ? 300_000 : 90_000);

      expect(exits).toEqual([0, 0, 0]);
      const latency = ackLatency(answers);
      // What Slack sees: every submission answered 200 (no 5xx, no 404 from an instance past Bolt's 3 s, no
      // connection cut off, none unreachable) and within Slack's 3 s, the balancer's retries included.
      expect(answers.filter((a) => !(a.outcome === 'answered' && a.status === 200)).map(summary)).toEqual([]);
      expect(answers.filter((a) => a.ms > SLACK_ACK_MS).map(summary)).toEqual([]);
      // No submission refused with "something went wrong" (a transaction that gave up, a database error).
      expect(answers.filter(refusedWithError).map((a) => a.outcome === 'answered' && a.body)).toEqual([]);
      const stored = await storedDomains();
      expect(acked.filter((d) => !stored.has(d))).toEqual([]);
      await waitUntil(
        'the outbox to drain',
        async () => (await pendingCount(tdb.db)) === 0,
        FULL ? 300_000 : 90_000,
        200,
      );
      // Over the whole run on this database (scenarios 1, 2 and 4): every row once, every lane in order.
      const r = await deliveryReport(tdb.db, standIn);
      publish({
        n: 27.4,
        name: 'Rolling restart of 3 web instances under load on PostgreSQL',
        requests: lb.counts.requests,
        faults: 3,
        checked: `${answers.length} submissions while web-1..3 were replaced one at a time (SIGTERM, exit ${exits.join('/')}, new instance healthy; ${during.join('/')} answers during each): answers ${JSON.stringify(tally(answers))}, all 200 within Slack's ${SLACK_ACK_MS / 1000} s: worst ${latency.worst} ms, p99 ${latency.p99} ms, median ${latency.median} ms (balancer retries included); ${lb.counts.refused} refused connections and ${lb.counts.resetRetried} resets (accept queue at close) retried on the next instance; ${acked.length} acknowledged, all stored; outbox drained (${r.delivered}/${r.expected} delivered, ${r.duplicated.length} twice); ${await xactDelta(xactBefore)}`,
        ms: Date.now() - started,
      });
      expect(r.missing.map((m) => m.key)).toEqual([]);
      expect(r.duplicated).toEqual([]);
      expect(r.outOfOrder).toEqual([]);
    },
    FULL ? 600_000 : 180_000,
  );
});

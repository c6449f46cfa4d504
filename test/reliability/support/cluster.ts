import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { signRequest } from '../../../src/dev/slack-client.ts';
import { SIGNING_SECRET } from '../../helpers/harness.ts';
import { type BotOptions, botEnv, freePort, spawnUntilHealthy } from './bot-process.ts';

// Several Foothold processes on one PostgreSQL database, as a deployment behind a load balancer runs them:
// `foothold web` instances (the listeners and /healthz on PORT) and `foothold worker` instances (the outbox
// sender, the CRM write-backs and the jobs; /healthz on WORKER_HEALTH_PORT), each started exactly as an operator
// would (`node --import tsx src/cli/main.ts web|worker`), so a scenario can kill -9 one or send it SIGTERM.
//
// The balancer in front of the web instances is the test's HTTP client: it sends each signed Slack request to
// the next instance in turn (round robin, one fresh connection per request, as a proxy does). A request whose
// connection is refused (the instance is down) never reached an instance, so it goes to the next one, as a load
// balancer would, and is counted. A request cut off after it was sent (the instance died mid-request) is not
// sent again by default (a proxy does not repeat a non-idempotent POST; Slack shows the person an error), and
// is counted; `retryResets` makes it go to the next instance too.

export type Role = 'web' | 'worker';

export interface Instance {
  role: Role;
  /** `web-1`, `worker-2`…, plus `'` per restart. */
  name: string;
  child: ChildProcess;
  pid: number;
  /** PORT (web) or WORKER_HEALTH_PORT (worker). */
  port: number;
  /** The JSON log lines it wrote to stdout. */
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** False once the process exited. */
  alive(): boolean;
  kill(signal: NodeJS.Signals): void;
  /** The parsed log lines whose `msg` starts with `prefix`. */
  logs(prefix: string): Array<Record<string, unknown>>;
}

export type InstanceOptions = Omit<BotOptions, 'env'> & { env?: Record<string, string> };

/** How long a process may take to answer /healthz 200 (several start at once on a busy machine). */
export const START_TIMEOUT_MS = 90_000;

/** Starts `foothold <role>` and resolves once its /healthz answers 200. */
export async function startInstance(role: Role, name: string, opts: InstanceOptions): Promise<Instance> {
  const port = await freePort();
  const env = botEnv(opts, port);
  if (role === 'worker') {
    env.WORKER_HEALTH_PORT = String(port);
    // A worker serves no Slack requests; its PORT is never opened.
    env.PORT = '1';
  }
  const { child, stdout, stderr, exited, gone } = await spawnUntilHealthy({
    args: ['src/cli/main.ts', role],
    env,
    port,
    name,
    timeoutMs: START_TIMEOUT_MS,
    stepMs: 100,
  });
  return {
    role,
    name,
    child,
    pid: child.pid ?? 0,
    port,
    stdout,
    stderr,
    exited,
    alive: () => !gone(),
    kill: (signal) => {
      if (!gone()) child.kill(signal);
    },
    logs: (prefix) =>
      stdout.flatMap((line) => {
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          return typeof parsed.msg === 'string' && parsed.msg.startsWith(prefix) ? [parsed] : [];
        } catch {
          return [];
        }
      }),
  };
}

export interface Cluster {
  /** The web instances, by slot: a restart replaces the slot's instance (the balancer follows). */
  webs: Instance[];
  workers: Instance[];
  /** Every process ever started (for clean-up and the logs). */
  all: Instance[];
  /** kill -9 `slot`'s web instance (or SIGTERM, waiting for it to exit) and starts a new one in the slot. */
  restartWeb(slot: number, signal: NodeJS.Signals): Promise<{ exit: Awaited<Instance['exited']> }>;
  /** Starts a new worker in `slot` (after its predecessor was killed). */
  restartWorker(slot: number): Promise<Instance>;
  /** Starts one more instance of `role` (not in a slot). */
  startExtra(role: Role): Promise<Instance>;
  /** kill -9 every process still running. */
  killAll(): Promise<void>;
}

export async function startCluster(
  counts: { webs: number; workers: number },
  opts: InstanceOptions,
): Promise<Cluster> {
  const all: Instance[] = [];
  const started = (i: Instance) => {
    all.push(i);
    return i;
  };
  let extras = 0;
  const [webs, workers] = await Promise.all([
    Promise.all(
      Array.from({ length: counts.webs }, (_, i) => startInstance('web', `web-${i + 1}`, opts).then(started)),
    ),
    Promise.all(
      Array.from({ length: counts.workers }, (_, i) =>
        startInstance('worker', `worker-${i + 1}`, opts).then(started),
      ),
    ),
  ]);
  const cluster: Cluster = {
    webs,
    workers,
    all,
    async restartWeb(slot, signal) {
      const old = cluster.webs[slot];
      if (!old) throw new Error(`no web instance in slot ${slot}`);
      old.kill(signal);
      const exit = await old.exited;
      cluster.webs[slot] = started(await startInstance('web', `${old.name}'`, opts));
      return { exit };
    },
    async restartWorker(slot) {
      const old = cluster.workers[slot];
      if (!old) throw new Error(`no worker in slot ${slot}`);
      if (old.alive()) throw new Error(`${old.name} is still running`);
      const next = started(await startInstance('worker', `${old.name}'`, opts));
      cluster.workers[slot] = next;
      return next;
    },
    async startExtra(role) {
      extras += 1;
      return started(await startInstance(role, `${role}-extra-${extras}`, opts));
    },
    async killAll() {
      for (const i of all) i.kill('SIGKILL');
      await Promise.all(all.map((i) => i.exited));
    },
  };
  return cluster;
}

// ─── the load balancer ───────────────────────────────────────────────────────────────────────────────

export type Answer = (
  | { outcome: 'answered'; status: number; json: unknown; body: string; instance: string }
  /** Sent, then the connection broke before an answer (the instance died mid-request). */
  | { outcome: 'cut-off'; instance: string; error: string }
  /** Every instance refused the connection. */
  | { outcome: 'unreachable' }
) & {
  /**
   * Milliseconds from the balancer taking the request to its outcome, its retries on other instances included:
   * what Slack's 3-second timer sees (SLACK_ACK_MS).
   */
  ms: number;
};

/** Slack waits this long for an acknowledgement, then shows the person an error (Bolt answers 404 after 3001 ms). */
export const SLACK_ACK_MS = 3_000;

export interface BalancerCounts {
  /** Requests the test asked the balancer to deliver. */
  requests: number;
  /** Connection attempts refused (instance down), each retried on the next instance. */
  refused: number;
  /** Requests cut off after they were sent (connection reset or closed before any answer). */
  cutOff: number;
  /** Of those, the ones sent again to the next instance (`retryResets`). */
  resetRetried: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  /** Answers per instance name. */
  byInstance: Record<string, number>;
}

export interface Balancer {
  /** Delivers a signed interactivity payload (`payload=<JSON>`) to the next instance. */
  interactive(payload: Record<string, unknown>, options?: { slot?: number }): Promise<Answer>;
  /** Requests in flight per slot right now. */
  inFlight(slot: number): number;
  counts: BalancerCounts;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

interface RawAnswer {
  status: number;
  body: string;
}

function post(port: number, body: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        // One connection per request, closed after the answer: no idle keep-alive socket a stopping instance
        // could close under a request (a proxy's upstream connections are managed the same way).
        agent: false,
        headers: { ...headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** A round-robin balancer over `cluster.webs` (it reads the slots per request, so restarts are followed). */
export function createBalancer(
  cluster: Pick<Cluster, 'webs'>,
  options: { retryResets?: boolean } = {},
): Balancer {
  let next = 0;
  const inFlight = new Map<number, number>();
  const counts: BalancerCounts = {
    requests: 0,
    refused: 0,
    cutOff: 0,
    resetRetried: 0,
    statuses: {},
    byInstance: {},
  };

  type Outcome = DistributiveOmit<Answer, 'ms'>;

  async function deliver(body: string, headers: Record<string, string>, first: number): Promise<Outcome> {
    const n = cluster.webs.length;
    // Each instance is tried at most twice per request (one round, then one more after a pause), as a proxy
    // with `max_fails` would; an instance that is restarting answers again within that time.
    for (let attempt = 0; attempt < n * 2; attempt++) {
      const slot = (first + attempt) % n;
      const instance = cluster.webs[slot];
      if (!instance) continue;
      if (attempt === n) await new Promise((r) => setTimeout(r, 250));
      inFlight.set(slot, (inFlight.get(slot) ?? 0) + 1);
      try {
        const res = await post(instance.port, body, headers);
        counts.statuses[res.status] = (counts.statuses[res.status] ?? 0) + 1;
        counts.byInstance[instance.name] = (counts.byInstance[instance.name] ?? 0) + 1;
        let json: unknown = null;
        try {
          json = res.body ? JSON.parse(res.body) : null;
        } catch {
          json = null;
        }
        return { outcome: 'answered', status: res.status, json, body: res.body, instance: instance.name };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (NOT_CONNECTED.has(code)) {
          counts.refused += 1;
          continue;
        }
        counts.cutOff += 1;
        if (options.retryResets) {
          counts.resetRetried += 1;
          continue;
        }
        return { outcome: 'cut-off', instance: instance.name, error: code || (err as Error).message };
      } finally {
        inFlight.set(slot, (inFlight.get(slot) ?? 1) - 1);
      }
    }
    return { outcome: 'unreachable' };
  }

  return {
    counts,
    inFlight: (slot) => inFlight.get(slot) ?? 0,
    interactive(payload, opts = {}) {
      counts.requests += 1;
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signRequest(SIGNING_SECRET, timestamp, body),
      };
      const first = opts.slot ?? next++ % cluster.webs.length;
      const started = performance.now();
      return deliver(body, headers, first).then((outcome) => ({
        ...outcome,
        ms: Math.round(performance.now() - started),
      }));
    },
  };
}

/** An acknowledged submission: Slack got 200 with the modal's `update` (the lead is stored). */
export function acknowledged(answer: Answer): boolean {
  return (
    answer.outcome === 'answered' &&
    answer.status === 200 &&
    (answer.json as { response_action?: string } | null)?.response_action === 'update'
  );
}

/**
 * Writes every process's log (stdout lines and stderr) to `dir/<name>.log` when FOOTHOLD_CLUSTER_LOGS names a
 * directory: what to read when a scenario fails.
 */
export function keepLogs(instances: readonly Instance[], dir = process.env.FOOTHOLD_CLUSTER_LOGS): void {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const i of instances)
    writeFileSync(
      join(dir, `${i.name.replace(/'/g, '+')}-${i.pid}.log`),
      [...i.stdout, ...i.stderr].join('\n'),
    );
}

import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createSlackRequester, type SlackRequester } from '../../../src/dev/slack-client.ts';
import { SIGNING_SECRET } from '../../helpers/harness.ts';
import { RELIABILITY_DIR } from './figures.ts';

// The bot as its own process (`node --import tsx src/main.ts`: what `npm start` runs, from the sources rather
// than the build, so that no scenario runs a stale dist/), configured through the environment, so that
// scenarios can kill -9 it or send it SIGTERM. test/deploy/build.test.ts starts the compiled build.

export const REPO_ROOT = join(RELIABILITY_DIR, '..', '..');
export const BOT_TOKEN = 'xoxb-test';

/** A port nobody listens on right now (PORT=0 is not a valid setting). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export interface BotProcess {
  child: ChildProcess;
  port: number;
  slack: SlackRequester;
  /** Everything the process wrote to stdout (its JSON log lines) and stderr. */
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

export interface BotOptions {
  apiUrl: string;
  /** The database's environment: DATABASE_PATH (SQLite) or DATABASE_URL (PostgreSQL); see bot-database.ts. */
  database: Record<string, string>;
  configPath: string;
  logLevel?: string;
  env?: Record<string, string>;
}

/** The environment `npm start` gets in these scenarios. */
export function botEnv(opts: BotOptions, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: opts.apiUrl,
    PORT: String(port),
    ...opts.database,
    FOOTHOLD_CONFIG: opts.configPath,
    LOG_LEVEL: opts.logLevel ?? 'info',
    ...opts.env,
  };
}

/** A Foothold process started with `node --import tsx <args>`, its output collected line by line. */
export interface SpawnedProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  gone(): boolean;
}

/**
 * Starts `node --import tsx <args>` in the repository with `env`, and waits until `/healthz` on `port` answers
 * 200; fails with the process's output when it exits first or is not healthy within `timeoutMs`. `nodeArgs`
 * replaces `--import tsx` (`[]` for compiled JavaScript), `cwd` the repository.
 */
export async function spawnUntilHealthy(opts: {
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  name: string;
  timeoutMs: number;
  stepMs: number;
  nodeArgs?: string[];
  cwd?: string;
}): Promise<SpawnedProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? ['--import', 'tsx']), ...opts.args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  let outBuf = '';
  child.stdout?.on('data', (c: Buffer) => {
    outBuf += c.toString('utf8');
    const lines = outBuf.split('\n');
    outBuf = lines.pop() ?? '';
    stdout.push(...lines.filter((l) => l.length > 0));
  });
  child.stderr?.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      if (outBuf) stdout.push(outBuf);
      resolve({ code, signal });
    }),
  );
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (gone)
      throw new Error(
        `${opts.name} exited during start-up:\n${stderr.join('')}\n${stdout.slice(-20).join('\n')}`,
      );
    const res = await httpGet(`http://127.0.0.1:${opts.port}/healthz`).catch(() => null);
    if (res?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${opts.name} did not become healthy within ${opts.timeoutMs / 1000} s:\n${stderr.join('')}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.stepMs));
  }
  return { child, stdout, stderr, exited, gone: () => gone };
}

export async function startBot(opts: BotOptions): Promise<BotProcess> {
  const port = await freePort();
  const { child, stdout, stderr, exited, gone } = await spawnUntilHealthy({
    args: ['src/main.ts'],
    env: botEnv(opts, port),
    port,
    name: 'the bot',
    timeoutMs: 30_000,
    stepMs: 50,
  });
  return {
    child,
    port,
    slack: createSlackRequester({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET }),
    stdout,
    stderr,
    exited,
    kill: (signal) => {
      if (!gone()) child.kill(signal);
    },
  };
}

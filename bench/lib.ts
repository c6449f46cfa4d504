// Shared pieces of the benchmarks: summaries (median, min–max), figures with their baseline and target, the
// table, machine facts, and child processes (the apps under load run in their own processes).

import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import v8 from 'node:v8';

export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: [] };
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, samples: [...samples] };
}

export type Better = 'higher' | 'lower';

/** One measured figure next to its baseline from the same run. */
export interface Figure {
  id: string;
  what: string;
  unit: string;
  value: Summary;
  baseline: Summary;
  /** What the baseline is, e.g. "bare Bolt" or "raw SQL". */
  baselineName: string;
  /** value.median / baseline.median */
  ratio: number;
  target: string;
  /** null: reported for context, no target of its own. */
  pass: boolean | null;
  note?: string;
}

export function figure(
  f: Omit<Figure, 'ratio' | 'pass'> & { check?: (value: Summary, ratio: number) => boolean },
): Figure {
  const ratio = f.value.median / f.baseline.median;
  const { check, ...rest } = f;
  return { ...rest, ratio, pass: check ? check(f.value, ratio) : null };
}

export function machineFacts() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 100_000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

export function formatSummary(s: Summary, unit: string): string {
  return s.samples.length > 1
    ? `${fmt(s.median)} ${unit} (${fmt(s.min)}–${fmt(s.max)})`
    : `${fmt(s.median)} ${unit}`;
}

/** The results table as Markdown (it reads fine in a terminal too). */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.id,
    f.what,
    formatSummary(f.value, f.unit),
    `${formatSummary(f.baseline, f.unit)} ${f.baselineName}`,
    `${fmt(f.ratio)}×`,
    f.target,
    f.pass === null ? 'info' : f.pass ? 'PASS' : 'MISS',
  ]);
  const head = ['#', 'figure', 'Foothold median (min–max)', 'baseline, same run', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function timeMs(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Resident set size of a process now (from /proc), in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

// ---------------------------------------------------------------------------------------------- children

export interface Child<Ready> {
  proc: ChildProcess;
  pid: number;
  ready: Ready;
  /** Sends a message and waits for the child's answer of `type`. */
  ask<T>(message: Record<string, unknown>, type: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The children that run the code under measurement, and the compiled files plain Node runs in their place: the
 * bot and the bare Bolt app (B1, B2, B6, B7) and the shipped entry points (B10), as production runs them
 * (`node dist/main.js`, README → "Production guide"), so that no figure includes tsx's loader. The other
 * children (the Slack stand-in, import and CRM workers) stay TypeScript under tsx. FOOTHOLD_BENCH_TSX=1 runs
 * these under tsx too, to compare.
 */
const COMPILED: Record<string, string> = {
  './serve-foothold.ts': './.build/serve-foothold.js',
  './bare-bolt.ts': './.build/bare-bolt.js',
  '../src/main.ts': '../dist/main.js',
  '../src/cli/main.ts': '../dist/cli/main.js',
};
let built = false;

/** `npm run build` with the benchmark's children (scripts/build.mjs --bench), once per benchmark process. */
export function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, [new URL('../scripts/build.mjs', import.meta.url).pathname, '--bench'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  built = true;
}

/**
 * Runs a file of bench/ in its own Node process and waits for its `{ type: 'ready' }` message: compiled with
 * plain Node for the apps under measurement (COMPILED), else TypeScript with tsx as the loader.
 */
export async function startChild<Ready>(
  file: string,
  args: string[] = [],
  options: {
    timeoutMs?: number;
    execArgv?: string[];
    env?: NodeJS.ProcessEnv;
    /** Where the child's stdout goes (default: ours). */
    stdout?: 'inherit' | 'ignore' | number;
    /** Readiness other than an IPC `ready` message (e.g. polling a health check). */
    waitReady?: () => Promise<Ready>;
  } = {},
): Promise<Child<Ready>> {
  const compiled = process.env.FOOTHOLD_BENCH_TSX === '1' ? undefined : COMPILED[file];
  if (compiled) buildOnce();
  const proc = fork(new URL(compiled ?? file, import.meta.url).pathname, args, {
    execArgv: [...(compiled ? [] : ['--import', 'tsx']), ...(options.execArgv ?? [])],
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${file} did not get ready in time`)),
      options.timeoutMs ?? 60_000,
    );
    if (options.waitReady) {
      options.waitReady().then(
        (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    }
    proc.on('message', (m: { type?: string }) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve(m as Ready);
      } else if (m?.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${file}: ${(m as { message?: string }).message}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it was ready`));
    });
  });
  return {
    proc,
    pid: proc.pid ?? -1,
    ready,
    ask<T>(message: Record<string, unknown>, type: string, timeoutMs = 60_000) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${file}: no ${type} answer`)), timeoutMs);
        const onMessage = (m: { type?: string }) => {
          if (m?.type !== type) return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve(m as T);
        };
        proc.on('message', onMessage);
        proc.send(message);
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** In a child: tells the parent it is ready (or failed). */
export function reportReady(payload: Record<string, unknown>): void {
  process.send?.({ type: 'ready', ...payload });
}

/** A free loopback port (for a child that insists on a fixed PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200. */
export async function waitHttpOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time`);
    await sleep(100);
  }
}

/**
 * In a child: answers `{ type: 'memory' }` with process.memoryUsage() (MiB), optionally after a full GC, and
 * `{ type: 'cpu' }` with the CPU time the process has used so far (ms, user + system).
 */
export function answerMemoryQueries(): void {
  process.on('message', (m: { type?: string; gc?: boolean; detail?: boolean }) => {
    if (m?.type === 'cpu') {
      const c = process.cpuUsage();
      process.send?.({ type: 'cpu', ms: (c.user + c.system) / 1000 });
      return;
    }
    if (m?.type !== 'memory') return;
    if (m.gc) (globalThis as { gc?: () => void }).gc?.();
    const mu = process.memoryUsage();
    const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    process.send?.({
      type: 'memory',
      rss: mib(mu.rss),
      heapTotal: mib(mu.heapTotal),
      heapUsed: mib(mu.heapUsed),
      external: mib(mu.external),
      arrayBuffers: mib(mu.arrayBuffers),
      ...(m.detail ? memoryDetail(mib) : {}),
    });
  });
}

/**
 * Where the resident memory is (bench/memory.ts asks for it): anonymous vs file-backed pages (the binary and
 * shared libraries), V8's heap spaces (code, bytecode and compiled code of every loaded module live in old/code
 * space), memory V8 itself malloc'd, native threads, and how many CommonJS modules are loaded.
 */
function memoryDetail(mib: (n: number) => number): Record<string, unknown> {
  const kib = (text: string, key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const status = readFileSync('/proc/self/status', 'utf8');
  const heap = v8.getHeapStatistics();
  // Per space: [used, committed] MiB.
  const spaces = Object.fromEntries(
    v8
      .getHeapSpaceStatistics()
      .filter((s) => s.space_size > 0)
      .map((s) => [s.space_name, [mib(s.space_used_size), mib(s.physical_space_size)]]),
  );
  const code = v8.getHeapCodeStatistics();
  // The main thread's malloc heap (brk): SQLite's page cache and statements live here (and in malloc arenas).
  const brk = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+)/.exec(readFileSync('/proc/self/smaps', 'utf8'));
  return {
    anonymous: mib(kib(rollup, 'Anonymous') * 1024),
    mallocHeap: mib(Number(brk?.[1] ?? 0) * 1024),
    fileBacked: mib((kib(rollup, 'Rss') - kib(rollup, 'Anonymous')) * 1024),
    heapPhysical: mib(heap.total_physical_size),
    v8Malloced: mib(heap.malloced_memory),
    spaces,
    codeAndBytecode: mib(code.code_and_metadata_size + code.bytecode_and_metadata_size),
    scriptSources: mib(code.external_script_source_size),
    threads: kib(status, 'Threads'),
    cjsModules: Object.keys(createRequire(import.meta.url).cache).length,
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, type Db, openDb } from '../../src/db/connection.ts';
import { enqueue, type OutboxMessage } from '../../src/db/stores/outbox-store.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { REPO_ROOT } from './support/bot-process.ts';
import { report, size } from './support/figures.ts';
import { deliveryReport, pendingCount, waitUntil } from './support/slack-world.ts';

// Scenario 14 (issue 10, item 1): two sender processes on one SQLite file never take the same row.
//   1. Two senders drain N posts together: every post delivered once, in order per conversation.
//   2. A sender is killed (kill -9) with calls in flight; a sender on the same host takes its rows over at once
//      (the dead process's leases are released), finds the posts Slack had already taken, sends the rest.
//   3. The same with the dead sender on another host: its rows come back when its lease expires.

const N = size(240, 3000);
const M = size(40, 300);
const WORKER = fileURLToPath(new URL('./support/sender-worker.ts', import.meta.url));

let standIn: SlackStandIn;
let dir: string;
let db: Db;
const children: ChildProcess[] = [];
beforeAll(async () => {
  standIn = await startSlackStandIn({
    team: { id: 'T0VENDOR', name: 'Vendor', domain: 'vendor' },
    tokens: [
      'xoxb-test',
      'xoxb-worker-a',
      'xoxb-worker-b',
      'xoxb-worker-c',
      'xoxb-worker-d',
      'xoxb-worker-e',
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'foothold-senders-'));
  db = openDb(join(dir, 'foothold.db'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await closeDb(db);
  await standIn?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startWorker(token: string, leaseMs: number, owner?: string): Worker {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      WORKER,
      join(dir, 'foothold.db'),
      standIn.apiUrl,
      token,
      String(leaseMs),
      ...(owner ? [owner] : []),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

/** Posts spread over channels and DMs, several per conversation, so order within each can be checked. */
function messages(prefix: string, n: number): OutboxMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const to =
      i % 2 === 0 ? `C0LANE${String(i % 24).padStart(2, '0')}` : `U0PERSON${String(i % 30).padStart(2, '0')}`;
    return {
      deliveryKey: `${prefix}:${i}`,
      recipient: to,
      method: 'chat.postMessage',
      payload: { channel: to, text: `${prefix} message ${i}` },
    };
  });
}

const postsBy = (token: string, fromSeq = 0) =>
  standIn.calls('chat.postMessage').filter((c) => c.seq > fromSeq && c.token === token && c.response?.ok)
    .length;

describe('scenario 14: two senders on one SQLite file', () => {
  it('never sends a row twice or loses one, even when a sender dies mid-call', async () => {
    const started = Date.now();
    // Slack takes a moment per post, so both senders always have calls in flight at once.
    standIn.fail('chat.postMessage', { kind: 'delay', ms: 5 }, { forMs: 3_600_000 });

    // ── 1: two live senders ───────────────────────────────────────────────────────────────────────────
    await enqueue(db, messages('both', N), Date.now());
    const a = startWorker('xoxb-worker-a', 30_000);
    const b = startWorker('xoxb-worker-b', 30_000);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const byA = postsBy('xoxb-worker-a');
    const byB = postsBy('xoxb-worker-b');
    expect(byA + byB).toBe(N);
    expect(Math.min(byA, byB)).toBeGreaterThan(0);

    // ── 2 and 3: a sender dies with posts in flight ───────────────────────────────────────────────────
    const takeovers: string[] = [];
    for (const [round, otherHost] of [
      [2, false],
      [3, true],
    ] as const) {
      const deadToken = round === 2 ? 'xoxb-worker-c' : 'xoxb-worker-d';
      const fromSeq = standIn.calls().at(-1)?.seq ?? 0;
      standIn.clearFaults();
      // Slack answers slowly now: the kill lands after Slack took the posts and before the sender heard.
      standIn.fail('chat.postMessage', { kind: 'delay', ms: 5_000 }, { forMs: 3_600_000 });
      await enqueue(db, messages(`round${round}`, M), Date.now());
      const leaseMs = 3_000;
      const dying = startWorker(deadToken, leaseMs, otherHost ? `elsewhere:1:dead${round}` : undefined);
      await waitUntil('posts in flight', () => postsBy(deadToken, fromSeq) >= 4, 30_000);
      dying.child.kill('SIGKILL');
      await dying.exited;
      const killedAt = Date.now();
      standIn.clearFaults();
      standIn.fail('chat.postMessage', { kind: 'delay', ms: 5 }, { forMs: 3_600_000 });
      const heir = startWorker('xoxb-worker-e', 30_000);
      expect(await heir.exited).toBe(0);
      const tookMs = Date.now() - killedAt;
      const lookups = standIn.calls('conversations.history').filter((c) => c.seq > fromSeq).length;
      expect(lookups).toBeGreaterThan(0);
      takeovers.push(
        `${otherHost ? 'another host, lease expiry' : 'same host, released at once'}: drained ${(tookMs / 1000).toFixed(1)} s after the kill, ${postsBy(deadToken, fromSeq)} posts cut off mid-call found in Slack`,
      );
    }

    expect(await pendingCount(db)).toBe(0);
    const r = await deliveryReport(db, standIn);
    expect(r.duplicated).toEqual([]);
    expect(r.missing.map((m) => m.key)).toEqual([]);
    expect(r.outOfOrder).toEqual([]);
    report({
      n: 14,
      name: 'Two sender processes on one SQLite file; one killed mid-call (same host, then another host)',
      requests: standIn.calls().length,
      faults: 2,
      expected: r.expected,
      delivered: r.delivered,
      duplicated: r.duplicated.length,
      checked: `${N} posts by two live senders (${byA} / ${byB}); ${M} more twice with a sender killed mid-call: ${takeovers.join('; ')}; 0 lost, none out of order`,
      ms: Date.now() - started,
    });
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { type Db, transaction } from '../../src/db/connection.ts';
import { outbox } from '../../src/db/schema.ts';
import { takePeriod } from '../../src/db/stores/job-store.ts';
import {
  claimDue,
  laneOf,
  MAX_LEASE_MS,
  type OutboxRow,
  recordMarks,
  renewLeases,
  setChannelState,
  settleAndClaim,
  UNCONFIRMED,
} from '../../src/db/stores/outbox-store.ts';
import { type TestDb, testEngine } from '../helpers/db.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { sqlAll } from '../helpers/sql.ts';

// The outbox lease protocol and the run ledger on the engine under test (FOOTHOLD_TEST_ENGINE): which rows a
// claim takes, that a lease keeps other workers out until it expires, and, with several connections (separate
// pools on PostgreSQL, as separate worker processes have), that concurrent claims never take one row twice, keep
// each lane in id order, and that one job period is taken once.

const T0 = Date.parse('2026-11-16T15:00:00Z');
const LEASE = 30_000;

const fresh = databasePerTest();

/**
 * Handles for `n` workers. On PostgreSQL each has its own pool, as worker processes do. On SQLite they share the
 * one connection (its transactions queue): a second connection in the same thread would block the thread on the
 * file lock the first one's open transaction holds; separate processes are test/reliability's business.
 */
async function workersOf(e: TestDb, n: number): Promise<Db[]> {
  const out = [e.db];
  for (let i = 1; i < n; i++) out.push(e.engine === 'postgres' ? await e.reopen() : e.db);
  return out;
}

let keys = 0;
async function queue(
  db: Db,
  recipient: string,
  opts: { leadId?: number; method?: string; notBefore?: number } = {},
): Promise<number> {
  keys += 1;
  const [row] = await db
    .insert(outbox)
    .values({
      deliveryKey: `k${keys}`,
      recipient,
      lane: laneOf({ recipient, leadId: opts.leadId ?? null }),
      method: opts.method ?? 'chat.postMessage',
      payload: { channel: recipient, text: `m${keys}` },
      notBefore: opts.notBefore ?? T0,
      createdAt: T0,
    })
    .returning({ id: outbox.id });
  return row!.id;
}

const claim = (db: Db, owner: string, now = T0, limit = 50, pausedMethods: string[] = []) =>
  claimDue(db, { owner, now, leaseMs: LEASE, limit, pausedMethods });

const ids = (rows: OutboxRow[]) => rows.map((r) => r.id);

describe(`outbox lease protocol (${testEngine()})`, () => {
  it('claims the due head of each lane, in id order, leasing each to its owner and marking posts unconfirmed', async () => {
    const { db } = await fresh();
    const a1 = await queue(db, 'C1', { leadId: 1 });
    const a2 = await queue(db, 'C1', { leadId: 1 });
    const b1 = await queue(db, 'C1', { leadId: 2 });
    const dm = await queue(db, 'U1', { method: 'chat.update' });
    await queue(db, 'C2', { notBefore: T0 + 60_000 }); // not due yet
    const paused = await queue(db, 'C3', { method: 'reactions.add' });
    const rows = await claim(db, 'w1', T0, 50, ['reactions.add']);
    expect(ids(rows)).toEqual([a1, b1, dm]);
    // Returned as they were before the claim: no lease, no unconfirmed note.
    expect(rows.map((r) => [r.leaseOwner, r.lastError])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);
    expect(rows[0]!.payload).toEqual({ channel: 'C1', text: expect.stringMatching(/^m\d+$/) });
    const stored = await sqlAll<{
      id: number;
      lease_owner: string | null;
      lease_until: number | null;
      last_error: string | null;
    }>(db, 'select id, lease_owner, lease_until, last_error from outbox order by id');
    const byId = new Map(stored.map((r) => [Number(r.id), r]));
    expect(byId.get(a1)).toMatchObject({ lease_owner: 'w1', lease_until: T0 + LEASE });
    expect(byId.get(a1)!.last_error).toMatch(new RegExp(`^${UNCONFIRMED}sent at 2026-11-16T15:00:00.000Z`));
    // Not a post: not marked.
    expect(byId.get(dm)!.last_error).toBeNull();
    expect(byId.get(a2)!.lease_owner).toBeNull();
    expect(byId.get(paused)!.lease_owner).toBeNull();
    // A second worker finds nothing: the heads are leased, and a2 waits behind its leased head.
    expect(await claim(db, 'w2', T0, 50, ['reactions.add'])).toEqual([]);
    expect(ids(await claim(db, 'w2'))).toEqual([paused]);
  });

  it('keeps a held channel out, and lets another worker take over a lease only once it expired', async () => {
    const { db } = await fresh();
    const held = await queue(db, 'C9');
    await setChannelState(db, 'C9', 'shared', null, T0);
    const row = await queue(db, 'C1', { leadId: 7 });
    expect(ids(await claim(db, 'w1'))).toEqual([row]);
    expect(await claim(db, 'w2', T0 + LEASE - 1)).toEqual([]);
    // The owner renews while its call is in flight.
    expect(await renewLeases(db, 'w1', T0 + 2 * LEASE)).toBe(1);
    expect(await claim(db, 'w2', T0 + LEASE)).toEqual([]);
    // w1 dies: its lease expires and w2 takes the row; the row comes back marked unconfirmed by w1's attempt.
    const taken = await claim(db, 'w2', T0 + 2 * LEASE);
    expect(ids(taken)).toEqual([row]);
    expect(taken[0]!.leaseOwner).toBe('w1');
    expect(taken[0]!.lastError).toMatch(/^unconfirmed: /);
    // w1 wakes and reports a retry: it must not undo w2's lease.
    await recordMarks(
      db,
      'w1',
      [{ kind: 'retry', row: taken[0]!, notBefore: T0, error: 'late', countsAsAttempt: true }],
      T0,
    );
    const [after] = await sqlAll<{ lease_owner: string }>(
      db,
      'select lease_owner from outbox where id = ?',
      row,
    );
    expect(after!.lease_owner).toBe('w2');
    expect(ids(await claim(db, 'w3', T0 + 3 * LEASE))).toEqual([row]);
    const [h] = await sqlAll<{ lease_owner: string | null }>(
      db,
      'select lease_owner from outbox where id = ?',
      held,
    );
    expect(h!.lease_owner).toBeNull();
  });

  it('caps a lease at MAX_LEASE_MS, so a dead worker is replaced within 30 s', async () => {
    const { db } = await fresh();
    await queue(db, 'C1');
    await claimDue(db, { owner: 'w1', now: T0, leaseMs: 10 * 60_000, limit: 5 });
    const [r] = await sqlAll<{ lease_until: number }>(db, 'select lease_until from outbox');
    expect(Number(r!.lease_until)).toBe(T0 + MAX_LEASE_MS);
    expect(MAX_LEASE_MS).toBeLessThanOrEqual(30_000);
  });

  it('settles marks and claims the next head of the lane in one call', async () => {
    const { db } = await fresh();
    const first = await queue(db, 'C1', { leadId: 3 });
    const second = await queue(db, 'C1', { leadId: 3 });
    const [row] = await claim(db, 'w1');
    expect(row!.id).toBe(first);
    const next = await settleAndClaim(
      db,
      [{ kind: 'sent', row: row!, result: { ok: true, ts: '1.2', channel: 'C1' } }],
      {
        owner: 'w1',
        now: T0 + 1,
        leaseMs: LEASE,
        limit: 10,
      },
    );
    expect(ids(next)).toEqual([second]);
  });

  it('several workers claiming at once never take the same row and send every lane in id order', async () => {
    const e = await fresh();
    const workers = await workersOf(e, 4);
    const lanes = 12;
    const perLane = 8;
    const expected = new Map<string, number[]>();
    for (let i = 0; i < perLane; i++) {
      for (let l = 0; l < lanes; l++) {
        const recipient = l % 3 === 0 ? `U${l}` : `C${l}`;
        const id = await queue(e.db, recipient, { leadId: l % 3 === 1 ? l : undefined });
        const lane = laneOf({ recipient, leadId: l % 3 === 1 ? l : null });
        expected.set(lane, [...(expected.get(lane) ?? []), id]);
      }
    }
    const sent: Array<{ id: number; lane: string; worker: number }> = [];
    const claimedBy = new Map<number, number>();
    let now = T0;
    // Rounds: every worker claims at the same moment; each then marks what it got as sent. A row is claimed
    // only by one worker, and a lane's next row only after its head was sent.
    for (let round = 0; round < perLane * 4 && sent.length < lanes * perLane; round++) {
      now += 1;
      const got = await Promise.all(workers.map((db, w) => claim(db, `w${w}`, now, 5)));
      for (const [w, rows] of got.entries()) {
        for (const r of rows) {
          expect(claimedBy.has(r.id), `row ${r.id} claimed twice`).toBe(false);
          claimedBy.set(r.id, w);
          sent.push({ id: r.id, lane: r.lane!, worker: w });
        }
      }
      await Promise.all(
        got.map((rows, w) =>
          recordMarks(
            workers[w]!,
            `w${w}`,
            rows.map((row) => ({ kind: 'sent' as const, row, result: { ok: true, ts: `${row.id}.0` } })),
            now,
          ),
        ),
      );
    }
    expect(sent).toHaveLength(lanes * perLane);
    for (const [lane, order] of expected) {
      expect(sent.filter((s) => s.lane === lane).map((s) => s.id)).toEqual(order);
    }
  });

  it.runIf(testEngine() === 'postgres')(
    'a claim running while another worker holds uncommitted claims skips those rows and their lanes without waiting',
    async () => {
      const e = await fresh();
      const [a, b] = await workersOf(e, 2);
      const l1 = await queue(e.db, 'C1', { leadId: 1 });
      await queue(e.db, 'C1', { leadId: 1 });
      const l2 = await queue(e.db, 'C2', { leadId: 2 });
      const seen = await transaction(
        a!,
        async (tx) => {
          const mine = await claim(tx, 'wa', T0, 1);
          // A's claim is not committed yet (row locked, lease invisible): B must neither wait nor take it, nor
          // the row behind it in its lane.
          const theirs = await claim(b!, 'wb', T0, 10);
          return { mine: ids(mine), theirs: ids(theirs) };
        },
        { isolation: 'read committed' },
      );
      expect(seen).toEqual({ mine: [l1], theirs: [l2] });
    },
  );

  it('a job period taken by several workers at once runs once; the others get "taken", not an error', async () => {
    const e = await fresh();
    const workers = await workersOf(e, 3);
    for (let rep = 0; rep < 10; rep++) {
      const key = `2026-11-16#${rep}`;
      const outcomes = await Promise.all(
        workers.map((db) =>
          transaction(db, async (tx) => {
            const mine = await takePeriod(tx, 'digest', key, T0);
            // The rest of the job's transaction: queue its message (only the taker does).
            if (mine) await queue(tx, 'C1');
            return mine;
          }),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
    const [runs] = await sqlAll<{ n: number }>(
      e.db,
      "select count(*) as n from job_runs where job = 'digest'",
    );
    expect(Number(runs!.n)).toBe(10);
    const [queued] = await sqlAll<{ n: number }>(e.db, 'select count(*) as n from outbox');
    expect(Number(queued!.n)).toBe(10);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  claimDue,
  deliveryProblems,
  enqueue,
  type OutboxMessage,
  type OutboxRow,
  recordMarks,
  releaseDeadLeases,
  renewLeases,
  setChannelState,
} from '../../src/db/stores/outbox-store.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { goodSubmission } from '../helpers/actors.ts';
import { openTestDb, serviceDeps, type TestDb, testConfig } from '../helpers/db.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

// The outbox's claim protocol on a real SQLite file: lanes (order per lead's post and per DM conversation,
// not per recipient) and leases (a row is never taken by two senders; a dead sender's rows come back).

const T0 = Date.UTC(2026, 11, 1, 12);
const LEASE = 30_000;
let t: TestDb;
let lead1: number;
let lead2: number;

beforeEach(async () => {
  t = await openTestDb();
  const deps = await serviceDeps(t.db, testConfig(), () => T0);
  const ids: number[] = [];
  for (const website of ['one-co.com', 'two-co.com']) {
    const res = await submitLead(
      deps,
      goodSubmission({ website, warmth: { ...goodSubmission().warmth!, lastInteractionOn: '2026-11-20' } }),
    );
    if (res.kind !== 'created') throw new Error('expected a lead');
    ids.push(res.view.id);
  }
  [lead1, lead2] = ids as [number, number];
  await sqlRun(t.db, 'delete from outbox');
});
afterEach(() => t.cleanup());

const post = (key: string, recipient: string, leadId: number | null = null): OutboxMessage => ({
  deliveryKey: key,
  recipient,
  method: 'chat.postMessage',
  payload: { channel: recipient, text: key },
  leadId,
});
const update = (key: string, recipient: string, leadId: number): OutboxMessage => ({
  deliveryKey: key,
  recipient,
  method: 'chat.update',
  payload: { channel: recipient, ts: '@lead-post-ts', text: key },
  leadId,
});
const keys = (rows: OutboxRow[]) => rows.map((r) => r.deliveryKey);
const claim = (owner: string, now = T0, limit = 10) => claimDue(t.db, { owner, now, leaseMs: LEASE, limit });

describe('lanes', () => {
  it('orders per lead post and per DM conversation, so one stuck post holds back only its own lead', async () => {
    await enqueue(
      t.db,
      [
        post('lead1-post', 'C0ROUTING', lead1),
        post('lead2-post', 'C0ROUTING', lead2),
        update('lead1-update', 'C0ROUTING', lead1),
        post('dm1', 'U0NWPAT'),
        post('dm2', 'U0NWPAT'),
        post('digest', 'C0LEADERS'),
      ],
      T0,
    );
    // The head of each lane: both leads' posts in the same channel go out side by side.
    const first = await claim('sender-a');
    expect(keys(first)).toEqual(['lead1-post', 'lead2-post', 'dm1', 'digest']);
    // Lead 1's post is stuck (Slack keeps failing it): lead 2's post, DMs and the digest are done.
    const byKey = new Map(first.map((r) => [r.deliveryKey, r]));
    await recordMarks(
      t.db,
      'sender-a',
      [
        {
          kind: 'retry',
          row: byKey.get('lead1-post')!,
          notBefore: T0 + 60_000,
          error: 'internal_error',
          countsAsAttempt: true,
        },
        { kind: 'sent', row: byKey.get('lead2-post')!, result: { ts: '1.2', channel: 'C0ROUTING' } },
        { kind: 'sent', row: byKey.get('dm1')!, result: { ts: '1.3' } },
        { kind: 'sent', row: byKey.get('digest')!, result: { ts: '1.4' } },
      ],
      T0,
    );
    // Lead 1's update waits for its post; the second DM is next in its conversation.
    const next = await claim('sender-a', T0 + 1);
    expect(keys(next)).toEqual(['dm2']);
    await recordMarks(t.db, 'sender-a', [{ kind: 'sent', row: next[0]!, result: { ts: '1.5' } }], T0 + 1);
    expect(keys(await claim('sender-a', T0 + 60_000))).toEqual(['lead1-post']);
  });
});

describe('leases', () => {
  beforeEach(async () => {
    await enqueue(
      t.db,
      [post('a', 'C0ROUTING'), post('b', 'C0EMEA'), post('c', 'U0NWPAT'), post('c2', 'U0NWPAT')],
      T0,
    );
  });

  it('never lets two senders take the same row, and marks posts unconfirmed in the same write', async () => {
    const a = await claim('sender-a', T0, 2);
    const b = await claim('sender-b', T0, 10);
    expect(keys(a)).toEqual(['a', 'b']);
    expect(keys(b)).toEqual(['c']);
    expect(await claim('sender-c')).toEqual([]);
    const rows = (await sqlAll(
      t.db,
      'select delivery_key as k, lease_owner as o, last_error as e from outbox order by id',
    )) as Array<{ k: string; o: string | null; e: string | null }>;
    expect(rows.map((r) => [r.k, r.o])).toEqual([
      ['a', 'sender-a'],
      ['b', 'sender-a'],
      ['c', 'sender-b'],
      ['c2', null],
    ]);
    expect(rows.slice(0, 3).every((r) => r.e?.startsWith('unconfirmed: '))).toBe(true);
  });

  it("gives a dead sender's rows to another once the lease expires, and keeps a live sender's by renewal", async () => {
    await claim('sender-a');
    expect(await claim('sender-b', T0 + LEASE - 1)).toEqual([]);
    // sender-a is alive and renews; sender-b still cannot take its rows.
    expect(await renewLeases(t.db, 'sender-a', T0 + 20_000 + LEASE)).toBe(3);
    expect(await claim('sender-b', T0 + LEASE + 1)).toEqual([]);
    // sender-a dies: within a lease its rows are sender-b's (the post is unconfirmed: looked up first).
    const taken = await claim('sender-b', T0 + 20_000 + LEASE);
    expect(keys(taken)).toEqual(['a', 'b', 'c']);
    expect(taken.every((r) => r.lastError?.startsWith('unconfirmed: '))).toBe(true);
  });

  it('does not let a sender that lost its lease undo the new owner’s claim', async () => {
    const [a] = await claim('sender-a');
    await claim('sender-b', T0 + LEASE);
    await recordMarks(t.db, 'sender-a', [{ kind: 'failed', row: a!, error: 'late answer' }], T0 + LEASE + 1);
    const row = await sqlGet(t.db, "select status, lease_owner as o from outbox where delivery_key = 'a'");
    expect(row).toEqual({ status: 'pending', o: 'sender-b' });
  });

  it('releases at once the leases of a stopped process of this host, not those of live ones', async () => {
    await claim('host1:111:x', T0, 1);
    await claim('host1:222:y', T0, 1);
    await claim('host2:333:z', T0, 1);
    const released = await releaseDeadLeases(t.db, 'host1', (pid) => pid === 222);
    expect(released).toBe(1);
    expect(keys(await claim('sender-b', T0 + 1))).toEqual(['a']);
  });

  it('holds rows to a channel that is no longer internal until it is internal again', async () => {
    await setChannelState(t.db, 'C0ROUTING', 'shared', 'shared with T0OUTSIDE', T0);
    expect(keys(await claim('sender-a'))).toEqual(['b', 'c']);
    expect((await deliveryProblems(t.db, T0)).channels.map((c) => [c.channelId, c.state, c.waiting])).toEqual(
      [['C0ROUTING', 'shared', 1]],
    );
    await setChannelState(t.db, 'C0ROUTING', 'internal', null, T0 + 1);
    expect(keys(await claim('sender-b', T0 + 2))).toEqual(['a']);
  });
});

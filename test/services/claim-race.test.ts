import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { sqliteClient } from '../../src/db/connection.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { goodSubmission } from '../helpers/actors.ts';
import {
  exampleConfigJson,
  openTestDb,
  serviceDeps,
  type TestDb,
  testConfig,
  testEngine,
} from '../helpers/db.ts';
import { sqlGet } from '../helpers/sql.ts';

const WORKER = fileURLToPath(new URL('../helpers/claim-worker.ts', import.meta.url));

let t: TestDb | undefined;
afterEach(() => t?.cleanup());

it('gives exactly one owner when reps claim at the same instant from separate processes', async () => {
  t = await openTestDb();
  const raw = exampleConfigJson();
  const reps = ['U0REP1', 'U0REP2', 'U0REP3', 'U0REP4', 'U0REP5', 'U0REP6'];
  (raw.roles as { reps: string[] }).reps = reps;
  const config = testConfig((r) => Object.assign(r, raw));
  const deps = await serviceDeps(t.db, config, () => Date.now());
  const res = await submitLead(
    deps,
    goodSubmission({
      warmth: {
        ...goodSubmission().warmth!,
        lastInteractionOn: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
      },
    }),
  );
  if (res.kind !== 'created' || res.status !== 'qualified')
    throw new Error(`expected a qualified lead, got ${res.kind}`);
  // Each contender loads and opens its connection, says "ready", and claims when told to; all are told at
  // once, only when all are ready, so this is a real race even on a slow, loaded machine.
  type Outcome = { won: boolean; owner?: string; code?: string; message?: string; startedAt: number };
  const children = reps.map((rep) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WORKER, t!.path, JSON.stringify(raw), String(res.leadId), rep],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve) => lines.once('line', () => resolve()));
    const outcome = new Promise<Outcome>((resolve) => {
      ready.then(() => lines.once('line', (line) => resolve(JSON.parse(line) as Outcome)));
    });
    return { child, ready, outcome };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.write('go\n');
  const outcomes = await Promise.all(children.map((c) => c.outcome));
  // They fired together (the barrier's spread is the time to deliver one line to six processes).
  const starts = outcomes.map((o) => o.startedAt);
  expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(2000);
  const winners = outcomes.filter((o) => o.won);
  expect(winners).toHaveLength(1);
  const owner = winners[0]?.owner;
  const losers = outcomes.filter((o) => !o.won);
  expect(losers).toHaveLength(reps.length - 1);
  for (const l of losers) {
    expect(l.code).toBe('already_claimed');
    // Told who owns it: the owner travels as data (the edge renders the mention), the message says someone else.
    expect(l.owner).toBe(owner);
    expect(l.message).toBe('Someone else already claimed this lead.');
  }
  const row = await sqlGet(t.db, 'select status, owner_user_id from leads where id = ?', res.leadId);
  expect(row).toEqual({ status: 'claimed', owner_user_id: owner });
  const claims = (await sqlGet(
    t.db,
    "select count(*) as n from lead_events where to_status = 'claimed'",
  )) as { n: number };
  expect(claims.n).toBe(1);
}, 90_000);

// The SQLite file's pragmas (PostgreSQL has none of these).
it.runIf(testEngine() === 'sqlite')(
  'opens every connection with full fsync on commit, WAL, foreign keys on and a 64 MiB page cache',
  async () => {
    const local = await openTestDb();
    try {
      const c = sqliteClient(local.db);
      expect(c.pragma('synchronous', { simple: true })).toBe(2);
      expect(c.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(c.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(c.pragma('cache_size', { simple: true })).toBe(-65536);
      const other = sqliteClient(await local.reopen());
      expect(other.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      await local.cleanup();
    }
  },
);

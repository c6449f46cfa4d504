import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { periodResult } from '../../src/db/stores/job-store.ts';
import { createScheduler, RETRY_AFTER_MS, type Scheduler, scheduleLedger } from '../../src/jobs/scheduler.ts';
import { emptySummary, type Job } from '../../src/jobs/types.ts';
import { openTestDb, serviceDeps, type TestDb, testClock, testConfig } from '../helpers/db.ts';

// The scheduler runs every job period whose time has passed exactly once, on a real database and a moving
// clock: after downtime (only the latest period, marked late), in a DST gap (marked late), in a repeated hour
// (once), and a failed run is tried again later.

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

interface Run {
  now: number;
  scheduledFor: number | undefined;
}

let tdb: TestDb;
let schedulers: Scheduler[];
beforeEach(async () => {
  tdb = await openTestDb();
  schedulers = [];
});
afterEach(async () => {
  for (const s of schedulers) await s.stop();
  await tdb.cleanup();
});

function fakeJob(cron: string, runs: Run[], fail: () => boolean = () => false): Job {
  return {
    name: 'probe',
    description: 'records its runs',
    schedule: () => cron,
    async run(_deps, now, options = {}) {
      if (fail()) throw new Error('boom');
      runs.push({ now, scheduledFor: options.scheduledFor });
      return emptySummary('probe', now, false);
    },
  };
}

async function scheduler(
  job: Job,
  clock: ReturnType<typeof testClock>,
  lines: string[] = [],
): Promise<Scheduler> {
  const config = testConfig();
  const s = createScheduler({
    jobs: [job],
    deps: {
      services: await serviceDeps(tdb.db, config, clock.now),
      timeZones: { resolve: async () => new Map() },
    },
    config,
    now: clock.now,
    logger: {
      info: (_o, msg) => lines.push(msg ?? ''),
      error: (_o, msg) => lines.push(`ERROR ${msg ?? ''}`),
    },
  });
  schedulers.push(s);
  return s;
}

/** Moves the clock minute by minute from `from` to `to`, letting the scheduler tick each minute. */
async function tickThrough(s: Scheduler, clock: ReturnType<typeof testClock>, from: string, to: string) {
  for (let t = at(from); t <= at(to); t += MINUTE) {
    clock.set(t);
    await s.check();
  }
}

const ledger = (key: string) => periodResult(tdb.db, scheduleLedger('probe'), key);

describe('scheduler catch-up', () => {
  it('a first start records where the schedule stands and runs nothing', async () => {
    const runs: Run[] = [];
    const clock = testClock(at('2026-11-18T15:00:00Z'));
    const s = await scheduler(fakeJob('0 9 * * 1', runs), clock);
    await s.start();
    await s.check();
    expect(runs).toEqual([]);
    expect(await ledger('2026-11-16T09:00')).toMatchObject({ outcome: 'first start: not run' });
  });

  it('stopped 12 s before the digest minute, restarted 8 s after: runs once, late, for that week', async () => {
    const runs: Run[] = [];
    const lines: string[] = [];
    const clock = testClock(at('2026-11-09T15:00:00Z'));
    const first = await scheduler(fakeJob('0 9 * * 1', runs), clock, lines);
    await first.start();
    await tickThrough(first, clock, '2026-11-16T13:55:00Z', '2026-11-16T13:59:00Z');
    clock.set(at('2026-11-16T13:59:48Z'));
    await first.check();
    await first.stop();
    expect(runs).toEqual([]);

    clock.set(at('2026-11-16T14:00:08Z'));
    const second = await scheduler(fakeJob('0 9 * * 1', runs), clock, lines);
    await second.start();
    await second.check();
    await tickThrough(second, clock, '2026-11-16T14:01:00Z', '2026-11-16T16:00:00Z');
    expect(runs).toEqual([{ now: at('2026-11-16T14:00:08Z'), scheduledFor: at('2026-11-16T14:00:00Z') }]);
    expect(await ledger('2026-11-16T09:00')).toMatchObject({
      outcome: 'ran',
      late: true,
      lateMs: 8000,
      scheduledFor: '2026-11-16T14:00:00.000Z',
    });
    expect(lines).toContain('job probe ran late: its 2026-11-16T09:00 run was missed (8 s late)');
  });

  it('on time when the bot is up: not marked late', async () => {
    const runs: Run[] = [];
    const clock = testClock(at('2026-11-15T15:00:00Z'));
    const s = await scheduler(fakeJob('0 9 * * 1', runs), clock);
    await s.start();
    await tickThrough(s, clock, '2026-11-16T13:58:00Z', '2026-11-16T14:03:00Z');
    expect(runs).toEqual([{ now: at('2026-11-16T14:00:00Z'), scheduledFor: at('2026-11-16T14:00:00Z') }]);
    expect(await ledger('2026-11-16T09:00')).toMatchObject({ late: false, lateMs: 0 });
  });

  it('after three days down, a 15-minute job makes up only its latest period', async () => {
    const runs: Run[] = [];
    const clock = testClock(at('2026-11-13T15:00:00Z'));
    const first = await scheduler(fakeJob('*/15 * * * *', runs), clock);
    await first.start();
    await first.stop();
    clock.set(at('2026-11-16T15:07:00Z'));
    const second = await scheduler(fakeJob('*/15 * * * *', runs), clock);
    await second.start();
    await second.check();
    expect(runs).toEqual([{ now: at('2026-11-16T15:07:00Z'), scheduledFor: at('2026-11-16T15:00:00Z') }]);
  });

  const dst: Array<{
    name: string;
    cron: string;
    from: string;
    to: string;
    scheduledFor: string;
    late: boolean;
  }> = [
    {
      name: 'DST gap: 02:30 on 8 March 2026 (node-cron skips it) runs once at 03:00 EDT, late',
      cron: '30 2 * * 0',
      from: '2026-03-08T05:00:00Z',
      to: '2026-03-08T12:00:00Z',
      scheduledFor: '2026-03-08T07:00:00Z',
      late: true,
    },
    {
      name: 'DST repeat: 01:30 on 1 November 2026 runs once, at its first occurrence, on time',
      cron: '30 1 * * *',
      from: '2026-11-01T04:00:00Z',
      to: '2026-11-01T09:00:00Z',
      scheduledFor: '2026-11-01T05:30:00Z',
      late: false,
    },
  ];

  it.each(dst)('$name', async ({ cron, from, to, scheduledFor, late }) => {
    const runs: Run[] = [];
    const clock = testClock(at(from));
    const s = await scheduler(fakeJob(cron, runs), clock);
    await s.start();
    await tickThrough(s, clock, from, to);
    expect(runs.map((r) => new Date(r.scheduledFor ?? 0).toISOString())).toEqual([
      new Date(scheduledFor).toISOString(),
    ]);
    expect(runs[0]!.now).toBe(at(scheduledFor));
    const key = cron === '30 2 * * 0' ? '2026-03-08T02:30' : '2026-11-01T01:30';
    expect(await ledger(key)).toMatchObject({ outcome: 'ran', late, inGap: late });
  });

  it('a failed run is tried again after a minute, and recorded once it succeeds', async () => {
    const runs: Run[] = [];
    let failing = true;
    const lines: string[] = [];
    const clock = testClock(at('2026-11-16T13:00:00Z'));
    const s = await scheduler(
      fakeJob('0 9 * * 1', runs, () => failing),
      clock,
      lines,
    );
    await s.start();
    clock.set(at('2026-11-16T14:00:00Z'));
    await s.check();
    expect(lines).toContain('ERROR job probe failed; trying again in 60 s');
    expect(await ledger('2026-11-16T09:00')).toBeNull();
    failing = false;
    clock.advance(RETRY_AFTER_MS - 1000);
    await s.check();
    expect(runs).toEqual([]);
    clock.advance(1000);
    await s.check();
    expect(runs).toHaveLength(1);
    expect(await ledger('2026-11-16T09:00')).toMatchObject({ outcome: 'ran', late: true });
  });
});

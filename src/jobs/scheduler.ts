import { validate } from 'node-cron';
import type { ProgramConfig } from '../config/program-config.ts';
import { hasAnyPeriod, takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { createJobLocks } from './cluster-lock.ts';
import { type CronPeriod, type CronSchedule, cronSchedule } from './cron-periods.ts';
import type { Job, JobDeps, JobSummary } from './types.ts';

// Runs the jobs on their cron schedules in the program's time zone. A one-second timer is the tick (node-cron's
// own timers skip a wall time a DST gap removes, and warn on the console whenever the event loop was busy); which
// period is due is computed from each job's cron expression on the program's wall clock
// (src/jobs/cron-periods.ts), and each period the scheduler handles is recorded in the `job_runs` ledger as
// `schedule:<job>` / `<wall time>`. So a period whose time passed while the bot was down, or that fell in a DST
// gap node-cron skips, still runs once, at the next tick, marked late in the ledger and the logs; a wall time
// that happens twice runs once.
//
// Catch-up rule: only the LATEST passed period of each job is made up, never a backlog. The jobs are
// idempotent summaries of the present (the SLA and expiry jobs look at every open lead's state; the digest and
// scorecards summarise their week or month), so one run after an outage does all that the missed runs would
// have done, without a burst of stale reminders or several digests at once. The first start on a database
// records the latest period without running it (a new install does not send a digest at once).
//
// Never two runs of one job at once, in this process or (on PostgreSQL, several workers) across the cluster: a
// period runs under the job's advisory lock (src/jobs/cluster-lock.ts), after the ledger is read again under it,
// so each period runs once cluster-wide. Runs would be safe to repeat anyway: every job's writes are guarded by
// its own ledger keys.

export interface SchedulerLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Scheduler {
  /** Schedules the jobs (recording where each schedule stands on a first start) and starts the tick. */
  start(): Promise<void>;
  /** Stops the schedules and waits for runs in progress to finish. */
  stop(): Promise<void>;
  /** The cron expression each job runs on. */
  schedules(): Array<{ job: string; cron: string }>;
  /** Runs one job now (or at `now`), outside its schedule, with the app's dependencies. */
  run(name: string, now?: number, options?: { dryRun?: boolean }): Promise<JobSummary>;
  /** One pass of the tick: runs each job's latest due period not yet handled; resolves when they finish. */
  check(): Promise<void>;
}

/** How often the scheduler looks for due periods. */
export const TICK_MS = 1000;
/** A period run more than this after its time is marked late. */
export const LATE_AFTER_MS = 5_000;
/** A failed period is tried again after this long, at most MAX_ATTEMPTS times in all. */
export const RETRY_AFTER_MS = 60_000;
export const MAX_ATTEMPTS = 3;

/** The ledger's job name for the scheduler's record of `job`'s periods. */
export const scheduleLedger = (job: string) => `schedule:${job}`;

export function createScheduler(options: {
  jobs: readonly Job[];
  deps: JobDeps;
  config: ProgramConfig;
  now: () => number;
  logger: SchedulerLogger;
  /** Called after a run that queued something (the app wakes the outbox sender). */
  afterRun?: (summary: JobSummary) => void;
}): Scheduler {
  const { jobs, deps, config, logger } = options;
  const db = deps.services.db;
  const timezone = config.timezone;
  let tick: NodeJS.Timeout | null = null;
  let started = false;
  let scheduled: Array<{ job: Job; schedule: CronSchedule }> = [];
  /** The last period key known handled, per job (saves a ledger read per tick). */
  const handled = new Map<string, string>();
  const runningJobs = new Map<string, Promise<void>>();
  const failures = new Map<string, { attempts: number; retryAt: number }>();
  const locks = createJobLocks(db);

  async function record(
    job: Job,
    period: CronPeriod,
    result: Record<string, unknown>,
    at: number,
  ): Promise<void> {
    await takePeriod(db, scheduleLedger(job.name), period.key, at, {
      scheduledFor: new Date(period.at).toISOString(),
      ...result,
    });
    handled.set(job.name, period.key);
  }

  async function runPeriod(job: Job, period: CronPeriod): Promise<void> {
    const startedAt = options.now();
    const lateMs = startedAt - period.at;
    const late = lateMs > LATE_AFTER_MS || period.inGap;
    const fields = { job: job.name, scheduledFor: period.key, late, ...(late ? { lateMs } : {}) };
    try {
      const summary = await job.run(deps, startedAt, { dryRun: false, scheduledFor: period.at });
      await record(
        job,
        period,
        {
          late,
          lateMs,
          inGap: period.inGap,
          outcome: 'ran',
          period: summary.period,
          skipped: summary.skipped,
          queued: summary.queued.length,
        },
        options.now(),
      );
      failures.delete(`${job.name} ${period.key}`);
      logger.info(
        {
          ...fields,
          period: summary.period,
          skipped: summary.skipped,
          queued: summary.queued.length,
          transitions: summary.transitions.length,
          ...(summary.report ? { report: summary.report } : {}),
          ms: options.now() - startedAt,
        },
        late
          ? `job ${job.name} ran late: its ${period.key} run ${period.inGap ? 'fell in a DST gap' : `was missed (${Math.round(lateMs / 1000)} s late)`}`
          : `job ${job.name} ran`,
      );
      if (summary.queued.length > 0) options.afterRun?.(summary);
    } catch (err) {
      const key = `${job.name} ${period.key}`;
      const attempts = (failures.get(key)?.attempts ?? 0) + 1;
      if (attempts >= MAX_ATTEMPTS) {
        failures.delete(key);
        try {
          await record(
            job,
            period,
            { late, lateMs, outcome: 'failed', error: (err as Error).message },
            options.now(),
          );
        } catch {
          // The ledger itself cannot be written (the database is failing): the next tick tries again.
        }
        logger.error(
          { err, ...fields, attempts },
          `job ${job.name} failed ${attempts} times; it runs again on its next schedule`,
        );
      } else {
        failures.set(key, { attempts, retryAt: options.now() + RETRY_AFTER_MS });
        logger.error(
          { err, ...fields, attempts },
          `job ${job.name} failed; trying again in ${RETRY_AFTER_MS / 1000} s`,
        );
      }
    }
  }

  /** Starts the due period of `job`, if any. */
  async function due(job: Job, schedule: CronSchedule, now: number): Promise<void> {
    if (runningJobs.has(job.name)) return;
    const period = schedule.latest(now);
    if (!period || handled.get(job.name) === period.key) return;
    const failure = failures.get(`${job.name} ${period.key}`);
    if (failure && failure.retryAt > now) return;
    if ((await takenPeriods(db, scheduleLedger(job.name), [period.key])).has(period.key)) {
      // (Another instance ran it, or it was recorded before a restart.)
      handled.set(job.name, period.key);
      return;
    }
    runningJobs.set(
      job.name,
      runLocked(job, period).finally(() => runningJobs.delete(job.name)),
    );
  }

  /** Runs the period under the job's cluster-wide lock, unless another worker holds it or has run it since. */
  async function runLocked(job: Job, period: CronPeriod): Promise<void> {
    let locked: boolean;
    try {
      locked = await locks.tryTake(job.name);
    } catch (err) {
      logger.error(
        { err, job: job.name },
        `job ${job.name}: could not take its lock; trying at the next tick`,
      );
      return;
    }
    // Another worker is running this job: it records the period, and the next tick here finds it in the ledger.
    if (!locked) return;
    try {
      if ((await takenPeriods(db, scheduleLedger(job.name), [period.key])).has(period.key)) {
        handled.set(job.name, period.key);
        return;
      }
      await runPeriod(job, period);
    } finally {
      await locks.release(job.name).catch((err: unknown) => {
        logger.error({ err, job: job.name }, `job ${job.name}: could not release its lock`);
      });
    }
  }

  /** The pass over the schedules in progress, and the one pass asked for while it runs (they never overlap). */
  let scanning: Promise<void> | null = null;
  let rescan: Promise<void> | null = null;

  async function scan(): Promise<void> {
    const now = options.now();
    for (const { job, schedule } of scheduled) {
      try {
        await due(job, schedule, now);
      } catch (err) {
        logger.error({ err, job: job.name }, `job ${job.name}: could not check its schedule`);
      }
    }
  }

  /** A pass at the current time: at once, or right after the pass in progress (shared by all who ask meanwhile). */
  function scanSoon(): Promise<void> {
    if (!scanning) {
      scanning = scan().finally(() => {
        scanning = null;
      });
      return scanning;
    }
    rescan ??= scanning.then(() => {
      rescan = null;
      return scanSoon();
    });
    return rescan;
  }

  async function check(): Promise<void> {
    await scanSoon();
    // Resolves once every run in progress (started now or by an earlier tick) has finished.
    await Promise.all([...runningJobs.values()]);
  }

  return {
    schedules: () => jobs.map((j) => ({ job: j.name, cron: j.schedule(config) })),
    async run(name, now = options.now(), runOptions = {}) {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`unknown job "${name}"`);
      const summary = await job.run(deps, now, runOptions);
      if (summary.queued.length > 0 && !runOptions.dryRun) options.afterRun?.(summary);
      return summary;
    },
    check,
    async start() {
      if (started) return;
      started = true;
      const now = options.now();
      scheduled = [];
      for (const job of jobs) {
        const cron = job.schedule(config);
        let schedule: CronSchedule;
        try {
          if (!validate(cron)) throw new Error('invalid');
          schedule = cronSchedule(cron, timezone);
        } catch {
          logger.error(
            { job: job.name, cron },
            `job ${job.name} has an invalid cron expression; not scheduled`,
          );
          continue;
        }
        scheduled.push({ job, schedule });
        // First start on this database: nothing was missed yet; remember where the schedule stands.
        const latest = schedule.latest(now);
        if (latest && !(await hasAnyPeriod(db, scheduleLedger(job.name))))
          await record(job, latest, { outcome: 'first start: not run' }, now);
      }
      if (!started) return; // stopped while starting
      tick = setInterval(() => void check(), TICK_MS);
      tick.unref();
      logger.info(
        { jobs: scheduled.map(({ job }) => `${job.name} (${job.schedule(config)})`), timezone },
        'jobs scheduled',
      );
      // The first pass has started what is due when start() resolves; the runs go on in the background.
      await scanSoon();
    },
    async stop() {
      started = false;
      if (tick) clearInterval(tick);
      tick = null;
      await (rescan ?? scanning)?.catch(() => undefined);
      await Promise.allSettled([...runningJobs.values()]);
      await locks.close().catch(() => undefined);
    },
  };
}

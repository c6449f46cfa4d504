import { createTask, type ScheduledTask, validate } from 'node-cron';
import type { ProgramConfig } from '../config/program-config.ts';
import type { Job, JobDeps, JobSummary } from './types.ts';

// Runs the jobs on their cron schedules in the program's time zone (node-cron 4), never two runs of one job
// at once (`noOverlap`). It is started and stopped with the app (src/app.ts). Runs are safe to repeat or
// overlap across processes anyway: every job's writes are guarded by the `job_runs` ledger.

export interface SchedulerLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Scheduler {
  start(): void;
  /** Stops the schedules and waits for runs in progress to finish. */
  stop(): Promise<void>;
  /** The cron expression each job runs on. */
  schedules(): Array<{ job: string; cron: string }>;
  /** Runs one job now (or at `now`), outside its schedule, with the app's dependencies. */
  run(name: string, now?: number, options?: { dryRun?: boolean }): Promise<JobSummary>;
}

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
  const timezone = config.timezone;
  let tasks: ScheduledTask[] = [];
  const running = new Set<Promise<unknown>>();

  async function runOnce(job: Job): Promise<void> {
    const startedAt = Date.now();
    try {
      const summary = await job.run(deps, options.now(), { dryRun: false });
      logger.info(
        {
          job: job.name,
          period: summary.period,
          skipped: summary.skipped,
          queued: summary.queued.length,
          transitions: summary.transitions.length,
          ...(summary.report ? { report: summary.report } : {}),
          ms: Date.now() - startedAt,
        },
        `job ${job.name} ran`,
      );
      if (summary.queued.length > 0) options.afterRun?.(summary);
    } catch (err) {
      logger.error({ err, job: job.name }, `job ${job.name} failed; it runs again on its next schedule`);
    }
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
    start() {
      if (tasks.length > 0) return;
      for (const job of jobs) {
        const cron = job.schedule(config);
        if (!validate(cron)) {
          logger.error(
            { job: job.name, cron },
            `job ${job.name} has an invalid cron expression; not scheduled`,
          );
          continue;
        }
        const task = createTask(
          cron,
          () => {
            const p = runOnce(job);
            running.add(p);
            return p.finally(() => running.delete(p));
          },
          { timezone, noOverlap: true, name: `foothold-${job.name}` },
        );
        task.start();
        tasks.push(task);
      }
      logger.info({ jobs: jobs.map((j) => `${j.name} (${j.schedule(config)})`), timezone }, 'jobs scheduled');
    },
    async stop() {
      const stopping = tasks;
      tasks = [];
      await Promise.all(stopping.map((t) => t.destroy()));
      await Promise.allSettled([...running]);
    },
  };
}

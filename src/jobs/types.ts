import type { ProgramConfig } from '../config/program-config.ts';
import type { LookupByEmail } from '../crm/owners.ts';
import type { CrmProvider } from '../crm/types.ts';
import type { ServiceDeps } from '../services/context.ts';
import type { TimeZoneLookup } from './time-zones.ts';

// The job contract. A job is a plain object: a name, a cron schedule (in the program time zone) and a run
// function that gets its dependencies and the clock explicitly, so the scheduler, the CLI and tests all run
// the same code at any `now`. A run returns what it queued and to whom; a second run for the same period
// queues nothing (the `job_runs` ledger).

export interface JobDeps {
  /** Storage and the program; `services.now` is ignored (the run's `now` is used). */
  services: ServiceDeps;
  /** Recipients' time zones for quiet hours (users.info, cached in `people`). */
  timeZones: TimeZoneLookup;
  /** The CRM (section 11), when the config has a `crm` section and its credentials are set. */
  crm?: CrmJobDeps;
}

export interface CrmJobDeps {
  /** The configured provider (built once, on first use). */
  provider(): CrmProvider;
  /** Slack's users.lookupByEmail; null without a bot token (only cached owners are used). */
  lookupByEmail: LookupByEmail | null;
}

export interface RunOptions {
  /** Compute and report everything, write nothing (the run's transaction is rolled back). */
  dryRun?: boolean;
  /**
   * The scheduled time of the period this run is for, when the scheduler runs it (possibly late, after a
   * restart or a DST gap): jobs with a calendar period (digest week, scorecard month) take the period and its
   * figures from it, and everything else (sending times, quiet hours, the ledger's `ran_at`) from `now`.
   */
  scheduledFor?: number;
}

/** One message a run queued (or, in a dry run, would have queued). */
export interface QueuedMessage {
  /** A user id (DM) or a channel id. */
  to: string;
  /** What it is, e.g. `reminders`, `thread:claim_reminder`, `routing-post`, `partner:expiry_warning`, `digest`. */
  kind: string;
  deliveryKey: string;
  /** When it may go out (quiet hours and batching push it later). */
  notBefore: number;
  leadIds: number[];
  /** It joined a batch already waiting in the outbox instead of becoming a new message. */
  merged?: boolean;
  /** One line saying what it says. */
  summary: string;
}

export interface JobSummary {
  job: string;
  now: number;
  dryRun: boolean;
  /** The run's period (digest week, scorecard month), when the job has one. */
  period: string | null;
  /** Why the run did nothing, e.g. `digest for 2026-W47 already sent`. */
  skipped: string | null;
  queued: QueuedMessage[];
  transitions: Array<{ leadId: number; from: string; to: string }>;
  /** Ledger keys taken by this run. */
  keys: string[];
  /** More lines about the run (what a CRM sync read and wrote, the model fit's figures), after the headline. */
  report?: string[];
}

export interface Job {
  name: string;
  /** One line for `jobs run --help` and the logs. */
  description: string;
  /** Cron expression (5 fields) in the program time zone. */
  schedule(config: ProgramConfig): string;
  run(deps: JobDeps, now: number, options?: RunOptions): Promise<JobSummary>;
}

export function emptySummary(job: string, now: number, dryRun: boolean): JobSummary {
  return { job, now, dryRun, period: null, skipped: null, queued: [], transitions: [], keys: [] };
}

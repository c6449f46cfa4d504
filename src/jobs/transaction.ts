import { type Db, type Tx, transaction, withRollback } from '../db/connection.ts';
import type { ServiceDeps } from '../services/context.ts';
import type { JobSummary } from './types.ts';

// A job's writes happen in one transaction: ledger keys, events, transitions and outbox rows commit together or
// not at all. A dry run runs exactly the same code and rolls it back (`withRollback`), so what it reports is what
// a real run would have done at that moment.
//
// On PostgreSQL a transaction may be run again after a serialization failure, so the callback touches nothing but
// the database: it fills a fresh `RunDraft` and returns it, and the job merges it into its summary once the
// transaction has resolved (`mergeRun`).

export async function jobTransaction<T>(db: Db, dryRun: boolean, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return dryRun ? withRollback(db, fn) : transaction(db, fn);
}

/** What one attempt of a job's transaction did (built afresh by each attempt). */
export type RunDraft = Pick<JobSummary, 'queued' | 'transitions' | 'keys'> & { skipped: string | null };

export function runDraft(): RunDraft {
  return { queued: [], transitions: [], keys: [], skipped: null };
}

/** Adds what the committed (or rolled back, in a dry run) transaction did to the run's summary. */
export function mergeRun(summary: JobSummary, draft: RunDraft): JobSummary {
  summary.queued.push(...draft.queued);
  summary.transitions.push(...draft.transitions);
  summary.keys.push(...draft.keys);
  if (draft.skipped !== null) summary.skipped = draft.skipped;
  return summary;
}

/** The services as of the run's clock (transitions and events are stamped with the run's `now`). */
export function servicesAt(services: ServiceDeps, now: number): ServiceDeps {
  return { ...services, now: () => now };
}

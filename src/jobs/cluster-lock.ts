import { createHash } from 'node:crypto';
import pg from 'pg';
import { type Db, engineKind, postgresPool } from '../db/connection.ts';

// Several workers on one PostgreSQL database run the same schedules; each period of a job must run in one of
// them. The scheduler takes a session-level advisory lock per job (pg_try_advisory_lock) before it checks the
// run ledger and runs the period, and drops it when the run ends. The locks live on one connection of their own
// per process, outside the pool (a run's transactions need the pool's connections, and the lock must not wait for
// one); a worker that dies, or loses that connection, releases its locks with it, and the period is then run by
// another worker at its next tick (the ledger says it has not run). On SQLite one process owns the file: there is
// nothing to take.

/** The first key of Foothold's job locks (`pg_locks.classid`); the second is the job's. */
const JOB_LOCK_SPACE = 0x466f6f74;

function jobKey(job: string): number {
  return createHash('sha256').update(job).digest().readInt32BE(0);
}

export interface JobLocks {
  /** Takes `job`'s lock: true when this process holds it now, false when another does. */
  tryTake(job: string): Promise<boolean>;
  release(job: string): Promise<void>;
  /** Closes the lock connection (its locks go with it). */
  close(): Promise<void>;
}

export function createJobLocks(db: Db): JobLocks {
  if (engineKind(db) !== 'postgres') {
    return { tryTake: async () => true, release: async () => {}, close: async () => {} };
  }
  const pool = postgresPool(db);
  let client: Promise<pg.Client> | null = null;
  const held = new Set<string>();

  function connection(): Promise<pg.Client> {
    if (!client) {
      const c = new pg.Client({
        ...pool.options,
        application_name: `${pool.options.application_name ?? 'foothold'} (job locks)`,
      });
      // A lost connection has lost its locks: forget both, the next take opens a new one.
      c.on('error', () => {
        if (client) held.clear();
        client = null;
      });
      client = c.connect().then(
        () => c,
        (err: unknown) => {
          client = null;
          throw err;
        },
      );
    }
    return client;
  }

  return {
    async tryTake(job) {
      const c = await connection();
      const { rows } = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
        JOB_LOCK_SPACE,
        jobKey(job),
      ]);
      const ok = rows[0]?.ok === true;
      if (ok) held.add(job);
      return ok;
    },
    async release(job) {
      if (!held.delete(job) || !client) return;
      const c = await client;
      await c.query('select pg_advisory_unlock($1, $2)', [JOB_LOCK_SPACE, jobKey(job)]);
    },
    async close() {
      const c = client;
      client = null;
      held.clear();
      if (c) await (await c).end();
    },
  };
}

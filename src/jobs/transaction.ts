import type { Db } from '../db/connection.ts';
import { inTransaction, type Tx } from '../db/stores/lead-store.ts';
import type { ServiceDeps } from '../services/context.ts';

// A job's writes happen in one IMMEDIATE transaction: ledger keys, events, transitions and outbox rows commit
// together or not at all. A dry run runs exactly the same code and rolls it back, so what it reports is what
// a real run would have done at that moment.

class DryRunRollback extends Error {
  constructor() {
    super('dry run: rolled back');
  }
}

export function jobTransaction<T>(db: Db, dryRun: boolean, fn: (tx: Tx) => T): T {
  if (!dryRun) return inTransaction(db, fn);
  let result: { value: T } | null = null;
  try {
    inTransaction(db, (tx) => {
      result = { value: fn(tx) };
      throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  if (!result) throw new Error('dry run produced no result');
  return (result as { value: T }).value;
}

/** The services as of the run's clock (transitions and events are stamped with the run's `now`). */
export function servicesAt(services: ServiceDeps, now: number): ServiceDeps {
  return { ...services, now: () => now };
}

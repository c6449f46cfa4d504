import type { SQL } from 'drizzle-orm';
import { driverError, engineKind, type Handle } from '../engine.ts';

// A whole SQL statement (not a builder) run on either engine: better-sqlite3 through drizzle's `all`, pg through
// drizzle's `execute`. For the statements the builder cannot express (aggregates over derived tables, UPDATE … FROM
// with FOR UPDATE SKIP LOCKED); their SQL must be valid on both engines, or branch on `engineKind`. Columns come
// back under the names the statement gives them (alias them in the casing the caller's type uses).

interface PgExecutor {
  execute(query: SQL): Promise<{ rows: unknown[] }>;
}

interface PgRunner {
  execute(query: SQL): Promise<{ rowCount?: number | null }>;
}

/** Every row the statement returns. */
export async function rawRows<T>(h: Handle, query: SQL): Promise<T[]> {
  if (engineKind(h) === 'sqlite') return h.all<T>(query);
  try {
    return (await (h as unknown as PgExecutor).execute(query)).rows as T[];
  } catch (err) {
    throw driverError(err);
  }
}

/** The first row the statement returns, if any. */
export async function rawRow<T>(h: Handle, query: SQL): Promise<T | undefined> {
  return (await rawRows<T>(h, query))[0];
}

/** Runs a statement that returns no rows (DDL, INSERT/UPDATE/DELETE without RETURNING); resolves to the rows it touched. */
export async function rawRun(h: Handle, query: SQL): Promise<number> {
  if (engineKind(h) === 'sqlite') return h.run(query).changes;
  try {
    return Number((await (h as unknown as PgRunner).execute(query)).rowCount ?? 0);
  } catch (err) {
    throw driverError(err);
  }
}

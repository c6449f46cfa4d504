import { AsyncLocalStorage } from 'node:async_hooks';
import { realpathSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import type pg from 'pg';
import type * as schema from './schema.ts';

// One storage design for both engines.
//
// The stores are written once, in drizzle's query builder, against the tables of `schema.ts`. On SQLite they run
// through better-sqlite3; on PostgreSQL the same builder calls run through drizzle's node-postgres session, whose
// dialect renders them as PostgreSQL (quoted names, `$1` placeholders, `RETURNING`, `ON CONFLICT … DO UPDATE` with
// `excluded`): the two dialects agree on everything the stores use. The Postgres tables (`schema-postgres.ts`) have
// the same names and columns, typed so that rows come back as the same JavaScript values (int8 parsed as a number,
// JSON kept as text). Every store test runs on both engines to prove it.
//
// So a handle is typed as drizzle's SQLite database. The rules that keep a store portable:
// - await a builder (never `.get()`, `.all()`, `.run()`, `.values()`; use `one()` and `affected()` from here);
// - prepared queries through `prepared()` (stores/prepared.ts), which runs them on either engine;
// - transactions through `transaction()` (connection.ts), never the handle's own `.transaction` (synchronous on
//   SQLite);
// - SQL fragments in the SQL both engines speak (no json_each, no GLOB, booleans compared to true/false).
// test/db/portable-stores.test.ts checks the first and the last rule over src/db/stores.

export type Handle = BetterSQLite3Database<typeof schema>;
export type EngineKind = 'sqlite' | 'postgres';

interface SqliteEngine {
  kind: 'sqlite';
  client: Database.Database;
  /**
   * Transactions waiting for the one connection, run one after another in commit groups (see connection.ts).
   * Each callback is bound to its caller's async context (request ids in logs, the savepoint depth).
   */
  waiting: GroupMember[];
  /** Whether a commit group is running (it drains `waiting`). */
  draining: boolean;
  /** When transaction() was last called (performance.now()), and whether calls arrive close together. */
  lastCallAt: number;
  busy: boolean;
  /** Whether a group under load may wait a turn of the event loop for more members (see connection.ts). */
  groupWait: boolean;
  /** The member running now, and the file (its real path; null in memory) for groups on other connections. */
  current: GroupMember | null;
  file: string | null;
  /** The member an async context runs in, and its savepoint depth (nested transaction() calls). */
  depth: AsyncLocalStorage<{ member: GroupMember; depth: number }>;
  savepoints: number;
}

/** A transaction queued on SQLite's one connection: its callback, and how to settle its caller's promise. */
export interface GroupMember {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface PostgresEngine {
  kind: 'postgres';
  pool: pg.Pool;
  /** Whether this handle is a transaction's (nested calls then take a savepoint). */
  inTransaction: boolean;
  root: Handle;
}

export type Engine = SqliteEngine | PostgresEngine;

const engines = new WeakMap<object, Engine>();

export function registerEngine(handle: object, engine: Engine): void {
  engines.set(handle, engine);
}

export function engineOf(handle: object): Engine {
  const engine = engines.get(handle);
  if (!engine) throw new Error('not a Foothold database handle (open it with openDatabase)');
  return engine;
}

export function engineKind(handle: object): EngineKind {
  return engineOf(handle).kind;
}

export function newSqliteEngine(
  client: Database.Database,
  options: { groupWait?: boolean } = {},
): SqliteEngine {
  const name = client.name;
  return {
    kind: 'sqlite',
    client,
    groupWait: options.groupWait ?? true,
    current: null,
    file: name === '' || name === ':memory:' || client.memory ? null : realpathSync(name),
    waiting: [],
    draining: false,
    lastCallAt: Number.NEGATIVE_INFINITY,
    busy: false,
    depth: new AsyncLocalStorage<{ member: GroupMember; depth: number }>(),
    savepoints: 0,
  };
}

/** The first row of an awaited select (the portable `.get()`). */
export async function one<T>(rows: PromiseLike<T[]>): Promise<T | undefined> {
  return (await rows)[0];
}

/** Rows an INSERT, UPDATE or DELETE touched, on either engine (better-sqlite3 `changes`, pg `rowCount`). */
export function affected(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return Number(r.changes ?? r.rowCount ?? 0);
}

/**
 * The driver's own error behind drizzle's wrapper. drizzle's node-postgres session wraps every failure in a
 * DrizzleQueryError whose message is the SQL and its parameters (which may hold people's data, and would reach the
 * logs); better-sqlite3's come through as they are. Both engines throw the driver's error.
 */
export function driverError(err: unknown): unknown {
  return err instanceof DrizzleQueryError && err.cause instanceof Error ? err.cause : err;
}

/** What `throwDriverErrors` reaches of drizzle's node-postgres session (not part of drizzle's public types). */
interface PgSessionSeam {
  prepareQuery(...args: unknown[]): PgPreparedSeam;
}

interface PgPreparedSeam {
  execute(...args: unknown[]): Promise<unknown>;
  all(...args: unknown[]): Promise<unknown>;
}

/**
 * Makes every query of a PostgreSQL handle throw the driver's error (`driverError`) instead of drizzle's wrapper:
 * an awaited builder, `db.execute`, a relational query or a prepared query. All of them run through the session's
 * `prepareQuery` (node-postgres/session.js), whose prepared query wraps pg's error in `execute` and `all`; the
 * session is patched on this one handle, so drizzle itself is untouched. A transaction runs on a session of its
 * own (one pooled connection): `transaction()` patches it the same way.
 */
export function throwDriverErrors(handle: object): void {
  const session = (handle as { session?: PgSessionSeam }).session;
  if (!session || typeof session.prepareQuery !== 'function')
    throw new Error('drizzle node-postgres session not found (drizzle-orm changed its internals)');
  const prepare = session.prepareQuery.bind(session);
  const unwrap = (err: unknown) => {
    throw driverError(err);
  };
  session.prepareQuery = (...args) => {
    const query = prepare(...args);
    const execute = query.execute.bind(query);
    const all = query.all.bind(query);
    query.execute = (...a) => execute(...a).catch(unwrap);
    query.all = (...a) => all(...a).catch(unwrap);
    return query;
  };
}

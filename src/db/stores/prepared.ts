import { driverError, engineKind, type Handle } from '../engine.ts';

// Prepared queries for the hot paths (a submission, a click, the outbox sender).
//
// drizzle builds a query's SQL from its builder and SQLite compiles it on every call: about 0.1 ms per query,
// and a modal submission makes some thirty of them, so building and compiling was most of its CPU (issue 6,
// benchmark B2). A drizzle prepared query keeps both the SQL and SQLite's compiled statement; values come in
// through `sql.placeholder`. It belongs to the connection's session, which a transaction handle shares with its
// database, so one prepared query serves both, in a transaction or not.
//
// On PostgreSQL the same builder is prepared by drizzle's node-postgres session (an unnamed statement, which
// pg parses per execution) and run with `execute`; the methods below hide the difference and are async on both.

type Params = Record<string, unknown>;

/** A prepared query run the same way on either engine. */
export interface PortableQuery<Row> {
  /** The first row (a select, or an insert/update with RETURNING). */
  get(params?: Params): Promise<Row | undefined>;
  all(params?: Params): Promise<Row[]>;
  /** Runs a write; resolves to the number of rows it touched. */
  run(params?: Params): Promise<number>;
}

interface SqlitePrepared {
  get(params?: Params): unknown;
  all(params?: Params): unknown[];
  run(params?: Params): { changes: number };
}

interface PostgresPrepared {
  execute(params?: Params): Promise<unknown>;
}

type RowOf<Q> = Q extends { all(...args: never[]): (infer R)[] } ? R : never;

function portable<Row>(query: unknown, kind: 'sqlite' | 'postgres'): PortableQuery<Row> {
  if (kind === 'sqlite') {
    const q = query as SqlitePrepared;
    return {
      get: async (params) => q.get(params) as Row | undefined,
      all: async (params) => q.all(params) as Row[],
      run: async (params) => q.run(params).changes,
    };
  }
  const pq = query as PostgresPrepared;
  const q = {
    execute: (params?: Params) =>
      pq.execute(params).catch((err: unknown) => {
        throw driverError(err);
      }),
  };
  return {
    get: async (params) => ((await q.execute(params)) as Row[])[0],
    all: async (params) => (await q.execute(params)) as Row[],
    run: async (params) => {
      const result = (await q.execute(params)) as { rowCount?: number | null } | unknown[];
      return Array.isArray(result) ? result.length : Number(result.rowCount ?? 0);
    },
  };
}

/**
 * Wraps a builder of one drizzle prepared query (the builder ends in `.prepare()`): the query is built on first
 * use per connection and reused. The connection is identified by its drizzle session (not part of drizzle's
 * public types, hence the cast).
 */
export function prepared<Q>(build: (h: Handle) => Q): (h: Handle) => PortableQuery<RowOf<Q>> {
  const bySession = new WeakMap<object, PortableQuery<RowOf<Q>>>();
  return (h) => {
    const session = (h as unknown as { session: object }).session;
    let query = bySession.get(session);
    if (query === undefined) {
      query = portable<RowOf<Q>>(build(h), engineKind(h));
      bySession.set(session, query);
    }
    return query;
  };
}

/**
 * A nullable JSON column's value as drizzle stores it. Placeholders inside `sql` are passed to SQLite as they
 * are, bypassing the column's encoder, which would store `null` as the text 'null'.
 */
export function jsonOrNull(value: unknown): string | null {
  return value == null ? null : JSON.stringify(value);
}

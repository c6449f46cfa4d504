import type { Db } from '../connection.ts';

// Prepared queries for the hot paths (a submission, a click, the outbox sender).
//
// drizzle builds a query's SQL from its builder and SQLite compiles it on every call: about 0.1 ms per query,
// and a modal submission makes some thirty of them, so building and compiling was most of its CPU (issue 6,
// benchmark B2). A drizzle prepared query keeps both the SQL and SQLite's compiled statement; values come in
// through `sql.placeholder`. It belongs to the connection's session, which a transaction handle shares with its
// database, so one prepared query serves both, in a transaction or not.

type Handle = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Wraps a builder of one drizzle prepared query: the query is built on first use per connection and reused.
 * The connection is identified by its drizzle session (not part of drizzle's public types, hence the cast).
 */
export function prepared<Q>(build: (h: Handle) => Q): (h: Handle) => Q {
  const bySession = new WeakMap<object, Q>();
  return (h) => {
    const session = (h as unknown as { session: object }).session;
    let query = bySession.get(session);
    if (query === undefined) {
      query = build(h);
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

import { type Db, engineKind, postgresPool, sqliteClient } from '../../src/db/connection.ts';

// Plain SQL for tests that look at (or set up) rows directly, on the run's engine: written with `?` placeholders
// as for SQLite, numbered ($1, $2…) for PostgreSQL. Keep the SQL to what both engines speak (booleans compared
// with true/false, no SQLite functions).

function numbered(query: string): string {
  let n = 0;
  return query.replace(/\?/g, () => `$${++n}`);
}

/** Every row the query returns. */
export async function sqlAll<T = Record<string, unknown>>(
  db: Db,
  query: string,
  ...params: unknown[]
): Promise<T[]> {
  if (engineKind(db) === 'sqlite')
    return sqliteClient(db)
      .prepare(query)
      .all(...params) as T[];
  const res = await postgresPool(db).query(numbered(query), params);
  return res.rows.map((row) => sqliteShaped(row, res.fields)) as T[];
}

const PG_NUMERIC = 1700;

/**
 * A PostgreSQL row as better-sqlite3 gives it, so a test's expectations read the same on both engines: booleans as
 * 1/0 (SQLite has no boolean type) and numerics (`sum` of integers) as numbers.
 */
function sqliteShaped(
  row: Record<string, unknown>,
  fields: ReadonlyArray<{ name: string; dataTypeID: number }>,
) {
  const out: Record<string, unknown> = { ...row };
  for (const f of fields) {
    const v = out[f.name];
    if (typeof v === 'boolean') out[f.name] = v ? 1 : 0;
    else if (f.dataTypeID === PG_NUMERIC && typeof v === 'string') out[f.name] = Number(v);
  }
  return out;
}

/** The first row the query returns, or undefined. */
export async function sqlGet<T = Record<string, unknown>>(
  db: Db,
  query: string,
  ...params: unknown[]
): Promise<T | undefined> {
  return (await sqlAll<T>(db, query, ...params))[0];
}

/** Runs a statement; `changes` is the number of rows it touched. */
export async function sqlRun(db: Db, query: string, ...params: unknown[]): Promise<{ changes: number }> {
  if (engineKind(db) === 'sqlite')
    return {
      changes: sqliteClient(db)
        .prepare(query)
        .run(...params).changes,
    };
  return { changes: (await postgresPool(db).query(numbered(query), params)).rowCount ?? 0 };
}

/** Runs statements without parameters (several, separated by semicolons). */
export async function sqlExec(db: Db, script: string): Promise<void> {
  if (engineKind(db) === 'sqlite') sqliteClient(db).exec(script);
  else await postgresPool(db).query(script);
}

/**
 * Makes inserts into `table` fail with `message` (a fault injected below the store, as a crash mid-transaction
 * would), on either engine; `when` (SQL on `NEW`) limits it to some rows. `allowInserts` removes it.
 */
export async function failInserts(db: Db, table: string, message: string, when?: string): Promise<void> {
  const quoted = message.replace(/'/g, "''");
  if (engineKind(db) === 'sqlite')
    await sqlExec(
      db,
      `create trigger boom before insert on ${table} ${when ? `when ${when}` : ''}
       begin select raise(abort, '${quoted}'); end;`,
    );
  else
    await sqlExec(
      db,
      `create function foothold_test_boom() returns trigger language plpgsql as $$ begin raise exception '${quoted}'; end $$;
       create trigger boom before insert on ${table} for each row ${when ? `when (${when})` : ''}
       execute function foothold_test_boom();`,
    );
}

/** Undoes failInserts. */
export async function allowInserts(db: Db, table: string): Promise<void> {
  if (engineKind(db) === 'sqlite') await sqlExec(db, 'drop trigger boom');
  else await sqlExec(db, `drop trigger boom on ${table}; drop function foothold_test_boom();`);
}

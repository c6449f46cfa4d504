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
  return (await postgresPool(db).query(numbered(query), params)).rows as T[];
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

/** Makes every insert into `table` fail with `message` (a fault injected below the store), on either engine. */
export async function failInserts(db: Db, table: string, message: string): Promise<void> {
  const quoted = message.replace(/'/g, "''");
  if (engineKind(db) === 'sqlite')
    await sqlExec(
      db,
      `create trigger boom before insert on ${table} begin select raise(abort, '${quoted}'); end;`,
    );
  else
    await sqlExec(
      db,
      `create function foothold_test_boom() returns trigger language plpgsql as $$ begin raise exception '${quoted}'; end $$;
       create trigger boom before insert on ${table} for each row execute function foothold_test_boom();`,
    );
}

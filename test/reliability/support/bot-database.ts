import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { closeDb, type Db, type EngineKind, openPostgres } from '../../../src/db/connection.ts';
import { testEngine } from '../../helpers/db.ts';
import { createTestDatabase } from '../../helpers/postgres.ts';
import { sqlAll } from '../../helpers/sql.ts';

// The database of a bot run as its own process, on the run's engine (FOOTHOLD_TEST_ENGINE): a SQLite file the
// bot creates and migrates at start-up, or a fresh PostgreSQL database (DATABASE_URL). The scenario reads it as
// another process would: on SQLite through a short-lived read-only connection (so the test never checkpoints
// the bot's write-ahead log nor holds the file open), on PostgreSQL through its own small pool.

export interface BotDatabase {
  engine: EngineKind;
  /** What the bot process (or a CLI run) needs in its environment: DATABASE_PATH or DATABASE_URL. */
  env: Record<string, string>;
  /** The SQLite file (null on PostgreSQL). */
  file: string | null;
  /** Every row of a query written with `?` placeholders, as sqlAll (test/helpers/sql.ts) takes it. */
  all<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T[]>;
  /** `count(*) as n` style queries: the `n` of the first row. */
  count(query: string, ...params: unknown[]): Promise<number>;
  /**
   * Everything the database holds, as text: SQLite, the file and its write-ahead log byte for byte; PostgreSQL,
   * every row of every table rendered as text. For "this secret is nowhere in the database" checks.
   */
  contents(): Promise<string>;
  cleanup(): Promise<void>;
}

/** A database for bots in `dir` (the SQLite file is `dir/<name>.db`; it is created by the first bot). */
export async function botDatabase(dir: string, name = 'foothold'): Promise<BotDatabase> {
  if (testEngine() === 'postgres') {
    const database = await createTestDatabase();
    let pool: Db | null = null;
    const db = async () => {
      pool ??= await openPostgres(database.url, { migrate: false, poolSize: 2 });
      return pool;
    };
    const all = async <T>(query: string, ...params: unknown[]) => sqlAll<T>(await db(), query, ...params);
    return {
      engine: 'postgres',
      env: { DATABASE_URL: database.url, DATABASE_PATH: join(dir, 'unused.db') },
      file: null,
      all,
      count: async (query, ...params) => Number((await all<{ n: number }>(query, ...params))[0]?.n ?? 0),
      async contents() {
        const tables = await all<{ name: string }>(
          "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
        );
        let text = '';
        for (const { name } of tables) {
          const rows = await all<{ t: string | null }>(
            `select string_agg(x::text, E'\\n') as t from "${name}" x`,
          );
          text += `${rows[0]?.t ?? ''}\n`;
        }
        return text;
      },
      async cleanup() {
        if (pool) await closeDb(pool);
        await database.drop();
      },
    };
  }
  const file = join(dir, `${name}.db`);
  const all = async <T>(query: string, ...params: unknown[]) => {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(query).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  return {
    engine: 'sqlite',
    env: { DATABASE_PATH: file },
    file,
    all,
    count: async (query, ...params) => Number((await all<{ n: number }>(query, ...params))[0]?.n ?? 0),
    async contents() {
      const wal = existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`).toString('latin1') : '';
      return readFileSync(file).toString('latin1') + wal;
    },
    async cleanup() {},
  };
}

/** SQLite's own integrity check of the file (read-only); PostgreSQL's server owns its pages: null there. */
export function sqliteIntegrity(db: BotDatabase): string | null {
  if (!db.file) return null;
  const check = new Database(db.file, { readonly: true, fileMustExist: true });
  try {
    return String(check.pragma('integrity_check', { simple: true }));
  } finally {
    check.close();
  }
}

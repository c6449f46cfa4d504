import { closeDb, type Db, openDb } from '../db/connection.ts';
import type { CommandContext } from './types.ts';

/** Opens the database at DATABASE_PATH (creating it and applying migrations if needed), runs `fn`, closes it. */
export async function withDb<T>(ctx: CommandContext, fn: (db: Db) => Promise<T> | T): Promise<T> {
  const db = openDb(ctx.settings.databasePath, { onWarning: (line) => ctx.err(`warning: ${line}`) });
  try {
    return await fn(db);
  } finally {
    closeDb(db);
  }
}

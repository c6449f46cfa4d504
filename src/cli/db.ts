import { existsSync } from 'node:fs';
import { databaseOptions, EnvError, parseDatabaseEnv } from '../config/env.ts';
import { closeDb, type Db, type OpenDbOptions, openDatabase } from '../db/connection.ts';
import type { CommandContext } from './types.ts';

/** The database settings of the CLI's environment (DATABASE_PATH resolved against the working directory). */
export function databaseSettings(ctx: CommandContext): ReturnType<typeof databaseOptions> {
  let env: ReturnType<typeof parseDatabaseEnv>;
  try {
    env = parseDatabaseEnv(ctx.env);
  } catch (err) {
    if (err instanceof EnvError) throw new Error(err.problems.join('; '));
    throw err;
  }
  return { ...databaseOptions(env), databasePath: ctx.settings.databasePath };
}

/** The database is PostgreSQL (DATABASE_URL is set). */
export function usesPostgres(ctx: CommandContext): boolean {
  return Boolean(databaseSettings(ctx).databaseUrl);
}

/**
 * Whether there is a database to read: on SQLite, the file at DATABASE_PATH exists (a read-only command must
 * not create an empty one); on PostgreSQL, always (opening it applies the migrations).
 */
export function hasDatabase(ctx: CommandContext): boolean {
  return usesPostgres(ctx) || existsSync(ctx.settings.databasePath);
}

/** Opens the database (DATABASE_URL's PostgreSQL, else the SQLite file at DATABASE_PATH), migrated. */
export async function openCliDatabase(
  ctx: CommandContext,
  options: Pick<OpenDbOptions, 'migrate'> = {},
): Promise<Db> {
  const settings = databaseSettings(ctx);
  return openDatabase({
    ...settings,
    ...options,
    onWarning: (line) => ctx.err(`warning: ${line}`),
    applicationName: 'foothold cli',
  });
}

/**
 * Opens the database (creating a SQLite file and applying migrations if needed), runs `fn`, closes it. On
 * PostgreSQL: DATABASE_URL, with the pool and statement timeout settings.
 */
export async function withDb<T>(ctx: CommandContext, fn: (db: Db) => Promise<T> | T): Promise<T> {
  const db = await openCliDatabase(ctx);
  try {
    return await fn(db);
  } finally {
    await closeDb(db);
  }
}

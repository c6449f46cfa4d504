import { existsSync } from 'node:fs';
import { closeDb, type Db, postgresPool, sqliteClient } from '../../db/connection.ts';
import { migratePostgres } from '../../db/migrate-postgres.ts';
import { openCliDatabase, usesPostgres } from '../db.ts';
import { type Command, type CommandContext, EXIT } from '../types.ts';

function appliedMigrations(db: Db): number {
  const client = sqliteClient(db);
  const table = client
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return 0;
  const row = client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
  return row.n;
}

const plural = (n: number) => `${n} migration${n === 1 ? '' : 's'}`;

/** PostgreSQL: the migrations run under the advisory lock, so this is safe while instances start beside it. */
async function migratePostgresDatabase(ctx: CommandContext): Promise<number> {
  const db = await openCliDatabase(ctx, { migrate: false });
  try {
    const { applied, total } = await migratePostgres(postgresPool(db));
    ctx.out(
      `ok: the PostgreSQL database (DATABASE_URL) ${applied > 0 ? 'migrated' : 'is up to date'} (${plural(applied)} applied, ${total} in total)`,
    );
    return EXIT.ok;
  } finally {
    await closeDb(db);
  }
}

export const dbMigrate: Command = {
  name: 'db migrate',
  usage: '',
  summary: 'Create the database (DATABASE_PATH, or DATABASE_URL) or bring it up to date',
  description:
    'Safe to run at any time: migrations already applied are skipped. The bot also migrates at start-up; on PostgreSQL several instances starting at once migrate once (an advisory lock).',
  async run(_args, ctx) {
    if (usesPostgres(ctx)) return migratePostgresDatabase(ctx);
    const path = ctx.settings.databasePath;
    const existed = existsSync(path);
    let before = 0;
    if (existed) {
      const db = await openCliDatabase(ctx, { migrate: false });
      try {
        before = appliedMigrations(db);
      } finally {
        await closeDb(db);
      }
    }
    const db = await openCliDatabase(ctx);
    let after: number;
    try {
      after = appliedMigrations(db);
    } finally {
      await closeDb(db);
    }
    const applied = after - before;
    ctx.out(
      `ok: ${path} ${existed ? (applied > 0 ? 'migrated' : 'is up to date') : 'created'} ` +
        `(${plural(applied)} applied, ${after} in total)`,
    );
    return EXIT.ok;
  },
};

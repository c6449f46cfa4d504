import { existsSync } from 'node:fs';
import { closeDb, type Db, openDb } from '../../db/connection.ts';
import { type Command, EXIT } from '../types.ts';

function appliedMigrations(db: Db): number {
  const table = db.$client
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return 0;
  const row = db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
  return row.n;
}

export const dbMigrate: Command = {
  name: 'db migrate',
  usage: '',
  summary: 'Create the database (DATABASE_PATH) or bring it up to date',
  description:
    'Safe to run at any time: migrations already applied are skipped. The bot also migrates at start-up.',
  async run(_args, ctx) {
    const path = ctx.settings.databasePath;
    const existed = existsSync(path);
    let before = 0;
    if (existed) {
      const db = openDb(path, { migrate: false });
      try {
        before = appliedMigrations(db);
      } finally {
        closeDb(db);
      }
    }
    const db = openDb(path);
    let after: number;
    try {
      after = appliedMigrations(db);
    } finally {
      closeDb(db);
    }
    const applied = after - before;
    ctx.out(
      `ok: ${path} ${existed ? (applied > 0 ? 'migrated' : 'is up to date') : 'created'} ` +
        `(${applied} migration${applied === 1 ? '' : 's'} applied, ${after} in total)`,
    );
    return EXIT.ok;
  },
};

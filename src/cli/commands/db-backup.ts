import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { backupDatabase, backupPostgres } from '../../db/stores/backup-store.ts';
import { databaseSettings, withDb } from '../db.ts';
import { type Command, EXIT } from '../types.ts';

export const dbBackup: Command = {
  name: 'db backup',
  usage: '<file>',
  summary: 'Write a consistent copy of the database to <file>; safe while the bot runs',
  description: [
    "Uses SQLite's online backup API: the copy is a consistent snapshot even while the bot is writing, which a",
    'plain file copy of the database (and its -wal file) is not. The copy is written under a temporary name,',
    'checked (PRAGMA integrity_check) and then renamed to <file>; an existing <file> is replaced.',
    'Restore it with "db restore <file>".',
    '',
    'On PostgreSQL (DATABASE_URL) the copy is made with pg_dump (custom format), which must be installed on the',
    'machine running the command; managed databases also offer their own snapshots.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  async run(args, ctx) {
    const { databaseUrl } = databaseSettings(ctx);
    if (databaseUrl) {
      const target = ctx.resolvePath(args.positionals[0] ?? '');
      mkdirSync(dirname(target), { recursive: true });
      const started = ctx.now();
      const res = await backupPostgres(databaseUrl, target);
      ctx.out(
        `Backed up the PostgreSQL database (DATABASE_URL) to ${target}: ${res.leads.toLocaleString('en-US')} lead${res.leads === 1 ? '' : 's'} (${ctx.now() - started} ms).`,
      );
      return EXIT.ok;
    }
    const source = ctx.settings.databasePath;
    if (!existsSync(source)) {
      ctx.err(`Nothing backed up: no database at ${source} (set DATABASE_PATH).`);
      return EXIT.failed;
    }
    const target = ctx.resolvePath(args.positionals[0] ?? '');
    if (target === source) {
      ctx.err('The backup file must not be the database itself.');
      return EXIT.failed;
    }
    mkdirSync(dirname(target), { recursive: true });
    const started = ctx.now();
    const res = await withDb(ctx, (db) => backupDatabase(db, target));
    ctx.out(
      `Backed up ${source} to ${target}: ${res.leads.toLocaleString('en-US')} lead${res.leads === 1 ? '' : 's'}, ` +
        `${res.pages.toLocaleString('en-US')} pages, integrity ok (${ctx.now() - started} ms).`,
    );
    return EXIT.ok;
  },
};

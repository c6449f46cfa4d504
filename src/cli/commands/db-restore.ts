import { closeDb, openDb } from '../../db/connection.ts';
import { acquireProcessLock, DatabaseLockedError } from '../../db/process-lock.ts';
import { checkpointAndCleanWal, restoreDatabase } from '../../db/stores/backup-store.ts';
import { markPendingUnconfirmed } from '../../db/stores/outbox-store.ts';
import { type Command, EXIT } from '../types.ts';

export const dbRestore: Command = {
  name: 'db restore',
  usage: '<file>',
  summary: 'Replace the database (DATABASE_PATH) with a backup made by "db backup"',
  description: [
    'Stop the bot first: a running bot would keep acting on what it had in memory, so the restore refuses while',
    'a bot holds the database (and holds it itself while restoring, so no bot starts half-way). The backup is checked',
    '(it must be an intact Foothold database) before anything changes; the current database is saved next to',
    "it as <DATABASE_PATH>.before-restore-<time>, then the backup is copied in with SQLite's backup API and",
    'migrated to the current schema. Messages still queued in the backup may have been sent after it was',
    'taken: the bot looks each one up in Slack (by its delivery key) before posting it.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  async run(args, ctx) {
    const source = ctx.resolvePath(args.positionals[0] ?? '');
    const target = ctx.settings.databasePath;
    if (source === target) {
      ctx.err('The backup file is the database itself; nothing to restore.');
      return EXIT.failed;
    }
    let lock: ReturnType<typeof acquireProcessLock>;
    try {
      lock = acquireProcessLock(target, 'db restore');
    } catch (err) {
      if (!(err instanceof DatabaseLockedError)) throw err;
      ctx.err(err.message);
      return EXIT.failed;
    }
    let res: Awaited<ReturnType<typeof restoreDatabase>>;
    let recheck = 0;
    try {
      res = await restoreDatabase(source, target, ctx.now());
      // Bring an older backup up to the current schema, and have the bot check Slack before re-sending anything
      // that was still queued when the backup was taken (it may have gone out since).
      const db = openDb(target);
      try {
        recheck = markPendingUnconfirmed(db, 'restored from a backup; may have been sent after it was taken');
      } finally {
        closeDb(db);
      }
      // Nothing of the replaced database's write-ahead log may linger beside the restored file.
      checkpointAndCleanWal(target);
    } finally {
      lock.release();
    }
    if (res.savedAs) ctx.out(`Saved the database it replaced as ${res.savedAs}.`);
    ctx.out(
      `Restored ${target} from ${source}: ${res.leads.toLocaleString('en-US')} lead${res.leads === 1 ? '' : 's'}, integrity ok. ` +
        `${recheck} queued message${recheck === 1 ? '' : 's'} will be checked against Slack before sending. Start the bot again.`,
    );
    return EXIT.ok;
  },
};

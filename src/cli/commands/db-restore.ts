import { closeDb, openDb, postgresPool } from '../../db/connection.ts';
import { acquireProcessLock, DatabaseLockedError } from '../../db/process-lock.ts';
import { checkpointAndCleanWal, restoreDatabase, restorePostgres } from '../../db/stores/backup-store.ts';
import { markPendingUnconfirmed } from '../../db/stores/outbox-store.ts';
import { databaseSettings, openCliDatabase } from '../db.ts';
import { type Command, type CommandContext, EXIT } from '../types.ts';

/** `markPendingUnconfirmed`'s note on the rows a restore brought back. */
const RESTORED = 'restored from a backup; may have been sent after it was taken';

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
    '',
    'On PostgreSQL (DATABASE_URL) the backup (from "db backup", pg_dump custom format) is restored with',
    'pg_restore; it refuses while a Foothold web or worker is connected to the database: stop them all first.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  async run(args, ctx) {
    const source = ctx.resolvePath(args.positionals[0] ?? '');
    const { databaseUrl } = databaseSettings(ctx);
    if (databaseUrl) return restoreOnPostgres(ctx, databaseUrl, source);
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
        recheck = await markPendingUnconfirmed(db, RESTORED);
      } finally {
        await closeDb(db);
      }
      // Nothing of the replaced database's write-ahead log may linger beside the restored file.
      await checkpointAndCleanWal(target);
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

/** The Foothold processes (other than CLI commands) connected to the database now, by application name. */
async function runningInstances(ctx: CommandContext): Promise<string[]> {
  const db = await openCliDatabase(ctx, { migrate: false });
  try {
    const { rows } = await postgresPool(db).query<{ name: string; n: number }>(
      `select application_name as name, count(*)::int as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()
         and application_name like 'foothold %' and application_name <> 'foothold cli'
       group by application_name order by application_name`,
    );
    return rows.map((r) => `${r.name} (${r.n} connection${r.n === 1 ? '' : 's'})`);
  } finally {
    await closeDb(db);
  }
}

async function restoreOnPostgres(ctx: CommandContext, databaseUrl: string, source: string): Promise<number> {
  const running = await runningInstances(ctx);
  if (running.length > 0) {
    ctx.err(
      `db restore refused: Foothold is still connected to the PostgreSQL database (${running.join(', ')}); stop every web and worker first.`,
    );
    return EXIT.failed;
  }
  const res = await restorePostgres(databaseUrl, source);
  // Bring an older backup up to the current schema; re-check what was still queued (see the SQLite path).
  const db = await openCliDatabase(ctx);
  let recheck = 0;
  try {
    recheck = await markPendingUnconfirmed(db, RESTORED);
  } finally {
    await closeDb(db);
  }
  ctx.out(
    `Restored the PostgreSQL database (DATABASE_URL) from ${source}: ${res.leads.toLocaleString('en-US')} lead${res.leads === 1 ? '' : 's'}. ` +
      `${recheck} queued message${recheck === 1 ? '' : 's'} will be checked against Slack before sending. Start Foothold again.`,
  );
  return EXIT.ok;
}

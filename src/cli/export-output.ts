import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Db } from '../db/connection.ts';
import { hasDatabase, withDb } from './db.ts';
import { type CommandContext, EXIT } from './types.ts';

/**
 * Runs a CSV export to stdout, or to `out`: written under a temporary name and renamed when complete, so a
 * half-written file never carries the real name. `noun` names the rows in the summary line ("lead").
 */
export async function runExport(
  ctx: CommandContext,
  out: unknown,
  noun: string,
  write: (db: Db, dest: Writable) => Promise<{ rows: number }>,
): Promise<number> {
  if (!hasDatabase(ctx)) {
    ctx.err(
      `Nothing exported: no database at ${ctx.settings.databasePath} (set DATABASE_PATH, or run "db migrate" first).`,
    );
    return EXIT.failed;
  }
  if (typeof out !== 'string') {
    await withDb(ctx, (db) => write(db, ctx.stdout));
    return EXIT.ok;
  }
  const target = ctx.resolvePath(out);
  const temp = `${target}.${process.pid}.tmp`;
  mkdirSync(dirname(target), { recursive: true });
  const file = createWriteStream(temp);
  try {
    const { rows } = await withDb(ctx, (db) => write(db, file));
    file.end();
    await finished(file);
    renameSync(temp, target);
    ctx.out(`Exported ${rows.toLocaleString('en-US')} ${noun}${rows === 1 ? '' : 's'} to ${out}.`);
    return EXIT.ok;
  } catch (err) {
    file.destroy();
    rmSync(temp, { force: true });
    throw err;
  }
}

import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { writeLeadsCsv } from '../../db/stores/export-store.ts';
import { withDb } from '../db.ts';
import { type Command, EXIT } from '../types.ts';

export const exportLeads: Command = {
  name: 'export leads',
  usage: '[--out <file>]',
  summary: 'Export all leads with gate results and outcomes as CSV (stdout or --out)',
  description: [
    'One row per lead: id, created_at, account_name, domain, partner_slug, partner_name, surfaced_by, status,',
    'relationship, overlap_verified, <gate>_outcome and <gate>_reason for overlap, warmth, fit and motion,',
    'icp_score, owner_user_id, attribution, corroborating_partners (slugs joined with ;), claimed_at,',
    'opportunity_at, closed_at, reason_code, reason_text. Times are ISO 8601 UTC. Cells that a spreadsheet',
    "would run as a formula (starting with = + - @) are prefixed with '. With --out the file is written",
    'under a temporary name and renamed when complete.',
  ].join('\n'),
  options: { out: { type: 'string', short: 'o' } },
  async run(args, ctx) {
    if (!existsSync(ctx.settings.databasePath)) {
      ctx.err(
        `Nothing exported: no database at ${ctx.settings.databasePath} (set DATABASE_PATH, or run "db migrate" first).`,
      );
      return EXIT.failed;
    }
    const out = args.values.out;
    if (typeof out !== 'string') {
      await withDb(ctx, (db) => writeLeadsCsv(db, ctx.stdout));
      return EXIT.ok;
    }
    const target = ctx.resolvePath(out);
    const temp = `${target}.${process.pid}.tmp`;
    mkdirSync(dirname(target), { recursive: true });
    const file = createWriteStream(temp);
    try {
      const { rows } = await withDb(ctx, (db) => writeLeadsCsv(db, file));
      file.end();
      await finished(file);
      renameSync(temp, target);
      ctx.out(`Exported ${rows.toLocaleString('en-US')} lead${rows === 1 ? '' : 's'} to ${out}.`);
      return EXIT.ok;
    } catch (err) {
      file.destroy();
      rmSync(temp, { force: true });
      throw err;
    }
  },
};

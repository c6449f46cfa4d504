import { loadProgramConfig } from '../../config/program-config.ts';
import { syncPartners } from '../../db/stores/import-store.ts';
import { importOverlaps as importOverlapsCsv } from '../../imports/import-overlaps.ts';
import { withDb } from '../db.ts';
import { IMPORT_RULES, runImportCommand, SKIP_INVALID_OPTION } from '../import-command.ts';
import { type Command, UsageError } from '../types.ts';

export const importOverlaps: Command = {
  name: 'import overlaps',
  usage: '<csv> --partner <slug> [--skip-invalid] [--rejects <file>] [--progress]',
  summary: "Import a partner's account-mapping overlaps",
  description: [
    'Columns: domain (Domain, Company Domain Name, Website, URL) and relationship (Relationship, Status,',
    'Overlap Type: customer, prospect or open opportunity). Rows are keyed by partner and domain.',
    'The partners are first synced from the config file (FOOTHOLD_CONFIG), so --partner must be the slug of',
    'a partner listed there.',
    '',
    IMPORT_RULES,
  ].join('\n'),
  options: { ...SKIP_INVALID_OPTION, partner: { type: 'string', short: 'p' } },
  positionals: { min: 1, max: 1 },
  async run(args, ctx) {
    const partner = args.values.partner;
    if (typeof partner !== 'string' || partner.trim() === '') {
      throw new UsageError('missing --partner <slug> (the partner the overlaps belong to)');
    }
    const config = loadProgramConfig(ctx.settings.configPath);
    return runImportCommand(args, ctx, {
      what: `overlaps for ${partner}`,
      keyName: 'domain',
      run: (file, skipInvalid) =>
        withDb(ctx, async (db) => {
          const now = ctx.now();
          await syncPartners(db, config.partners, now);
          return importOverlapsCsv(db, file, { partner: partner.trim(), skipInvalid, now });
        }),
    });
  },
};

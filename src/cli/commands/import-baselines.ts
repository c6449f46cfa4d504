import { importBaselines as importBaselinesCsv } from '../../imports/import-baselines.ts';
import { withDb } from '../db.ts';
import { IMPORT_RULES, runImportCommand, SKIP_INVALID_OPTION } from '../import-command.ts';
import type { Command } from '../types.ts';

export const importBaselines: Command = {
  name: 'import baselines',
  usage: '<csv> [--skip-invalid] [--rejects <file>] [--progress]',
  summary: 'Import baseline conversion of other lead types per period',
  description: [
    'Columns: Lead Type and Period (2024, 2024-Q1 or 2024-03) are required; then either counts (Leads,',
    'Opportunities, Won) from which the rates are computed, or Opportunity Rate and Win Rate (0.08 or 8%).',
    'Rates are per lead: opportunity rate = opportunities / leads, win rate = won / leads. Rows are keyed by',
    'lead type and period.',
    '',
    IMPORT_RULES,
  ].join('\n'),
  options: SKIP_INVALID_OPTION,
  positionals: { min: 1, max: 1 },
  run: (args, ctx) =>
    runImportCommand(args, ctx, {
      what: 'baselines',
      keyName: 'lead type and period',
      run: (file, skipInvalid) =>
        withDb(ctx, (db) => importBaselinesCsv(db, file, { skipInvalid, now: ctx.now() })),
    }),
};

import { importAccounts as importAccountsCsv } from '../../imports/import-accounts.ts';
import { withDb } from '../db.ts';
import { IMPORT_RULES, runImportCommand, SKIP_INVALID_OPTION } from '../import-command.ts';
import type { Command } from '../types.ts';

export const importAccounts: Command = {
  name: 'import accounts',
  usage: '<csv> [--skip-invalid] [--rejects <file>] [--progress]',
  summary: 'Import CRM accounts (Salesforce or HubSpot export)',
  description: [
    'Columns (any of the names): name (Account Name, Company Name, Company, Name) and domain (Domain,',
    'Company Domain Name, Website, URL) are required; optional: Industry, Employees (Number of Employees,',
    'Employee Count), country (Billing Country, Country, Country/Region: names or ISO codes), revenue',
    '(Annual Revenue, Revenue), owner (Owner Slack ID, Account Owner, Owner: kept only when a Slack user id),',
    'customer (Customer, Is Customer, or Type / Lifecycle Stage = Customer), open opportunity (Open Opportunity,',
    'Has Open Opportunity). Accounts are keyed by registrable domain. On accounts already imported, only the',
    "file's columns are updated: a column the file does not have keeps its earlier value.",
    '',
    IMPORT_RULES,
  ].join('\n'),
  options: SKIP_INVALID_OPTION,
  positionals: { min: 1, max: 1 },
  run: (args, ctx) =>
    runImportCommand(args, ctx, {
      what: 'accounts',
      keyName: 'domain',
      run: (file, skipInvalid) =>
        withDb(ctx, (db) => importAccountsCsv(db, file, { skipInvalid, now: ctx.now() })),
    }),
};

// Every CLI command, in the order `help` lists them. To add a command, write `commands/<name>.ts` exporting a
// `Command` and append it here.

import { configCheck } from './commands/config-check.ts';
import { crmStages } from './commands/crm-stages.ts';
import { crmSync } from './commands/crm-sync.ts';
import { dbBackup } from './commands/db-backup.ts';
import { dbMigrate } from './commands/db-migrate.ts';
import { dbRestore } from './commands/db-restore.ts';
import { exportLeads } from './commands/export-leads.ts';
import { exportRewards } from './commands/export-rewards.ts';
import { forgetContactCommand } from './commands/forget-contact.ts';
import { help } from './commands/help.ts';
import { history } from './commands/history.ts';
import { importAccounts } from './commands/import-accounts.ts';
import { importBaselines } from './commands/import-baselines.ts';
import { importOverlaps } from './commands/import-overlaps.ts';
import { jobsRun } from './commands/jobs-run.ts';
import { outboxDiscard, outboxList, outboxRetry } from './commands/outbox.ts';
import { report } from './commands/report.ts';
import { insightReports } from './commands/report-insight.ts';
import { secretsRotate } from './commands/secrets-rotate.ts';
import { seed } from './commands/seed.ts';
import { web, worker } from './commands/serve.ts';
import type { Command } from './types.ts';

export const commands: readonly Command[] = [
  web,
  worker,
  configCheck,
  dbMigrate,
  dbBackup,
  dbRestore,
  importAccounts,
  importOverlaps,
  importBaselines,
  exportLeads,
  exportRewards,
  report,
  ...insightReports,
  jobsRun,
  crmSync,
  crmStages,
  outboxList,
  outboxRetry,
  outboxDiscard,
  history,
  forgetContactCommand,
  seed,
  secretsRotate,
  help,
];

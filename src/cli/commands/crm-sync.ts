import { WebClient } from '@slack/web-api';
import { loadProgramConfig } from '../../config/program-config.ts';
import { createOwnerResolver } from '../../crm/owners.ts';
import { formatCrmSyncSummary, runCrmSync } from '../../crm/sync.ts';
import { formatCrmOutcomes, syncCrmOutcomes } from '../../services/crm-outcomes.ts';
import { crmForCli } from '../crm-setup.ts';
import { withDb } from '../db.ts';
import { type Command, EXIT } from '../types.ts';

export const crmSync: Command = {
  name: 'crm sync',
  usage: '[--full] [--dry-run]',
  summary: 'Pull accounts, owners and opportunities from Salesforce or HubSpot now',
  description: [
    'Runs the crm-sync job once, as the scheduler does on crm.schedule: reads the accounts/companies and',
    'opportunities/deals changed since the last sync (the cursor is stored in the database), writes each',
    'page together with the cursor, marks records deleted or merged in the CRM, and maps owner emails to',
    'Slack users (users.lookupByEmail, with SLACK_BOT_TOKEN set; otherwise only owners already mapped).',
    'A run that stops (rate limit, network, a bad field) resumes from the last page written next time.',
    '',
    '--full     read every record again, not only the changed ones (deletions are still detected)',
    '--dry-run  read from the CRM and report what would change, write nothing',
    '',
    'Needs the crm section in the config and HUBSPOT_ACCESS_TOKEN (HubSpot) or SALESFORCE_LOGIN_URL,',
    'SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (Salesforce).',
  ].join('\n'),
  options: { full: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  async run(args, ctx) {
    const token = ctx.env.SLACK_BOT_TOKEN?.trim();
    const apiUrl = ctx.env.SLACK_API_URL?.trim();
    const slack = token ? new WebClient(token, apiUrl ? { slackApiUrl: apiUrl } : {}) : null;
    const setup = crmForCli(ctx, slack);
    if (!setup) return EXIT.failed;
    const { crm, deps } = setup;
    const dryRun = args.values['dry-run'] === true;
    const full = args.values.full === true;
    const summary = await withDb(ctx, (db) =>
      runCrmSync(
        {
          db,
          crm,
          provider: deps.provider(),
          owners: createOwnerResolver({
            db,
            lookupByEmail: deps.lookupByEmail,
            ttlMs: crm.ownerLookupTtlHours * 3_600_000,
            now: ctx.now,
            dryRun,
          }),
        },
        {
          now: ctx.now,
          full,
          dryRun,
          onPage: (object, page, records) => {
            if (page % 10 === 0) ctx.err(`  … ${object}: page ${page} (${records} records)`);
          },
        },
      ),
    );
    for (const line of formatCrmSyncSummary(summary)) ctx.out(line);
    if (!dryRun) {
      // Outcomes from the CRM; their Slack messages and write-backs wait in the outboxes for the running bot.
      const config = loadProgramConfig(ctx.settings.configPath);
      const outcomes = await withDb(ctx, (db) => syncCrmOutcomes({ db, config, now: ctx.now }));
      for (const line of formatCrmOutcomes(outcomes)) ctx.out(line);
    }
    return summary.error ? EXIT.failed : EXIT.ok;
  },
};

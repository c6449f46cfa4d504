import { createOwnerResolver } from '../crm/owners.ts';
import { formatCrmSyncSummary, runCrmSync } from '../crm/sync.ts';
import { formatCrmOutcomes, syncCrmOutcomes } from '../services/crm-outcomes.ts';
import { emptySummary, type Job } from './types.ts';

// Keeps accounts, owners and opportunities current from the CRM (PRODUCT.md section 11): an incremental pull
// on `crm.schedule`. Each page commits with its cursor, so an overlapping or interrupted run resumes where the
// last page was written; the scheduler's noOverlap keeps one run at a time per process. It queues no messages:
// what it read and wrote is in `report` (and the log), and a failure stops the run with the fix.

export const crmSyncJob: Job = {
  name: 'crm-sync',
  description: 'pull changed CRM accounts, owners and opportunities (Salesforce or HubSpot)',
  schedule: (config) => config.crm?.schedule ?? '*/15 * * * *',
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun === true;
    const summary = emptySummary('crm-sync', now, dryRun);
    const crm = deps.services.config.crm;
    if (!crm) return { ...summary, skipped: 'the config has no crm section' };
    if (!deps.crm) {
      return {
        ...summary,
        skipped:
          crm.provider === 'hubspot'
            ? 'HUBSPOT_ACCESS_TOKEN is not set'
            : 'SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET are not set',
      };
    }
    // The run's own clock for the stamps; page times come from `now()` of the real clock as pages arrive.
    const started = Date.now();
    const clock = () => now + (Date.now() - started);
    const owners = createOwnerResolver({
      db: deps.services.db,
      lookupByEmail: deps.crm.lookupByEmail,
      ttlMs: crm.ownerLookupTtlHours * 3_600_000,
      now: clock,
      dryRun,
    });
    const result = await runCrmSync(
      { db: deps.services.db, crm, provider: deps.crm.provider(), owners },
      { now: clock, dryRun },
    );
    // Outcomes from the CRM: link new deals, let changed stages drive the lifecycle (messages and write-backs
    // are queued; the scheduler's afterRun wakes both senders).
    const outcomes = dryRun ? null : await syncCrmOutcomes(deps.services);
    return {
      ...summary,
      report: [...formatCrmSyncSummary(result), ...(outcomes ? formatCrmOutcomes(outcomes) : [])],
    };
  },
};

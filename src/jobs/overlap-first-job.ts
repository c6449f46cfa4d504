import { takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { listPartners, partnerPeople } from '../db/stores/program-store.ts';
import { overlapBatchKey, queueOverlapBatch } from '../services/overlap-first.ts';
import { sendTimeFor } from './reminders.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
import { emptySummary, type Job } from './types.ts';

// Overlap first, weekly: per active partner, one batch of at most `overlapFirst.maxPerBatch` imported overlap
// accounts that fit and are not leads yet. The ledger key is `<ISO week>:<partner>`, taken in the same
// transaction as the asks and the message, so a re-run (or a second instance) never asks twice in a week.

export const OVERLAP_FIRST_JOB = 'overlap-first';

export const overlapFirstJob: Job = {
  name: OVERLAP_FIRST_JOB,
  description: 'Weekly per partner: asks about imported overlap accounts that fit and are not leads yet',
  schedule: (config) => config.overlapFirst.cron,
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(OVERLAP_FIRST_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const week = overlapBatchKey(now, config.timezone);
    summary.period = week;
    if (!config.overlapFirst.enabled) {
      summary.skipped = 'overlapFirst.enabled is false';
      return summary;
    }
    const partners = await listPartners(db);
    const keys = partners.map((p) => `${week}:${p.slug}`);
    const taken = await takenPeriods(db, OVERLAP_FIRST_JOB, keys);
    const due = partners.filter((p) => !taken.has(`${week}:${p.slug}`));
    if (due.length === 0) {
      summary.skipped =
        partners.length === 0 ? 'no active partners' : `the batches for ${week} were already sent`;
      return summary;
    }
    const recipients: string[] = [];
    for (const p of due) recipients.push(...(await partnerPeople(db, p.slug)).slice(0, 3), p.managerUserId);
    const zones = await deps.timeZones.resolve(recipients, now, { cacheOnly: dryRun, db });
    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      for (const p of due) {
        const key = `${week}:${p.slug}`;
        const batch = await queueOverlapBatch(tx, { ...services, db: tx }, p.slug, now);
        // Taken even when nothing is askable, so the week's run is settled for that partner.
        if (!(await takePeriod(tx, OVERLAP_FIRST_JOB, key, now, { asked: batch?.domains.length ?? 0 })))
          continue;
        run.keys.push(key);
        if (!batch) continue;
        const messages = batch.messages.map((m) => ({
          ...m,
          // DMs respect the recipient's quiet hours; a channel post goes out at once.
          notBefore:
            batch.via === 'channel'
              ? now
              : sendTimeFor(m.recipient, now, (u) => zones.get(u), config.timezone),
        }));
        await enqueue(tx, messages, now);
        for (const m of messages)
          run.queued.push({
            to: m.recipient,
            kind: `overlap-first:${batch.via}`,
            deliveryKey: m.deliveryKey,
            notBefore: m.notBefore ?? now,
            leadIds: [],
            summary: `${p.slug} ${week}: ${batch.domains.length} account(s): ${batch.domains.join(', ')}`,
          });
      }
      return run;
    });
    return mergeRun(summary, done);
  },
};

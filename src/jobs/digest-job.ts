import { isoWeek } from '../core/metrics.ts';
import { takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/lead-store.ts';
import { dm } from '../services/notify.ts';
import { buildProgramDigest } from '../services/program-digest.ts';
import { digestMessage } from '../slack/blocks/digest.ts';
import { sendTimeFor } from './reminders.ts';
import { leadersOf } from './sla-job.ts';
import { jobTransaction, servicesAt } from './transaction.ts';
import { emptySummary, type Job } from './types.ts';

// The weekly digest (PRODUCT.md section 7) on `digest.cron`: to `digest.channel` and, with
// `digest.dmLeaders`, to each leader by DM (after their quiet hours). One digest per ISO week of the
// program's time zone: the week key is the ledger key, so a second run that week sends nothing.

export const DIGEST_JOB = 'digest';

export const digestJob: Job = {
  name: DIGEST_JOB,
  description: 'The weekly program digest to leaders (DM) and the digest channel',
  schedule: (config) => config.digest.cron,
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(DIGEST_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const tz = config.timezone;
    // A late run (after a restart or a DST gap) is still the digest of the week it was scheduled in.
    const periodAt = options.scheduledFor ?? now;
    const period = isoWeek(periodAt, tz).key;
    summary.period = period;
    if (takenPeriods(db, DIGEST_JOB, [period]).has(period)) {
      summary.skipped = `the digest for ${period} was already sent`;
      return summary;
    }
    const leaders = config.digest.dmLeaders ? leadersOf(db) : [];
    const channel = config.digest.channel ?? null;
    if (leaders.length === 0 && !channel) {
      summary.skipped = 'no digest channel and no leaders to DM';
      return summary;
    }
    const rendered = digestMessage(buildProgramDigest(services, periodAt));
    const zones = await deps.timeZones.resolve(leaders, now, { cacheOnly: dryRun });
    jobTransaction(db, dryRun, (tx) => {
      if (!takePeriod(tx, DIGEST_JOB, period, now, { leaders, channel })) {
        summary.skipped = `the digest for ${period} was already sent`;
        return;
      }
      summary.keys.push(period);
      const messages: OutboxMessage[] = [];
      if (channel) messages.push({ ...dm(channel, `digest:${period}:${channel}`, rendered, null) });
      for (const leader of leaders) {
        messages.push({
          ...dm(leader, `digest:${period}:${leader}`, rendered, null),
          notBefore: sendTimeFor(leader, now, (u) => zones.get(u), tz),
        });
      }
      enqueue(tx, messages, now);
      for (const m of messages)
        summary.queued.push({
          to: m.recipient,
          kind: 'digest',
          deliveryKey: m.deliveryKey,
          notBefore: m.notBefore ?? now,
          leadIds: [],
          summary: `digest ${period}: ${rendered.text}`,
        });
    });
    return summary;
  },
};

import { takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { dm } from '../services/notify.ts';
import { buildScorecards, scorecardPeriod } from '../services/partner-scorecard.ts';
import { scorecardMessage } from '../slack/blocks/scorecard.ts';
import { sendTimeFor } from './reminders.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
import { emptySummary, type Job } from './types.ts';

// Monthly partner scorecards: on the 1st, one DM per active partner to its partner manager about the month
// just ended. The month (`YYYY-MM`) is the ledger key.

export const SCORECARDS_JOB = 'scorecards';

export const scorecardsJob: Job = {
  name: SCORECARDS_JOB,
  description: 'Monthly scorecard per partner, by DM to its partner manager',
  schedule: () => '0 9 1 * *',
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(SCORECARDS_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const tz = config.timezone;
    // A late run (after a restart) is still the scorecard of the month it was scheduled for.
    const periodAt = options.scheduledFor ?? now;
    const period = scorecardPeriod(periodAt, tz).key;
    summary.period = period;
    if ((await takenPeriods(db, SCORECARDS_JOB, [period])).has(period)) {
      summary.skipped = `the scorecards for ${period} were already sent`;
      return summary;
    }
    const { cards } = await buildScorecards(services, periodAt);
    if (cards.length === 0) {
      summary.skipped = 'no active partners';
      return summary;
    }
    const zones = await deps.timeZones.resolve(
      cards.map((c) => c.partner.managerUserId),
      now,
      { cacheOnly: dryRun, db },
    );
    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      if (!(await takePeriod(tx, SCORECARDS_JOB, period, now, { partners: cards.length }))) {
        run.skipped = `the scorecards for ${period} were already sent`;
        return run;
      }
      run.keys.push(period);
      const messages: OutboxMessage[] = cards.map((card) => ({
        ...dm(
          card.partner.managerUserId,
          `scorecard:${period}:${card.partner.slug}`,
          scorecardMessage(card),
          null,
        ),
        notBefore: sendTimeFor(card.partner.managerUserId, now, (u) => zones.get(u), tz),
      }));
      await enqueue(tx, messages, now);
      cards.forEach((card, i) => {
        const m = messages[i]!;
        run.queued.push({
          to: m.recipient,
          kind: 'scorecard',
          deliveryKey: m.deliveryKey,
          notBefore: m.notBefore ?? now,
          leadIds: [],
          summary: `${card.partner.slug} ${period}: ${card.month.surfaced} surfaced, ${card.month.qualified} EQLs`,
        });
      });
      return run;
    });
    return mergeRun(summary, done);
  },
};

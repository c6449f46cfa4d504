import { takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { partnerChannels, partnerPeople } from '../db/stores/program-store.ts';
import { channelPost, dm } from '../services/notify.ts';
import { partnerOwnScorecards } from '../services/partner-own-scorecard.ts';
import { scorecardPeriod } from '../services/partner-scorecard.ts';
import { partnerScorecardMessage } from '../slack/blocks/partner-scorecard.ts';
import { sendTimeFor } from './reminders.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
import { emptySummary, type Job } from './types.ts';

// Partners see their own scorecard (issue 13, item 8): on the 1st, each active partner gets ITS OWN scorecard
// for the month just ended: by DM to the partner people Foothold knows there (at most 5), else in the
// partner's registered shared channel. A partner Foothold has never met gets none (its manager's scorecard
// still goes out). The month (`YYYY-MM`) and partner are the ledger key.

export const PARTNER_SCORECARDS_JOB = 'partner-scorecards';
const MAX_PEOPLE = 5;

export const partnerScorecardsJob: Job = {
  name: PARTNER_SCORECARDS_JOB,
  description: 'Monthly, each partner’s own scorecard (its EQLs, conversion and rewards) to its people',
  schedule: () => '0 10 1 * *',
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(PARTNER_SCORECARDS_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const period = scorecardPeriod(now, config.timezone).key;
    summary.period = period;
    const { cards } = await partnerOwnScorecards(services, now);
    const taken = await takenPeriods(
      db,
      PARTNER_SCORECARDS_JOB,
      cards.map((c) => `${period}:${c.partner.slug}`),
    );
    const due = cards.filter((c) => !taken.has(`${period}:${c.partner.slug}`));
    if (due.length === 0) {
      summary.skipped =
        cards.length === 0 ? 'no active partners' : `the partner scorecards for ${period} were already sent`;
      return summary;
    }
    const people = new Map<string, string[]>();
    for (const c of due)
      people.set(c.partner.slug, (await partnerPeople(db, c.partner.slug)).slice(0, MAX_PEOPLE));
    const zones = await deps.timeZones.resolve([...people.values()].flat(), now, { cacheOnly: dryRun, db });
    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      for (const card of due) {
        const key = `${period}:${card.partner.slug}`;
        if (!(await takePeriod(tx, PARTNER_SCORECARDS_JOB, key, now))) continue;
        run.keys.push(key);
        const rendered = partnerScorecardMessage(card);
        const base = `partner-scorecard:${period}:${card.partner.slug}`;
        const to = people.get(card.partner.slug) ?? [];
        const channel = (await partnerChannels(tx, card.partner.slug))[0];
        const messages: OutboxMessage[] =
          to.length > 0
            ? to.map((u) => ({
                ...dm(u, `${base}:${u}`, rendered, null),
                notBefore: sendTimeFor(u, now, (x) => zones.get(x), config.timezone),
              }))
            : channel
              ? [channelPost(channel, base, rendered, null)]
              : [];
        await enqueue(tx, messages, now);
        for (const m of messages)
          run.queued.push({
            to: m.recipient,
            kind: 'partner-scorecard',
            deliveryKey: m.deliveryKey,
            notBefore: m.notBefore ?? now,
            leadIds: [],
            summary: `${card.partner.slug} ${period}: ${card.month.surfaced} flagged, ${card.month.qualified} EQLs`,
          });
      }
      return run;
    });
    return mergeRun(summary, done);
  },
};

import { takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { usersWithRole } from '../db/stores/program-store.ts';
import { buildCalibration, buildEcosystemMap, buildNeeds } from '../services/insight.ts';
import { chartUpload, warmthChart } from '../services/insight-charts.ts';
import { dm } from '../services/notify.ts';
import { scorecardPeriod } from '../services/partner-scorecard.ts';
import { calibrationMessage, mapMessage, needsMessage } from '../slack/blocks/insight.ts';
import { sendTimeFor } from './reminders.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
import { emptySummary, type Job, type QueuedMessage } from './types.ts';

// The learning loop's monthly messages (PRODUCT.md section 12), on the 1st at 09:00 for the month just ended:
// - the calibration report (with the conversion-by-warmth chart unless `charts.enabled` is false) and the
//   ecosystem map, by DM to every leader and admin (after their quiet hours) and to `insight.channel`;
// - product input (what accounts need) to `needs.channel`, over the leads surfaced that month. It names no
//   partner, so it may go to people outside the partner team.
// The month (`YYYY-MM`) is the ledger key: a second run that month sends nothing.

export const INSIGHTS_JOB = 'insights';

export const insightsJob: Job = {
  name: INSIGHTS_JOB,
  description:
    'Monthly calibration report and ecosystem map to leaders and admins; product input to needs.channel',
  schedule: () => '0 9 1 * *',
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(INSIGHTS_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const tz = config.timezone;
    const period = scorecardPeriod(now, tz);
    summary.period = period.key;
    if ((await takenPeriods(db, INSIGHTS_JOB, [period.key])).has(period.key)) {
      summary.skipped = `the insights for ${period.key} were already sent`;
      return summary;
    }
    const people = [
      ...new Set([...(await usersWithRole(db, 'leader')), ...(await usersWithRole(db, 'admin'))]),
    ];
    const channel = config.insight.channel ?? null;
    const productChannel = config.needs.channel ?? null;
    if (people.length === 0 && !channel && !productChannel) {
      summary.skipped = 'no leaders, admins, insight channel or product channel to send to';
      return summary;
    }
    const calibration = await buildCalibration(services, now);
    const calibrationMsg = calibrationMessage(calibration);
    const mapMsg = mapMessage(await buildEcosystemMap(services, now));
    const needs = productChannel
      ? await buildNeeds(services, { since: period.since, until: period.until })
      : null;
    const chart =
      config.charts.enabled && calibration.report.overall.n > 0 ? warmthChart(calibration.report) : null;
    const zones = await deps.timeZones.resolve(people, now, { cacheOnly: dryRun, db });
    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      if (
        !(await takePeriod(tx, INSIGHTS_JOB, period.key, now, {
          people: people.length,
          channel,
          productChannel,
        }))
      ) {
        run.skipped = `the insights for ${period.key} were already sent`;
        return run;
      }
      run.keys.push(period.key);
      const messages: Array<OutboxMessage & { kind: string; text: string }> = [];
      const to = (recipient: string, notBefore: number | undefined) => {
        const at = notBefore !== undefined ? { notBefore } : {};
        const key = `insights:${period.key}:${recipient}`;
        messages.push({
          ...dm(recipient, `${key}:calibration`, calibrationMsg, null),
          ...at,
          kind: 'calibration',
          text: calibrationMsg.text,
        });
        if (chart)
          messages.push({
            ...chartUpload(recipient, `${key}:chart:warmth`, chart, notBefore),
            kind: 'chart',
            text: chart.altText,
          });
        messages.push({
          ...dm(recipient, `${key}:map`, mapMsg, null),
          ...at,
          kind: 'ecosystem-map',
          text: mapMsg.text,
        });
      };
      if (channel) to(channel, undefined);
      for (const p of people)
        to(
          p,
          sendTimeFor(p, now, (u) => zones.get(u), tz),
        );
      if (productChannel && needs) {
        const msg = needsMessage(needs, tz);
        messages.push({
          ...dm(productChannel, `insights:${period.key}:${productChannel}:needs`, msg, null),
          kind: 'needs',
          text: msg.text,
        });
      }
      await enqueue(
        tx,
        messages.map(({ kind: _k, text: _t, ...m }) => m),
        now,
      );
      for (const m of messages)
        run.queued.push({
          to: m.recipient,
          kind: m.kind,
          deliveryKey: m.deliveryKey,
          notBefore: m.notBefore ?? now,
          leadIds: [],
          summary: m.text,
        } satisfies QueuedMessage);
      return run;
    });
    return mergeRun(summary, done);
  },
};

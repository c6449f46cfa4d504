import { isoWeek } from '../core/metrics.ts';
import { takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { enqueue, FILE_UPLOAD_METHOD, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { buildCalibration, type CalibrationResult } from '../services/insight.ts';
import { chartUpload, cohortChart, funnelChart } from '../services/insight-charts.ts';
import { dm } from '../services/notify.ts';
import { buildProgramDigest, type ProgramDigest } from '../services/program-digest.ts';
import { digestMessage } from '../slack/blocks/digest.ts';
import { calibrationDigestBlocks } from '../slack/blocks/insight.ts';
import { BLOCK_KIT, type SlackMessage } from '../slack/limits.ts';
import { sendTimeFor } from './reminders.ts';
import { leadersOf } from './sla-job.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
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
    if ((await takenPeriods(db, DIGEST_JOB, [period])).has(period)) {
      summary.skipped = `the digest for ${period} was already sent`;
      return summary;
    }
    const leaders = config.digest.dmLeaders ? await leadersOf(db) : [];
    const channel = config.digest.channel ?? null;
    if (leaders.length === 0 && !channel) {
      summary.skipped = 'no digest channel and no leaders to DM';
      return summary;
    }
    const digest = await buildProgramDigest(services, periodAt);
    const rendered = withLearning(digestMessage(digest), await buildCalibration(services, now));
    const charts = config.charts.enabled ? digestCharts(digest) : [];
    const zones = await deps.timeZones.resolve(leaders, now, { cacheOnly: dryRun, db });
    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      if (!(await takePeriod(tx, DIGEST_JOB, period, now, { leaders, channel }))) {
        run.skipped = `the digest for ${period} was already sent`;
        return run;
      }
      run.keys.push(period);
      const messages: OutboxMessage[] = [];
      const withCharts = (to: string, notBefore?: number) =>
        charts.map((c) => chartUpload(to, `digest:${period}:${to}:chart:${c.filename}`, c, notBefore));
      if (channel)
        messages.push(
          { ...dm(channel, `digest:${period}:${channel}`, rendered, null) },
          ...withCharts(channel),
        );
      for (const leader of leaders) {
        const notBefore = sendTimeFor(leader, now, (u) => zones.get(u), tz);
        messages.push(
          { ...dm(leader, `digest:${period}:${leader}`, rendered, null), notBefore },
          ...withCharts(leader, notBefore),
        );
      }
      await enqueue(tx, messages, now);
      for (const m of messages)
        run.queued.push({
          to: m.recipient,
          kind: m.method === FILE_UPLOAD_METHOD ? 'chart' : 'digest',
          deliveryKey: m.deliveryKey,
          notBefore: m.notBefore ?? now,
          leadIds: [],
          summary:
            m.method === FILE_UPLOAD_METHOD
              ? String(m.payload.filename)
              : `digest ${period}: ${rendered.text}`,
        });
      return run;
    });
    return mergeRun(summary, done);
  },
};

/** The digest with the calibration section ("what converts") appended, when the message has room for it. */
export function withLearning(rendered: SlackMessage, calibration: CalibrationResult): SlackMessage {
  if (calibration.report.overall.n === 0) return rendered;
  const extra = calibrationDigestBlocks(calibration);
  if (rendered.blocks.length + extra.length > BLOCK_KIT.messageBlocks) return rendered;
  return { ...rendered, blocks: [...rendered.blocks, ...extra] };
}

/** The digest's charts: the trailing 90 days' funnel and the submission-week cohort trend. */
export function digestCharts(d: ProgramDigest) {
  return [
    funnelChart(d.trailing.metrics.funnel, 'trailing 90 days'),
    cohortChart(d.trailing.metrics.cohorts),
  ];
}

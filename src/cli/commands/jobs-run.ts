import { WebClient } from '@slack/web-api';
import { loadProgramConfig } from '../../config/program-config.ts';
import { crmJobDeps } from '../../crm/job-deps.ts';
import type { Db } from '../../db/connection.ts';
import { syncProgram } from '../../db/stores/program-store.ts';
import { formatJobSummary, formatPreviewMessage } from '../../jobs/format.ts';
import { findJob, JOBS } from '../../jobs/index.ts';
import { previewJob } from '../../jobs/preview.ts';
import { createTimeZoneLookup } from '../../jobs/time-zones.ts';
import { withDb } from '../db.ts';
import { type Command, EXIT, UsageError } from '../types.ts';

export const jobsRun: Command = {
  name: 'jobs run',
  usage: '<job> [--now <ISO time>] [--dry-run]',
  summary: 'Run one scheduled job once (sla, expiry, digest, scorecards, crm-sync)',
  description: [
    'Runs a job exactly as the scheduler would, once, and prints what it queued and to whom. Messages go',
    'into the outbox; the running bot sends them (in order, after quiet hours). A job that already ran for',
    'the same period queues nothing, so running it again is safe.',
    '',
    ...JOBS.map((j) => `  ${j.name.padEnd(11)} ${j.description}`),
    '',
    '--now <ISO time>  run as if it were that moment (e.g. 2026-11-18T15:00:00Z); default: now',
    '--dry-run         print every message the run would send, to whom, in full; write nothing',
    'With SLACK_BOT_TOKEN set, unknown recipients’ time zones are read from Slack (users.info); otherwise',
    'the cached ones are used and unknown people get the program’s time zone.',
  ].join('\n'),
  options: { now: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(args, ctx) {
    const name = args.positionals[0] ?? '';
    const job = findJob(name);
    if (!job) throw new UsageError(`unknown job "${name}"; jobs: ${JOBS.map((j) => j.name).join(', ')}`);
    const nowArg = args.values.now;
    let now = ctx.now();
    if (typeof nowArg === 'string') {
      now = Date.parse(nowArg);
      if (!Number.isFinite(now) || !/^\d{4}-\d{2}-\d{2}/.test(nowArg))
        throw new UsageError(`--now "${nowArg}" is not an ISO time such as 2026-11-18T15:00:00Z`);
    }
    const dryRun = args.values['dry-run'] === true;
    const config = loadProgramConfig(ctx.settings.configPath);
    const token = ctx.env.SLACK_BOT_TOKEN?.trim();
    const apiUrl = ctx.env.SLACK_API_URL?.trim();
    const client = token ? new WebClient(token, apiUrl ? { slackApiUrl: apiUrl } : {}) : null;
    await withDb(ctx, async (db) => {
      const timeZones = createTimeZoneLookup({
        db,
        usersInfo: client ? (user) => client.users.info({ user }).then((r) => ({ tz: r.user?.tz })) : null,
      });
      const crm = job.name === 'crm-sync' ? crmJobDeps(ctx.env, config, client).deps : null;
      const deps = { services: { db, config, now: () => now }, timeZones, ...(crm ? { crm } : {}) };
      // The config is the source of truth for partners and roles (the app syncs it at start-up too); a dry
      // run syncs it as well, inside the preview's rolled-back transaction.
      const sync = (h: Db) => syncProgram(h, config, now);
      if (dryRun) {
        const preview = await previewJob(db, job, deps, now, sync);
        for (const line of formatJobSummary(preview.summary, config.timezone)) ctx.out(line);
        for (const message of preview.messages) {
          ctx.out();
          ctx.out(formatPreviewMessage(message, preview.summary.now, config.timezone));
        }
        return;
      }
      await sync(db);
      const summary = await job.run(deps, now, { dryRun: false });
      for (const line of formatJobSummary(summary, config.timezone)) ctx.out(line);
    });
    return EXIT.ok;
  },
};

import { loadProgramConfig } from '../../config/program-config.ts';
import { seedSampleProgram } from '../../dev/sample-program.ts';
import { withDb } from '../db.ts';
import { type Command, EXIT, UsageError } from '../types.ts';

// `seed --sample`: a realistic program in an empty database, to look at before the real one exists.

export const seed: Command = {
  name: 'seed',
  usage: '--sample [--leads <n>] [--months <n>]',
  summary: 'Fill an empty database with a realistic sample program (for the playground, reports, the digest)',
  description: [
    'Uses your config (partners, reps, ICP, reasons) and the real imports and use cases: CRM accounts, each',
    "partner's overlaps, and leads over the last --months (default 6) with claims, opportunities, wins and",
    'losses, so report, the digest, App Home and the playground show real-looking numbers. Refuses a',
    'database that already has leads: point DATABASE_PATH at a new file (e.g. ./data/sample.db). The',
    'messages the sample would have caused are history and are never sent to Slack.',
    '',
    '--leads <n>   how many leads (default 400, at most 100,000)',
    '--months <n>  how far back they go (default 6)',
  ].join('\n'),
  options: { sample: { type: 'boolean' }, leads: { type: 'string' }, months: { type: 'string' } },
  async run(args, ctx) {
    if (args.values.sample !== true) throw new UsageError('only --sample is supported: seed --sample');
    const leads = args.values.leads === undefined ? 400 : Number(args.values.leads);
    const months = args.values.months === undefined ? 6 : Number(args.values.months);
    if (!Number.isSafeInteger(leads) || leads < 1 || leads > 100_000)
      throw new UsageError('--leads must be a whole number from 1 to 100000');
    if (!Number.isSafeInteger(months) || months < 1 || months > 36)
      throw new UsageError('--months must be a whole number from 1 to 36');
    const config = loadProgramConfig(ctx.settings.configPath);
    const stats = await withDb(ctx, (db) => seedSampleProgram(db, config, { leads, months, now: ctx.now() }));
    ctx.out(
      `Sample program in ${ctx.settings.databasePath}: ${stats.accounts.toLocaleString('en-US')} CRM accounts, ${stats.overlaps.toLocaleString('en-US')} overlaps, ${stats.leads.toLocaleString('en-US')} leads (${stats.eqls} EQLs, ${stats.candidates} candidates; ${stats.won} won, ${stats.lost} lost), ${stats.conflicts} conflicts refused.`,
    );
    ctx.out(
      `${stats.messagesSetAside.toLocaleString('en-US')} messages the history would have sent were set aside, never sent.`,
    );
    ctx.out('Try: foothold report --digest');
    return EXIT.ok;
  },
};

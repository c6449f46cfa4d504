import { REWARD_STATUSES, type RewardStatus } from '../../core/rewards.ts';
import { writeRewardsCsv } from '../../db/stores/export-store.ts';
import { runExport } from '../export-output.ts';
import { type Command, EXIT } from '../types.ts';

export const exportRewards: Command = {
  name: 'export rewards',
  usage: '[--status pending|approved|rejected] [--out <file>]',
  summary: 'Export partner rewards for payout as CSV (stdout or --out)',
  description: [
    'One row per award: award_id, created_at, status, partner_slug, partner_name, lead_id, account_name, domain,',
    'milestone (opportunity or won), kind (points or amount), points, amount (two decimals), currency, basis (how',
    'it was computed), decided_at, decided_by_user_id, decision_reason. Amounts keep their own currency: nothing',
    'is converted or summed. Use --status approved for the payout run. Times are ISO 8601 UTC; cells a',
    "spreadsheet would run as a formula are prefixed with '. With --out the file is written under a temporary",
    'name and renamed when complete.',
  ].join('\n'),
  options: { out: { type: 'string', short: 'o' }, status: { type: 'string' } },
  async run(args, ctx) {
    const status = args.values.status;
    if (status !== undefined && !REWARD_STATUSES.includes(status as RewardStatus)) {
      ctx.err(`--status must be one of ${REWARD_STATUSES.join(', ')} (got "${String(status)}").`);
      return EXIT.usage;
    }
    return runExport(ctx, args.values.out, 'reward', (db, dest) =>
      writeRewardsCsv(db, dest, status as RewardStatus | undefined),
    );
  },
};

import { loadProgramConfig } from '../../config/program-config.ts';
import {
  listOutbox,
  OPERATOR_STATUSES,
  type OperatorStatus,
  type OutboxRow,
} from '../../db/stores/outbox-store.ts';
import { formatLocal } from '../../jobs/format.ts';
import { discardOutbox, type OutboxAdminResult, retryOutbox } from '../../services/outbox-admin.ts';
import { hasDatabase, withDb } from '../db.ts';
import { type Command, type CommandArgs, type CommandContext, EXIT, UsageError } from '../types.ts';

// `outbox list|retry|discard`: an operator's view of deliveries that need a person.

function needDb(ctx: CommandContext): boolean {
  if (hasDatabase(ctx)) return true;
  ctx.err(`No outbox: no database at ${ctx.settings.databasePath} (set DATABASE_PATH).`);
  return false;
}

/** What a message is, from its delivery key: `routing-post`, `partner:qualified`, `digest`… */
function kindOf(row: OutboxRow): string {
  const parts = row.deliveryKey.split(':');
  return parts.length > 2 ? parts.slice(0, 2).join(':') : (parts[0] ?? row.deliveryKey);
}

export function formatOutboxRows(rows: readonly OutboxRow[], tz: string): string[] {
  if (rows.length === 0) return ['Nothing here.'];
  const lines: string[] = [];
  for (const r of rows) {
    const lead = r.leadId ? ` lead #${r.leadId}` : '';
    lines.push(
      `#${r.id}  ${r.status.padEnd(9)} ${r.method} → ${r.recipient}${lead}  ${kindOf(r)}  queued ${formatLocal(r.createdAt, tz)}, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`,
    );
    if (r.status === 'pending') lines.push(`      due ${formatLocal(r.notBefore, tz)}`);
    if (r.lastError) lines.push(`      ${r.lastError}`);
  }
  return lines;
}

function parseIds(args: CommandArgs): number[] {
  const ids = args.positionals.map((p) => Number(p.replace(/^#/, '')));
  const bad = args.positionals.filter((_p, i) => !Number.isSafeInteger(ids[i]) || (ids[i] ?? 0) <= 0);
  if (bad.length)
    throw new UsageError(`not a message id: ${bad.join(', ')} (ids are the #numbers "outbox list" shows)`);
  return ids;
}

function printResult(ctx: CommandContext, verb: string, r: OutboxAdminResult): number {
  if (r.changed.length) ctx.out(`${verb}: ${r.changed.map((id) => `#${id}`).join(', ')}.`);
  for (const s of r.skipped) ctx.err(`#${s.id} not ${verb.toLowerCase()}: ${s.why}.`);
  return r.skipped.length ? EXIT.failed : EXIT.ok;
}

export const outboxList: Command = {
  name: 'outbox list',
  usage: '[--status failed|pending|discarded|all] [--limit <n>]',
  summary: 'Show deliveries that failed (default), wait, or were discarded',
  description: [
    'Each message with its id, recipient, what it is, attempts and the last error. Failed messages need a',
    'person: fix the cause (a channel the bot left, a missing scope), then "outbox retry <id>", or set them',
    'aside with "outbox discard <id> --reason …". /healthz shows the same counts.',
  ].join('\n'),
  options: { status: { type: 'string' }, limit: { type: 'string' } },
  async run(args, ctx) {
    const status = (args.values.status ?? 'failed') as OperatorStatus | 'all';
    if (status !== 'all' && !OPERATOR_STATUSES.includes(status))
      throw new UsageError(`--status must be one of ${[...OPERATOR_STATUSES, 'all'].join(', ')}`);
    const limit = args.values.limit === undefined ? 50 : Number(args.values.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0)
      throw new UsageError('--limit must be a positive whole number');
    if (!needDb(ctx)) return EXIT.failed;
    const config = loadProgramConfig(ctx.settings.configPath);
    const rows = await withDb(ctx, (db) =>
      listOutbox(db, status === 'all' ? OPERATOR_STATUSES : [status], limit),
    );
    for (const line of formatOutboxRows(rows, config.timezone)) ctx.out(line);
    return EXIT.ok;
  },
};

export const outboxRetry: Command = {
  name: 'outbox retry',
  usage: '<id>... [--by <Slack user id>]',
  summary: 'Send failed messages again (each keeps its place in its conversation)',
  description:
    'Puts failed messages back in line, due now; the running bot sends them. Recorded in the lead’s history.',
  options: { by: { type: 'string' } },
  positionals: { min: 1, max: 1000 },
  async run(args, ctx) {
    const ids = parseIds(args);
    if (!needDb(ctx)) return EXIT.failed;
    const config = loadProgramConfig(ctx.settings.configPath);
    const by = typeof args.values.by === 'string' ? args.values.by : null;
    const result = await withDb(ctx, (db) => retryOutbox({ db, config, now: ctx.now }, ids, by));
    return printResult(ctx, 'Queued again', result);
  },
};

export const outboxDiscard: Command = {
  name: 'outbox discard',
  usage: '<id>... --reason <text> [--by <Slack user id>]',
  summary: 'Set failed or waiting messages aside for good, with a reason',
  description:
    'The messages are never sent; later messages to the same person or channel go on. Recorded in the lead’s history.',
  options: { reason: { type: 'string' }, by: { type: 'string' } },
  positionals: { min: 1, max: 1000 },
  async run(args, ctx) {
    const ids = parseIds(args);
    if (typeof args.values.reason !== 'string') throw new UsageError('--reason is required');
    if (!needDb(ctx)) return EXIT.failed;
    const config = loadProgramConfig(ctx.settings.configPath);
    const by = typeof args.values.by === 'string' ? args.values.by : null;
    const result = await withDb(ctx, (db) =>
      discardOutbox({ db, config, now: ctx.now }, ids, args.values.reason as string, by),
    );
    return printResult(ctx, 'Discarded', result);
  },
};

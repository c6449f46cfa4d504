import { loadProgramConfig } from '../../config/program-config.ts';
import { STATUS_LABELS } from '../../core/lifecycle.ts';
import { listPartners } from '../../db/stores/program-store.ts';
import { formatLocal } from '../../jobs/format.ts';
import { type LeadHistory, leadHistory, parseHistoryQuery } from '../../services/lead-history.ts';
import { hasDatabase, withDb } from '../db.ts';
import { type Command, EXIT, UsageError } from '../types.ts';

// `history <domain|lead id>`: the audit log, finally readable.

const FORMATS = ['text', 'json'] as const;

/** The history as aligned lines: when (program time zone), which lead, who, what happened and why. */
export function formatHistory(
  h: LeadHistory,
  partnerNames: ReadonlyMap<string, string>,
  tz: string,
): string[] {
  const out: string[] = [];
  const leads = h.leads.map((l) => {
    const partner = partnerNames.get(l.partnerSlug) ?? l.partnerSlug;
    const merged = l.mergedIntoLeadId ? `, corroborates #${l.mergedIntoLeadId}` : '';
    return `#${l.id} ${l.accountName} · ${partner} · ${STATUS_LABELS[l.status]}${merged}`;
  });
  out.push(
    `History of ${h.domain}: ${h.leads.length === 0 ? 'no leads' : `${h.leads.length} lead${h.leads.length === 1 ? '' : 's'}`}, ${h.lines.length} event${h.lines.length === 1 ? '' : 's'}`,
  );
  for (const l of leads) out.push(`  ${l}`);
  if (h.lines.length === 0) return out;
  out.push('');
  const who = (id: string | null) => id ?? 'Foothold';
  const width = Math.max(...h.lines.map((l) => who(l.actorUserId).length));
  for (const line of h.lines) {
    const lead = line.leadId ? `#${line.leadId}` : '—';
    out.push(
      `${formatLocal(line.at, tz)}  ${lead.padEnd(6)} ${who(line.actorUserId).padEnd(width)}  ${line.what}${line.why ? `  (${line.why})` : ''}`,
    );
  }
  return out;
}

export const history: Command = {
  name: 'history',
  usage: '<domain|lead id> [--format text|json]',
  summary: "A lead's or an account's audit history: who did what, when and why",
  description: [
    'Reads the append-only audit log. A lead id (12 or #12) shows that lead and the corroborating',
    'submissions merged into it; a domain or website shows every lead on the account and any submission',
    'refused on it as a conflict. Times are in the program time zone. User ids are Slack ids; "Foothold"',
    'marks what Foothold did itself (routing, jobs).',
    '',
    '--format text|json  aligned lines (default) or the events as JSON',
  ].join('\n'),
  options: { format: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(args, ctx) {
    const format = (args.values.format ?? 'text') as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    if (!hasDatabase(ctx)) {
      ctx.err(`No history: no database at ${ctx.settings.databasePath} (set DATABASE_PATH).`);
      return EXIT.failed;
    }
    const query = parseHistoryQuery(args.positionals[0] ?? '');
    const config = loadProgramConfig(ctx.settings.configPath);
    return withDb(ctx, async (db) => {
      const found = await leadHistory({ db, config, now: ctx.now }, query);
      if (format === 'json') {
        ctx.out(JSON.stringify(found, null, 2));
        return EXIT.ok;
      }
      const names = new Map((await listPartners(db)).map((p) => [p.slug, p.name]));
      for (const line of formatHistory(found, names, config.timezone)) ctx.out(line);
      return EXIT.ok;
    });
  },
};

import type { KnownBlock } from '@slack/types';
import type { ProgramDigest } from '../../services/program-digest.ts';
import { context, divider, fields, header, message, type SlackMessage, section } from '../limits.ts';
import { escapeMrkdwn, formatDate, percent } from '../mrkdwn.ts';

const rate = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** Every count stands next to its rate: "12 qualified (40% of surfaced)". */
function countWithRate(n: number, label: string, d: number, of: string): string {
  return `*${n}* ${label}${d > 0 ? ` · ${percent(rate(n, d))} of ${of}` : ''}`;
}

/** The program digest for leaders (on demand with `/eql digest`; scheduled delivery builds on it). */
export function digestBlocks(digest: ProgramDigest, ctx: { timeZone: string }): SlackMessage {
  const blocks: KnownBlock[] = [
    header('Foothold digest'),
    context([`Generated ${formatDate(digest.generatedAt, ctx.timeZone)}`]),
  ];
  for (const w of digest.windows) {
    const c = w.counts;
    const candidates = c.byStatus.candidate ?? 0;
    blocks.push(divider(), section(`*${escapeMrkdwn(w.label)}*`));
    blocks.push(
      fields(
        `*${c.total}* surfaced`,
        countWithRate(c.reached.qualified, 'qualified (EQLs)', c.total, 'surfaced'),
        countWithRate(candidates, 'candidates', c.total, 'surfaced'),
        countWithRate(c.reached.claimed, 'claimed', c.reached.qualified, 'EQLs'),
        countWithRate(c.reached.opportunity, 'reached opportunity', c.reached.qualified, 'EQLs'),
        countWithRate(c.reached.won, 'won', c.reached.qualified, 'EQLs'),
      ),
    );
  }
  const trailing = digest.windows.at(-1)?.counts;
  if (trailing && digest.baselines.length > 0) {
    const eqlOpp = rate(trailing.reached.opportunity, trailing.reached.qualified);
    const eqlWin = rate(trailing.reached.won, trailing.reached.qualified);
    const lines = digest.baselines.map((b) => {
      const diff =
        eqlOpp === null
          ? ''
          : ` (EQLs ${eqlOpp >= b.opportunityRate ? '+' : '−'}${Math.abs((eqlOpp - b.opportunityRate) * 100).toFixed(1)} pts)`;
      return `• *${escapeMrkdwn(b.leadType)}*: ${percent(b.opportunityRate)} to opportunity, ${percent(b.winRate)} won${diff}`;
    });
    blocks.push(
      divider(),
      section(
        `*EQLs against other lead types* (trailing 90 days)\nEQLs: ${percent(eqlOpp)} to opportunity, ${percent(eqlWin)} won\n${lines.join('\n')}`,
      ),
    );
  }
  const t = trailing;
  const text = t
    ? `Foothold digest: ${t.total} surfaced, ${t.reached.qualified} EQLs, ${percent(rate(t.reached.opportunity, t.reached.qualified))} to opportunity (90 days)`
    : 'Foothold digest';
  return message(text, blocks);
}

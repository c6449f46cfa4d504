import type { KnownBlock, ModalView } from '@slack/types';
import type { HistoryLine } from '../../core/history.ts';
import { STATUS_LABELS } from '../../core/lifecycle.ts';
import type { LeadHistory } from '../../services/lead-history.ts';
import { CALLBACKS } from '../ids.ts';

import { BLOCK_KIT, context, linesWithin, modal, section } from '../limits.ts';
import { escapeMrkdwn, mention, userText } from '../mrkdwn.ts';

// The routing post's History button: the lead's audit log in a modal, newest first, each time in the reader's
// own time zone (Slack's date formatting), people as mentions, written reasons escaped.

/** `<!date^…>`: Slack shows the instant in the reader's time zone; the fallback is UTC. */
export function slackDate(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short} {time}|${fallback}>`;
}

function historyLine(line: HistoryLine): string {
  const who = line.actorUserId ? mention(line.actorUserId) : '_Foothold_';
  const lead = line.leadId ? `#${line.leadId} ` : '';
  const what = escapeMrkdwn(line.what).replace(/\b([UW][A-Z0-9]{6,})\b/g, (id) => mention(id));
  const why = line.why ? ` · _${userText(line.why, 300)}_` : '';
  return `${slackDate(line.at)} · ${lead}${who}: ${what}${why}`;
}

export function historyModal(h: LeadHistory): ModalView {
  const primary = h.leads[0];
  const title = primary
    ? `*${userText(primary.accountName, 200)}* · ${escapeMrkdwn(h.domain)} · ${STATUS_LABELS[primary.status]}`
    : escapeMrkdwn(h.domain);
  const merged = h.leads.slice(1).map((l) => `#${l.id}`);
  const lines = [...h.lines].reverse().map(historyLine);
  const intro: KnownBlock[] = [
    section(title),
    context([
      `${h.lines.length} event${h.lines.length === 1 ? '' : 's'}, newest first${merged.length ? ` · includes the corroborating submissions ${merged.join(', ')}` : ''} · the full log: \`foothold history ${primary ? primary.id : h.domain}\``,
    ]),
  ];
  const body: KnownBlock[] = lines.length
    ? linesWithin(
        lines,
        BLOCK_KIT.viewBlocks - intro.length,
        (n) => `and ${n} earlier events: \`foothold history ${primary ? primary.id : h.domain}\``,
      )
    : [section('_Nothing recorded yet._')];
  return modal({
    title: 'Lead history',
    close: 'Close',
    callbackId: CALLBACKS.history,
    blocks: [...intro, ...body],
  });
}

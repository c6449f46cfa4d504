import { FILE_UPLOAD_METHOD } from '../db/stores/outbox-store.ts';
import { renderMessage, titleLine } from '../slack/render-text.ts';
import type { PreviewMessage } from './preview.ts';
import type { JobSummary } from './types.ts';

// How a job run is reported on the command line: one line for the run, one per queued message.

const formats = new Map<string, Intl.DateTimeFormat>();

/** "2026-11-18 10:00 EST" in `tz`. */
export function formatLocal(ms: number, tz: string): string {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName ?? ''}`.trim();
}

export function formatJobSummary(s: JobSummary, tz: string): string[] {
  const head = `${s.job}${s.period ? ` ${s.period}` : ''} at ${formatLocal(s.now, tz)}${s.dryRun ? ' (dry run: nothing was written)' : ''}`;
  if (s.skipped) return [`${head}: nothing to do: ${s.skipped}.`];
  if (s.report && s.report.length > 0) return [`${head}:`, ...s.report.map((l) => `  ${l}`)];
  if (s.queued.length === 0 && s.transitions.length === 0)
    return [`${head}: nothing due (or already done for this period).`];
  const lines = [
    `${head}: ${s.queued.length} message${s.queued.length === 1 ? '' : 's'} ${s.dryRun ? 'would be ' : ''}queued, ${s.transitions.length} transition${s.transitions.length === 1 ? '' : 's'}.`,
  ];
  for (const t of s.transitions) lines.push(`  lead #${t.leadId}: ${t.from} → ${t.to}`);
  for (const q of s.queued) {
    const when = q.notBefore > s.now ? `at ${formatLocal(q.notBefore, tz)}` : 'now';
    lines.push(`  ${q.to}  ${q.kind}${q.merged ? ' (joined a waiting batch)' : ''}  ${when}  ${q.summary}`);
  }
  return lines;
}

/** A previewed message in full: a title saying to whom, how and when, then the message as Slack shows it. */
export function formatPreviewMessage(m: PreviewMessage, now: number, tz: string): string {
  const to = /^[UW][A-Z0-9]+$/.test(m.to) ? `DM to ${m.to}` : `#${m.to}`;
  if (m.method === FILE_UPLOAD_METHOD) {
    const p = m.payload as { filename?: unknown; alt_txt?: unknown };
    const when = m.notBefore > now ? `at ${formatLocal(m.notBefore, tz)}` : 'now';
    return `${titleLine(`${to} · ${m.kind} · uploads ${String(p.filename)} · ${when}`)}\n  ${String(p.alt_txt)}`;
  }
  const how =
    m.method === 'chat.update' ? 'updates the message' : m.method === 'chat.postMessage' ? 'posts' : m.method;
  const thread = typeof m.payload.thread_ts === 'string' ? ", in the post's thread" : '';
  const when = m.notBefore > now ? `at ${formatLocal(m.notBefore, tz)}` : 'now';
  const title = `${to} · ${m.kind} · ${how}${thread} · ${when}${m.merged ? ' · joins a waiting batch' : ''}`;
  const body = renderMessage(m.payload as { text?: unknown; blocks?: unknown });
  return `${titleLine(title)}\n${body
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`;
}

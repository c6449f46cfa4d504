import {
  levelPhrase,
  type RateCell,
  SEGMENT_LABEL,
  type SegmentRow,
  type SignalTable,
} from '../../core/calibration.ts';
import type { MapSegment, PartnerHint } from '../../core/ecosystem-map.ts';
import type { Evaluation, LeadScore } from '../../core/eql-score.ts';
import type { EqlModelRow } from '../../db/stores/insight-store.ts';
import type { CalibrationResult, EcosystemMapResult, NeedsResult } from '../../services/insight.ts';

// The learning loop's reports as plain text lines: `foothold report calibration|model|map|needs` print them,
// and the Slack messages show the same tables inside code blocks (escaped there). Cells below the minimum
// sample are greyed out: in text they are put in brackets and marked `·`, and never drive a suggestion.

const pct = (r: number | null | undefined, digits = 1) =>
  r === null || r === undefined ? '—' : `${(r * 100).toFixed(digits)}%`;

/** "4.2% [2.5–7.0]" */
export function rateText(rate: number | null, ci: { low: number; high: number } | null): string {
  if (rate === null || !ci) return '—';
  return `${pct(rate)} [${(ci.low * 100).toFixed(1)}–${(ci.high * 100).toFixed(1)}]`;
}

function padTable(rows: string[][], right: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((v, i) => (right.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function cellColumns(c: RateCell): string[] {
  const grey = (s: string) => (c.belowSample && c.n > 0 ? `(${s})` : s);
  return [
    c.n.toLocaleString('en-US'),
    grey(rateText(c.opportunityRate, c.opportunityCi)),
    grey(rateText(c.winRate, c.winCi)),
    c.belowSample && c.n > 0 ? '·' : '',
  ];
}

export function signalTableLines(t: SignalTable): string[] {
  const rows = [
    [t.label, 'EQLs', '→ opportunity [95% CI]', '→ won [95% CI]', ''],
    ...t.rows.filter((r) => r.n > 0).map((r) => [levelPhrase(t.signal, r.level), ...cellColumns(r)]),
  ];
  return padTable(rows, new Set([1]));
}

export function segmentTableLines(
  rows: readonly SegmentRow[],
  names: Record<string, string>,
  limit = 15,
): string[] {
  const out: string[] = [];
  for (const dimension of ['industry', 'country', 'employees'] as const) {
    const mine = rows.filter((r) => r.dimension === dimension);
    if (mine.length === 0) continue;
    const shown = mine.slice(0, limit);
    out.push(
      ...padTable(
        [
          [
            `Partner × ${SEGMENT_LABEL[dimension].toLowerCase()}`,
            'EQLs',
            '→ opportunity [95% CI]',
            '→ won [95% CI]',
            '',
          ],
          ...shown.map((r) => [`${names[r.partnerSlug] ?? r.partnerSlug} · ${r.level}`, ...cellColumns(r)]),
        ],
        new Set([1]),
      ),
    );
    if (mine.length > shown.length) out.push(`  and ${mine.length - shown.length} more cells`);
    out.push('');
  }
  return out;
}

export function calibrationText(r: CalibrationResult): string[] {
  const rep = r.report;
  const lines = [
    `Calibration: ${rep.overall.n.toLocaleString('en-US')} judged EQLs (${r.population})`,
    `Overall: → opportunity ${rateText(rep.overall.opportunityRate, rep.overall.opportunityCi)}, → won ${rateText(rep.overall.winRate, rep.overall.winCi)}`,
    `Cells with fewer than ${rep.minSample} EQLs are in brackets and marked · (too few to judge).`,
    '',
  ];
  for (const t of rep.signals) lines.push(...signalTableLines(t), '');
  lines.push(...segmentTableLines(rep.segments, r.partnerNames));
  lines.push('Suggestions (never applied automatically; change the config file to act on one):');
  if (rep.suggestions.length === 0)
    lines.push('  none: no signal the gates admit converts far below the program.');
  for (const s of rep.suggestions) lines.push(`  - ${s.text}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------
// The score

function evaluationLine(label: string, e: Evaluation): string {
  return `${label.padEnd(22)} AUC ${e.auc === null ? '—' : e.auc.toFixed(3)}   Brier ${e.brier === null ? '—' : e.brier.toFixed(4)}   (${e.n.toLocaleString('en-US')} leads, ${e.positives.toLocaleString('en-US')} reached opportunity)`;
}

interface HeldOut {
  model: Evaluation;
  prior: Evaluation;
}

export function modelText(row: EqlModelRow | null, tz: string): string[] {
  if (!row) return ['No EQL score fitted yet: the nightly model-fit job (or `jobs run model-fit`) fits it.'];
  const fitted = new Date(row.fittedAt).toLocaleString('en-US', {
    timeZone: tz,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const lines = [
    `EQL score fitted ${fitted} on ${row.n.toLocaleString('en-US')} judged EQLs (${row.positives.toLocaleString('en-US')} reached opportunity; trained on the oldest ${row.nTrain.toLocaleString('en-US')}, held out the newest ${row.nTest.toLocaleString('en-US')})`,
    row.use === 'model'
      ? 'Shown to reps: the model (it beats the prior on the held-out leads).'
      : `Shown to reps: the prior (warmth strength's smoothed rates), because ${row.reason ?? 'the model is not ahead'}.`,
    '',
  ];
  const held = row.heldOut as HeldOut | null;
  if (held) {
    lines.push('Held-out evaluation (newest leads, fitted on the older ones):');
    lines.push(
      `  ${evaluationLine('model', held.model)}`,
      `  ${evaluationLine('prior (strength only)', held.prior)}`,
      '',
    );
    lines.push('Calibration of the model on the held-out leads:');
    lines.push(
      ...padTable(
        [
          ['  predicted', 'leads', 'mean predicted', 'observed'],
          ...held.model.calibration.map((b) => [
            `  ${Math.round(b.from * 100)}–${Math.round(b.to * 100)}%`,
            b.n.toLocaleString('en-US'),
            pct(b.predicted),
            pct(b.observed),
          ]),
        ],
        new Set([1, 2, 3]),
      ),
      '',
    );
  }
  const model = row.model as { intercept: number; coefficients: Record<string, number> } | null;
  if (model) {
    const top = Object.entries(model.coefficients)
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
      .slice(0, 8);
    lines.push(`Largest coefficients (log-odds; intercept ${model.intercept.toFixed(2)}):`);
    for (const [f, b] of top) lines.push(`  ${f.padEnd(28)} ${b >= 0 ? '+' : ''}${b.toFixed(2)}`);
    lines.push('');
  }
  const prior = row.prior as { overall: number; strength: Record<string, { rate: number; n: number }> };
  lines.push(`Prior: overall ${pct(prior.overall)}; by warmth strength (smoothed):`);
  for (const [level, s] of Object.entries(prior.strength)) {
    if (s.n === 0) continue;
    lines.push(
      `  ${levelPhrase('strength', level).padEnd(24)} ${pct(s.rate).padStart(6)}  (n=${s.n.toLocaleString('en-US')})`,
    );
  }
  return lines;
}

/** "likely to reach opportunity: 42% · warmth 5/5 (+12 pts), …" (plain; escape where shown). */
export function scoreSentence(s: LeadScore): string {
  const reasons = s.reasons
    .map((r) => `${r.phrase} (${r.points >= 0 ? '+' : '−'}${Math.abs(Math.round(r.points))} pts)`)
    .join(', ');
  const how = s.source === 'prior' ? ' (from warmth strength alone)' : '';
  return `likely to reach opportunity: ${Math.round(s.probability * 100)}%${how}${reasons ? ` · ${reasons}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// The ecosystem map and product input

export function hintSentence(h: PartnerHint, names: Record<string, string>): string {
  const ev = h.evidence
    .map((e) => `${rateText(e.cell.opportunityRate, e.cell.opportunityCi)} of ${e.cell.n} in ${e.value}`)
    .join('; ');
  return `${names[h.partnerSlug] ?? h.partnerSlug}: ${ev}`;
}

export function mapText(
  r: EcosystemMapResult,
  opts: { limit?: number; hints?: PartnerHint[] | null; asked?: string } = {},
): string[] {
  const limit = opts.limit ?? 12;
  const lines = [
    `Ecosystem map: which partners convert in which segments (${r.population}); partners ranked by the lower end of their 95% interval, at least ${r.minSample} EQLs to rank.`,
    '',
  ];
  if (opts.asked !== undefined) {
    lines.push(`Partners to ask about ${opts.asked}:`);
    if (!opts.hints || opts.hints.length === 0)
      lines.push('  none has enough converted EQLs in these segments yet.');
    for (const h of opts.hints ?? []) lines.push(`  - ${hintSentence(h, r.partnerNames)}`);
    lines.push('');
  }
  const segs = r.segments.slice(0, limit);
  for (const s of segs) lines.push(...segmentLines(s, r.partnerNames), '');
  if (r.segments.length > segs.length)
    lines.push(`and ${r.segments.length - segs.length} more segments (--limit)`);
  if (r.segments.length === 0) lines.push('No judged EQLs with a known segment yet.');
  return lines;
}

export function segmentLines(s: MapSegment, names: Record<string, string>, top = 5): string[] {
  const shown = s.partners.slice(0, top);
  const rows = [
    [
      `${SEGMENT_LABEL[s.dimension]}: ${s.value} (${s.total.toLocaleString('en-US')} EQLs)`,
      'EQLs',
      '→ opportunity [95% CI]',
      '→ won [95% CI]',
      '',
    ],
    ...shown.map((p, i) => [
      `${p.belowSample ? ' ' : `${i + 1}.`} ${names[p.partnerSlug] ?? p.partnerSlug}`,
      ...cellColumns(p),
    ]),
  ];
  const out = padTable(rows, new Set([1]));
  if (s.partners.length > shown.length) out.push(`   and ${s.partners.length - shown.length} more partners`);
  return out;
}

export function needsText(r: NeedsResult, tz: string): string[] {
  const day = (ms: number) => new Date(ms).toLocaleDateString('en-US', { timeZone: tz, dateStyle: 'medium' });
  const lines = [
    `What accounts need: ${r.needs.toLocaleString('en-US')} partner answers from leads surfaced ${day(r.since)} → ${day(r.until)} (themes ${r.method === 'configured' ? 'from needs.themes' : 'extracted from the words partners used'})`,
    '',
  ];
  if (r.themes.length === 0) lines.push('No theme yet: too few answers share words.');
  for (const t of r.themes) {
    lines.push(`${t.name}: ${t.count} (${pct(t.share, 0)} of answers)`);
    lines.push(
      `  by industry: ${t.bySegment
        .slice(0, 5)
        .map((s) => `${s.segment} ${s.count}`)
        .join(', ')}`,
    );
    lines.push(`  by month: ${t.byPeriod.map((p) => `${p.period} ${p.count}`).join(', ')}`);
    for (const q of t.quotes) lines.push(`  “${q}”`);
    lines.push('');
  }
  return lines;
}

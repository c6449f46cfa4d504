import {
  type Funnel,
  INTAKE_PARTS,
  type Intake,
  type IntakeParts,
  type Rate,
  rate,
} from '../../core/metrics.ts';
import { GATE_LABEL } from '../labels.ts';
import { percent, plural } from '../mrkdwn.ts';

// Wording shared by the digest, the partner scorecards and App Home: every count stands next to its rate
// ("8 claimed (75% of EQLs)"), a rate with no denominator reads "—", and differences are in points.

export const num = (n: number): string => n.toLocaleString('en-US');

/** "8 claimed (75% of EQLs)"; the rate part is left out when there is nothing to divide by. */
export function countRate(count: number, label: string, rate: Rate, of: string): string {
  return `*${num(count)}* ${label}${rate === null ? '' : ` (${percent(rate)} of ${of})`}`;
}

/** "+23.5 pts", "−4.0 pts", "±0.0 pts"; "—" when unknown. */
export function points(diff: number | null): string {
  if (diff === null || !Number.isFinite(diff)) return '—';
  const r = Math.round(diff * 10) / 10;
  if (r === 0) return '±0.0 pts';
  return `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(1)} pts`;
}

/** A baseline rate with one decimal: "8.0%". */
export function percent1(rate: number | null): string {
  return rate === null || !Number.isFinite(rate) ? '—' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** How each part of `surfaced` reads, singular and plural. */
const INTAKE_PART_LABEL: Record<keyof IntakeParts, [string, string]> = {
  eql: ['EQL', 'EQLs'],
  candidates: ['candidate', 'candidates'],
  corroborations: ['corroboration of an open lead', 'corroborations of open leads'],
  awaitingAttestation: ["awaiting the partner's attestation", "awaiting the partner's attestation"],
  closedBeforeQualifying: ['closed before qualifying', 'closed before qualifying'],
};

/**
 * Surfaced, then its parts, which add up to it: EQLs and candidates always, the rarer parts when there are
 * any. Each part with its share of surfaced.
 */
export function intakeLines(i: Intake): string[] {
  const lines = [`*${num(i.surfaced)}* surfaced${i.surfaced > 0 ? ':' : ''}`];
  for (const part of INTAKE_PARTS) {
    const count = i.parts[part];
    if (count === 0 && part !== 'eql' && part !== 'candidates') continue;
    const [one, many] = INTAKE_PART_LABEL[part];
    lines.push(countRate(count, count === 1 ? one : many, rate(count, i.surfaced), 'surfaced'));
  }
  if (i.topFailingGate) {
    lines.push(
      `most common failing gate: *${GATE_LABEL[i.topFailingGate.gate]}*, ${num(i.topFailingGate.count)} (${percent(i.topFailingGate.rate)} of candidates)`,
    );
  }
  return lines;
}

export function funnelLines(f: Funnel): string[] {
  return [
    `*${num(f.eql)}* ${f.eql === 1 ? 'EQL' : 'EQLs'}`,
    countRate(f.claimed, 'claimed', f.step.claimed, 'EQLs'),
    `${countRate(f.opportunity, f.opportunity === 1 ? 'opportunity' : 'opportunities', f.step.opportunity, 'claimed')}${f.overall.opportunity === null ? '' : ` · ${percent(f.overall.opportunity)} of EQLs`}`,
    `${countRate(f.won, 'won', f.step.won, 'opportunities')}${f.overall.won === null ? '' : ` · ${percent(f.overall.won)} of EQLs`}`,
    countRate(f.lost, 'lost', f.eql > 0 ? f.lost / f.eql : null, 'EQLs'),
  ];
}

/** "6 of 14 (43%)", or "6 of 14 EQLs (43%)" with a noun. */
export function ofRate(count: number, of: number, noun = ''): string {
  return `${num(count)} of ${num(of)}${noun ? ` ${noun}` : ''} (${percent(of > 0 ? count / of : null)})`;
}

export function leadCount(n: number): string {
  return plural(n, 'lead');
}

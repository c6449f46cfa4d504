import {
  type Beside,
  type Funnel,
  INTAKE_PARTS,
  type Intake,
  type IntakeParts,
  type MoneyGroup,
  type Rate,
  type Revenue,
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

/** "$1,250,000", "€30,000", "1,250,000 (no currency)": whole units, the currency always shown. */
export function money(amount: number | null, currency: string | null): string {
  if (amount === null || !Number.isFinite(amount)) return '—';
  if (currency === null) return `${num(Math.round(amount))} (no currency)`;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
      minimumFractionDigits: 0,
    }).format(amount);
  } catch {
    return `${currency} ${num(Math.round(amount))}`;
  }
}

/** "12 days", "0.5 days", "—". */
export function days(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const r = n < 10 ? Math.round(n * 10) / 10 : Math.round(n);
  return `${r} day${r === 1 ? '' : 's'}`;
}

/** The group's currency as a heading: "USD", "USD (EUR, GBP converted at configured rates)". */
export function currencyLabel(g: Pick<MoneyGroup, 'currency' | 'convertedFrom'>): string {
  const code = g.currency ?? 'No currency given';
  return g.convertedFrom.length > 0
    ? `${code} (${g.convertedFrom.join(', ')} converted at configured rates)`
    : code;
}

/** Won and pipeline revenue of one currency, with deal counts and the average deal. */
export function revenueLine(g: MoneyGroup): string {
  const c = g.currency;
  return (
    `won *${money(g.won, c)}* (${plural(g.wonDeals, 'deal')}, average ${money(g.avgDealSize, c)}) · ` +
    `pipeline *${money(g.pipeline, c)}* (${plural(g.pipelineDeals, 'open deal')}) · ` +
    `partner-sourced won ${money(g.sourced.won, c)}, pipeline ${money(g.sourced.pipeline, c)} · ` +
    `partner-influenced won ${money(g.influenced.won, c)}, pipeline ${money(g.influenced.pipeline, c)}`
  );
}

/** "63 days (MQL 95)": an EQL figure beside the baseline's, formatted by `fmt`. */
export function besideText(b: Beside, fmt: (n: number | null) => string, leadType: string): string {
  return `${fmt(b.eql)} (${leadType} ${fmt(b.baseline)})`;
}

/** Deals counted without an amount, so a revenue total is never silently short. */
export function withoutAmountNote(r: Revenue): string | null {
  const { open, won } = r.withoutAmount;
  if (open === 0 && won === 0) return null;
  return `${plural(won, 'won deal')} and ${plural(open, 'open opportunity', 'open opportunities')} have no amount in the CRM and are not in these sums`;
}

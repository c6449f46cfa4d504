import type { CalibrationReport } from '../core/calibration.ts';
import type { Cohort, Funnel } from '../core/metrics.ts';
import { loadLeadFacts } from '../db/stores/job-store.ts';
import { FILE_UPLOAD_METHOD, type FileUploadPayload, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { type RenderedChart, renderPng } from '../slack/charts/render.ts';
import { funnelSvg, rateBarsSvg, trendSvg } from '../slack/charts/svg.ts';
import type { ServiceDeps } from './context.ts';
import { buildCalibration } from './insight.ts';
import { COHORT_MIN_AGE_DAYS, computeMetrics } from './program-metrics.ts';

// The three charts (PRODUCT.md section 12): the funnel, the cohort trend and conversion by warmth, from the
// same numbers the digest and the calibration report show in text.

const DAY = 86_400_000;

function chart(filename: string, title: string, altText: string, svg: string): RenderedChart {
  return { filename, title, altText: altText.slice(0, 1000), ...renderPng(svg) };
}

export function funnelChart(f: Funnel, window: string): RenderedChart {
  const steps = [
    { label: 'EQLs', count: f.eql, rate: null },
    { label: 'Claimed', count: f.claimed, rate: f.overall.claimed },
    { label: 'Opportunity', count: f.opportunity, rate: f.overall.opportunity },
    { label: 'Won', count: f.won, rate: f.overall.won },
  ];
  const alt = `Funnel, ${window}: ${steps.map((s) => `${s.label} ${s.count}${s.rate === null ? '' : ` (${Math.round(s.rate * 100)}%)`}`).join(', ')}`;
  return chart('funnel.png', 'EQL funnel', alt, funnelSvg('EQL funnel', `${window} · rates of EQLs`, steps));
}

export function cohortChart(cohorts: readonly Cohort[]): RenderedChart {
  const points = cohorts.map((c) => ({
    label: c.week.slice(5),
    rate: c.funnel.eql > 0 ? c.funnel.opportunity / c.funnel.eql : null,
    n: c.funnel.eql,
  }));
  const rated = points.filter((p) => p.rate !== null);
  const alt = `EQL to opportunity by submission week: ${rated.map((p) => `${p.label} ${Math.round(p.rate! * 100)}% of ${p.n}`).join(', ') || 'no cohort old enough yet'}`;
  return chart(
    'cohort-trend.png',
    'Cohort trend',
    alt,
    trendSvg(
      'EQL → opportunity by submission week',
      `EQLs at least ${COHORT_MIN_AGE_DAYS} days old · n = mature EQLs in the week`,
      points,
    ),
  );
}

export function warmthChart(report: CalibrationReport): RenderedChart {
  const rows = report.signals.find((s) => s.signal === 'strength')?.rows.filter((r) => r.n > 0) ?? [];
  const bars = rows.map((r) => ({
    label: r.level === 'unknown' ? 'none' : `${r.level}/5`,
    rate: r.opportunityRate,
    low: r.opportunityCi?.low ?? null,
    high: r.opportunityCi?.high ?? null,
    n: r.n,
    small: r.belowSample,
  }));
  const alt = `EQL to opportunity by warmth strength: ${bars.map((b) => `${b.label} ${b.rate === null ? '—' : `${Math.round(b.rate * 100)}%`} of ${b.n}`).join(', ')}`;
  return chart(
    'conversion-by-warmth.png',
    'Conversion by warmth',
    alt,
    rateBarsSvg(
      'EQL → opportunity by warmth strength',
      `${report.overall.n.toLocaleString('en-US')} judged EQLs · bars with 95% intervals · pale: fewer than ${report.minSample}`,
      bars,
    ),
  );
}

/** Every chart for `now`: the trailing 90 days' funnel, 26 weeks of cohorts, conversion by warmth. */
export async function renderInsightCharts(
  deps: ServiceDeps,
  now: number = deps.now(),
): Promise<RenderedChart[]> {
  const metrics = computeMetrics(
    deps.config,
    await loadLeadFacts(deps.db, { since: now - 182 * DAY, until: now + 1 }),
    now,
  );
  const trailing = computeMetrics(
    deps.config,
    await loadLeadFacts(deps.db, { since: now - 90 * DAY, until: now + 1 }),
    now,
  );
  return [
    funnelChart(trailing.funnel, 'trailing 90 days'),
    cohortChart(metrics.cohorts),
    warmthChart((await buildCalibration(deps, now)).report),
  ];
}

/** An outbox row uploading `chart` to `recipient` (a channel, or a user's DM), after the messages before it. */
export function chartUpload(
  recipient: string,
  key: string,
  chart: RenderedChart,
  notBefore?: number,
): OutboxMessage {
  const payload: FileUploadPayload = {
    channel: recipient,
    filename: chart.filename,
    title: chart.title,
    alt_txt: chart.altText,
    content_base64: chart.png.toString('base64'),
  };
  return {
    deliveryKey: key,
    recipient,
    method: FILE_UPLOAD_METHOD,
    payload: { ...payload },
    leadId: null,
    ...(notBefore !== undefined ? { notBefore } : {}),
  };
}

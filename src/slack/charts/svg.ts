// Charts as SVG, built by hand from a small spec (PRODUCT.md section 12: "where a picture reads faster than
// text"). Pure string building, no chart service: partner data never leaves the deployment. `render.ts`
// turns the SVG into a PNG with resvg. Every label is XML-escaped; the messages that carry a chart say the
// same numbers in text, so a chart is never the only place a number is.

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;
const FONT = 'DejaVu Sans, Arial, sans-serif';
const INK = '#1d1c1d';
const MUTED = '#616061';
const GRID = '#e8e8e8';
const BAR = '#2f6fdf';
const BAR_SMALL = '#b8c7e6';
const LINE = '#0b8a5f';

export function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(
  x: number,
  y: number,
  s: string,
  opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; color?: string; bold?: boolean } = {},
): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT}" font-size="${opts.size ?? 13}" fill="${opts.color ?? INK}" text-anchor="${opts.anchor ?? 'start'}"${opts.bold ? ' font-weight="bold"' : ''}>${xml(s)}</text>`;
}

function frame(title: string, subtitle: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}"><rect width="100%" height="100%" fill="#ffffff"/>${text(24, 34, title, { size: 20, bold: true })}${text(24, 56, subtitle, { size: 13, color: MUTED })}${body}</svg>`;
}

const pct = (r: number) => `${Math.round(r * 100)}%`;

/** An axis top in whole percent divisible into four whole-percent steps, above `highest` with headroom. */
export function axisMax(highest: number): number {
  const step = Math.max(1, Math.ceil((Math.max(0.04, highest) * 110) / 4));
  return Math.min(100, step * 4) / 100;
}

export interface FunnelStep {
  label: string;
  count: number;
  /** Share of the first step (null for the first). */
  rate: number | null;
}

/** Horizontal bars EQL → claimed → opportunity → won, each with its count and rate of EQLs. */
export function funnelSvg(title: string, subtitle: string, steps: readonly FunnelStep[]): string {
  const max = Math.max(1, ...steps.map((s) => s.count));
  const left = 150;
  const right = CHART_WIDTH - 180;
  const top = 84;
  const rowH = Math.min(70, (CHART_HEIGHT - top - 20) / Math.max(1, steps.length));
  const body = steps
    .map((s, i) => {
      const y = top + i * rowH;
      const w = Math.max(s.count > 0 ? 2 : 0, ((right - left) * s.count) / max);
      const label = `${s.count.toLocaleString('en-US')}${s.rate === null ? '' : ` · ${pct(s.rate)}`}`;
      return `${text(left - 12, y + rowH * 0.5 + 5, s.label, { anchor: 'end', size: 15 })}<rect x="${left}" y="${(y + rowH * 0.15).toFixed(1)}" width="${w.toFixed(1)}" height="${(rowH * 0.7).toFixed(1)}" rx="4" fill="${BAR}"/>${text(left + w + 10, y + rowH * 0.5 + 5, label, { size: 15, bold: true })}`;
    })
    .join('');
  return frame(title, subtitle, body);
}

export interface TrendPoint {
  label: string;
  /** Rate 0–1, or null when the period has nothing mature to rate. */
  rate: number | null;
  n: number;
}

/** A line of a rate over periods (cohorts), with the number of leads under each point. */
export function trendSvg(title: string, subtitle: string, points: readonly TrendPoint[]): string {
  const left = 64;
  const right = CHART_WIDTH - 24;
  const top = 80;
  const bottom = CHART_HEIGHT - 60;
  const rated = points.filter((p) => p.rate !== null);
  const maxRate = axisMax(Math.max(0, ...rated.map((p) => p.rate!)));
  const x = (i: number) =>
    points.length <= 1 ? (left + right) / 2 : left + ((right - left) * i) / (points.length - 1);
  const y = (r: number) => bottom - ((bottom - top) * r) / maxRate;
  let body = '';
  for (let g = 0; g <= 4; g++) {
    const r = (maxRate * g) / 4;
    body += `<line x1="${left}" x2="${right}" y1="${y(r).toFixed(1)}" y2="${y(r).toFixed(1)}" stroke="${GRID}"/>${text(left - 8, y(r) + 4, pct(r), { anchor: 'end', size: 11, color: MUTED })}`;
  }
  let path = '';
  points.forEach((p, i) => {
    if (p.rate === null) return;
    path += `${path === '' ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.rate).toFixed(1)}`;
  });
  if (path) body += `<path d="${path}" fill="none" stroke="${LINE}" stroke-width="3"/>`;
  const every = Math.max(1, Math.ceil(points.length / 12));
  points.forEach((p, i) => {
    if (p.rate !== null)
      body += `<circle cx="${x(i).toFixed(1)}" cy="${y(p.rate).toFixed(1)}" r="4" fill="${LINE}"/>`;
    if (i % every === 0) {
      body += text(x(i), bottom + 18, p.label, { anchor: 'middle', size: 11, color: MUTED });
      body += text(x(i), bottom + 34, `n=${p.n}`, { anchor: 'middle', size: 10, color: MUTED });
    }
  });
  if (rated.length === 0)
    body += text(CHART_WIDTH / 2, (top + bottom) / 2, 'No cohort old enough to rate yet', {
      anchor: 'middle',
      color: MUTED,
    });
  return frame(title, subtitle, body);
}

export interface RateBar {
  label: string;
  rate: number | null;
  low: number | null;
  high: number | null;
  n: number;
  /** Below the minimum sample: drawn pale. */
  small: boolean;
}

/** Vertical bars of a rate per level with 95% interval whiskers (conversion by warmth). */
export function rateBarsSvg(title: string, subtitle: string, bars: readonly RateBar[]): string {
  const left = 64;
  const right = CHART_WIDTH - 24;
  const top = 80;
  const bottom = CHART_HEIGHT - 60;
  const maxRate = axisMax(Math.max(0, ...bars.map((b) => b.high ?? b.rate ?? 0)));
  const y = (r: number) => bottom - ((bottom - top) * r) / maxRate;
  const slot = (right - left) / Math.max(1, bars.length);
  let body = '';
  for (let g = 0; g <= 4; g++) {
    const r = (maxRate * g) / 4;
    body += `<line x1="${left}" x2="${right}" y1="${y(r).toFixed(1)}" y2="${y(r).toFixed(1)}" stroke="${GRID}"/>${text(left - 8, y(r) + 4, pct(r), { anchor: 'end', size: 11, color: MUTED })}`;
  }
  bars.forEach((b, i) => {
    const cx = left + slot * (i + 0.5);
    const w = slot * 0.55;
    if (b.rate !== null) {
      body += `<rect x="${(cx - w / 2).toFixed(1)}" y="${y(b.rate).toFixed(1)}" width="${w.toFixed(1)}" height="${(bottom - y(b.rate)).toFixed(1)}" rx="3" fill="${b.small ? BAR_SMALL : BAR}"/>`;
      body += text(cx, y(b.high ?? b.rate) - 8, pct(b.rate), {
        anchor: 'middle',
        size: 13,
        bold: true,
        color: b.small ? MUTED : INK,
      });
    }
    if (b.low !== null && b.high !== null) {
      body += `<line x1="${cx}" x2="${cx}" y1="${y(b.low).toFixed(1)}" y2="${y(b.high).toFixed(1)}" stroke="${INK}" stroke-width="1.5"/><line x1="${cx - 8}" x2="${cx + 8}" y1="${y(b.low).toFixed(1)}" y2="${y(b.low).toFixed(1)}" stroke="${INK}" stroke-width="1.5"/><line x1="${cx - 8}" x2="${cx + 8}" y1="${y(b.high).toFixed(1)}" y2="${y(b.high).toFixed(1)}" stroke="${INK}" stroke-width="1.5"/>`;
    }
    body += text(cx, bottom + 20, b.label, { anchor: 'middle', size: 13 });
    body += text(cx, bottom + 36, `n=${b.n.toLocaleString('en-US')}${b.small ? ' (few)' : ''}`, {
      anchor: 'middle',
      size: 11,
      color: MUTED,
    });
  });
  body += `<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="${MUTED}"/>`;
  return frame(title, subtitle, body);
}

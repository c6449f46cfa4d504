import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { calibrationReport } from '../../src/core/calibration.ts';
import { toFunnel } from '../../src/core/metrics.ts';
import { cohortChart, funnelChart, warmthChart } from '../../src/services/insight-charts.ts';
import type { RenderedChart } from '../../src/slack/charts/render.ts';
import { axisMax, funnelSvg, xml } from '../../src/slack/charts/svg.ts';
import { signalCell } from './fixtures.ts';

// Each chart is a real PNG: its header says 800×400, and its pixels are not one flat colour (the IDAT
// stream, inflated, holds many distinct values: bars, text and lines were drawn).

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  pixels: Buffer;
}

function decodePng(buf: Buffer): Png {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let ihdr: Buffer | null = null;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  expect(ihdr).not.toBeNull();
  return {
    width: ihdr!.readUInt32BE(0),
    height: ihdr!.readUInt32BE(4),
    bitDepth: ihdr![8]!,
    colorType: ihdr![9]!,
    pixels: inflateSync(Buffer.concat(idat)),
  };
}

/** Share of rows (after the filter byte) whose bytes are not all the background. */
function inkedRows(p: Png): number {
  const channels = p.colorType === 6 ? 4 : p.colorType === 2 ? 3 : 1;
  const stride = 1 + p.width * channels;
  expect(p.pixels.length).toBe(stride * p.height);
  let inked = 0;
  for (let y = 0; y < p.height; y++) {
    const row = p.pixels.subarray(y * stride + 1, (y + 1) * stride);
    // filtered rows: a flat white row is all zero after Sub/Up filters or all 0xff unfiltered
    if (row.some((b) => b !== 0 && b !== 0xff)) inked++;
  }
  return inked / p.height;
}

function check(chart: RenderedChart, filename: string) {
  expect(chart.filename).toBe(filename);
  const png = decodePng(chart.png);
  expect([png.width, png.height]).toEqual([800, 400]);
  expect([chart.width, chart.height]).toEqual([800, 400]);
  expect(new Set(png.pixels).size).toBeGreaterThan(20);
  expect(inkedRows(png)).toBeGreaterThan(0.15);
  expect(chart.altText.length).toBeGreaterThan(10);
  expect(chart.altText.length).toBeLessThanOrEqual(1000);
}

const cohort = (week: string, eql: number, opp: number) => ({
  week,
  weekStart: '2026-09-07',
  surfaced: eql + 2,
  eql,
  young: 0,
  funnel: toFunnel({ eql, claimed: eql, opportunity: opp, won: Math.floor(opp / 2), lost: 0 }),
});

describe('charts', () => {
  it('renders the funnel', () => {
    const c = funnelChart(
      toFunnel({ eql: 120, claimed: 100, opportunity: 30, won: 9, lost: 10 }),
      'trailing 90 days',
    );
    check(c, 'funnel.png');
    expect(c.altText).toBe(
      'Funnel, trailing 90 days: EQLs 120, Claimed 100 (83%), Opportunity 30 (25%), Won 9 (8%)',
    );
  });

  it('renders the cohort trend, and an empty one', () => {
    check(
      cohortChart([cohort('2026-W36', 20, 4), cohort('2026-W37', 25, 8), cohort('2026-W38', 30, 6)]),
      'cohort-trend.png',
    );
    const empty = cohortChart([cohort('2026-W40', 0, 0)]);
    check(empty, 'cohort-trend.png');
    expect(empty.altText).toContain('no cohort old enough yet');
  });

  it('renders conversion by warmth with intervals', () => {
    const report = calibrationReport(
      [
        signalCell({ strength: '3' }, 200, 10, { won: 2 }),
        signalCell({ strength: '4' }, 200, 40, { won: 10 }),
        signalCell({ strength: '5' }, 12, 5, { won: 2 }),
      ],
      [],
      { minSample: 30, weakRatio: 0.5, current: { minStrength: 3, maxAgeDays: 90, minScore: 60 } },
    );
    const c = warmthChart(report);
    check(c, 'conversion-by-warmth.png');
    expect(c.altText).toBe(
      'EQL to opportunity by warmth strength: 3/5 5% of 200, 4/5 20% of 200, 5/5 42% of 12',
    );
  });

  it('escapes labels and picks whole-percent axes', () => {
    expect(xml('<b>&"')).toBe('&lt;b&gt;&amp;&quot;');
    expect(funnelSvg('A & B', '<x>', [])).toContain('A &amp; B');
    expect(axisMax(0.33)).toBe(0.4); // 33% × 1.1 = 36.3 → steps of 10
    expect(axisMax(0.05)).toBe(0.08);
    expect(axisMax(0)).toBe(0.08);
    expect(axisMax(0.95)).toBe(1);
  });
});

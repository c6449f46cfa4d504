import { createRequire } from 'node:module';
import type * as ResvgJs from '@resvg/resvg-js';

// SVG → PNG inside Foothold with resvg (a Rust renderer shipped as a native npm package): no browser, no
// chart service, nothing sent anywhere. Text uses the machine's fonts (DejaVu Sans where present); without
// any font the bars and lines still render, and the message's text carries every number anyway.

export interface RenderedChart {
  /** `funnel.png`, … */
  filename: string;
  title: string;
  /** Alt text for screen readers (Slack's `alt_txt`, at most 1,000 characters). */
  altText: string;
  width: number;
  height: number;
  png: Buffer;
}

// The native renderer is loaded on the first chart (the digest and the monthly insight render them), not when the
// bot starts (B6, README "Performance").
let resvg: typeof ResvgJs | undefined;

export function renderPng(svg: string): { png: Buffer; width: number; height: number } {
  resvg ??= createRequire(import.meta.url)('@resvg/resvg-js') as typeof ResvgJs;
  const r = new resvg.Resvg(svg, {
    fitTo: { mode: 'original' },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  const img = r.render();
  return { png: img.asPng(), width: img.width, height: img.height };
}

import { Resvg } from '@resvg/resvg-js';

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

export function renderPng(svg: string): { png: Buffer; width: number; height: number } {
  const r = new Resvg(svg, {
    fitTo: { mode: 'original' },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  const img = r.render();
  return { png: img.asPng(), width: img.width, height: img.height };
}

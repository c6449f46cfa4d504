import { Transform, type TransformCallback } from 'node:stream';

// Import progress on a terminal: lines and bytes read, the rate, and the time left, redrawn in place.

export interface ProgressState {
  bytes: number;
  totalBytes: number;
  /** Line breaks read so far: data rows plus the header (a value with a line break inside counts twice). */
  lines: number;
  elapsedMs: number;
}

const n = (v: number) => Math.round(v).toLocaleString('en-US');

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `accounts.csv: 412,000 rows · 38.1 MB of 92.4 MB (41%) · 61,000 rows/s · about 9 s left` */
export function formatProgress(file: string, p: ProgressState): string {
  const rows = Math.max(0, p.lines - 1);
  const share = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 0;
  const seconds = p.elapsedMs / 1000;
  const parts = [
    `${file}: ${n(rows)} rows`,
    `${size(p.bytes)} of ${size(p.totalBytes)} (${Math.floor(share * 100)}%)`,
  ];
  if (seconds >= 0.5 && p.bytes > 0) {
    parts.push(`${n(rows / seconds)} rows/s`);
    const left = ((p.totalBytes - p.bytes) / p.bytes) * p.elapsedMs;
    parts.push(share >= 1 ? 'finishing' : `about ${duration(left)} left`);
  }
  return parts.join(' · ');
}

/** A pass-through stream that counts bytes and line breaks for the progress line. */
export class ProgressCounter extends Transform {
  bytes = 0;
  lines = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    let i = chunk.indexOf(0x0a);
    while (i !== -1) {
      this.lines += 1;
      i = chunk.indexOf(0x0a, i + 1);
    }
    callback(null, chunk);
  }
}

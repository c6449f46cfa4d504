import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The benchmark suite's smoke test: `npm run bench -- --quick` with tiny sizes must run every benchmark and
// report, for each, a figure and its baseline from the same run. Times are never asserted (machines are shared
// and noisy); `npm run bench` is where they are measured.

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'foothold-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  median: number;
  samples: number[];
}
interface Figure {
  id: string;
  what: string;
  value: Summary;
  baseline: Summary;
  pass: boolean | null;
}

describe('npm run bench -- --quick', () => {
  it('runs B1–B10 and reports each figure beside its baseline', () => {
    const out = join(dir, 'results.json');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench/run.ts'), '--quick', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 480_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      mode: string;
      machine: { cores: number; node: string };
      figures: Figure[];
    };
    expect(results.mode).toBe('quick');
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    const ids = new Set(results.figures.map((f) => f.id));
    expect([...ids].sort()).toEqual(['B1', 'B10', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9']);
    for (const f of results.figures) {
      expect(f.value.samples.length, `${f.id} ${f.what}`).toBeGreaterThan(0);
      expect(f.baseline.samples.length, `${f.id} ${f.what}`).toBeGreaterThan(0);
      expect(Number.isFinite(f.value.median), `${f.id} ${f.what}`).toBe(true);
      expect(Number.isFinite(f.baseline.median), `${f.id} ${f.what}`).toBe(true);
    }
    // The table is printed with a verdict for every figure that has a target.
    expect(run.stdout).toMatch(/\| B1 +\|/);
    expect(run.stdout).toMatch(/PASS|MISS/);
  }, 510_000);
});

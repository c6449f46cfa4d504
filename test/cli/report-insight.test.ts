import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { parseProgramConfig } from '../../src/config/program-config.ts';
import { closeDb, openDb } from '../../src/db/connection.ts';
import { syncProgram } from '../../src/db/stores/program-store.ts';
import { seedLearningProgram } from '../../src/dev/seed-learning.ts';

// `report calibration|model|map|needs|charts` on a seeded program (strength 5 converts at 40%, 3 at 5%;
// Northwind converts twice as well in fintech).

class Buffered extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString('utf8');
    cb();
  }
}

const NOW = Date.parse('2026-11-16T15:00:00Z');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-'));
  const configPath = join(dir, 'foothold.config.json');
  copyFileSync(new URL('../../foothold.config.example.json', import.meta.url), configPath);
  const db = openDb(join(dir, 'data/foothold.db'));
  await syncProgram(db, parseProgramConfig(JSON.parse(readFileSync(configPath, 'utf8'))), NOW);
  await seedLearningProgram(db, {
    seed: 5,
    leads: 2500,
    now: NOW,
    partners: ['northwind', 'contoso'],
    pOpportunity: (l) =>
      (({ 3: 0.05, 4: 0.2, 5: 0.4 }) as Record<number, number>)[l.strength]! *
      (l.partnerSlug === 'northwind' && l.industry === 'fintech' ? 2 : 1),
  });
  await closeDb(db);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(line: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Buffered();
  const stderr = new Buffered();
  const code = await runCli(line.split(' '), { stdout, stderr, env: {}, cwd: dir, now: () => NOW });
  return { code, out: stdout.text, err: stderr.text };
}

describe('report (learning loop)', () => {
  it('calibration: every signal table, bracketed small cells, and the suggestion', async () => {
    const r = await cli('report calibration');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Calibration: [\d,]+ judged EQLs \(EQLs won, lost, disqualified, expired, plus open EQLs at least 90 days old\)/,
    );
    for (const label of [
      'Warmth strength',
      'Relationship',
      'Willing to introduce',
      'Days since last interaction',
      'ICP score',
      'Overlap',
      'Corroborating partners',
      'Partner × industry',
      'Partner × country',
      'Partner × employees',
    ])
      expect(r.out).toContain(label);
    expect(r.out).toMatch(/warmth 3\/5\s+[\d,]+\s+\d\.\d% \[/);
    expect(r.out).toContain('consider warmth.minStrength: 4.');
    const json = JSON.parse((await cli('report calibration --format json')).out);
    expect(json.report.signals).toHaveLength(7);
  });

  it('model: says there is no fit yet, then prints the held-out figures after jobs run model-fit', async () => {
    expect((await cli('report model')).out).toContain('No EQL score fitted yet');
    const fit = await cli('jobs run model-fit');
    expect(fit.out).toMatch(/^model-fit 2026-11-16 at .*:\n {2}fitted on [\d]+ judged EQLs/);
    const r = await cli('report model');
    expect(r.out).toMatch(/Held-out evaluation/);
    expect(r.out).toMatch(/model\s+AUC 0\.\d{3}\s+Brier 0\.\d{4}/);
    expect(r.out).toMatch(/prior \(strength only\)\s+AUC 0\.\d{3}/);
    expect(r.out).toContain('Prior: overall');
  });

  it('map: whom to ask about a fintech account in Germany', async () => {
    const r = await cli('report map --industry fintech --country DE');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Partners to ask about a fintech, DE account:');
    expect(r.out).toMatch(/ {2}- Northwind Consulting: .* in fintech; .* in DE\n {2}- Contoso Systems/);
    expect(r.out).toMatch(/Industry: fintech \([\d,]+ EQLs\)/);
    expect((await cli('report map --employees lots')).code).toBe(2);
  });

  it('needs: themes with counts and quotes', async () => {
    const r = await cli('report needs --since 2026-01-01');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^What accounts need: [\d,]+ partner answers/);
    expect(r.out).toMatch(/\naudit logs: \d+ \(\d+% of answers\)/);
    expect((await cli('report needs --since yesterday')).code).toBe(2);
  });

  it('charts: three PNGs written where asked', async () => {
    const r = await cli('report charts --out charts');
    expect(r.code).toBe(0);
    for (const f of ['funnel.png', 'cohort-trend.png', 'conversion-by-warmth.png']) {
      expect(r.out).toContain(`${join(dir, 'charts', f)}:`);
      expect(
        readFileSync(join(dir, 'charts', f))
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    }
  });
});

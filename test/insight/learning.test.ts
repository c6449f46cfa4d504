import { afterEach, describe, expect, it } from 'vitest';
import { modelScore } from '../../src/core/eql-score.ts';
import { getLeadView } from '../../src/db/stores/lead-store.ts';
import { seedLearningProgram } from '../../src/dev/seed-learning.ts';
import { currentScore, scoreLeadView } from '../../src/services/eql-score.ts';
import { buildCalibration, computeScoreFit, fitAndSaveScore } from '../../src/services/insight.ts';
import { leadStatus } from '../../src/services/read-leads.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { goodSubmission, NORTHWIND, REP1 } from '../helpers/actors.ts';
import { openTestDb, serviceDeps, type TestDb, testClock, testConfig } from '../helpers/db.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

// Seeded programs with a known generating process: the report must recover what the process put there, the
// model must rank better than chance and be calibrated, and with too little data it must fall back and say so.

const NOW = Date.parse('2026-11-16T15:00:00Z');
const STRENGTH_RATE: Record<number, number> = { 3: 0.05, 4: 0.2, 5: 0.4 };

let t: TestDb | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

async function program(
  leads: number,
  pOpportunity: Parameters<typeof seedLearningProgram>[1]['pOpportunity'],
  patch = (_: Record<string, unknown>) => {},
) {
  t = await openTestDb();
  const config = testConfig((raw) => {
    raw.insight = { minSample: 30 };
    raw.score = { minOutcomes: 200 };
    patch(raw);
  });
  const deps = await serviceDeps(t.db, config, testClock(NOW).now);
  await seedLearningProgram(t.db, {
    seed: 7,
    leads,
    now: NOW,
    partners: ['northwind', 'contoso'],
    pOpportunity,
  });
  return deps;
}

describe('calibration on a seeded program', () => {
  it('recovers each strength’s rate within its interval, and suggests raising the floor', async () => {
    const deps = await program(3000, (l) => STRENGTH_RATE[l.strength]!);
    const { report } = await buildCalibration(deps, NOW);
    const strength = report.signals.find((s) => s.signal === 'strength')!;
    for (const level of ['3', '4', '5']) {
      const row = strength.rows.find((r) => r.level === level)!;
      expect(row.n).toBeGreaterThan(800);
      expect(row.opportunityCi!.low).toBeLessThanOrEqual(STRENGTH_RATE[Number(level)]!);
      expect(row.opportunityCi!.high).toBeGreaterThanOrEqual(STRENGTH_RATE[Number(level)]!);
    }
    // every judged EQL is counted once per signal
    for (const table of report.signals)
      expect(table.rows.reduce((s, r) => s + r.n, 0)).toBe(report.overall.n);
    // open leads younger than matureDays are not judged: the seed makes 10% of them open and young
    expect(report.overall.n).toBeLessThan(3000);
    expect(report.overall.n).toBeGreaterThan(2500);
    expect(report.suggestions.map((s) => [s.setting, s.value])).toContainEqual(['warmth.minStrength', 4]);
    // corroboration, relationship and partner × segment cells are there too
    expect(report.signals.find((s) => s.signal === 'corroboration')!.rows.map((r) => r.level)).toEqual([
      '0',
      '1',
      '2+',
    ]);
    expect(
      report.segments.some(
        (s) => s.partnerSlug === 'northwind' && s.dimension === 'country' && s.level === 'DE',
      ),
    ).toBe(true);
  });

  it('honours the configured population: without disqualified and expired, fewer leads are judged', async () => {
    const deps = await program(
      1000,
      (l) => STRENGTH_RATE[l.strength]!,
      (raw) => {
        raw.insight = { minSample: 30, includeDisqualified: false, includeExpired: false };
      },
    );
    const narrow = (await buildCalibration(deps, NOW)).report.overall;
    const wide = (await buildCalibration({ ...deps, config: testConfig() }, NOW)).report.overall;
    expect(narrow.n).toBeLessThan(wide.n);
    expect(narrow.opportunityRate!).toBeGreaterThan(wide.opportunityRate!);
  });
});

describe('the EQL score', () => {
  it('ranks better than chance, is calibrated, beats the prior when a second signal matters', async () => {
    const deps = await program(4000, (l) => STRENGTH_RATE[l.strength]! * (l.willing ? 1.5 : 0.25));
    const fit = await computeScoreFit(deps, NOW);
    expect(fit.use).toBe('model');
    expect(fit.reason).toBeNull();
    const held = fit.heldOut!;
    expect(held.model.auc!).toBeGreaterThan(0.7);
    expect(held.model.auc!).toBeGreaterThan(held.prior.auc!);
    expect(held.model.brier!).toBeLessThan(held.prior.brier!);
    // calibrated: in each bin with enough leads, predicted and observed agree within 8 points
    for (const bin of held.model.calibration.filter((b) => b.n >= 100))
      expect(Math.abs(bin.predicted - bin.observed)).toBeLessThan(0.08);
    // the coefficients point the way the process does
    const m = fit.model!;
    expect(m.coefficients['strength=5']!).toBeGreaterThan(m.coefficients['strength=3']!);
    expect(m.coefficients['willing=yes']!).toBeGreaterThan(m.coefficients['willing=no']!);
    const base = {
      relationship: 'prospect',
      recency: '0-14',
      icp: '80-89',
      overlap: 'verified',
      corroboration: '0',
    };
    const p = modelScore(m, { ...base, strength: '5', willing: 'yes' });
    expect(p).toBeGreaterThan(0.45);
    expect(p).toBeLessThan(0.75);
  });

  it('ranks no better than the prior when only strength matters', async () => {
    const deps = await program(3000, (l) => STRENGTH_RATE[l.strength]!);
    const fit = await computeScoreFit(deps, NOW);
    // only strength matters: the regression ranks no better than strength alone
    const held = fit.heldOut!;
    expect(held.prior.auc!).toBeGreaterThan(0.6);
    expect(Math.abs(held.model.auc! - held.prior.auc!)).toBeLessThan(0.03);
  });

  it('with too little data falls back to the prior and says so', async () => {
    const deps = await program(120, (l) => STRENGTH_RATE[l.strength]!);
    const { fit } = await fitAndSaveScore(deps, NOW);
    expect(fit.use).toBe('prior');
    expect(fit.model).toBeNull();
    expect(fit.reason).toMatch(/^only \d+ judged EQLs so far; the model needs 200$/);
    // the prior is the smoothed strength rate, and a lead is scored by it with one reason
    const score = (await currentScore(deps.db))!;
    expect(score.use).toBe('prior');
    const prior = fit.prior.strength['5']!;
    expect(prior.rate).toBeCloseTo((prior.opportunity + 20 * fit.prior.overall) / (prior.n + 20), 10);
  });

  it('scores a stored lead with its top reasons from the saved model', async () => {
    const deps = await program(4000, (l) => STRENGTH_RATE[l.strength]! * (l.willing ? 1.5 : 0.25));
    await fitAndSaveScore(deps, NOW);
    const score = (await currentScore(deps.db))!;
    expect(score.use).toBe('model');
    const id = (
      (await sqlGet(
        deps.db,
        'SELECT l.id FROM leads l JOIN warmth_attestations w ON w.lead_id = l.id WHERE w.strength = 5 AND w.willing_to_introduce = true LIMIT 1',
      )) as { id: number }
    ).id;
    const view = (await getLeadView(deps.db, id, () => null))!;
    const s = scoreLeadView(score, view)!;
    expect(s.source).toBe('model');
    expect(s.probability).toBeGreaterThan(0.4);
    expect(s.reasons.length).toBeGreaterThan(0);
    expect(s.reasons.length).toBeLessThanOrEqual(3);
    expect(s.reasons.map((r) => r.phrase)).toContain('warmth 5/5');
    expect(s.reasons.find((r) => r.phrase === 'warmth 5/5')!.points).toBeGreaterThan(0);
  });
});

describe('the score on Slack surfaces', () => {
  it('the routing post of a new EQL says how likely it is to reach opportunity, partners never see it', async () => {
    const deps = await program(4000, (l) => STRENGTH_RATE[l.strength]! * (l.willing ? 1.5 : 0.25));
    await fitAndSaveScore(deps, NOW);
    const res = await submitLead(
      deps,
      goodSubmission({ warmth: { ...goodSubmission().warmth!, strength: 5 } }),
    );
    if (res.kind !== 'created') throw new Error(res.kind);
    expect(res.status).toBe('qualified');
    const rows = (await sqlAll(
      deps.db,
      'select recipient, payload from outbox where lead_id = ? order by id',
      res.leadId,
    )) as Array<{ recipient: string; payload: string }>;
    const post = rows.find((r) => r.recipient === 'C0ROUTING')!;
    expect(post.payload).toMatch(/\*likely to reach opportunity: \d+%\* · warmth 5\/5 \(\+\d+ pts\)/);
    for (const r of rows.filter((x) => x.recipient !== 'C0ROUTING'))
      expect(r.payload).not.toContain('likely to reach');
  });

  it('before any fit, routing posts carry no score line', async () => {
    const deps = await program(10, () => 0.2);
    const res = await submitLead(deps, goodSubmission());
    if (res.kind !== 'created') throw new Error(res.kind);
    const post = (await sqlGet(
      deps.db,
      "select payload from outbox where lead_id = ? and recipient = 'C0ROUTING'",
      res.leadId,
    )) as { payload: string };
    expect(post.payload).not.toContain('likely to reach');
  });
});

describe('partners to ask', () => {
  it('/eql status on an account no partner has: internal people see who converts in its segment, partners do not', async () => {
    const deps = await program(3000, (l) =>
      l.partnerSlug === 'northwind' && l.industry === 'fintech' ? 0.5 : 0.1,
    );
    await fitAndSaveScore(deps, NOW);
    await sqlRun(
      deps.db,
      "INSERT INTO crm_accounts (domain, name, industry, employees, country, imported_at) VALUES ('newco.com', 'NewCo', 'fintech', 800, 'DE', 0)",
    );
    const internal = await leadStatus(deps, REP1, 'newco.com');
    expect(internal.leads).toEqual([]);
    expect(internal.hint).toMatch(
      /^🧭 Partners that convert in this segment: Northwind Consulting: \d+\.\d% \[[\d.–]+\] of \d+ in fintech/,
    );
    expect(internal.hint!.indexOf('Northwind')).toBeLessThan(internal.hint!.indexOf('Contoso'));
    const partner = await leadStatus(deps, NORTHWIND, 'newco.com');
    expect(partner.hint).toBeUndefined();
  });
});

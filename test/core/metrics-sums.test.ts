import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INTAKE_PARTS, type MetricLead, programMetrics } from '../../src/core/metrics.ts';
import { LEAD_STATUSES } from '../../src/core/types.ts';

// The digest's numbers add up (issue 14): for any set of leads, the intake parts sum to surfaced, the funnel
// only narrows, sourced + influenced = all, the cohorts' weeks sum to the window, and the leaderboard's
// partners hold every surfaced lead and every EQL exactly once.

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T14:00:00Z');

const leadArb = fc
  .record({
    partner: fc.constantFrom('a', 'b', 'c', 'd'),
    credit: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }),
    status: fc.constantFrom(...LEAD_STATUSES),
    attribution: fc.constantFrom('sourced' as const, 'influenced' as const),
    ageDays: fc.integer({ min: 0, max: 89 }),
    qualified: fc.boolean(),
    claimed: fc.boolean(),
    opportunity: fc.boolean(),
  })
  .map((r): Omit<MetricLead, 'id'> => {
    const createdAt = NOW - r.ageDays * DAY - 3_600_000;
    return {
      partnerSlug: r.partner,
      creditSlug: r.credit,
      status: r.status,
      attribution: r.attribution,
      createdAt,
      qualifiedAt: r.qualified ? createdAt + 1000 : null,
      claimedAt: r.qualified && r.claimed ? createdAt + 2000 : null,
      opportunityAt: r.qualified && r.claimed && r.opportunity ? createdAt + 3000 : null,
      closedAt: ['won', 'lost', 'disqualified', 'merged'].includes(r.status) ? createdAt + 4000 : null,
      gateOutcomes: null,
    };
  });

describe('the digest adds up', () => {
  it('for any leads', () => {
    fc.assert(
      fc.property(fc.array(leadArb, { maxLength: 120 }), (raw) => {
        const leads = raw.map((l, i) => ({ ...l, id: i + 1 }));
        const m = programMetrics(leads, { tz: 'America/New_York', nowMs: NOW, minAgeDays: 28, minSample: 1 });
        const i = m.intake;
        expect(INTAKE_PARTS.reduce((sum, part) => sum + i.parts[part], 0)).toBe(i.surfaced);
        expect(i.surfaced).toBe(leads.length);
        expect(i.parts.eql).toBe(m.funnel.eql);
        expect(i.qualified).toBe(i.parts.eql);
        expect(i.candidates).toBe(i.parts.candidates);
        const f = m.funnel;
        expect(f.eql).toBeGreaterThanOrEqual(f.claimed);
        expect(f.claimed).toBeGreaterThanOrEqual(f.opportunity);
        expect(f.opportunity).toBeGreaterThanOrEqual(f.won);
        const { sourced, influenced } = m.attribution;
        expect(sourced.eql + influenced.eql).toBe(f.eql);
        expect(sourced.surfaced + influenced.surfaced).toBe(i.surfaced);
        expect(sourced.won + influenced.won).toBe(f.won);
        expect(m.cohorts.reduce((n, c) => n + c.surfaced, 0)).toBe(i.surfaced);
        expect(m.cohorts.reduce((n, c) => n + c.eql, 0)).toBe(f.eql);
        // Intake by submitter, conversion by the credit holder: each lead once on each side.
        expect(m.leaderboard.reduce((n, e) => n + e.surfaced, 0)).toBe(i.surfaced);
        expect(m.leaderboard.reduce((n, e) => n + e.eql, 0)).toBe(f.eql);
        expect(m.leaderboard.reduce((n, e) => n + e.opportunity, 0)).toBe(f.opportunity);
      }),
      { numRuns: 300 },
    );
  });
});

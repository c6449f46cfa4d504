import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { scorecardsJob } from '../../src/jobs/scorecards-job.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { buildScorecards, scorecardPeriod } from '../../src/services/partner-scorecard.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { CONTOSO, goodSubmission, REP1 } from '../helpers/actors.ts';
import { at, DAY, type JobWorld, jobWorld, markAllSent, outbox, seedEql, textOf } from './helpers.ts';

// Tuesday 2026-12-01 09:00 New York: the scorecards for November 2026.
const DEC_1 = at('2026-12-01T14:00:00Z');

let w: JobWorld;
beforeEach(async () => {
  w = await jobWorld();
  // November: Northwind surfaces 3 EQLs (1 won) and a cold candidate; Contoso 1 EQL, an opportunity.
  const won = await seedEql(w);
  await seedEql(w);
  await seedEql(w);
  await submitLead(
    w.services,
    goodSubmission({
      accountName: 'Coldco',
      website: 'coldco.com',
      warmth: {
        strength: 1,
        contactName: null,
        contactTitle: null,
        contactEmail: null,
        lastInteractionOn: '2026-11-01',
        willingToIntroduce: false,
      },
    }),
  );
  const opp = await seedEql(w, { actor: CONTOSO });
  for (const id of [won, opp]) await claimLead(w.services, { actor: REP1, leadId: id });
  await recordOutcome(w.services, { actor: REP1, leadId: won, outcome: 'won' });
  await recordOutcome(w.services, { actor: REP1, leadId: opp, outcome: 'opportunity' });
  await markAllSent(w.db, w.clock.now());
});
afterEach(() => w.cleanup());

describe('monthly partner scorecards', () => {
  it('reports the calendar month before now in the program’s zone', () => {
    expect(scorecardPeriod(DEC_1, 'America/New_York')).toMatchObject({
      key: '2026-11',
      label: 'November 2026',
      since: at('2026-11-01T04:00:00Z'),
      until: at('2026-12-01T05:00:00Z'),
      trailingSince: at('2025-12-01T05:00:00Z'),
    });
    expect(scorecardPeriod(at('2027-01-01T06:00:00Z'), 'America/New_York').key).toBe('2026-12');
  });

  it('DMs each partner’s manager one scorecard per partner, once a month', async () => {
    const s = await scorecardsJob.run(w.jobDeps, DEC_1);
    expect(s.period).toBe('2026-11');
    expect(s.queued.map((q) => [q.to, q.deliveryKey])).toEqual([
      ['U0PAM', 'scorecard:2026-11:contoso'],
      ['U0PAM', 'scorecard:2026-11:northwind'],
    ]);
    const rows = await outbox(w.db, "delivery_key like 'scorecard:%'");
    for (const r of rows) expect(checkMessageBlocks(r.payload.blocks)).toEqual([]);
    const northwind = textOf(rows.find((r) => r.delivery_key.endsWith('northwind'))!.payload);
    expect(northwind).toContain('November 2026');
    expect(northwind).toMatch(/\*4\* surfaced/);
    expect(northwind).toMatch(/\*3\* EQLs \(75% of surfaced\)/);
    expect(northwind).toContain('*Warmth*: 1 of 1 candidates (100%)');
    expect(northwind).toContain('Program');

    expect((await scorecardsJob.run(w.jobDeps, DEC_1 + DAY)).skipped).toMatch(/already sent/);
    expect(await outbox(w.db, "delivery_key like 'scorecard:%'")).toHaveLength(2);
  });

  it('compares a partner with the program average on mature EQLs', async () => {
    const { cards } = await buildScorecards(w.services, DEC_1 + 40 * DAY); // January: November's EQLs are mature
    const nw = cards.find((c) => c.partner.slug === 'northwind')!;
    expect(nw.funnel.eql).toBe(3);
    expect(nw.funnel.won).toBe(1);
    expect(nw.program.eql).toBe(4);
    expect(nw.program.opportunity).toBe(2);
    expect(nw.outcomes.won).toBe(1);
    expect(nw.failingGates.map((g) => g.gate)).toEqual(['warmth']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { buildScorecards } from '../../src/services/partner-scorecard.ts';
import { buildProgramDigest } from '../../src/services/program-digest.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { digestMessage } from '../../src/slack/blocks/digest.ts';
import { scorecardMessage } from '../../src/slack/blocks/scorecard.ts';
import { REP1 } from '../helpers/actors.ts';
import { testConfig } from '../helpers/db.ts';
import { sqlRun } from '../helpers/sql.ts';
import { at, DAY, type JobWorld, jobWorld, seedEql, textOf } from './helpers.ts';

// The digest's revenue section answers "how much revenue did partner-sourced EQLs bring, how fast, compared
// with MQLs?" from the linked deals' amounts and dates, by currency.

let w: JobWorld;
afterEach(() => w.cleanup());

const START = at('2026-11-16T15:00:00Z');

async function deal(
  world: JobWorld,
  outcome: 'won' | 'opportunity',
  amount: number | null,
  currency: string | null,
  closeDays: number,
): Promise<number> {
  const id = await seedEql(world);
  await claimLead(world.services, { actor: REP1, leadId: id });
  await recordOutcome(world.services, { actor: REP1, leadId: id, outcome: 'opportunity' });
  if (outcome === 'won') await recordOutcome(world.services, { actor: REP1, leadId: id, outcome: 'won' });
  await sqlRun(
    world.db,
    `update leads set crm_opportunity_id = ?, opportunity_amount = ?, opportunity_currency = ?,
         crm_opportunity_created_at = qualified_at + 10 * 86400000,
         crm_opportunity_closed_at = case when status = 'won' then qualified_at + cast(? as bigint) * 86400000 end
       where id = ?`,
    `006${id}`,
    amount,
    currency,
    closeDays,
    id,
  );
  return id;
}

describe('the digest revenue section', () => {
  it('shows won and pipeline revenue by currency, speed, and each beside the MQL baseline', async () => {
    const config = testConfig();
    config.baselines = [
      {
        leadType: 'MQL',
        opportunityRate: 0.08,
        winRate: 0.02,
        avgDealSize: 40_000,
        currency: 'USD',
        daysToOpportunity: 30,
        daysToClose: 95,
      },
    ];
    w = await jobWorld({ config, start: START });
    await deal(w, 'won', 120_000, 'USD', 50);
    await deal(w, 'won', 80_000, 'USD', 70);
    await deal(w, 'opportunity', 60_000, 'USD', 0);
    await deal(w, 'won', 25_000, 'EUR', 40);
    await deal(w, 'won', null, null, 20);
    await seedEql(w); // an EQL with no deal: counts in revenue per EQL
    w.clock.set(START + 45 * DAY);
    const d = await buildProgramDigest(w.services);
    const msg = digestMessage(d);
    expect(checkMessageBlocks(msg.blocks)).toEqual([]);
    const text = textOf(msg);
    // The headline: sourced won revenue (largest currency first), its speed, the MQL figures.
    expect(text).toContain(
      'Partner-sourced EQLs won *$200,000* (and 1 other currency below) and took *45 days* on average from EQL to close; MQL: 95 days, won revenue per lead $800 against $33,333 per EQL.',
    );
    expect(text).toContain(
      '• *USD*: won *$200,000* (2 deals, average $100,000) · pipeline *$60,000* (1 open deal) · partner-sourced won $200,000, pipeline $60,000',
    );
    expect(text).toContain('• *EUR*: won *€25,000* (1 deal, average €25,000)');
    expect(text).toContain('1 won deal and 0 open opportunities have no amount in the CRM');
    expect(text).toContain('EQL → opportunity *10 days* on average (5 EQLs)');
    expect(text).toContain('• EQLs vs *MQL*: win rate 80% (MQL 25%) · to opportunity 10 days (MQL 30 days)');
    expect(text).toContain('average deal $100,000 (MQL $40,000)');
  });

  it('converts currencies only with configured rates, and says so', async () => {
    const config = testConfig();
    config.revenue = { currency: 'USD', rates: { EUR: 1.1 } };
    w = await jobWorld({ config, start: START });
    await deal(w, 'won', 100_000, 'USD', 30);
    await deal(w, 'won', 10_000, 'EUR', 30);
    w.clock.set(START + 40 * DAY);
    const text = textOf(digestMessage(await buildProgramDigest(w.services)));
    expect(text).toContain('• *USD (EUR converted at configured rates)*: won *$111,000* (2 deals');
    expect(text).not.toContain('€');
  });

  it('puts revenue on the partner scorecard beside the program', async () => {
    w = await jobWorld({ start: START });
    await deal(w, 'won', 90_000, 'USD', 30);
    w.clock.set(at('2027-01-04T14:00:00Z'));
    const { cards } = await buildScorecards(w.services);
    const card = cards.find((c) => c.revenue.groups.length > 0);
    expect(card).toBeDefined();
    const text = textOf(scorecardMessage(card!));
    expect(text).toContain('EQL → won *30 days* (program 30 days)');
    expect(text).toContain('• *USD*: won *$90,000* (1 deal, average $90,000)');
  });
});

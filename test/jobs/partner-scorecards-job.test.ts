import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partnerScorecardsJob } from '../../src/jobs/partner-scorecards-job.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { partnerOwnScorecard } from '../../src/services/partner-own-scorecard.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { decideReward } from '../../src/services/rewards.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { partnerScorecardMessage } from '../../src/slack/blocks/partner-scorecard.ts';
import { goodSubmission, LEADER, REP1 } from '../helpers/actors.ts';
import { testConfig } from '../helpers/db.ts';
import { sqlGet } from '../helpers/sql.ts';
import { at, DAY, type JobWorld, jobWorld, outbox, textOf } from './helpers.ts';

// Partners see their own scorecard (issue 13, item 8): their EQLs, conversion and rewards against the program
// average as rates only, shown only when enough other partners make up the average; never another partner's
// name, count or rank. Monthly by DM to the partner's own people, once per month.

const EXTRA = ['fabrikam', 'globex', 'initech'].map((slug, i) => ({
  slug,
  name: `${slug[0]!.toUpperCase()}${slug.slice(1)} Partners Ltd`,
  teamIds: [`T0EXTRA${i}`],
  channels: [],
  manager: 'U0PAM',
}));
const personOf = (slug: string) => {
  const i = EXTRA.findIndex((p) => p.slug === slug);
  if (slug === 'northwind') return { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: null };
  if (slug === 'contoso') return { userId: 'U0CONPAT', teamId: 'T0CONTOSO', channelId: null };
  return { userId: `U0EXTRA${i}`, teamId: `T0EXTRA${i}`, channelId: null };
};

let w: JobWorld;
let seq = 0;
async function eql(slug: string, outcome?: 'opportunity' | 'won'): Promise<number> {
  seq++;
  const base = goodSubmission();
  const res = await submitLead(
    w.services,
    goodSubmission({
      actor: personOf(slug),
      website: `sc-${seq}.com`,
      accountName: `SC ${slug} ${seq}`,
      warmth: { ...base.warmth!, lastInteractionOn: '2026-09-01' },
    }),
  );
  if (res.kind !== 'created' || res.status !== 'qualified') throw new Error(`seed failed: ${res.kind}`);
  if (outcome) {
    await claimLead(w.services, { actor: REP1, leadId: res.leadId });
    await recordOutcome(w.services, { actor: REP1, leadId: res.leadId, outcome });
  }
  return res.leadId;
}

beforeEach(async () => {
  w = await jobWorld({
    start: at('2026-09-10T15:00:00Z'),
    config: testConfig((raw) => {
      (raw.partners as unknown[]).push(...EXTRA);
      raw.rewards = { currency: 'USD', rules: [{ on: 'opportunity', points: 10 }] };
    }),
  });
  // Northwind: 4 EQLs, 2 to opportunity; Contoso and Fabrikam: EQLs that never moved.
  await eql('northwind', 'opportunity');
  await eql('northwind', 'opportunity');
  await eql('northwind');
  await eql('northwind');
  await eql('contoso');
  await eql('fabrikam');
  w.clock.set(at('2026-11-01T14:00:00Z')); // 1 Nov, 10:00 in New York: the October scorecards
});
afterEach(() => w.cleanup());

describe('a partner’s own scorecard', () => {
  it('hides the program average while fewer than minPeers other partners make it up, and never names anyone', async () => {
    const card = (await partnerOwnScorecard(w.services, 'northwind'))!;
    expect(card.funnel.eql).toBe(4);
    expect(card.funnel.opportunity).toBe(2);
    expect(card.program).toBeNull();
    expect(card.rewards.pending).toMatchObject({ points: 20, count: 2 });
    const text = textOf(partnerScorecardMessage(card));
    expect(text).toContain('to opportunity 2 of 4 EQLs (50%)');
    expect(text).toContain('appears once at least 3 other partners');
    for (const other of ['Contoso', 'Fabrikam', 'Globex', 'Initech', '#1', 'ranked'])
      expect(text).not.toContain(other);
  });

  it('shows the program average as rates once enough peers make it up, with the partner’s own rewards', async () => {
    const first = (await sqlGet(w.services.db, 'select id from reward_awards order by id limit 1')) as {
      id: number;
    };
    await decideReward(w.services, { actor: LEADER, awardId: first.id, approve: true });
    // A third peer with EQLs old enough to rate joins the average.
    w.clock.set(at('2026-09-12T15:00:00Z'));
    await eql('globex');
    w.clock.set(at('2026-11-01T14:00:00Z'));
    const card = (await partnerOwnScorecard(
      { ...w.services, now: () => w.clock.now() + 10 * 60_000 },
      'northwind',
    ))!;
    expect(card.program).toEqual({ opportunity: 2 / 7, won: 0 });
    expect(card.rewards.approved).toMatchObject({ points: 10 });
    const text = textOf(partnerScorecardMessage(card));
    expect(text).toContain('Program average: to opportunity *29%*');
    expect(text).toContain('Approved: *10 points*');
    // Rates only: the program's counts (7 EQLs) would let a partner subtract its own and learn the others'.
    expect(text).not.toMatch(/of 7/);
    for (const other of ['Contoso', 'Fabrikam', 'Globex', 'Initech']) expect(text).not.toContain(other);
  });
});

describe('the partner-scorecards job', () => {
  it('DMs each partner’s own people its own card on the 1st, once per month', async () => {
    const summary = await partnerScorecardsJob.run(w.jobDeps, w.clock.now());
    expect(summary.period).toBe('2026-10');
    const cards = (await outbox(w.db)).filter((m) => m.delivery_key.startsWith('partner-scorecard:'));
    expect(cards.map((m) => m.recipient).sort()).toEqual(['U0CONPAT', 'U0EXTRA0', 'U0NWPAT']);
    const nw = cards.find((m) => m.recipient === 'U0NWPAT')!;
    expect(textOf(nw.payload)).toContain('Your October 2026 scorecard');
    expect(textOf(nw.payload)).not.toContain('Contoso');
    // Globex and Initech: nobody known there and no shared channel: no card (their managers have theirs).
    const again = await partnerScorecardsJob.run(w.jobDeps, w.clock.now() + DAY);
    expect(again.queued).toEqual([]);
    expect(again.skipped).toBe('the partner scorecards for 2026-10 were already sent');
  });
});

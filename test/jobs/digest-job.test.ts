import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setRoutingPost } from '../../src/db/stores/lead-store.ts';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { digestJob } from '../../src/jobs/digest-job.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { disqualifyLead } from '../../src/services/disqualify-lead.ts';
import { buildProgramDigest } from '../../src/services/program-digest.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { digestMessage } from '../../src/slack/blocks/digest.ts';
import { CONTOSO, goodSubmission, LEADER, REP1 } from '../helpers/actors.ts';
import { testConfig } from '../helpers/db.ts';
import { seedBulk } from './bulk.ts';
import { at, DAY, HOUR, type JobWorld, jobWorld, markAllSent, outbox, seedEql, textOf } from './helpers.ts';

let w: JobWorld;
afterEach(() => w.cleanup());

// Monday 2026-11-23 09:00 New York: the example's digest cron ("0 9 * * 1").
const DIGEST_AT = at('2026-11-23T14:00:00Z');

async function seedProgram(world: JobWorld): Promise<void> {
  // Northwind: 3 EQLs (one won, one opportunity, one waiting), one candidate (cold). Contoso: 1 EQL lost.
  const won = await seedEql(world);
  const opp = await seedEql(world);
  await seedEql(world);
  await submitLead(
    world.services,
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
  const lost = await seedEql(world, { actor: CONTOSO });
  for (const id of [won, opp, lost]) await claimLead(world.services, { actor: REP1, leadId: id });
  await recordOutcome(world.services, { actor: REP1, leadId: won, outcome: 'opportunity' });
  await recordOutcome(world.services, { actor: REP1, leadId: won, outcome: 'won' });
  await recordOutcome(world.services, { actor: REP1, leadId: opp, outcome: 'opportunity' });
  await recordOutcome(world.services, {
    actor: REP1,
    leadId: lost,
    outcome: 'lost',
    reason: { reasonCode: 'price', reasonText: null },
  });
  const dq = await seedEql(world);
  await disqualifyLead(world.services, {
    actor: LEADER,
    leadId: dq,
    reason: { reasonCode: 'no_need', reasonText: null },
  });
}

describe('the weekly digest job', () => {
  beforeEach(async () => {
    w = await jobWorld();
    await seedProgram(w);
    await markAllSent(w.db, w.clock.now());
  });

  it('posts to the digest channel and DMs each leader, once per week', async () => {
    const s = await digestJob.run(w.jobDeps, DIGEST_AT);
    expect(s.period).toBe('2026-W48');
    // each message is followed by its two charts (funnel, cohort trend), uploaded through the outbox
    expect(s.queued.map((q) => [q.to, q.deliveryKey])).toEqual([
      ['C0LEADERS', 'digest:2026-W48:C0LEADERS'],
      ['C0LEADERS', 'digest:2026-W48:C0LEADERS:chart:funnel.png'],
      ['C0LEADERS', 'digest:2026-W48:C0LEADERS:chart:cohort-trend.png'],
      ['U0LEAD', 'digest:2026-W48:U0LEAD'],
      ['U0LEAD', 'digest:2026-W48:U0LEAD:chart:funnel.png'],
      ['U0LEAD', 'digest:2026-W48:U0LEAD:chart:cohort-trend.png'],
    ]);
    const [channel] = await outbox(w.db, "delivery_key like 'digest:%'");
    expect(checkMessageBlocks(channel!.payload.blocks)).toEqual([]);
    const text = textOf(channel!.payload);
    expect(text).toContain('Do EQLs convert better?');
    expect(text).toMatch(/\*5\* EQLs \(83% of surfaced\)/); // 5 of 6 surfaced
    expect(text).toMatch(/\*3\* claimed \(60% of EQLs\)/);
    expect(text).toContain('Warmth');
    expect(text).toContain('Partner leaderboard');
    expect(text).toContain('Price 1 (100%)');
    // Surfaced and its parts, which add up: 5 EQLs + 1 candidate = 6.
    expect(text).toMatch(
      /\*6\* surfaced:\n\*5\* EQLs \(83% of surfaced\)\n\*1\* candidate \(17% of surfaced\)/,
    );
    // Nothing is 28 days old on the day of the first digest: it says so instead of a dash.
    expect(text).toContain(
      '_No EQL is 28 days old yet (5 younger EQLs in these 90 days), so there is no conversion to compare with MQL yet._',
    );
    expect(text).not.toContain('*—* to opportunity');
    expect(text).toContain('_Partner-influenced_: our team found the account and a partner vouched');
    // Dates in each reader's own time zone.
    expect(text).toMatch(/<!date\^\d+\^\{date_short\}\|Nov 16> – <!date\^\d+\^\{date_short\}\|Nov 23, 2026>/);

    const again = await digestJob.run(w.jobDeps, DIGEST_AT + 3 * HOUR);
    expect(again.skipped).toMatch(/already sent/);
    expect(again.queued).toEqual([]);
    const nextWeek = await digestJob.run(w.jobDeps, DIGEST_AT + 7 * DAY);
    expect(nextWeek.period).toBe('2026-W49');
    expect(nextWeek.queued).toHaveLength(6);
  });

  it('sends no charts with charts.enabled false: the text is complete without them', async () => {
    w.cleanup();
    w = await jobWorld({
      config: testConfig((raw) => {
        raw.charts = { enabled: false };
      }),
    });
    await seedProgram(w);
    const s = await digestJob.run(w.jobDeps, DIGEST_AT);
    expect(s.queued.map((q) => q.kind)).toEqual(['digest', 'digest']);
  });

  it('only posts to the channel when dmLeaders is off', async () => {
    w.cleanup();
    w = await jobWorld({
      config: testConfig((raw) => {
        (raw.digest as Record<string, unknown>).dmLeaders = false;
      }),
    });
    const s = await digestJob.run(w.jobDeps, DIGEST_AT);
    expect(s.queued.map((q) => [q.to, q.kind])).toEqual([
      ['C0LEADERS', 'digest'],
      ['C0LEADERS', 'chart'],
      ['C0LEADERS', 'chart'],
    ]);
  });

  it('compares EQLs with baselines on mature EQLs and links aging leads to their posts', async () => {
    // 40 days later, the EQLs are mature and the waiting one is aging.
    const d = await buildProgramDigest(w.services, DIGEST_AT + 40 * DAY);
    const msg = digestMessage(d);
    const text = textOf(msg);
    expect(d.trailing.metrics.matureFunnel.eql).toBe(5);
    expect(text).toContain('vs *MQL*');
    // 2 of 5 mature EQLs reached opportunity: 40.0% against MQL's 8.0%.
    expect(text).toContain('*40.0%* to opportunity (2 of 5)');
    expect(text).toContain('*+32.0 pts*');
    expect(text).toMatch(/<https:\/\/slack\.com\/archives\/C0ROUTING\/p1763300000\d+\|Account \d+>/);
  });
});

describe('the digest at scale', () => {
  it('stays within Block Kit limits with 500 partners and 10,000 leads, fast', async () => {
    w = await jobWorld();
    const now = DIGEST_AT;
    await seedBulk(w.db, { partners: 500, leads: 10_000, now });
    await setRoutingPost(w.db, 1, 'C0ROUTING', '1763300000.000001');
    const started = performance.now();
    const digest = await buildProgramDigest(w.services, now);
    const msg = digestMessage(digest);
    const ms = performance.now() - started;
    console.info(`digest over 10,000 leads and 500 partners built in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2000);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    expect(checkMessageBlocks(msg.blocks)).toEqual([]);
    expect(msg.text.length).toBeLessThan(4000);
    const text = textOf(msg);
    expect(text).toMatch(/and [\d,]+ more ranked partners/);
    expect(text).toMatch(/and [\d,]+ more leads?/);
    expect(text).not.toContain('<!channel>');
    expect(digest.trailing.metrics.intake.surfaced).toBe(10_000);
  });
});

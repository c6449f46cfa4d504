import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutboxSender } from '../../src/delivery/outbox-sender.ts';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { SEED_NEEDS, seedLearningProgram } from '../../src/dev/seed-learning.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { digestJob } from '../../src/jobs/digest-job.ts';
import { insightsJob } from '../../src/jobs/insights-job.ts';
import { modelFitJob } from '../../src/jobs/model-fit-job.ts';
import { testConfig } from '../helpers/db.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';
import { type JobWorld, jobWorld, outbox } from '../jobs/helpers.ts';

// The monthly insights run end to end: the job queues the calibration report, its chart and the ecosystem
// map to every leader and admin and the insight channel, and product input to the product channel; the
// outbox sender delivers them through the Slack stand-in, the chart through the three-step file upload.
// Product input may reach people outside the partner team: it must never name a partner or a contact.

const DEC_1_9AM = Date.parse('2026-12-01T14:00:00Z');
const NOW = DEC_1_9AM;
const NEEDS = [
  ...SEED_NEEDS,
  'Northwind Consulting heard from Dana Whitfield (dana@acme.example, +1 415 555 0100) that they need SSO',
  'Contoso Systems: <!channel> they need audit logs, see https://evil.example/x',
];

let w: JobWorld;
let standIn: SlackStandIn;

beforeEach(async () => {
  w = await jobWorld({
    start: NOW,
    config: testConfig((raw) => {
      raw.insight = { minSample: 30, channel: 'C0INSIGHT' };
      raw.needs = { channel: 'C0PRODUCT', minCount: 3 };
    }),
  });
  await seedLearningProgram(w.db, {
    seed: 3,
    leads: 1500,
    now: NOW,
    spanDays: 400,
    partners: ['northwind', 'contoso'],
    needs: NEEDS,
    pOpportunity: (l) => (({ 3: 0.05, 4: 0.2, 5: 0.4 }) as Record<number, number>)[l.strength]!,
  });
  // the month just ended (November) needs some leads: the seed spreads them over 400 days
  standIn = await startSlackStandIn({
    channels: [
      { id: 'C0INSIGHT', name: 'insight' },
      { id: 'C0PRODUCT', name: 'product' },
    ],
    users: [{ id: 'U0LEAD' }, { id: 'U0ADMIN' }],
  });
});
afterEach(async () => {
  await standIn.close();
  w.cleanup();
});

function sender() {
  const client = new WebClient('xoxb-test', { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
  return createOutboxSender({
    db: w.db,
    clientFor: () => client,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
  });
}

describe('the monthly insights job', () => {
  it('queues the report, chart and map to leaders, admins and the channel, and product input once', async () => {
    const s = await insightsJob.run(w.jobDeps, NOW);
    expect(s.period).toBe('2026-11');
    const by = (to: string) => s.queued.filter((q) => q.to === to).map((q) => q.kind);
    for (const to of ['C0INSIGHT', 'U0LEAD', 'U0ADMIN'])
      expect(by(to)).toEqual(['calibration', 'chart', 'ecosystem-map']);
    expect(by('C0PRODUCT')).toEqual(['needs']);
    for (const row of await outbox(w.db, "method = 'chat.postMessage'"))
      expect(checkMessageBlocks(row.payload.blocks)).toEqual([]);
    const again = await insightsJob.run(w.jobDeps, NOW + 3_600_000);
    expect(again.skipped).toMatch(/already sent/);
  });

  it('delivers through the stand-in: messages, the chart as an uploaded PNG, product input without partner names', async () => {
    await insightsJob.run(w.jobDeps, NOW);
    const res = await sender().drain();
    expect(res.failed).toBe(0);
    const files = standIn.files();
    expect(files).toHaveLength(3);
    for (const f of files) {
      expect(f.completed).toBe(true);
      expect(f.filename).toBe('conversion-by-warmth.png');
      expect(f.bytes!.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(f.bytes!.length).toBe(f.length);
      expect(f.altText).toMatch(/^EQL to opportunity by warmth strength: 3\/5 /);
    }
    expect(files.map((f) => f.channel).sort()).toEqual(
      ['C0INSIGHT', standIn.dmChannelFor('U0ADMIN'), standIn.dmChannelFor('U0LEAD')].sort(),
    );
    // the calibration message reached the leader, then the chart, then the map (in order)
    const toLead = standIn.messagesTo('U0LEAD').map((m) => m.text ?? '');
    expect(toLead[0]).toMatch(/^Calibration report: \d+ judged EQLs/);
    expect(toLead[1]).toMatch(/^Ecosystem map/);

    const product = standIn.messagesTo('C0PRODUCT');
    expect(product).toHaveLength(1);
    const all = JSON.stringify(product[0]!.call.args);
    expect(all).toContain('What accounts need');
    expect(all.toLowerCase()).toContain('sso');
    for (const banned of [
      'Northwind',
      'northwind',
      'Contoso',
      'contoso',
      'Dana',
      'Whitfield',
      'dana@',
      '555 0100',
      '<!channel>',
      'evil.example',
    ])
      expect(all).not.toContain(banned);
  });

  it('sends the report without the chart when charts are off', async () => {
    w.cleanup();
    w = await jobWorld({
      start: NOW,
      config: testConfig((raw) => {
        raw.charts = { enabled: false };
      }),
    });
    await seedLearningProgram(w.db, {
      seed: 3,
      leads: 200,
      now: NOW,
      partners: ['northwind'],
      pOpportunity: () => 0.2,
    });
    const s = await insightsJob.run(w.jobDeps, NOW);
    expect(s.queued.map((q) => q.kind)).not.toContain('chart');
    expect(s.queued.filter((q) => q.to === 'U0LEAD').map((q) => q.kind)).toEqual([
      'calibration',
      'ecosystem-map',
    ]);
  });
});

describe('the digest', () => {
  it('carries "what converts" within Block Kit limits, and its charts follow the message', async () => {
    const s = await digestJob.run(w.jobDeps, NOW);
    const toLead = s.queued.filter((q) => q.to === 'U0LEAD');
    expect(toLead.map((q) => q.kind)).toEqual(['digest', 'chart', 'chart']);
    expect(toLead.slice(1).map((q) => q.summary)).toEqual(['funnel.png', 'cohort-trend.png']);
    const [row] = await outbox(w.db, "delivery_key = 'digest:2026-W49:U0LEAD'");
    expect(checkMessageBlocks(row!.payload.blocks)).toEqual([]);
    const text = JSON.stringify(row!.payload.blocks);
    expect(text).toContain('*What converts*');
    expect(text).toMatch(/warmth 3\/5 +[\d,]+ +\d+\.\d% \[/);
    expect(text).toContain('consider warmth.minStrength: 4.');
  });
});

describe('the nightly model fit', () => {
  it('fits once a day, stores the row, and says what reps see', async () => {
    const s = await modelFitJob.run(w.jobDeps, NOW);
    expect(s.period).toBe('2026-12-01');
    expect(s.report![0]).toMatch(/^fitted on \d+ judged EQLs/);
    expect(s.report![2]).toMatch(/^reps see the (model|prior)/);
    const rows = (await sqlAll(w.db, 'select use, n, segments from eql_models')) as Array<{
      use: string;
      n: number;
      segments: string;
    }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.n).toBeGreaterThan(1000);
    expect(JSON.parse(rows[0]!.segments).length).toBeGreaterThan(10);
    const again = await modelFitJob.run(w.jobDeps, NOW + 3_600_000);
    expect(again.skipped).toMatch(/already fitted on 2026-12-01/);
    const dry = await modelFitJob.run(w.jobDeps, NOW + 86_400_000, { dryRun: true });
    expect(dry.report![0]).toMatch(/^would fit/);
    expect(((await sqlGet(w.db, 'select count(*) as n from eql_models')) as { n: number }).n).toBe(1);
  });
});

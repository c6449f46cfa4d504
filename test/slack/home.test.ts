import { describe, expect, it } from 'vitest';
import { flagCard } from '../../src/slack/blocks/flag-card.ts';
import { leaderHome, partnerHome, repHome } from '../../src/slack/blocks/home.ts';
import { CTX, hostileLead, lead, ROUTING_CHANNEL, SECRET_PARTNER } from './fixtures.ts';
import { expectInert, expectValidMessage, expectValidView, serialized } from './validate.ts';

const many = (n: number, status: 'claimed' | 'qualified' | 'candidate' = 'claimed') =>
  Array.from({ length: n }, (_, i) => hostileLead({ id: i + 1, status }));

const METRICS = {
  surfaced: 40,
  qualified: 12,
  candidates: 28,
  claimed: 10,
  opportunities: 5,
  won: 2,
  lost: 3,
  claimRate: 10 / 12,
  opportunityRate: 5 / 12,
  winRate: 2 / 12,
};

describe('App Home', () => {
  it('every home stays within 100 blocks, valid and inert, with many hostile leads', () => {
    const views = [
      partnerHome(many(300, 'candidate'), CTX),
      partnerHome([], CTX),
      repHome({ claimed: many(200), overdue: [1, 2, 3], available: many(200, 'qualified') }, CTX),
      repHome({ claimed: [], overdue: [], available: [] }, CTX),
      leaderHome({ metrics: METRICS, recent: many(200) }, CTX),
      leaderHome(
        {
          metrics: {
            ...METRICS,
            surfaced: 0,
            qualified: 0,
            claimRate: null,
            opportunityRate: null,
            winRate: null,
          },
          recent: [],
        },
        CTX,
      ),
    ];
    for (const v of views) {
      expectValidView(v, 'home');
      expectInert(v);
      expect(serialized(v)).toContain('"action_id":"home_flag"');
    }
  });

  it('partner home shows their submissions, never other partners or channels', () => {
    const v = partnerHome(
      [
        lead({
          corroborators: [{ slug: 'c', name: SECRET_PARTNER }],
          status: 'claimed',
          ownerUserId: 'U0REP1',
        }),
      ],
      CTX,
    );
    const s = serialized(v);
    expect(s).toContain('Being worked by our team');
    expect(s).not.toContain(SECRET_PARTNER);
    expect(s).not.toContain(ROUTING_CHANNEL);
    expect(s).toContain('1 · 100% became EQLs');
  });

  it('rep home lists overdue first, and a Claim button for each available lead', () => {
    const v = repHome(
      {
        claimed: [
          lead({ id: 1, status: 'claimed' }),
          lead({ id: 2, status: 'claimed', accountName: 'Late Co' }),
        ],
        overdue: [2],
        available: [lead({ id: 3 })],
      },
      CTX,
    );
    const s = serialized(v);
    expect(s.indexOf('Late Co')).toBeLessThan(s.indexOf('*Acme*'));
    expect(s).toContain('Overdue');
    expect(s).toContain('1 · 50% overdue');
    expect(s).toContain('"action_id":"claim"');
  });

  it('leader home shows every count beside its rate', () => {
    const s = serialized(leaderHome({ metrics: METRICS, recent: [lead()] }, CTX));
    expect(s).toContain('12 · 30% of surfaced');
    expect(s).toContain('28 · 70% of surfaced');
    expect(s).toContain('10 · 83% claim rate');
    expect(s).toContain('5 · 42% opportunity rate');
    expect(s).toContain('2 · 17% win rate');
    expect(s).toContain('3 · 60% of closed deals');
    const empty = serialized(leaderHome({ metrics: { ...METRICS, claimRate: null }, recent: [] }, CTX));
    expect(empty).toContain('10 · — claim rate');
    expect(empty).not.toContain('Revenue');
  });

  it('leader home shows revenue by currency, never summed across currencies', () => {
    const split = { won: 0, wonDeals: 0, pipeline: 0, pipelineDeals: 0 };
    const group = (currency: string, won: number, pipeline: number, convertedFrom: string[] = []) => ({
      currency,
      convertedFrom,
      won,
      wonDeals: 1,
      pipeline,
      pipelineDeals: 1,
      sourced: split,
      influenced: split,
      avgDealSize: won,
      wonPerMatureEql: null,
    });
    const s = serialized(
      leaderHome(
        {
          metrics: { ...METRICS, revenue: [group('USD', 120_000, 40_000, ['CAD']), group('EUR', 9_000, 0)] },
          recent: [],
        },
        CTX,
      ),
    );
    expect(s).toContain('USD (CAD converted at configured rates): won *$120,000* · pipeline $40,000');
    expect(s).toContain('EUR: won *€9,000* · pipeline €0');
  });

  it('the flag card is a valid message', () => {
    expectValidMessage(flagCard('Northwind'));
  });
});

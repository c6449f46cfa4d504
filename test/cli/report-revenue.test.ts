import { describe, expect, it } from 'vitest';
import { revenueRows } from '../../src/cli/commands/report.ts';
import { type MetricLead, programMetrics } from '../../src/core/metrics.ts';

// `report`'s revenue rows: one section per currency (never a total across currencies), speed, and each
// figure beside the baselines.

const DAY = 86_400_000;
const lead = (id: number, over: Partial<MetricLead>): MetricLead => ({
  id,
  partnerSlug: 'northwind',
  status: 'won',
  attribution: 'sourced',
  createdAt: 0,
  qualifiedAt: 0,
  claimedAt: DAY,
  opportunityAt: 5 * DAY,
  closedAt: 30 * DAY,
  ...over,
});

describe('report revenue rows', () => {
  it('lists revenue per currency, speed and the baseline comparison', () => {
    const m = programMetrics(
      [
        lead(1, { amount: 100_000, currency: 'USD' }),
        lead(2, { amount: 20_000, currency: 'EUR', attribution: 'influenced' }),
        lead(3, { status: 'opportunity', amount: 50_000, currency: 'USD', closedAt: null }),
      ],
      {
        tz: 'UTC',
        nowMs: 100 * DAY,
        minAgeDays: 28,
        cohorts: false,
        baselines: [
          {
            leadType: 'MQL',
            opportunityRate: 0.1,
            winRate: 0.05,
            avgDealSize: 40_000,
            currency: 'USD',
            daysToClose: 90,
          },
        ],
      },
    );
    const rows = revenueRows(m);
    const find = (section: string, metric: string) =>
      rows.find((r) => r.section === section && r.metric === metric);
    expect(find('revenue_USD', 'won')).toMatchObject({ count: 100_000, of: 1, note: 'USD; 1 won deals' });
    expect(find('revenue_USD', 'pipeline')).toMatchObject({ count: 50_000, of: 1 });
    expect(find('revenue_EUR', 'influenced_won')).toMatchObject({ count: 20_000 });
    expect(rows.some((r) => r.section === 'revenue' && r.metric === 'won')).toBe(false);
    expect(find('speed', 'average_days_eql_to_close')).toMatchObject({ count: 30, of: 2 });
    expect(find('speed', 'opportunities_won')).toMatchObject({ count: 2, of: 3 });
    expect(find('baseline', 'MQL_days_to_close')).toMatchObject({ count: 90, note: 'EQL 30' });
    expect(find('baseline', 'MQL_average_deal_size')).toMatchObject({
      count: 40_000,
      note: 'USD; EQL 100000',
    });
    expect(find('baseline', 'MQL_won_revenue_per_lead')).toMatchObject({
      count: 2_000,
      note: 'USD; EQL 33333.33',
    });
  });
});

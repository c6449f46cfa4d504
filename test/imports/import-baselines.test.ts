import { asc } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baselines } from '../../src/db/schema.ts';
import { importBaselines } from '../../src/imports/import-baselines.ts';
import { fixture, type TempDb, tempDb } from './helpers.ts';

let t: TempDb;
beforeEach(async () => {
  t = await tempDb();
});
afterEach(() => t.cleanup());

const all = async () =>
  await t.db.select().from(baselines).orderBy(asc(baselines.leadType), asc(baselines.period));
/** The conversion columns (the revenue and speed columns have their own test). */
const rows = async () =>
  (await all()).map(({ avgDealSize, currency, daysToOpportunity, daysToClose, ...rest }) => rest);

describe('importBaselines', () => {
  it('computes lead-based rates from counts', async () => {
    const result = await importBaselines(t.db, fixture('baselines-counts.csv'), { now: 1 });
    expect(result).toMatchObject({ accepted: 4, rejected: [], inserted: 4, applied: true });
    expect(await rows()).toEqual([
      {
        leadType: 'MQL',
        period: '2024-Q1',
        leads: 1000,
        opportunities: 80,
        won: 20,
        opportunityRate: 0.08,
        winRate: 0.02,
        importedAt: 1,
      },
      {
        leadType: 'MQL',
        period: '2024-Q2',
        leads: 1250,
        opportunities: 100,
        won: 25,
        opportunityRate: 0.08,
        winRate: 0.02,
        importedAt: 1,
      },
      {
        leadType: 'SQL',
        period: '2024',
        leads: 400,
        opportunities: 120,
        won: 40,
        opportunityRate: 0.3,
        winRate: 0.1,
        importedAt: 1,
      },
      {
        leadType: 'Webinar',
        period: '2024-03',
        leads: 200,
        opportunities: 10,
        won: 2,
        opportunityRate: 0.05,
        winRate: 0.01,
        importedAt: 1,
      },
    ]);
    expect(await importBaselines(t.db, fixture('baselines-counts.csv'), { now: 2 })).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 4,
    });
  });

  it('accepts rates as fractions or percentages', async () => {
    const result = await importBaselines(t.db, fixture('baselines-rates.csv'), { now: 1 });
    expect(result).toMatchObject({ accepted: 3, rejected: [], inserted: 3 });
    expect(await rows()).toEqual([
      {
        leadType: 'Event',
        period: '2023',
        leads: null,
        opportunities: null,
        won: null,
        opportunityRate: 0.05,
        winRate: 0.01,
        importedAt: 1,
      },
      {
        leadType: 'MQL',
        period: '2023-Q4',
        leads: null,
        opportunities: null,
        won: null,
        opportunityRate: 0.08,
        winRate: 0.02,
        importedAt: 1,
      },
      {
        leadType: 'Outbound',
        period: '2023-11',
        leads: null,
        opportunities: null,
        won: null,
        opportunityRate: 0.125,
        winRate: 0.035,
        importedAt: 1,
      },
    ]);
  });

  it('rejects inconsistent counts, rates and periods', async () => {
    const file = t.write(
      'bad.csv',
      [
        'Lead Type,Period,Leads,Opportunities,Won,Opportunity Rate,Win Rate',
        'MQL,2024-Q1,100,120,10,,',
        'MQL,2024-Q2,100,20,30,,',
        'MQL,2024-Q3,100,8,,,',
        'MQL,2024-Q4,0,0,0,,',
        'MQL,2025-Q1,100,8,2,10%,2%',
        'MQL,2025-Q2,,,,2%,5%',
        'MQL,Spring,,,,8%,2%',
        ',2025-Q3,,,,8%,2%',
        'MQL,2025-Q4,1000,80,20,8.4%,0.02',
      ].join('\n'),
    );
    const result = await importBaselines(t.db, file);
    expect(result).toMatchObject({ accepted: 1, applied: false });
    expect(result.rejected).toEqual([
      { row: 2, reason: 'opportunities: 120 is more than leads (100)' },
      { row: 3, reason: 'won: 30 is more than opportunities (20)' },
      { row: 4, reason: 'win rate: expected a win rate column, or won and leads to compute it from' },
      { row: 5, reason: 'leads: expected more than 0 leads to compute rates' },
      { row: 6, reason: 'opportunity rate: 10% does not match opportunities / leads = 8 / 100 = 8%' },
      { row: 7, reason: 'win rate: 5% is more than the opportunity rate (2%)' },
      {
        row: 8,
        reason: 'period: expected a year (2024), a quarter (2024-Q1) or a month (2024-03), got "Spring"',
      },
      { row: 9, reason: 'lead type: expected a lead type such as MQL' },
    ]);
    expect(await rows()).toEqual([]);
  });

  it('imports average deal size, its currency and cycle days, and rejects bad ones', async () => {
    const file = t.write(
      'revenue.csv',
      [
        'Lead Type,Period,Leads,Opportunities,Won,Average Deal Size,Currency,Days to Opportunity,Sales Cycle Days',
        'MQL,2026-Q1,1000,80,20,"$42,500",usd,31,96.5',
        'Event,2026-Q1,200,10,2,,,12 days,',
        'SQL,2026-Q1,100,50,20,,EUR,,',
        'Partner,2026-Q1,100,50,20,3.5M,dollars,-4,20',
        'Webinar,2026-Q1,100,50,20,,,40,30',
      ].join('\n'),
    );
    const result = await importBaselines(t.db, file, { skipInvalid: true, now: 1 });
    expect(result.rejected).toEqual([
      { row: 4, reason: 'currency: a currency needs an average deal size to apply to' },
      {
        row: 5,
        reason:
          'currency: expected a currency code such as USD or EUR, got "dollars"; days to opportunity: expected a number of days such as 45, got "-4"',
      },
      { row: 6, reason: 'days to close: 30 is fewer than the days to opportunity (40)' },
    ]);
    expect(
      (await all()).map((r) => [r.leadType, r.avgDealSize, r.currency, r.daysToOpportunity, r.daysToClose]),
    ).toEqual([
      ['Event', null, null, 12, null],
      ['MQL', 42_500, 'USD', 31, 96.5],
    ]);
  });
});

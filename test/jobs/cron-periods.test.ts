import { describe, expect, it } from 'vitest';
import { cronSchedule } from '../../src/jobs/cron-periods.ts';

// A job's latest due period, computed on the program's wall clock: DST gaps still have their period (due right
// after the gap), a repeated hour is one period, and node-cron's syntax means what node-cron says it means.

const at = (iso: string) => Date.parse(iso);

describe('latest due period', () => {
  const cases: Array<{
    name: string;
    cron: string;
    tz: string;
    now: string;
    key: string | null;
    due?: string;
    inGap?: boolean;
  }> = [
    {
      name: 'DST gap (New York, 8 March 2026): 02:30 does not exist, due at 03:00 EDT',
      cron: '30 2 * * 0',
      tz: 'America/New_York',
      now: '2026-03-08T08:00:00Z',
      key: '2026-03-08T02:30',
      due: '2026-03-08T07:00:00Z',
      inGap: true,
    },
    {
      name: 'just before that gap: the previous Sunday',
      cron: '30 2 * * 0',
      tz: 'America/New_York',
      now: '2026-03-08T06:59:59Z',
      key: '2026-03-01T02:30',
      due: '2026-03-01T07:30:00Z',
      inGap: false,
    },
    {
      name: 'DST repeat (1 November 2026), first 01:45: the 01:30 EDT period',
      cron: '30 1 * * *',
      tz: 'America/New_York',
      now: '2026-11-01T05:45:00Z',
      key: '2026-11-01T01:30',
      due: '2026-11-01T05:30:00Z',
    },
    {
      name: 'DST repeat, second 01:45 (EST): still the same period, not a new one',
      cron: '30 1 * * *',
      tz: 'America/New_York',
      now: '2026-11-01T06:45:00Z',
      key: '2026-11-01T01:30',
      due: '2026-11-01T05:30:00Z',
    },
    {
      name: 'DST repeat, 01:20 EDT: the day before',
      cron: '30 1 * * *',
      tz: 'America/New_York',
      now: '2026-11-01T05:20:00Z',
      key: '2026-10-31T01:30',
    },
    {
      name: 'London gap (29 March 2026): 01:30 due at 02:00 BST',
      cron: '30 1 * * *',
      tz: 'Europe/London',
      now: '2026-03-29T02:00:00Z',
      key: '2026-03-29T01:30',
      due: '2026-03-29T01:00:00Z',
      inGap: true,
    },
    {
      name: 'weekly digest, 8 s after its minute',
      cron: '0 9 * * 1',
      tz: 'America/New_York',
      now: '2026-11-16T14:00:08Z',
      key: '2026-11-16T09:00',
      due: '2026-11-16T14:00:00Z',
    },
    {
      name: 'weekly digest, 12 s before its minute: last week',
      cron: '0 9 * * 1',
      tz: 'America/New_York',
      now: '2026-11-16T13:59:48Z',
      key: '2026-11-09T09:00',
    },
    {
      name: 'every 15 minutes',
      cron: '*/15 * * * *',
      tz: 'America/New_York',
      now: '2026-11-16T15:07:00Z',
      key: '2026-11-16T10:00',
    },
    {
      name: 'monthly on the 1st',
      cron: '0 9 1 * *',
      tz: 'America/New_York',
      now: '2026-12-04T12:00:00Z',
      key: '2026-12-01T09:00',
    },
    {
      name: 'names: weekdays only',
      cron: '0 9 * * mon-fri',
      tz: 'America/New_York',
      now: '2026-11-15T20:00:00Z',
      key: '2026-11-13T09:00',
    },
    {
      name: 'last day of the month (L)',
      cron: '0 9 L * *',
      tz: 'America/New_York',
      now: '2026-03-31T20:00:00Z',
      key: '2026-03-31T09:00',
    },
    {
      name: 'last Friday (5L)',
      cron: '0 9 * * 5L',
      tz: 'America/New_York',
      now: '2026-12-04T20:00:00Z',
      key: '2026-11-27T09:00',
    },
    {
      name: 'second Tuesday (2#2)',
      cron: '0 9 * * 2#2',
      tz: 'America/New_York',
      now: '2026-12-04T20:00:00Z',
      key: '2026-11-10T09:00',
    },
    {
      name: 'weekday 7 is Sunday',
      cron: '0 9 * * 7',
      tz: 'UTC',
      now: '2026-12-04T20:00:00Z',
      key: '2026-11-29T09:00',
    },
    {
      name: '29 February: none within the horizon',
      cron: '0 9 29 2 *',
      tz: 'UTC',
      now: '2026-12-04T20:00:00Z',
      key: null,
    },
  ];

  it.each(cases)('$name', ({ cron, tz, now, key, due, inGap }) => {
    const period = cronSchedule(cron, tz).latest(at(now));
    expect(period?.key ?? null).toBe(key);
    if (due) expect(new Date(period!.at).toISOString()).toBe(new Date(due).toISOString());
    if (inGap !== undefined) expect(period?.inGap).toBe(inGap);
  });

  it('is never in the future and moves forward as the clock does (a day in 15-minute steps)', () => {
    const schedule = cronSchedule('*/15 * * * *', 'America/New_York');
    let previous = 0;
    const keys = new Set<string>();
    for (let t = at('2026-11-01T03:00:00Z'); t < at('2026-11-02T03:00:00Z'); t += 60_000) {
      const p = schedule.latest(t)!;
      expect(p.at).toBeLessThanOrEqual(t);
      expect(p.at).toBeGreaterThanOrEqual(previous);
      previous = p.at;
      keys.add(p.key);
    }
    // 24 hours of instants, but the repeated hour's four quarter-hours are the same four periods.
    expect(keys.size).toBe(92);
  });
});

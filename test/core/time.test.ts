import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/core/errors.ts';
import { calendarDate, daysBetween, isIsoDate } from '../../src/core/time.ts';

const at = (iso: string): number => Date.parse(iso);

describe('calendarDate', () => {
  it.each([
    // US DST starts 2026-03-08 02:00 local (EST → EDT).
    ['2026-03-08T04:59:00Z', 'America/New_York', '2026-03-07'], // 23:59 EST
    ['2026-03-08T05:00:00Z', 'America/New_York', '2026-03-08'], // 00:00 EST
    ['2026-03-08T06:59:00Z', 'America/New_York', '2026-03-08'], // 01:59 EST, just before the jump
    ['2026-03-08T07:00:00Z', 'America/New_York', '2026-03-08'], // 03:00 EDT
    ['2026-03-09T03:59:00Z', 'America/New_York', '2026-03-08'], // 23:59 EDT
    ['2026-03-09T04:00:00Z', 'America/New_York', '2026-03-09'], // 00:00 EDT
    // US DST ends 2026-11-01.
    ['2026-11-02T04:59:00Z', 'America/New_York', '2026-11-01'], // 23:59 EST
    ['2026-11-02T05:00:00Z', 'America/New_York', '2026-11-02'],
    // Zones where the date differs from UTC.
    ['2026-06-30T20:00:00Z', 'Pacific/Auckland', '2026-07-01'],
    ['2026-06-30T11:00:00Z', 'Pacific/Kiritimati', '2026-07-01'],
    ['2026-07-01T02:00:00Z', 'America/Los_Angeles', '2026-06-30'],
    ['2026-12-31T23:30:00Z', 'Asia/Tokyo', '2027-01-01'],
    ['2026-12-31T23:30:00Z', 'UTC', '2026-12-31'],
  ])('%s in %s → %s', (iso, tz, date) => {
    expect(calendarDate(at(iso), tz)).toBe(date);
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-01-01', '2026-01-01', 0],
    ['2026-01-01', '2026-01-02', 1],
    ['2026-01-02', '2026-01-01', -1],
    ['2026-03-07', '2026-03-09', 2], // across US spring-forward
    ['2026-10-31', '2026-11-02', 2], // across US fall-back
    ['2026-03-28', '2026-03-30', 2], // across EU spring-forward
    ['2024-02-28', '2024-03-01', 2], // leap year
    ['2025-02-28', '2025-03-01', 1],
    ['2025-12-31', '2026-01-01', 1],
    ['2026-01-01', '2026-12-31', 364],
    ['2025-10-01', '2026-02-18', 140],
  ])('%s → %s = %i', (from, to, days) => {
    expect(daysBetween(from, to)).toBe(days);
  });

  it.each([['2026-02-30'], ['yesterday'], ['2026-1-5']])('throws invalid_input for %j', (bad) => {
    let caught: unknown;
    try {
      daysBetween(bad, '2026-01-01');
    } catch (err) {
      caught = err;
    }
    expect(isDomainError(caught) && caught.code === 'invalid_input' && caught.message.includes(bad)).toBe(
      true,
    );
  });
});

describe('isIsoDate', () => {
  it.each([
    ['2026-02-28', true],
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2026-02-30', false],
    ['2026-04-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['2026-1-5', false],
    ['2026-01-05T00:00:00Z', false],
    [' 2026-01-05', false],
    ['', false],
    ['0099-01-01', true],
  ])('%j → %s', (s, ok) => {
    expect(isIsoDate(s)).toBe(ok);
  });
});

import { describe, expect, it } from 'vitest';
import {
  batchKey,
  batchReminders,
  isQuietTime,
  nextSendTime,
  resolveTimeZone,
  scheduleReminders,
} from '../../src/core/quiet-hours.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const NY = 'America/New_York';

describe('nextSendTime', () => {
  it.each([
    // now, recipient tz, fallback, quiet, expected (local time in the comment)
    ['2026-03-02T17:00:00Z', NY, 'UTC', undefined, '2026-03-02T17:00:00.000Z'], // Mon 12:00 EST: now
    ['2026-03-03T00:59:00Z', NY, 'UTC', undefined, '2026-03-03T00:59:00.000Z'], // 19:59: now
    ['2026-03-03T01:00:00Z', NY, 'UTC', undefined, '2026-03-03T13:00:00.000Z'], // 20:00 → 08:00 EST
    ['2026-03-03T04:30:00Z', NY, 'UTC', undefined, '2026-03-03T13:00:00.000Z'], // 23:30 → 08:00
    ['2026-03-03T08:00:00Z', NY, 'UTC', undefined, '2026-03-03T13:00:00.000Z'], // 03:00 → 08:00 the same day
    ['2026-03-03T12:59:59Z', NY, 'UTC', undefined, '2026-03-03T13:00:00.000Z'], // 07:59:59 → 08:00
    ['2026-03-03T13:00:00Z', NY, 'UTC', undefined, '2026-03-03T13:00:00.000Z'], // 08:00 sharp: now
    // Spring-forward night (Mar 8): the morning is 08:00 EDT = 12:00 UTC.
    ['2026-03-08T03:00:00Z', NY, 'UTC', undefined, '2026-03-08T12:00:00.000Z'], // Sat 22:00 EST
    ['2026-03-08T06:30:00Z', NY, 'UTC', undefined, '2026-03-08T12:00:00.000Z'], // 01:30 EST
    ['2026-03-08T07:30:00Z', NY, 'UTC', undefined, '2026-03-08T12:00:00.000Z'], // 03:30 EDT
    // Fall-back night (Nov 1): 08:00 EST = 13:00 UTC, including from the repeated 01:30.
    ['2026-11-01T03:00:00Z', NY, 'UTC', undefined, '2026-11-01T13:00:00.000Z'], // Sat 23:00 EDT
    ['2026-11-01T06:30:00Z', NY, 'UTC', undefined, '2026-11-01T13:00:00.000Z'], // second 01:30 (EST)
    // London spring-forward: Sat Mar 28 21:00 GMT → Sun 08:00 BST.
    ['2026-03-28T21:00:00Z', 'Europe/London', 'UTC', undefined, '2026-03-29T07:00:00.000Z'],
    // The recipient's zone, not the program's: 21:00 in Tokyo waits for 08:00 JST (07:00 in New York).
    ['2026-03-02T12:00:00Z', 'Asia/Tokyo', NY, undefined, '2026-03-02T23:00:00.000Z'],
    // Unknown or missing zone: the fallback decides (20:00 EST).
    ['2026-03-03T01:00:00Z', 'Mars/Olympus_Mons', NY, undefined, '2026-03-03T13:00:00.000Z'],
    ['2026-03-03T01:00:00Z', null, NY, undefined, '2026-03-03T13:00:00.000Z'],
    ['2026-03-03T01:00:00Z', '', NY, undefined, '2026-03-03T13:00:00.000Z'],
    // Other quiet hours.
    ['2026-03-03T02:30:00Z', NY, 'UTC', { from: 22, to: 7 }, '2026-03-03T02:30:00.000Z'], // 21:30: allowed
    ['2026-03-03T03:30:00Z', NY, 'UTC', { from: 22, to: 7 }, '2026-03-03T12:00:00.000Z'], // 22:30 → 07:00
    ['2026-03-03T06:00:00Z', NY, 'UTC', { from: 0, to: 6 }, '2026-03-03T11:00:00.000Z'], // 01:00 → 06:00
    ['2026-03-03T04:00:00Z', NY, 'UTC', { from: 0, to: 6 }, '2026-03-03T04:00:00.000Z'], // 23:00: allowed
    ['2026-03-03T06:00:00Z', NY, 'UTC', { from: 8, to: 8 }, '2026-03-03T06:00:00.000Z'], // none
  ])('%s for %s (fallback %s, quiet %o) → %s', (now, tz, fallback, quiet, expected) => {
    expect(iso(nextSendTime(at(now), tz, fallback, quiet))).toBe(expected);
  });

  it('treats 01:00 UTC as quiet in UTC', () => {
    expect(isQuietTime(at('2026-03-03T01:00:00Z'), 'UTC')).toBe(true);
    expect(iso(nextSendTime(at('2026-03-03T01:00:00Z'), null, 'UTC'))).toBe('2026-03-03T08:00:00.000Z');
  });

  it('resolves the recipient zone with a fallback', () => {
    expect(resolveTimeZone('Europe/Paris', NY)).toBe('Europe/Paris');
    expect(resolveTimeZone('Not/AZone', NY)).toBe(NY);
    expect(resolveTimeZone(undefined, NY)).toBe(NY);
  });
});

describe('batching', () => {
  const T = at('2026-03-02T15:00:00Z');
  const MIN = 60_000;

  it('groups one person’s reminders due within an hour of the first into one message', () => {
    const batches = batchReminders([
      { recipient: 'U1', dueMs: T + 20 * MIN, item: 'b' },
      { recipient: 'U2', dueMs: T + 30 * MIN, item: 'x' },
      { recipient: 'U1', dueMs: T, item: 'a' },
      { recipient: 'U1', dueMs: T + 60 * MIN - 1, item: 'c' },
      { recipient: 'U1', dueMs: T + 60 * MIN, item: 'd' }, // an hour after the first: a new message
      { recipient: 'U1', dueMs: T + 60 * MIN, item: 'e' }, // same time: same message, input order
      { recipient: 'U1', dueMs: T + 200 * MIN, item: 'f' },
    ]);
    expect(batches.map((b) => [b.recipient, b.items, b.firstDueMs - T, b.lastDueMs - T])).toEqual([
      ['U1', ['a', 'b', 'c'], 0, 60 * MIN - 1],
      ['U2', ['x'], 30 * MIN, 30 * MIN],
      ['U1', ['d', 'e'], 60 * MIN, 60 * MIN],
      ['U1', ['f'], 200 * MIN, 200 * MIN],
    ]);
    expect(batches[0]?.key).toBe(`batch:U1:${T}`);
    expect(new Set(batches.map((b) => b.key)).size).toBe(4);
  });

  it('honours a custom window and empty input', () => {
    const items = [0, 10, 20, 30].map((m) => ({ recipient: 'U1', dueMs: T + m * MIN, item: m }));
    expect(batchReminders(items, 15 * MIN).map((b) => b.items)).toEqual([
      [0, 10],
      [20, 30],
    ]);
    expect(batchReminders([])).toEqual([]);
  });

  it('gives fixed hourly keys', () => {
    const h = 3_600_000;
    expect(batchKey('U1', 5 * h + 59 * MIN)).toBe(`batch:U1:${5 * h}`);
    expect(batchKey('U1', 6 * h)).toBe(`batch:U1:${6 * h}`);
    expect(batchKey('U1', 6 * h + 10 * MIN, 30 * MIN)).toBe(`batch:U1:${6 * h}`);
  });

  it('schedules each batch past the recipient’s quiet hours', () => {
    const now = at('2026-03-03T02:00:00Z'); // 21:00 EST, 11:00 JST
    const tzOf = (u: string): string | null => ({ U1: NY, U2: 'Asia/Tokyo' })[u] ?? null;
    const batches = scheduleReminders(
      [
        { recipient: 'U1', dueMs: now - 10 * MIN, item: 1 },
        { recipient: 'U2', dueMs: now - 5 * MIN, item: 2 },
        { recipient: 'U3', dueMs: now, item: 3 }, // unknown zone → fallback London, 02:00 GMT
      ],
      now,
      tzOf,
      'Europe/London',
    );
    expect(batches.map((b) => [b.recipient, b.tz, iso(b.sendAt)])).toEqual([
      ['U1', NY, '2026-03-03T13:00:00.000Z'],
      ['U2', 'Asia/Tokyo', '2026-03-03T02:00:00.000Z'],
      ['U3', 'Europe/London', '2026-03-03T08:00:00.000Z'],
    ]);
  });
});

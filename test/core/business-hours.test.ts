import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessHours,
  addCalendarDays,
  businessHoursBetween,
  instantAtLocal,
  isBusinessTime,
  isValidTimeZone,
  localTime,
} from '../../src/core/business-hours.ts';
import { isDomainError } from '../../src/core/errors.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const day = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000;
const NINE_TO_FIVE = { start: 9, end: 17 };

// 2026 calendar: Mar 6 is a Friday. US DST starts Sun Mar 8 and ends Sun Nov 1; EU DST starts Sun Mar 29 and
// ends Sun Oct 25. Every expectation below was worked out by hand (local time in the comment).
describe('addBusinessHours', () => {
  it.each([
    // tz, start, hours, business hours, expected deadline
    ['America/New_York', '2026-03-02T15:00:00Z', 4, NINE_TO_FIVE, '2026-03-02T19:00:00.000Z'], // Mon 10:00 EST → 14:00
    ['America/New_York', '2026-03-02T15:00:00Z', 8, NINE_TO_FIVE, '2026-03-03T15:00:00.000Z'], // Mon 10:00 → Tue 10:00
    ['America/New_York', '2026-03-02T14:00:00Z', 8, NINE_TO_FIVE, '2026-03-02T22:00:00.000Z'], // Mon 09:00 → Mon 17:00 (closing, not Tue 09:00)
    ['America/New_York', '2026-03-02T14:00:00Z', 0, NINE_TO_FIVE, '2026-03-02T14:00:00.000Z'], // zero hours: unchanged
    ['America/New_York', '2026-03-02T15:00:00Z', 0.5, NINE_TO_FIVE, '2026-03-02T15:30:00.000Z'], // fractional
    // Across the weekend and US spring-forward: Fri 14:00 EST + 3 h Fri + 5 h Mon → Mon 14:00 EDT.
    ['America/New_York', '2026-03-06T19:00:00Z', 8, NINE_TO_FIVE, '2026-03-09T18:00:00.000Z'],
    // Thu 12:00 EST, 24 h: Thu 5 + Fri 8 + Mon 8 + Tue 3 → Tue Mar 10 12:00 EDT.
    ['America/New_York', '2026-03-05T17:00:00Z', 24, NINE_TO_FIVE, '2026-03-10T16:00:00.000Z'],
    // ... and 48 h (the escalation): Tue 5 + Wed 8 + Thu 8 + Fri 3 → Fri Mar 13 12:00 EDT.
    ['America/New_York', '2026-03-10T16:00:00Z', 24, NINE_TO_FIVE, '2026-03-13T16:00:00.000Z'],
    // Starts outside business hours.
    ['America/New_York', '2026-03-07T17:00:00Z', 2, NINE_TO_FIVE, '2026-03-09T15:00:00.000Z'], // Sat 12:00 → Mon 11:00 EDT
    ['America/New_York', '2026-03-08T17:00:00Z', 1, NINE_TO_FIVE, '2026-03-09T14:00:00.000Z'], // Sun 13:00 EDT → Mon 10:00
    ['America/New_York', '2026-03-03T12:00:00Z', 1, NINE_TO_FIVE, '2026-03-03T15:00:00.000Z'], // Tue 07:00 → 10:00
    ['America/New_York', '2026-03-03T23:00:00Z', 1, NINE_TO_FIVE, '2026-03-04T15:00:00.000Z'], // Tue 18:00 → Wed 10:00
    ['America/New_York', '2026-03-03T22:00:00Z', 1, NINE_TO_FIVE, '2026-03-04T15:00:00.000Z'], // Tue 17:00 sharp → Wed 10:00
    // US fall-back: Fri Oct 30 16:00 EDT, 24 h: Fri 1 + Mon 8 + Tue 8 + Wed 7 → Wed Nov 4 16:00 EST.
    ['America/New_York', '2026-10-30T20:00:00Z', 24, NINE_TO_FIVE, '2026-11-04T21:00:00.000Z'],
    // Europe/London: Fri Mar 27 15:00 GMT + 4 → Mon Mar 30 11:00 BST; Fri Oct 23 15:00 BST + 4 → Mon 11:00 GMT.
    ['Europe/London', '2026-03-27T15:00:00Z', 4, NINE_TO_FIVE, '2026-03-30T10:00:00.000Z'],
    ['Europe/London', '2026-10-23T14:00:00Z', 4, NINE_TO_FIVE, '2026-10-26T11:00:00.000Z'],
    // Local date ahead of UTC: Mon 08:00 NZDT is Sunday 19:00 UTC; + 1 → Mon 10:00 NZDT.
    ['Pacific/Auckland', '2026-03-01T19:00:00Z', 1, NINE_TO_FIVE, '2026-03-01T21:00:00.000Z'],
    // Fri 16:00 NZDT + 2 → Fri 1 + Mon 1 → Mon Mar 9 10:00 NZDT (a UTC Sunday).
    ['Pacific/Auckland', '2026-03-06T03:00:00Z', 2, NINE_TO_FIVE, '2026-03-08T21:00:00.000Z'],
    // Local date behind UTC: Fri 16:00 PST is Saturday 00:00 UTC; + 2 → Mon Mar 9 10:00 PDT.
    ['America/Los_Angeles', '2026-03-07T00:00:00Z', 2, NINE_TO_FIVE, '2026-03-09T17:00:00.000Z'],
    // Half-hour offset: Mon 16:30 IST + 1 → Tue 09:30 IST.
    ['Asia/Kolkata', '2026-03-02T11:00:00Z', 1, NINE_TO_FIVE, '2026-03-03T04:00:00.000Z'],
    // Other hours: 08–18, Mon 17:00 EST + 3 → Mon 1 + Tue 2 → Tue 10:00 EST.
    ['America/New_York', '2026-03-02T22:00:00Z', 3, { start: 8, end: 18 }, '2026-03-03T15:00:00.000Z'],
    // Round the clock on weekdays: Fri 23:00 EST + 1 → Fri 24:00 (= Sat 00:00 EST), the end of Friday's window.
    ['America/New_York', '2026-03-07T04:00:00Z', 1, { start: 0, end: 24 }, '2026-03-07T05:00:00.000Z'],
    // Cairo sprang forward on Friday 2024-04-26 at 00:00 (→ 01:00): with 00–08 hours Friday opens at 01:00 EEST.
    ['Africa/Cairo', '2024-04-25T21:00:00Z', 1, { start: 0, end: 8 }, '2024-04-25T23:00:00.000Z'],
  ])('%s: %s + %s h (%o) → %s', (tz, start, hours, bh, expected) => {
    expect(iso(addBusinessHours(at(start), hours, tz, bh))).toBe(expected);
  });

  it('refuses negative hours and impossible business hours', () => {
    const tz = 'UTC';
    const calls = [
      () => addBusinessHours(0, -1, tz, NINE_TO_FIVE),
      () => addBusinessHours(0, Number.NaN, tz, NINE_TO_FIVE),
      () => addBusinessHours(0, 1, tz, { start: 17, end: 9 }),
      () => addBusinessHours(0, 1, tz, { start: 9, end: 25 }),
    ];
    for (const call of calls) {
      try {
        call();
        expect.unreachable();
      } catch (err) {
        expect(isDomainError(err) && err.code).toBe('invalid_input');
      }
    }
  });
});

describe('businessHoursBetween', () => {
  it.each([
    ['America/New_York', '2026-03-06T19:00:00Z', '2026-03-09T18:00:00Z', NINE_TO_FIVE, 8], // Fri 14:00 EST → Mon 14:00 EDT
    ['America/New_York', '2026-03-02T21:30:00Z', '2026-03-03T14:15:00Z', NINE_TO_FIVE, 0.75], // Mon 16:30 → Tue 09:15
    ['America/New_York', '2026-03-02T05:00:00Z', '2026-03-09T04:00:00Z', NINE_TO_FIVE, 40], // one whole week
    ['America/New_York', '2026-03-02T05:00:00Z', '2026-03-16T04:00:00Z', NINE_TO_FIVE, 80], // two, across DST
    ['America/New_York', '2026-10-30T20:00:00Z', '2026-11-04T21:00:00Z', NINE_TO_FIVE, 24], // across fall-back
    ['America/New_York', '2026-03-07T15:00:00Z', '2026-03-08T22:00:00Z', NINE_TO_FIVE, 0], // Sat → Sun
    ['America/New_York', '2026-03-03T23:00:00Z', '2026-03-04T13:00:00Z', NINE_TO_FIVE, 0], // overnight
    ['America/New_York', '2026-03-03T15:00:00Z', '2026-03-03T15:00:00Z', NINE_TO_FIVE, 0], // same instant
    ['America/New_York', '2026-03-04T15:00:00Z', '2026-03-03T15:00:00Z', NINE_TO_FIVE, 0], // reversed
    ['Europe/London', '2026-03-27T15:00:00Z', '2026-03-30T10:00:00Z', NINE_TO_FIVE, 4],
    ['Europe/London', '2026-10-23T14:00:00Z', '2026-10-26T11:00:00Z', NINE_TO_FIVE, 4],
    ['Pacific/Auckland', '2026-03-01T19:00:00Z', '2026-03-01T21:00:00Z', NINE_TO_FIVE, 1], // Mon 08:00 → 10:00 NZDT
    ['America/Los_Angeles', '2026-03-07T00:00:00Z', '2026-03-09T17:00:00Z', NINE_TO_FIVE, 2],
    // Round-the-clock weekdays across Cairo's Friday DST start: Mon from 02:00 local = 22 h, Tue–Thu 24 each,
    // Fri 23 (00:00–01:00 never happened) → 117.
    ['Africa/Cairo', '2024-04-22T00:00:00Z', '2024-04-27T00:00:00Z', { start: 0, end: 24 }, 117],
    // 00–08 that Friday is 7 real hours; Mon (from 02:00) 6 + Tue–Thu 24 + Fri 7 = 37.
    ['Africa/Cairo', '2024-04-22T00:00:00Z', '2024-04-28T00:00:00Z', { start: 0, end: 8 }, 37],
    // Cairo fell back at Thu 2024-10-31 24:00 → 23:00, so 20:00–24:00 that evening lasted 5 h; Fri to 02:00 → 4.
    ['Africa/Cairo', '2024-10-31T00:00:00Z', '2024-11-02T00:00:00Z', { start: 20, end: 24 }, 9],
  ])('%s: %s → %s (%o) = %s h', (tz, from, to, bh, expected) => {
    expect(businessHoursBetween(at(from), at(to), tz, bh)).toBeCloseTo(expected, 9);
  });

  it('is the inverse of addBusinessHours', () => {
    const zones = [
      'America/New_York',
      'Europe/London',
      'Pacific/Auckland',
      'Asia/Kolkata',
      'America/Los_Angeles',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
        fc.integer({ min: 0, max: 400 }).map((q) => q / 4),
        fc.constantFrom(...zones),
        fc.constantFrom(NINE_TO_FIVE, { start: 8, end: 18 }, { start: 0, end: 24 }),
        (start, hours, tz, bh) => {
          const end = addBusinessHours(start, hours, tz, bh);
          expect(end).toBeGreaterThanOrEqual(start);
          expect(businessHoursBetween(start, end, tz, bh)).toBeCloseTo(hours, 6);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('isBusinessTime', () => {
  it.each([
    ['2026-03-02T14:00:00Z', true], // Mon 09:00 EST
    ['2026-03-02T13:59:59Z', false], // 08:59:59
    ['2026-03-02T22:00:00Z', false], // 17:00 (closing is exclusive)
    ['2026-03-07T16:00:00Z', false], // Saturday 11:00
    ['2026-03-09T13:30:00Z', true], // Mon 09:30 EDT
  ])('%s in New York → %s', (when, expected) => {
    expect(isBusinessTime(at(when), 'America/New_York', NINE_TO_FIVE)).toBe(expected);
  });
});

describe('zone helpers', () => {
  it('maps a local wall time to an instant: skipped times move past the gap, repeated times take the first', () => {
    expect(iso(instantAtLocal(day('2026-03-09'), 9, 'America/New_York'))).toBe('2026-03-09T13:00:00.000Z');
    expect(iso(instantAtLocal(day('2026-03-08'), 2, 'America/New_York', 30))).toBe(
      '2026-03-08T07:00:00.000Z',
    );
    expect(iso(instantAtLocal(day('2026-11-01'), 1, 'America/New_York', 30))).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    expect(iso(instantAtLocal(day('2026-03-29'), 1, 'Europe/London', 30))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(instantAtLocal(day('2026-03-02'), 24, 'America/New_York'))).toBe('2026-03-03T05:00:00.000Z');
  });

  it('adds calendar days at the same wall time across DST', () => {
    // Sun Mar 1 10:00 EST + 14 days → Sun Mar 15 10:00 EDT (14 days less one hour of real time).
    expect(iso(addCalendarDays(at('2026-03-01T15:00:00Z'), 14, 'America/New_York'))).toBe(
      '2026-03-15T14:00:00.000Z',
    );
    expect(iso(addCalendarDays(at('2026-10-20T09:00:00.250Z'), 90, 'Europe/London'))).toBe(
      '2027-01-18T10:00:00.250Z',
    );
    expect(iso(addCalendarDays(at('2026-03-07T07:30:00Z'), 1, 'America/New_York'))).toBe(
      '2026-03-08T07:00:00.000Z',
    ); // 02:30 skipped → 03:00 EDT
    expect(iso(addCalendarDays(at('2026-03-15T14:00:00Z'), -14, 'America/New_York'))).toBe(
      '2026-03-01T15:00:00.000Z',
    );
  });

  it('reads local wall time', () => {
    expect(localTime(at('2026-06-30T20:00:00Z'), 'Pacific/Auckland')).toMatchObject({
      date: '2026-07-01',
      weekday: 3,
      hour: 8,
      minute: 0,
    });
    expect(localTime(at('2026-03-02T11:45:30Z'), 'Asia/Kolkata')).toMatchObject({
      date: '2026-03-02',
      weekday: 1,
      hour: 17,
      minute: 15,
      second: 30,
    });
  });

  it('knows valid time zones', () => {
    expect(isValidTimeZone('Europe/London')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

// The zone offset is cached per UTC hour (see offsetAt). These cases put a transition where a cache could go
// wrong: at half past the hour, at an odd second, by 30 or 45 minutes, by a whole day, and long ago. Expected
// offsets come from the tz database (minutes east of UTC before and after the transition instant).
describe('zone offsets around transitions', () => {
  const cases: Array<[tz: string, transition: string, before: number, after: number]> = [
    ['America/New_York', '2026-03-08T07:00:00Z', -300, -240],
    ['America/New_York', '2026-11-01T06:00:00Z', -240, -300],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z', 660, 630], // 02:00 → 01:30, a 30-minute fall-back
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z', 630, 660], // 02:00 → 02:30, at half past a UTC hour
    ['Pacific/Chatham', '2026-04-04T14:00:00Z', 825, 765], // +13:45 → +12:45
    ['Antarctica/Troll', '2026-03-29T01:00:00Z', 0, 120], // a two-hour summer time
    ['Asia/Kathmandu', '1985-12-31T18:30:00Z', 330, 345], // +05:30 → +05:45
    ['Africa/Monrovia', '1972-01-07T00:44:30Z', -44.5, 0], // -00:44:30 → UTC, at an odd second
    ['America/Caracas', '2016-05-01T07:00:00Z', -270, -240],
    ['Pacific/Apia', '2011-12-30T10:00:00Z', -600, 840], // Samoa skipped 30 December 2011
  ];
  const MIN = 60_000;
  /** The wall clock the tz database gives, read back as UTC fields. */
  const expectedWall = (ms: number, offsetMin: number) => {
    const w = new Date(Math.floor(ms / 1000) * 1000 + offsetMin * MIN);
    return {
      date: w.toISOString().slice(0, 10),
      hour: w.getUTCHours(),
      minute: w.getUTCMinutes(),
      second: w.getUTCSeconds(),
    };
  };
  // From an hour before the transition to an hour after it; the order varies so that the hours either side
  // are cached before, between and after the transition's own hour is asked about.
  const offsetsSec = [-3600, -1801, -1, 0, 1, 1799, 3599, 3600, 7199];
  const orders = [offsetsSec, [...offsetsSec].reverse(), [3599, -3600, 0, 7199, -1, 1, 1799, -1801, 3600]];

  it.each(cases)('%s at %s: %s → %s minutes', (tz, transition, before, after) => {
    const t = at(transition);
    for (const order of orders) {
      for (const s of order) {
        const ms = t + s * 1000;
        expect(localTime(ms, tz), `${tz} at ${iso(ms)}`).toMatchObject(
          expectedWall(ms, s < 0 ? before : after),
        );
        // Sub-second instants belong to their second.
        expect(localTime(ms + 999, tz)).toMatchObject(expectedWall(ms, s < 0 ? before : after));
      }
    }
  });

  it('maps wall times in gaps and repeats to the right instants at odd transitions', () => {
    // Lord Howe springs forward 02:00 → 02:30: 02:15 does not exist and means 02:30 (+11:00).
    expect(iso(instantAtLocal(day('2026-10-04'), 2, 'Australia/Lord_Howe', 15))).toBe(
      '2026-10-03T15:30:00.000Z',
    );
    expect(iso(instantAtLocal(day('2026-10-04'), 2, 'Australia/Lord_Howe', 30))).toBe(
      '2026-10-03T15:30:00.000Z',
    );
    // ... and falls back 02:00 → 01:30: 01:45 happens twice; the first is still at +11:00.
    expect(iso(instantAtLocal(day('2026-04-05'), 1, 'Australia/Lord_Howe', 45))).toBe(
      '2026-04-04T14:45:00.000Z',
    );
    expect(iso(instantAtLocal(day('2026-04-05'), 2, 'Australia/Lord_Howe'))).toBe('2026-04-04T15:30:00.000Z');
    // Monrovia's clocks jumped from 00:00:00 to 00:44:30: 00:20 means the transition, at an odd second.
    expect(iso(instantAtLocal(day('1972-01-07'), 0, 'Africa/Monrovia', 20))).toBe('1972-01-07T00:44:30.000Z');
    expect(iso(instantAtLocal(day('1972-01-06'), 23, 'Africa/Monrovia', 59))).toBe(
      '1972-01-07T00:43:30.000Z',
    );
    // Samoa: 30 December 2011 never happened in Apia.
    expect(iso(instantAtLocal(day('2011-12-30'), 12, 'Pacific/Apia'))).toBe('2011-12-30T10:00:00.000Z');
    expect(iso(instantAtLocal(day('2011-12-31'), 12, 'Pacific/Apia'))).toBe('2011-12-30T22:00:00.000Z');
  });

  it('adds calendar days and business hours across a 30-minute shift', () => {
    // Fri 2 Oct 10:00 +10:30 → Fri 9 Oct 10:00 +11:00.
    expect(iso(addCalendarDays(at('2026-10-01T23:30:00Z'), 7, 'Australia/Lord_Howe'))).toBe(
      '2026-10-08T23:00:00.000Z',
    );
    // Fri 2 Oct 16:00 + 2 business hours → Fri 1 h, Mon 5 Oct 10:00 (+11:00) after the weekend's shift.
    expect(iso(addBusinessHours(at('2026-10-02T05:30:00Z'), 2, 'Australia/Lord_Howe', NINE_TO_FIVE))).toBe(
      '2026-10-04T23:00:00.000Z',
    );
  });

  it('agrees with Intl at any instant in zones with odd offsets, whatever was cached before', () => {
    const zones = cases.map(([tz]) => tz).concat(['Europe/Dublin', 'Africa/Casablanca', 'Asia/Pyongyang']);
    const formatters = new Map(
      zones.map((tz) => [
        tz,
        new Intl.DateTimeFormat('en-US', {
          timeZone: tz,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        }),
      ]),
    );
    const oracle = (ms: number, tz: string) => {
      const p = Object.fromEntries(
        formatters
          .get(tz)!
          .formatToParts(new Date(ms))
          .map((x) => [x.type, x.value]),
      );
      return {
        date: `${p.year}-${p.month}-${p.day}`,
        hour: Number(p.hour) % 24,
        minute: Number(p.minute),
        second: Number(p.second),
      };
    };
    const near = cases.map(([, transition]) => at(transition));
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          // Anywhere from 1900 to 2100 ...
          fc.integer({ min: at('1900-01-01T00:00:00Z'), max: at('2100-01-01T00:00:00Z') }),
          // ... and within two hours of one of the transitions above.
          fc
            .tuple(fc.constantFrom(...near), fc.integer({ min: -7_200_000, max: 7_200_000 }))
            .map(([t, d]) => t + d),
        ),
        (tz, ms) => {
          expect(localTime(ms, tz)).toMatchObject(oracle(ms, tz));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

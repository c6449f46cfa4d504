import { parse } from 'node-cron';
import { dayNumberToIso, instantAtLocal, localTime, weekdayOfDayNumber } from '../core/business-hours.ts';

// A job's periods computed from its cron expression on the program's wall clock, instead of trusting that a
// timer fired: the scheduler asks "which is the latest period whose time has passed?" and runs it if the
// ledger does not have it yet. Walking the wall calendar (not instants) is what makes DST come out right:
//  - a wall time skipped by a DST gap (02:30 on 8 March 2026 in America/New_York) still is a period; it falls
//    due at the first instant after the gap (03:00 EDT), like `instantAtLocal`;
//  - a wall time that happens twice (01:30 on 1 November 2026 in New York) is one period, due at its first
//    occurrence; its second pass finds the same key already in the ledger.
// Fields are node-cron's own parse (names, ranges, steps, `L`, `nL`, `n#k`), so this agrees with node-cron
// on what an expression means; day of month and day of week must both match, as node-cron does.

export interface CronPeriod {
  /** The period's wall-clock time in the program zone, `YYYY-MM-DDTHH:MM`: the ledger key. */
  key: string;
  /** When it falls due (ms since the epoch). */
  at: number;
  /** Its wall time does not exist (skipped by a DST gap); it falls due right after the gap. */
  inGap: boolean;
}

/** How far back a period is looked for (a yearly schedule's last period is within it). */
export const HORIZON_DAYS = 370;

type Field = ReadonlyArray<number | string>;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayOfMonthMatches(field: Field, year: number, month: number, day: number): boolean {
  const last = daysInMonth(year, month);
  for (const v of field) {
    if (v === day) return true;
    if (v === 'L' && day === last) return true;
    if (typeof v === 'string') {
      const offset = /^L-(\d{1,2})$/.exec(v);
      if (offset && last - Number(offset[1]) === day) return true;
    }
  }
  return false;
}

function dayOfWeekMatches(field: Field, year: number, month: number, day: number, weekday: number): boolean {
  for (const v of field) {
    if (v === weekday) return true;
    if (typeof v !== 'string') continue;
    const lastOf = /^([0-7])L$/.exec(v);
    if (lastOf && Number(lastOf[1]) % 7 === weekday && day + 7 > daysInMonth(year, month)) return true;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth && Number(nth[1]) % 7 === weekday && Math.floor((day - 1) / 7) + 1 === Number(nth[2]))
      return true;
  }
  return false;
}

const pad = (n: number) => String(n).padStart(2, '0');

export interface CronSchedule {
  /** The latest period due at or before `now`, or null when none within HORIZON_DAYS. */
  latest(now: number): CronPeriod | null;
}

/** Throws when node-cron cannot parse the expression. */
export function cronSchedule(expression: string, timeZone: string): CronSchedule {
  const f = parse(expression);
  const minutes = [...f.minute].sort((a, b) => b - a);
  const hours = [...f.hour].sort((a, b) => b - a);
  let memo: { minute: number; period: CronPeriod | null } | null = null;
  return {
    latest(now) {
      // Periods change only on whole minutes: one search per minute of the clock.
      const minute = Math.floor(now / 60_000);
      if (memo && memo.minute === minute && (memo.period === null || memo.period.at <= now))
        return memo.period;
      const today = localTime(now, timeZone).day;
      let found: CronPeriod | null = null;
      // From tomorrow's wall date (a repeated hour's second pass has an earlier wall clock than the first).
      search: for (let day = today + 1; day >= today - HORIZON_DAYS; day -= 1) {
        const iso = dayNumberToIso(day);
        const year = Number(iso.slice(0, 4));
        const month = Number(iso.slice(5, 7));
        const date = Number(iso.slice(8, 10));
        if (!f.month.includes(month)) continue;
        if (!dayOfMonthMatches(f.dayOfMonth, year, month, date)) continue;
        if (!dayOfWeekMatches(f.dayOfWeek, year, month, date, weekdayOfDayNumber(day))) continue;
        for (const hour of hours) {
          for (const min of minutes) {
            const at = instantAtLocal(day, hour, timeZone, min);
            if (at > now) continue;
            const wall = localTime(at, timeZone);
            found = {
              key: `${iso}T${pad(hour)}:${pad(min)}`,
              at,
              inGap: wall.day !== day || wall.hour !== hour || wall.minute !== min,
            };
            break search;
          }
        }
      }
      memo = { minute, period: found };
      return found;
    },
  };
}

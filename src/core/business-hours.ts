import { DomainError } from './errors.ts';

// Wall-clock arithmetic in an IANA time zone, with Intl only. The clock is always passed in.
//
// Business hours are Monday to Friday, `start`:00 to `end`:00 local time (24-hour clock; `end` 24 means
// midnight). Time is counted in real elapsed milliseconds inside those windows, so a window that a DST
// change shortens or lengthens counts as it really is. When a wall time does not exist (the spring-forward
// gap) it means the first instant after the gap; when it happens twice (fall-back) it means the first one.

export interface BusinessHours {
  /** Opening hour, 0–23. */
  start: number;
  /** Closing hour, 1–24, after `start`. */
  end: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `tz` is an IANA time zone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  if (formatters.has(tz)) return true;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall clock of instant `sec` (a whole second) in `tz`, straight from Intl, as milliseconds since the
 * epoch as if that wall clock were UTC ("wall ms"). A formatToParts call costs microseconds: the rest of the
 * file goes through the cached `offsetAt`.
 */
function intlWallMs(sec: number, tz: string): number {
  let y = 0;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of formatterFor(tz).formatToParts(new Date(sec))) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value) % 24;
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      default:
        break;
    }
  }
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  date.setUTCFullYear(y); // Date.UTC maps years 0-99 onto 1900-1999
  return date.getTime();
}

/** UTC offset of `tz` at whole second `sec` straight from Intl, in milliseconds (wall minus UTC). */
function intlOffset(sec: number, tz: string): number {
  return intlWallMs(sec, tz) - sec;
}

// Offsets per zone per UTC hour. A digest asks for the offset of every lead's timestamps (hundreds of
// thousands of instants), which as Intl calls dominated its profile; they fall into a few thousand hours.
//
// Why a cached hour is exact: an hour is cached only when Intl gives the same offset for its first and its
// last whole second. Offsets change only at transitions, on whole seconds, and no zone in the tz database
// changes its offset and changes it back within one hour, so equal ends mean no transition inside. An hour
// whose ends differ holds a transition (wherever it falls: Lord Howe's 30-minute shift at 15:30 UTC, local
// mean time offsets with seconds): it is never cached, and every instant in it is asked of Intl directly.
const offsetHours = new Map<string, Map<number, number>>();
/** Per zone; about 11 years of hours. A job that wanders further starts the zone's cache afresh. */
const OFFSET_HOURS_MAX = 100_000;

/** UTC offset of `tz` at instant `ms` (truncated to the second), in milliseconds (wall minus UTC). */
function offsetAt(ms: number, tz: string): number {
  const sec = Math.floor(ms / 1000) * 1000;
  const hour = Math.floor(sec / HOUR_MS);
  let hours = offsetHours.get(tz);
  if (hours === undefined) {
    hours = new Map();
    offsetHours.set(tz, hours);
  }
  const hit = hours.get(hour);
  if (hit !== undefined) return hit;
  const first = hour * HOUR_MS;
  const last = first + HOUR_MS - 1000;
  const atFirst = intlOffset(first, tz);
  const atLast = intlOffset(last, tz);
  if (atFirst !== atLast) {
    // A transition inside this hour: answer this instant alone.
    return sec === first ? atFirst : sec === last ? atLast : intlOffset(sec, tz);
  }
  if (hours.size >= OFFSET_HOURS_MAX) hours.clear();
  hours.set(hour, atFirst);
  return atFirst;
}

/**
 * The wall clock of instant `ms` in `tz`, as milliseconds since the epoch as if that wall clock were UTC
 * ("wall ms"), truncated to the second.
 */
function wallMs(ms: number, tz: string): number {
  const sec = Math.floor(ms / 1000) * 1000;
  return sec + offsetAt(sec, tz);
}

/** The first instant whose wall clock in `tz` is at or after `wall` (wall ms). */
function instantOfWall(wall: number, tz: string): number {
  // The instant lies within ±14 h of `wall`; the offsets either side of that span bracket any change.
  const before = offsetAt(wall - 26 * HOUR_MS, tz);
  const after = offsetAt(wall + 26 * HOUR_MS, tz);
  const candidates: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = wall - off;
    if (offsetAt(t, tz) === off) candidates.push(t);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: the answer is the transition itself, the first instant with the later offset.
  let lo = Math.floor((wall - after) / 1000); // still the earlier offset (seconds)
  let hi = Math.ceil((wall - before) / 1000); // already the later offset
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid * 1000, tz) === after) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** Local calendar day of `ms` in `tz`, as a day number (days since 1970-01-01 on that wall calendar). */
export function localDayNumber(ms: number, tz: string): number {
  return Math.floor(wallMs(ms, tz) / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
export function dayNumberToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Day of the week of a day number: 0 Sunday … 6 Saturday. */
export function weekdayOfDayNumber(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** Local wall-clock fields of instant `ms` in `tz`. */
export function localTime(
  ms: number,
  tz: string,
): { day: number; date: string; weekday: number; hour: number; minute: number; second: number } {
  const wall = wallMs(ms, tz);
  const day = Math.floor(wall / DAY_MS);
  const inDay = wall - day * DAY_MS;
  return {
    day,
    date: dayNumberToIso(day),
    weekday: weekdayOfDayNumber(day),
    hour: Math.floor(inDay / HOUR_MS),
    minute: Math.floor((inDay % HOUR_MS) / 60_000),
    second: Math.floor((inDay % 60_000) / 1000),
  };
}

/**
 * The instant of local wall time `hour`:`minute` on local day `day` (a day number) in `tz`. Hours past 23
 * roll into the next day. A time skipped by DST means the first instant after the gap; a repeated time
 * means its first occurrence.
 */
export function instantAtLocal(day: number, hour: number, tz: string, minute = 0): number {
  return instantOfWall(day * DAY_MS + hour * HOUR_MS + minute * 60_000, tz);
}

/**
 * `days` calendar days after `ms` at the same local wall time in `tz` (so 14 days after 10:00 is 10:00,
 * even across a DST change). Sub-second precision is kept.
 */
export function addCalendarDays(ms: number, days: number, tz: string): number {
  if (!Number.isInteger(days))
    throw new DomainError('invalid_input', `"${days}" is not a whole number of days.`);
  const wall = wallMs(ms, tz) + (ms - Math.floor(ms / 1000) * 1000);
  return instantOfWall(wall + days * DAY_MS, tz);
}

// Business windows per (zone, hours, day), cached: SLA jobs and digests ask about the same days often.
interface DayWindow {
  open: number;
  close: number;
}
const windowCache = new Map<string, DayWindow | null>();
const WINDOW_CACHE_MAX = 50_000;

function assertHours(bh: BusinessHours): void {
  const ok =
    Number.isInteger(bh.start) &&
    Number.isInteger(bh.end) &&
    bh.start >= 0 &&
    bh.end <= 24 &&
    bh.start < bh.end;
  if (!ok) {
    throw new DomainError(
      'invalid_input',
      `Business hours ${bh.start}–${bh.end} are not valid; use whole hours with start before end (0–24).`,
    );
  }
}

/** The business window of local day `day`, or null on a weekend. */
function dayWindow(day: number, tz: string, bh: BusinessHours): DayWindow | null {
  const wd = weekdayOfDayNumber(day);
  if (wd === 0 || wd === 6) return null;
  const key = `${tz}|${bh.start}|${bh.end}|${day}`;
  const hit = windowCache.get(key);
  if (hit !== undefined) return hit;
  const w = { open: instantAtLocal(day, bh.start, tz), close: instantAtLocal(day, bh.end, tz) };
  if (windowCache.size >= WINDOW_CACHE_MAX) windowCache.clear();
  windowCache.set(key, w);
  return w;
}

/** True when instant `ms` falls inside business hours in `tz`. */
export function isBusinessTime(ms: number, tz: string, bh: BusinessHours): boolean {
  assertHours(bh);
  const w = dayWindow(localDayNumber(ms, tz), tz, bh);
  return w !== null && ms >= w.open && ms < w.close;
}

/**
 * The instant `hours` business hours after `startMs` in `tz`. A start outside business hours counts from
 * the next opening; a deadline that lands exactly on closing time is that closing time (not next opening).
 * Zero hours returns `startMs` unchanged.
 */
export function addBusinessHours(startMs: number, hours: number, tz: string, bh: BusinessHours): number {
  assertHours(bh);
  if (!Number.isFinite(hours) || hours < 0) {
    throw new DomainError('invalid_input', `"${hours}" is not a number of business hours (0 or more).`);
  }
  if (hours === 0) return startMs;
  let remaining = hours * HOUR_MS;
  let day = localDayNumber(startMs, tz);
  // Each business day has at least one hour, so this bound is generous; it guards against a runaway loop.
  const maxDays = Math.ceil(hours) * 7 + 14;
  for (let i = 0; i <= maxDays; i++, day++) {
    const w = dayWindow(day, tz, bh);
    if (!w) continue;
    const begin = Math.max(startMs, w.open);
    const available = w.close - begin;
    if (available <= 0) continue;
    if (remaining <= available) return begin + remaining;
    remaining -= available;
  }
  throw new Error(`addBusinessHours did not converge (${hours} h in ${tz})`);
}

/**
 * Business hours (fractional) elapsed in `tz` from `fromMs` to `toMs`; 0 when `toMs` is not after `fromMs`.
 */
export function businessHoursBetween(fromMs: number, toMs: number, tz: string, bh: BusinessHours): number {
  assertHours(bh);
  if (!(toMs > fromMs)) return 0;
  const lastDay = localDayNumber(toMs, tz);
  let total = 0;
  for (let day = localDayNumber(fromMs, tz); day <= lastDay; day++) {
    const w = dayWindow(day, tz, bh);
    if (!w) continue;
    const a = Math.max(fromMs, w.open);
    const b = Math.min(toMs, w.close);
    if (b > a) total += b - a;
  }
  return total / HOUR_MS;
}

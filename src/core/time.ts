import { DomainError } from './errors.ts';

// Calendar arithmetic. The clock is always passed in; nothing here reads the current time.

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** `YYYY-MM-DD` of the instant `ms` (epoch milliseconds) as a wall calendar in `timeZone` (IANA). */
export function calendarDate(ms: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year').padStart(4, '0')}-${get('month')}-${get('day')}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function utcDay(iso: string): number | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const date = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC maps years 0-99 onto 1900-1999; setUTCFullYear keeps the year as written.
  date.setUTCFullYear(y);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.getTime() / DAY_MS;
}

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2026-02-30, 2026-13-01, 2026-1-5). */
export function isIsoDate(s: string): boolean {
  return utcDay(s) !== null;
}

/** Whole calendar days from `fromIsoDate` to `toIsoDate` (negative when `to` is earlier). DST cannot skew it. */
export function daysBetween(fromIsoDate: string, toIsoDate: string): number {
  const from = utcDay(fromIsoDate);
  const to = utcDay(toIsoDate);
  if (from === null || to === null) {
    const bad = from === null ? fromIsoDate : toIsoDate;
    throw new DomainError('invalid_input', `"${bad}" is not a date; use the form YYYY-MM-DD.`);
  }
  return Math.round(to - from);
}

import { instantAtLocal, isValidTimeZone, localTime } from './business-hours.ts';

// Quiet hours and batching for reminders and nudges (PRODUCT.md section 6). Pure: the clock is passed in.

export interface QuietHours {
  /** Local hour (0–24) quiet time begins, e.g. 20. */
  from: number;
  /** Local hour (0–24) quiet time ends, e.g. 8; when `to` ≤ `from` the quiet time spans midnight. */
  to: number;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { from: 20, to: 8 };
export const DEFAULT_BATCH_WINDOW_MS = 3_600_000;

/** The recipient's zone when Slack gave a valid one, else the fallback (the program's zone). */
export function resolveTimeZone(recipientTz: string | null | undefined, fallbackTz: string): string {
  return recipientTz && isValidTimeZone(recipientTz) ? recipientTz : fallbackTz;
}

/** True when `nowMs` falls in quiet hours in `tz`. `from` equal to `to` means no quiet hours. */
export function isQuietTime(nowMs: number, tz: string, quiet: QuietHours = DEFAULT_QUIET_HOURS): boolean {
  if (quiet.from === quiet.to) return false;
  const t = localTime(nowMs, tz);
  const minutes = t.hour * 60 + t.minute + t.second / 60;
  const from = quiet.from * 60;
  const to = quiet.to * 60;
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

/**
 * When a reminder may be sent to someone in `recipientTz` (or `fallbackTz` when that is null or unknown):
 * `nowMs` itself outside quiet hours, else the next `quiet.to`:00 local time (the first instant after it
 * when DST skips that hour).
 */
export function nextSendTime(
  nowMs: number,
  recipientTz: string | null | undefined,
  fallbackTz: string,
  quiet: QuietHours = DEFAULT_QUIET_HOURS,
): number {
  const tz = resolveTimeZone(recipientTz, fallbackTz);
  if (!isQuietTime(nowMs, tz, quiet)) return nowMs;
  const t = localTime(nowMs, tz);
  // Before the morning end of quiet hours: later today; otherwise (the evening part): tomorrow.
  const day = t.hour < quiet.to ? t.day : t.day + 1;
  const at = instantAtLocal(day, quiet.to, tz);
  return at > nowMs ? at : instantAtLocal(day + 1, quiet.to, tz);
}

/** A fixed hourly bucket for one recipient: reminders with the same key can share a message. */
export function batchKey(
  recipient: string,
  dueMs: number,
  windowMs: number = DEFAULT_BATCH_WINDOW_MS,
): string {
  return `batch:${recipient}:${Math.floor(dueMs / windowMs) * windowMs}`;
}

export interface ReminderItem<T> {
  recipient: string;
  dueMs: number;
  item: T;
}

export interface ReminderBatch<T> {
  recipient: string;
  /** Stable for the same recipient and first due time: use it as the message's delivery key. */
  key: string;
  firstDueMs: number;
  lastDueMs: number;
  items: T[];
}

/**
 * Groups reminders to the same person into one message per window: a batch opens at its earliest due
 * time and takes every later item due less than `windowMs` after that; the next item opens a new batch.
 * Batches come out ordered by first due time, then recipient; items keep due order (input order on ties).
 */
export function batchReminders<T>(
  items: ReadonlyArray<ReminderItem<T>>,
  windowMs: number = DEFAULT_BATCH_WINDOW_MS,
): ReminderBatch<T>[] {
  const byRecipient = new Map<string, Array<{ dueMs: number; item: T; i: number }>>();
  items.forEach((it, i) => {
    let list = byRecipient.get(it.recipient);
    if (!list) {
      list = [];
      byRecipient.set(it.recipient, list);
    }
    list.push({ dueMs: it.dueMs, item: it.item, i });
  });
  const out: ReminderBatch<T>[] = [];
  for (const [recipient, list] of byRecipient) {
    list.sort((a, b) => a.dueMs - b.dueMs || a.i - b.i);
    let current: ReminderBatch<T> | null = null;
    for (const entry of list) {
      if (!current || entry.dueMs - current.firstDueMs >= windowMs) {
        current = {
          recipient,
          key: `batch:${recipient}:${entry.dueMs}`,
          firstDueMs: entry.dueMs,
          lastDueMs: entry.dueMs,
          items: [],
        };
        out.push(current);
      }
      current.items.push(entry.item);
      current.lastDueMs = entry.dueMs;
    }
  }
  return out.sort((a, b) => a.firstDueMs - b.firstDueMs || (a.recipient < b.recipient ? -1 : 1));
}

export interface ScheduledBatch<T> extends ReminderBatch<T> {
  /** When the message may go out: the batch's last due time (or now, if later), pushed past quiet hours. */
  sendAt: number;
  tz: string;
}

/**
 * Batches reminders and gives each batch its send time in the recipient's zone (`tzOf` returns the cached
 * `users.info` zone, or null when unknown).
 */
export function scheduleReminders<T>(
  items: ReadonlyArray<ReminderItem<T>>,
  nowMs: number,
  tzOf: (recipient: string) => string | null | undefined,
  fallbackTz: string,
  options: { quiet?: QuietHours; windowMs?: number } = {},
): ScheduledBatch<T>[] {
  const quiet = options.quiet ?? DEFAULT_QUIET_HOURS;
  return batchReminders(items, options.windowMs ?? DEFAULT_BATCH_WINDOW_MS).map((b) => {
    const tz = resolveTimeZone(tzOf(b.recipient), fallbackTz);
    return { ...b, tz, sendAt: nextSendTime(Math.max(nowMs, b.lastDueMs), tz, tz, quiet) };
  });
}

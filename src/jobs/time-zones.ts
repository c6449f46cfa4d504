import { isValidTimeZone } from '../core/business-hours.ts';
import type { Db } from '../db/connection.ts';
import { cachedTimeZones, saveTimeZone } from '../db/stores/job-store.ts';

// Recipients' time zones for quiet hours: Slack's users.info, cached in `people.timeZone` with the time it
// was read. A fresh cache entry is used as is; a stale or missing one is looked up again (a few per run, so
// a job never stalls on Slack); anything unknown falls back to the program's zone at the caller.

const DAY_MS = 86_400_000;

/** The `users.info` answer Foothold needs. Throws like the Web API client does. */
export type UsersInfo = (userId: string) => Promise<{ tz?: string | null | undefined }>;

export interface TimeZoneLookup {
  /** Zone per user id (null: unknown, use the program's zone). Only user ids (U…/W…) are looked up. */
  resolve(
    userIds: readonly string[],
    now: number,
    options?: {
      cacheOnly?: boolean;
      /** The handle to read and write the cache through (a job passes its own: a preview's transaction). */
      db?: Db;
    },
  ): Promise<Map<string, string | null>>;
}

/** Slack answers that mean "this person has no zone we can read": remembered, not retried every run. */
const PERMANENT = new Set(['user_not_found', 'user_not_visible', 'users_not_found', 'account_inactive']);

export function createTimeZoneLookup(options: {
  db: Db;
  /** Without it (CLI without a token, tests) only the cache is used. */
  usersInfo?: UsersInfo | null;
  /** How long a cached zone is trusted; default 7 days. */
  ttlMs?: number;
  /** At most this many users.info calls per resolve; the rest use the (stale) cache. Default 50. */
  maxLookups?: number;
  logger?: { warn(obj: object, msg?: string): void };
}): TimeZoneLookup {
  const ttl = options.ttlMs ?? 7 * DAY_MS;
  const maxLookups = options.maxLookups ?? 50;
  return {
    async resolve(userIds, now, resolveOptions = {}) {
      const ids = [...new Set(userIds.filter((u) => /^[UW][A-Z0-9]+$/.test(u)))];
      const db = resolveOptions.db ?? options.db;
      const cached = await cachedTimeZones(db, ids);
      const out = new Map<string, string | null>();
      let lookups = 0;
      for (const id of ids) {
        const hit = cached.get(id);
        const usable = hit?.timeZone && isValidTimeZone(hit.timeZone) ? hit.timeZone : null;
        const fresh = hit?.checkedAt != null && now - hit.checkedAt < ttl;
        if (fresh || !options.usersInfo || resolveOptions.cacheOnly || lookups >= maxLookups) {
          out.set(id, usable);
          continue;
        }
        lookups++;
        try {
          const res = await options.usersInfo(id);
          const tz = res.tz && isValidTimeZone(res.tz) ? res.tz : null;
          await saveTimeZone(db, id, tz, now);
          out.set(id, tz);
        } catch (err) {
          const code = (err as { data?: { error?: string } }).data?.error;
          if (code && PERMANENT.has(code)) await saveTimeZone(db, id, null, now);
          else options.logger?.warn({ err, userId: id }, 'users.info failed; using the cached time zone');
          out.set(id, usable);
        }
      }
      return out;
    },
  };
}

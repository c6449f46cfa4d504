import type { Db } from '../db/connection.ts';
import { getOwnerEntry, saveOwnerEntry } from '../db/stores/crm-store.ts';

// CRM owners are emails; routing needs Slack user ids (PRODUCT.md section 11). Each email is looked up with
// Slack's users.lookupByEmail (scope users:read.email) and the answer, hit or miss, is cached in
// `crm_owner_map` for a TTL. A miss (no Slack user with that email, or a deactivated one) is reported in the
// sync summary and logged once per run; accounts owned by a missed email route like unowned ones.

/** Slack's answer for one email: the user id, or null when Slack has no (active) user with it. Throws otherwise. */
export type LookupByEmail = (email: string) => Promise<string | null>;

/** Slack errors meaning "no such user" (users.lookupByEmail documents `users_not_found`). */
const MISS_ERRORS = new Set(['users_not_found', 'user_not_found', 'account_inactive']);

export interface OwnerStats {
  /** Distinct owner emails seen this run. */
  seen: number;
  /** Slack calls made (the rest came from the cache). */
  lookups: number;
  mapped: number;
  /** Emails with no Slack user (cached misses included), sorted. */
  misses: string[];
  /** Emails never looked up (no Slack token in this process). */
  notLookedUp: number;
  /** Emails whose lookup failed for another reason (kept for the next run). */
  failed: Array<{ email: string; error: string }>;
}

export interface OwnerResolver {
  /** Makes sure every email has a fresh entry in the owner map (looking up the stale or unknown ones). */
  resolve(emails: Iterable<string>): Promise<void>;
  stats(): OwnerStats;
}

export function slackLookupByEmail(client: {
  users: { lookupByEmail(args: { email: string }): Promise<{ user?: { id?: string; deleted?: boolean } }> };
}): LookupByEmail {
  return async (email) => {
    try {
      const res = await client.users.lookupByEmail({ email });
      if (!res.user?.id || res.user.deleted) return null;
      return res.user.id;
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code && MISS_ERRORS.has(code)) return null;
      throw err;
    }
  };
}

export function createOwnerResolver(options: {
  db: Db;
  /** Null when Slack is not reachable (CLI without a token): only the cache is used. */
  lookupByEmail: LookupByEmail | null;
  ttlMs: number;
  now: () => number;
  /** A dry run looks up but stores nothing. */
  dryRun?: boolean;
  logger?: { warn(obj: object, msg?: string): void };
}): OwnerResolver {
  const seen = new Map<string, 'mapped' | 'miss' | 'failed' | 'unknown'>();
  const failed: Array<{ email: string; error: string }> = [];
  let lookups = 0;
  return {
    async resolve(emails) {
      for (const raw of emails) {
        const email = raw.trim().toLowerCase();
        if (email === '' || seen.has(email)) continue;
        const now = options.now();
        const entry = await getOwnerEntry(options.db, email);
        const fresh = entry !== null && entry.error === null && now - entry.lookedUpAt < options.ttlMs;
        if (fresh || !options.lookupByEmail) {
          seen.set(
            email,
            entry === null || entry.error !== null ? 'unknown' : entry.slackUserId ? 'mapped' : 'miss',
          );
          continue;
        }
        lookups += 1;
        try {
          const userId = await options.lookupByEmail(email);
          if (!options.dryRun) {
            await saveOwnerEntry(
              options.db,
              email,
              { slackUserId: userId, miss: userId === null, error: null },
              now,
            );
          }
          seen.set(email, userId ? 'mapped' : 'miss');
          if (!userId) options.logger?.warn({ email }, 'CRM owner has no Slack user with that email');
        } catch (err) {
          const error = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
          if (!options.dryRun) {
            await saveOwnerEntry(
              options.db,
              email,
              { slackUserId: entry?.slackUserId ?? null, miss: false, error },
              now,
            );
          }
          failed.push({ email, error });
          seen.set(email, 'failed');
          options.logger?.warn({ email, error }, 'users.lookupByEmail failed; will try again next sync');
        }
      }
    },
    stats() {
      let mapped = 0;
      let notLookedUp = 0;
      const misses: string[] = [];
      for (const [email, state] of seen) {
        if (state === 'mapped') mapped += 1;
        else if (state === 'miss') misses.push(email);
        else if (state === 'unknown') notLookedUp += 1;
      }
      return { seen: seen.size, lookups, mapped, misses: misses.sort(), notLookedUp, failed };
    },
  };
}

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { InstallURLOptions, StateStore } from '@slack/bolt';
import { and, asc, count, eq, inArray, isNull, lt } from 'drizzle-orm';
import { affected, type Db, one, transaction } from '../connection.ts';
import { oauthStates } from '../schema.ts';

// Bolt's OAuth state store in the database (either engine). Bolt's default state is a signed token that stays valid for its whole
// lifetime, so the redirect of a completed install could be replayed (issue 10, finding 7). Here each state is
// a random nonce, signed with SLACK_STATE_SECRET (a forged one is refused without touching the database),
// stored as a hash, and consumed by the first redirect that presents it, in one conditional update.

/** How long an install link works (Bolt's state cookie lives as long). */
export const STATE_LIFETIME_MS = 10 * 60_000;
/** Used and expired states are kept this long after expiry, so a late retry is told "used", not "unknown". */
const KEEP_AFTER_EXPIRY_MS = 24 * 60 * 60_000;
/**
 * At most this many states are kept: every visit to `/slack/install` adds one, so a flood of visits would
 * otherwise grow the table without bound. Past it the oldest go first (a flood can then only spoil install
 * links opened during it).
 */
export const MAX_STATES = 10_000;

export type StateProblem = 'forged' | 'unknown' | 'used' | 'expired';

/** Why a state was refused. `code` is what Bolt's callback failure handler switches on. */
export class OAuthStateError extends Error {
  override name = 'OAuthStateError';
  readonly code = 'slack_oauth_invalid_state';
  constructor(readonly problem: StateProblem) {
    super(`OAuth state refused: ${problem}`);
  }
}

const hashOf = (state: string) => createHash('sha256').update(state).digest('hex');

export function createOAuthStateStore(
  db: Db,
  stateSecret: string,
  now: () => number = Date.now,
  maxStates = MAX_STATES,
): StateStore {
  const sign = (nonce: string) => createHmac('sha256', stateSecret).update(nonce).digest('base64url');
  return {
    async generateStateParam(installOptions: InstallURLOptions) {
      const at = now();
      const nonce = randomBytes(32).toString('base64url');
      const state = `${nonce}.${sign(nonce)}`;
      await transaction(db, async (tx) => {
        await tx.delete(oauthStates).where(lt(oauthStates.expiresAt, at - KEEP_AFTER_EXPIRY_MS));
        await tx.insert(oauthStates).values({
          stateHash: hashOf(state),
          installOptions: installOptions as unknown as Record<string, unknown>,
          createdAt: at,
          expiresAt: at + STATE_LIFETIME_MS,
        });
        const kept = (await one(tx.select({ n: count() }).from(oauthStates)))?.n ?? 0;
        if (kept > maxStates) {
          const oldest = tx
            .select({ h: oauthStates.stateHash })
            .from(oauthStates)
            .orderBy(asc(oauthStates.expiresAt), asc(oauthStates.stateHash))
            .limit(kept - maxStates);
          await tx.delete(oauthStates).where(inArray(oauthStates.stateHash, oldest));
        }
      });
      return state;
    },
    async verifyStateParam(_bolt: Date, state: string) {
      const [nonce = '', mac = ''] = state.split('.');
      const expected = Buffer.from(sign(nonce));
      const given = Buffer.from(mac);
      if (!nonce || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new OAuthStateError('forged');
      }
      const at = now();
      const hash = hashOf(state);
      return transaction(db, async (tx) => {
        const row = await one(tx.select().from(oauthStates).where(eq(oauthStates.stateHash, hash)));
        if (!row) throw new OAuthStateError('unknown');
        if (row.usedAt !== null) throw new OAuthStateError('used');
        // The guarded update is what makes a state single-use: of two redirects racing (two instances
        // included), one changes the row and the other changes nothing.
        const taken = affected(
          await tx
            .update(oauthStates)
            .set({ usedAt: at })
            .where(and(eq(oauthStates.stateHash, hash), isNull(oauthStates.usedAt))),
        );
        if (taken !== 1) throw new OAuthStateError('used');
        if (row.expiresAt < at) throw new OAuthStateError('expired');
        return row.installOptions as unknown as InstallURLOptions;
      });
    },
  };
}

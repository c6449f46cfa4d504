import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { oauthStates } from '../../src/db/schema.ts';
import { createOAuthStateStore, STATE_LIFETIME_MS } from '../../src/db/stores/oauth-state-store.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';

// OAuth states on a real SQLite file: signed, stored only as a hash, consumed once, expiring, purged.

const SECRET = 'state-secret-for-store-tests';
const OPTIONS = { scopes: ['commands'], redirectUri: 'https://foothold.example.com/slack/oauth_redirect' };

let t: TestDb;
let clock: number;
beforeEach(async () => {
  t = await openTestDb();
  clock = 1_800_000_000_000;
});
afterEach(() => t.cleanup());

const store = () => createOAuthStateStore(t.db, SECRET, () => clock);
const problemOf = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: { problem?: string; code?: string }) => `${e.code}:${e.problem}`,
  );

describe('the OAuth state store', () => {
  it('gives back the install options once, then refuses the same state as used', async () => {
    const s = store();
    const state = await s.generateStateParam(OPTIONS, new Date(clock));
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const row = (await t.db.select().from(oauthStates))[0];
    expect(row?.stateHash).not.toContain(state.split('.')[0]);
    expect(await s.verifyStateParam(new Date(), state)).toEqual(OPTIONS);
    expect(await problemOf(s.verifyStateParam(new Date(), state))).toBe('slack_oauth_invalid_state:used');
    // Another instance on the same database agrees.
    expect(await problemOf(store().verifyStateParam(new Date(), state))).toBe(
      'slack_oauth_invalid_state:used',
    );
  });

  it('refuses forged, foreign and expired states', async () => {
    const s = store();
    const state = await s.generateStateParam(OPTIONS, new Date(clock));
    const [nonce] = state.split('.');
    expect(await problemOf(s.verifyStateParam(new Date(), `${nonce}.${'A'.repeat(43)}`))).toBe(
      'slack_oauth_invalid_state:forged',
    );
    expect(await problemOf(s.verifyStateParam(new Date(), 'no-dot-at-all'))).toBe(
      'slack_oauth_invalid_state:forged',
    );
    const other = createOAuthStateStore(await t.reopen(), 'another-secret-entirely', () => clock);
    expect(await problemOf(other.verifyStateParam(new Date(), state))).toBe(
      'slack_oauth_invalid_state:forged',
    );
    // Signed with the same secret but never stored here.
    const elsewhere = await openTestDb();
    const foreign = await createOAuthStateStore(elsewhere.db, SECRET, () => clock).generateStateParam(
      OPTIONS,
      new Date(),
    );
    await elsewhere.cleanup();
    expect(await problemOf(s.verifyStateParam(new Date(), foreign))).toBe(
      'slack_oauth_invalid_state:unknown',
    );
    clock += STATE_LIFETIME_MS + 1;
    expect(await problemOf(s.verifyStateParam(new Date(), state))).toBe('slack_oauth_invalid_state:expired');
  });

  it('purges states a day after they expire, keeping recent ones to say "used"', async () => {
    const s = store();
    await s.generateStateParam(OPTIONS, new Date());
    clock += STATE_LIFETIME_MS + 23 * 3_600_000;
    await s.generateStateParam(OPTIONS, new Date());
    expect(await t.db.select().from(oauthStates)).toHaveLength(2);
    clock += 2 * 3_600_000;
    await s.generateStateParam(OPTIONS, new Date());
    expect(await t.db.select().from(oauthStates)).toHaveLength(2);
  });
});

describe('a flood of install visits', () => {
  it('keeps at most the cap of states, dropping the oldest first', async () => {
    const s = createOAuthStateStore(t.db, SECRET, () => clock, 5);
    const states: string[] = [];
    for (let i = 0; i < 8; i++) {
      clock += 1000;
      states.push(await s.generateStateParam(OPTIONS, new Date()));
    }
    expect(await t.db.select().from(oauthStates)).toHaveLength(5);
    expect(await problemOf(s.verifyStateParam(new Date(), states[0] ?? ''))).toBe(
      'slack_oauth_invalid_state:unknown',
    );
    expect(await s.verifyStateParam(new Date(), states[7] ?? '')).toEqual(OPTIONS);
  });
});

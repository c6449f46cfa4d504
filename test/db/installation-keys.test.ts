import { existsSync, readFileSync } from 'node:fs';
import type { Installation } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slackInstallations } from '../../src/db/schema.ts';
import { type Keyring, SecretError, secretKey } from '../../src/db/secret-box.ts';
import {
  forgetCopiedBotToken,
  installationKeyCensus,
  rekeyInstallations,
  sealPlaintextInstallations,
} from '../../src/db/stores/installation-keys.ts';
import { botTokenForTeam, createInstallationStore } from '../../src/db/stores/installation-store.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

// Installation tokens on a real SQLite file: sealed on the way in, opened on the way out, plain-text rows of an
// older version sealed once, everything re-sealed on rotation, and no token bytes left anywhere in the files.

const OLD: Keyring = { current: secretKey(Buffer.alloc(32, 11)), previous: null };
const NEW: Keyring = { current: secretKey(Buffer.alloc(32, 12)), previous: OLD.current };
const NEW_ONLY: Keyring = { current: NEW.current, previous: null };

function installation(team: string, n: number): Installation<'v2', false> {
  return {
    team: { id: team, name: `Team ${team}` },
    enterprise: undefined,
    user: {
      id: `U${team}`,
      token: `xoxp-user-${team}-${n}`,
      scopes: ['identify'],
      refreshToken: `xoxe-1-user-${team}-${n}`,
    },
    bot: {
      id: `B${team}`,
      userId: `UB${team}`,
      token: `xoxb-bot-${team}-${n}`,
      scopes: ['chat:write'],
      refreshToken: `xoxe-1-bot-${team}-${n}`,
      expiresAt: 1_900_000_000,
    },
    incomingWebhook: { url: `https://hooks.slack.com/services/${team}/B1/secretpath${n}`, channelId: 'C1' },
    tokenType: 'bot',
    isEnterpriseInstall: false,
    appId: 'A1',
    authVersion: 'v2',
  };
}

const SECRETS = (team: string, n: number) => [
  `xoxp-user-${team}-${n}`,
  `xoxe-1-user-${team}-${n}`,
  `xoxb-bot-${team}-${n}`,
  `xoxe-1-bot-${team}-${n}`,
  `secretpath${n}`,
];

/**
 * Every byte of the database: on SQLite the main file and its write-ahead log. On PostgreSQL the server's files
 * are not the test's to read (and its WAL cannot be scrubbed by design), so there it is every stored row of the
 * table as the server returns it: what proves the values are sealed, not that old bytes are gone from disk.
 */
async function fileBytes(t: TestDb): Promise<string> {
  if (t.engine === 'postgres')
    return (await sqlAll<{ row: string }>(t.db, 'select cast(s as text) as row from slack_installations s'))
      .map((r) => r.row)
      .join('\n');
  const main = readFileSync(t.path).toString('latin1');
  const wal = existsSync(`${t.path}-wal`) ? readFileSync(`${t.path}-wal`).toString('latin1') : '';
  return main + wal;
}

/** Writes rows the way versions before encryption did: the installation JSON as is. */
async function storePlain(t: TestDb, team: string, n: number) {
  await t.db.insert(slackInstallations).values({
    installKey: team,
    teamId: team,
    enterpriseId: null,
    botUserId: `UB${team}`,
    installation: installation(team, n) as unknown as Record<string, unknown>,
    installedAt: 1,
  });
}

let t: TestDb;
beforeEach(async () => {
  t = await openTestDb();
});
afterEach(() => t.cleanup());

describe('the installation store', () => {
  it('seals every secret field on the way in and opens them on the way out', async () => {
    const store = createInstallationStore(t.db, () => 5, OLD);
    await store.storeInstallation(installation('T1', 1));
    const fetched = await store.fetchInstallation({
      teamId: 'T1',
      isEnterpriseInstall: false,
      enterpriseId: undefined,
    });
    expect(fetched).toEqual(installation('T1', 1));
    expect(await botTokenForTeam(t.db, 'T1', OLD)).toBe('xoxb-bot-T1-1');
    const stored = (await t.db.select().from(slackInstallations))[0]?.installation as Record<
      string,
      Record<string, unknown>
    >;
    expect(String(stored.bot?.token)).toMatch(/^fhenc:1:/);
    expect(stored.bot?.scopes).toEqual(['chat:write']);
    expect(stored.team?.id).toBe('T1');
    const bytes = await fileBytes(t);
    for (const s of SECRETS('T1', 1)) expect(bytes, s).not.toContain(s);
    expect(await installationKeyCensus(t.db, OLD)).toMatchObject({
      installations: 1,
      plain: 0,
      current: 5,
      unknown: [],
    });
  });

  it('refuses to store a token without a key', async () => {
    const store = createInstallationStore(t.db, () => 5, null);
    await expect(store.storeInstallation(installation('T1', 1))).rejects.toThrow(
      /FOOTHOLD_ENCRYPTION_KEY is not set/,
    );
    expect(await t.db.select().from(slackInstallations)).toEqual([]);
  });

  it('does not open a row with the wrong key, nor a token moved to another row', async () => {
    const store = createInstallationStore(t.db, () => 5, OLD);
    await store.storeInstallation(installation('T1', 1));
    await store.storeInstallation(installation('T2', 2));
    await expect(botTokenForTeam(t.db, 'T1', NEW_ONLY)).rejects.toThrow(SecretError);
    // Someone with write access to the file swaps T1's sealed token into T2's row.
    const stored = async (team: string) =>
      JSON.parse(
        (
          (await sqlGet(
            t.db,
            'select installation from slack_installations where install_key = ?',
            team,
          )) as {
            installation: string;
          }
        ).installation,
      );
    const one = await stored('T1');
    const two = await stored('T2');
    two.bot.token = one.bot.token;
    await sqlRun(
      t.db,
      "update slack_installations set installation = ? where install_key = 'T2'",
      JSON.stringify(two),
    );
    await expect(botTokenForTeam(t.db, 'T2', OLD)).rejects.toThrow(/another place/);
  });
});

describe('plain-text rows of an older version', () => {
  it('are sealed once, idempotently, leaving no token bytes in the file or its log', async () => {
    await storePlain(t, 'T1', 1);
    await storePlain(t, 'T2', 2);
    expect(await fileBytes(t)).toContain('xoxb-bot-T1-1');
    expect(await installationKeyCensus(t.db, OLD)).toMatchObject({ installations: 2, plain: 10, current: 0 });
    // Until then they still work.
    expect(await botTokenForTeam(t.db, 'T1', OLD)).toBe('xoxb-bot-T1-1');
    expect(await sealPlaintextInstallations(t.db, OLD)).toBe(2);
    expect(await sealPlaintextInstallations(t.db, OLD)).toBe(0);
    expect(await installationKeyCensus(t.db, OLD)).toMatchObject({ plain: 0, current: 10 });
    const bytes = await fileBytes(t);
    for (const s of [...SECRETS('T1', 1), ...SECRETS('T2', 2)]) expect(bytes, s).not.toContain(s);
    const store = createInstallationStore(t.db, () => 5, OLD);
    expect(
      await store.fetchInstallation({ teamId: 'T2', isEnterpriseInstall: false, enterpriseId: undefined }),
    ).toEqual(installation('T2', 2));
  });
});

describe('rotation', () => {
  it('re-seals every row with the new key; the old key alone then opens nothing', async () => {
    await createInstallationStore(t.db, () => 5, OLD).storeInstallation(installation('T1', 1));
    await storePlain(t, 'T2', 2);
    // Both keys set: old rows open.
    expect(await botTokenForTeam(t.db, 'T1', NEW)).toBe('xoxb-bot-T1-1');
    expect(await installationKeyCensus(t.db, NEW)).toMatchObject({ previous: 5, plain: 5, current: 0 });
    expect(await rekeyInstallations(t.db, NEW)).toEqual({ installations: 2, rewritten: 2 });
    expect(await rekeyInstallations(t.db, NEW)).toEqual({ installations: 2, rewritten: 0 });
    expect(await installationKeyCensus(t.db, NEW_ONLY)).toMatchObject({
      current: 10,
      previous: 0,
      plain: 0,
      unknown: [],
    });
    expect(await botTokenForTeam(t.db, 'T1', NEW_ONLY)).toBe('xoxb-bot-T1-1');
    expect(await botTokenForTeam(t.db, 'T2', NEW_ONLY)).toBe('xoxb-bot-T2-2');
    await expect(botTokenForTeam(t.db, 'T1', OLD)).rejects.toThrow(SecretError);
  });

  it('changes nothing when a row is sealed with a key it does not have', async () => {
    await createInstallationStore(t.db, () => 5, OLD).storeInstallation(installation('T1', 1));
    await storePlain(t, 'T2', 2);
    const before = await t.db.select().from(slackInstallations);
    expect((await installationKeyCensus(t.db, NEW_ONLY)).unknown).toHaveLength(5);
    await expect(rekeyInstallations(t.db, NEW_ONLY)).rejects.toThrow(SecretError);
    expect(await t.db.select().from(slackInstallations)).toEqual(before);
  });
});

describe('the copy of SLACK_BOT_TOKEN older versions stored', () => {
  it('is removed (and its bytes with it); a genuine install for the same team is kept', async () => {
    const copy = installation('T0VENDOR', 0);
    copy.bot = { ...copy.bot!, token: 'xoxb-env-token-123' };
    await t.db.insert(slackInstallations).values({
      installKey: 'T0VENDOR',
      teamId: 'T0VENDOR',
      enterpriseId: null,
      botUserId: 'U',
      installation: copy as never,
      installedAt: 1,
    });
    expect(await forgetCopiedBotToken(t.db, null, 'T0VENDOR', 'xoxb-other')).toBe(false);
    expect(await forgetCopiedBotToken(t.db, null, 'T0VENDOR', 'xoxb-env-token-123')).toBe(true);
    expect(await t.db.select().from(slackInstallations)).toEqual([]);
    expect(await fileBytes(t)).not.toContain('xoxb-env-token-123');
    expect(await forgetCopiedBotToken(t.db, null, 'T0VENDOR', 'xoxb-env-token-123')).toBe(false);
  });
});

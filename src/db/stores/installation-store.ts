import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { type Db, one, transaction } from '../connection.ts';
import { openInstallation, sealInstallation } from '../installation-secrets.ts';
import { people, slackInstallations, slackWorkspaces } from '../schema.ts';
import type { Keyring } from '../secret-box.ts';
import { prepared } from './prepared.ts';

type Handle = Db;

// Bolt's installation store in the database (either engine): one row per workspace (or org-wide) install, keyed like Bolt keys them.
// Tokens are sealed with the keyring (AES-256-GCM, src/db/secret-box.ts) before they reach the table.

function keyOf(q: {
  isEnterpriseInstall?: boolean | undefined;
  enterpriseId?: string | undefined;
  teamId?: string | undefined;
}): string {
  if (q.isEnterpriseInstall && q.enterpriseId) return q.enterpriseId;
  if (q.teamId) return q.teamId;
  throw new Error('installation has neither a team id nor an enterprise id');
}

export function createInstallationStore(
  db: Db,
  now: () => number,
  keyring: Keyring | null,
): InstallationStore {
  return {
    async storeInstallation(installation: Installation) {
      const installKey = keyOf({
        isEnterpriseInstall: installation.isEnterpriseInstall,
        enterpriseId: installation.enterprise?.id,
        teamId: installation.team?.id,
      });
      const row = {
        installKey,
        teamId: installation.team?.id ?? null,
        enterpriseId: installation.enterprise?.id ?? null,
        botUserId: installation.bot?.userId ?? null,
        installation: sealInstallation(
          installation as unknown as Record<string, unknown>,
          keyring,
          installKey,
        ),
        installedAt: now(),
      };
      await transaction(db, (tx) =>
        tx
          .insert(slackInstallations)
          .values(row)
          .onConflictDoUpdate({ target: slackInstallations.installKey, set: row }),
      );
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const row = await one(
        db
          .select()
          .from(slackInstallations)
          .where(eq(slackInstallations.installKey, keyOf(query))),
      );
      if (!row) throw new Error(`no installation for ${keyOf(query)}`);
      return openInstallation(row.installation, keyring, row.installKey) as unknown as Installation<
        'v1' | 'v2',
        boolean
      >;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await removeInstallation(db, query);
    },
  };
}

/** Which installation a request or an event names, as Bolt keys it. */
export interface InstallationRef {
  teamId?: string | null | undefined;
  enterpriseId?: string | null | undefined;
  isEnterpriseInstall?: boolean | undefined;
}

export interface InstallationRow {
  installKey: string;
  teamId: string | null;
  enterpriseId: string | null;
  botUserId: string | null;
  /** The workspace's (or organisation's) name as Slack gave it at install time. */
  teamName: string | null;
}

const rowColumns = {
  installKey: slackInstallations.installKey,
  teamId: slackInstallations.teamId,
  enterpriseId: slackInstallations.enterpriseId,
  botUserId: slackInstallations.botUserId,
  installation: slackInstallations.installation,
};

function toRow(r: {
  installKey: string;
  teamId: string | null;
  enterpriseId: string | null;
  botUserId: string | null;
  installation: Record<string, unknown>;
}): InstallationRow {
  const i = r.installation as { team?: { name?: string } | null; enterprise?: { name?: string } | null };
  return {
    installKey: r.installKey,
    teamId: r.teamId,
    enterpriseId: r.enterpriseId,
    botUserId: r.botUserId,
    teamName: i.team?.name ?? i.enterprise?.name ?? null,
  };
}

/** Deletes an installation (uninstalled, or its bot token revoked); returns what was deleted, if anything. */
export async function removeInstallation(h: Handle, ref: InstallationRef): Promise<InstallationRow | null> {
  const key =
    ref.isEnterpriseInstall && ref.enterpriseId ? ref.enterpriseId : (ref.teamId ?? ref.enterpriseId);
  if (!key) return null;
  const row = await one(
    h.delete(slackInstallations).where(eq(slackInstallations.installKey, key)).returning(rowColumns),
  );
  return row ? toRow(row) : null;
}

/** The installation whose bot user is this one (a `tokens_revoked` event names bot user ids only). */
export async function installationOfBotUser(h: Handle, botUserId: string): Promise<InstallationRow | null> {
  const row = await one(
    h
      .select(rowColumns)
      .from(slackInstallations)
      .where(eq(slackInstallations.botUserId, botUserId))
      .orderBy(asc(slackInstallations.installKey))
      .limit(1),
  );
  return row ? toRow(row) : null;
}

async function tokenOfKey(h: Handle, key: string, keyring: Keyring | null): Promise<string | null> {
  const row = await one(h.select().from(slackInstallations).where(eq(slackInstallations.installKey, key)));
  if (!row) return null;
  const bot = (openInstallation(row.installation, keyring, row.installKey) as { bot?: { token?: string } })
    .bot;
  return bot?.token ?? null;
}

/**
 * The bot token that reaches a person of this workspace and organisation: their workspace's own install, else
 * their organisation's org-wide install; null when neither installed Foothold (the caller then uses the
 * vendor's token, through a channel it shares with them). The same lookup serves App Home and the outbox.
 */
export async function clientTokenFor(
  h: Handle,
  org: { teamId?: string | null | undefined; enterpriseId?: string | null | undefined },
  keyring: Keyring | null,
): Promise<string | null> {
  return (
    (org.teamId ? await tokenOfKey(h, org.teamId, keyring) : null) ??
    (org.enterpriseId ? await tokenOfKey(h, org.enterpriseId, keyring) : null)
  );
}

/**
 * The Grid organisation a workspace belongs to, when Foothold has learnt it: from Slack's requests (see
 * `rememberWorkspace`), an installation of that workspace, or someone recorded in it with their organisation.
 */
export async function enterpriseOfTeam(h: Handle, teamId: string): Promise<string | null> {
  return (
    (await learntOrgOfTeam(h).get({ teamId }))?.e ??
    (await installedOrgOfTeam(h).get({ teamId }))?.e ??
    (await metOrgOfTeam(h).get({ teamId }))?.e ??
    null
  );
}

// Identity asks on most requests, so the three look-ups are prepared (see prepared.ts).
const learntOrgOfTeam = prepared((h) =>
  h
    .select({ e: slackWorkspaces.enterpriseId })
    .from(slackWorkspaces)
    .where(eq(slackWorkspaces.teamId, sql.placeholder('teamId')))
    .prepare(),
);
const installedOrgOfTeam = prepared((h) =>
  h
    .select({ e: slackInstallations.enterpriseId })
    .from(slackInstallations)
    .where(
      and(
        eq(slackInstallations.teamId, sql.placeholder('teamId')),
        isNotNull(slackInstallations.enterpriseId),
      ),
    )
    .limit(1)
    .prepare(),
);
const metOrgOfTeam = prepared((h) =>
  h
    .select({ e: people.enterpriseId })
    .from(people)
    .where(and(eq(people.teamId, sql.placeholder('teamId')), isNotNull(people.enterpriseId)))
    .limit(1)
    .prepare(),
);

/** The bot token installed for a team, if that team installed the app through OAuth. */
export async function botTokenForTeam(
  db: Db,
  teamId: string,
  keyring: Keyring | null,
): Promise<string | null> {
  return tokenOfKey(db, teamId, keyring);
}

/** Records that a workspace belongs to a Grid organisation (a workspace moves into Grid, never between orgs). */
export async function rememberWorkspace(
  h: Handle,
  teamId: string,
  enterpriseId: string,
  now: number,
): Promise<void> {
  await h
    .insert(slackWorkspaces)
    .values({ teamId, enterpriseId, learnedAt: now })
    .onConflictDoUpdate({ target: slackWorkspaces.teamId, set: { enterpriseId, learnedAt: now } });
}

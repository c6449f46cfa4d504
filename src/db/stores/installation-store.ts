import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { eq } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { slackInstallations } from '../schema.ts';

// Bolt's installation store on SQLite: one row per workspace (or org-wide) install, keyed like Bolt keys them.

function keyOf(q: {
  isEnterpriseInstall?: boolean | undefined;
  enterpriseId?: string | undefined;
  teamId?: string | undefined;
}): string {
  if (q.isEnterpriseInstall && q.enterpriseId) return q.enterpriseId;
  if (q.teamId) return q.teamId;
  throw new Error('installation has neither a team id nor an enterprise id');
}

export function createInstallationStore(db: Db, now: () => number = Date.now): InstallationStore {
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
        installation: installation as unknown as Record<string, unknown>,
        installedAt: now(),
      };
      db.insert(slackInstallations)
        .values(row)
        .onConflictDoUpdate({ target: slackInstallations.installKey, set: row })
        .run();
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const row = db
        .select()
        .from(slackInstallations)
        .where(eq(slackInstallations.installKey, keyOf(query)))
        .get();
      if (!row) throw new Error(`no installation for ${keyOf(query)}`);
      return row.installation as unknown as Installation<'v1' | 'v2', boolean>;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      db.delete(slackInstallations)
        .where(eq(slackInstallations.installKey, keyOf(query)))
        .run();
    },
  };
}

/** The bot token installed for a team, if that team installed the app through OAuth. */
export function botTokenForTeam(db: Db, teamId: string): string | null {
  const row = db.select().from(slackInstallations).where(eq(slackInstallations.installKey, teamId)).get();
  const bot = (row?.installation as { bot?: { token?: string } } | undefined)?.bot;
  return bot?.token ?? null;
}

/**
 * The installation that serves a person: their workspace's own install, else their Grid organisation's
 * org-wide install. Read from the database on every call, so an uninstalled or revoked installation (its row
 * deleted) is never used.
 */
export function installationFor(
  db: Db,
  who: { teamId: string | null; enterpriseId: string | null },
): { installKey: string; token: string } | null {
  for (const key of [who.teamId, who.enterpriseId]) {
    if (!key) continue;
    const token = botTokenForTeam(db, key);
    if (token) return { installKey: key, token };
  }
  return null;
}

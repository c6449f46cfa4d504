import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { eq } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { openInstallation, sealInstallation } from '../installation-secrets.ts';
import { slackInstallations } from '../schema.ts';
import type { Keyring } from '../secret-box.ts';

// Bolt's installation store on SQLite: one row per workspace (or org-wide) install, keyed like Bolt keys them.
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
      return openInstallation(row.installation, keyring, row.installKey) as unknown as Installation<
        'v1' | 'v2',
        boolean
      >;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      db.delete(slackInstallations)
        .where(eq(slackInstallations.installKey, keyOf(query)))
        .run();
    },
  };
}

/** The bot token installed for a team, if that team installed the app through OAuth. */
export function botTokenForTeam(db: Db, teamId: string, keyring: Keyring | null): string | null {
  const row = db.select().from(slackInstallations).where(eq(slackInstallations.installKey, teamId)).get();
  if (!row) return null;
  const bot = (openInstallation(row.installation, keyring, row.installKey) as { bot?: { token?: string } })
    .bot;
  return bot?.token ?? null;
}

import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';

// In OAuth mode Bolt looks up an installation for every request, the vendor's own workspace included. That
// workspace is served from SLACK_BOT_TOKEN, so its installation is made up in memory from the environment
// (after `auth.test` at start-up) and never written to the table: the environment's token has no business in
// the database, where it would sit beside the partner workspaces' tokens and travel in every backup.

export interface HomeIdentity {
  teamId: string | null;
  enterpriseId: string | null;
  /** The vendor's token is an org-wide (Grid) install: Bolt asks for it by organisation. */
  orgWide: boolean;
  teamName?: string | undefined;
  botId: string;
  botUserId: string;
  token: string;
  scopes: readonly string[];
}

export function homeInstallation(home: HomeIdentity): Installation<'v2', boolean> {
  const team =
    home.orgWide || !home.teamId
      ? undefined
      : { id: home.teamId, ...(home.teamName ? { name: home.teamName } : {}) };
  return {
    team,
    enterprise: home.enterpriseId ? { id: home.enterpriseId, name: undefined } : undefined,
    user: { id: home.botUserId, token: undefined, scopes: undefined },
    bot: { id: home.botId, userId: home.botUserId, token: home.token, scopes: [...home.scopes] },
    tokenType: 'bot',
    isEnterpriseInstall: home.orgWide,
    appId: undefined,
    authVersion: 'v2',
  } as Installation<'v2', boolean>;
}

/** Whether Bolt is asking for the installation the vendor's token stands for. */
export function isHomeQuery(home: HomeIdentity, q: InstallationQuery<boolean>): boolean {
  if (home.orgWide) return Boolean(q.isEnterpriseInstall) && q.enterpriseId === home.enterpriseId;
  return !q.isEnterpriseInstall && home.teamId !== null && q.teamId === home.teamId;
}

/** The store, answering lookups for the home workspace (once known) from the environment instead. */
export function withHomeInstallation(
  store: InstallationStore,
  home: () => HomeIdentity | null,
): InstallationStore {
  return {
    storeInstallation: (installation, logger) => store.storeInstallation(installation, logger),
    async fetchInstallation(query, logger) {
      const h = home();
      if (h && isHomeQuery(h, query)) return homeInstallation(h);
      return store.fetchInstallation(query, logger);
    },
    ...(store.deleteInstallation
      ? {
          deleteInstallation: (query, logger) =>
            store.deleteInstallation?.(query, logger) ?? Promise.resolve(),
        }
      : {}),
  };
}

import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';

// In OAuth mode Bolt looks up an installation for every request, the vendor's own workspace included. That
// workspace is served from SLACK_BOT_TOKEN, so its installation is made up in memory from the environment
// (after `auth.test` at start-up) and never written to the table: the environment's token has no business in
// the database, where it would sit beside the partner workspaces' tokens and travel in every backup.

export interface HomeIdentity {
  teamId: string;
  teamName?: string | undefined;
  botId: string;
  botUserId: string;
  token: string;
  scopes: readonly string[];
}

export function homeInstallation(home: HomeIdentity): Installation<'v2', false> {
  return {
    team: { id: home.teamId, ...(home.teamName ? { name: home.teamName } : {}) },
    enterprise: undefined,
    user: { id: home.botUserId, token: undefined, scopes: undefined },
    bot: { id: home.botId, userId: home.botUserId, token: home.token, scopes: [...home.scopes] },
    tokenType: 'bot',
    isEnterpriseInstall: false,
    appId: undefined,
    authVersion: 'v2',
  };
}

/** The store, answering lookups for the home workspace (once known) from the environment instead. */
export function withHomeInstallation(
  store: InstallationStore,
  home: () => HomeIdentity | null,
): InstallationStore {
  const isHome = (q: InstallationQuery<boolean>) => {
    const h = home();
    return h !== null && !q.isEnterpriseInstall && q.teamId === h.teamId;
  };
  return {
    storeInstallation: (installation, logger) => store.storeInstallation(installation, logger),
    async fetchInstallation(query, logger) {
      const h = home();
      if (h && isHome(query)) return homeInstallation(h);
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

import type { InstallationStore } from '@slack/bolt';
import type { HomeRefresher } from '../delivery/home-publisher.ts';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/context.ts';

/** What every listener factory receives. */
export interface ListenerDeps {
  services: ServiceDeps;
  logger: Logger;
  /** Call after a committed change: wakes the outbox sender and refreshes the App Homes of these people. */
  afterCommit(userIds?: ReadonlyArray<string | null | undefined>): void;
  homeRefresher: HomeRefresher;
  /** The bot's own user id (from auth.test at start-up). */
  botUserId: string | null;
  /** Bolt's installation store (OAuth installs only). */
  installationStore?: InstallationStore;
}

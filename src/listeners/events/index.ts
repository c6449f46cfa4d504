import type { App } from '@slack/bolt';
import { getPerson } from '../../db/stores/program-store.ts';
import { recordInstallationChange } from '../../services/installations.ts';
import { postFlagCards } from '../../services/post-flag-cards.ts';
import type { ListenerDeps } from '../deps.ts';
import { eventInstallation } from '../payloads.ts';
import { CHANNEL_EVENTS, registerChannelEvents } from './channels.ts';

/** Every bot event in manifest.json (a test keeps the two in step). */
export const EVENTS = [
  'app_home_opened',
  'member_joined_channel',
  'app_uninstalled',
  'tokens_revoked',
  ...CHANNEL_EVENTS,
] as const;

export function registerEvents(app: App, deps: ListenerDeps): void {
  registerChannelEvents(app, deps);
  // App Home is published through the installation of the person's own workspace (or organisation) when it
  // installed Foothold, else through the installation they opened it in; the vendor's token only when
  // neither is installed (people from home, partners reached through a shared channel).
  app.event('app_home_opened', async ({ event, body, logger }) => {
    if (event.tab !== 'home') return;
    const via = eventInstallation(body);
    try {
      const known = await getPerson(deps.services.db, event.user);
      await deps.homeRefresher.publishNow(event.user, {
        person: known ? { teamId: known.teamId, enterpriseId: known.enterpriseId } : null,
        via: { teamId: via.teamId, enterpriseId: via.enterpriseId },
      });
    } catch (err) {
      logger.warn({ err }, 'could not publish App Home');
    }
  });

  // When Foothold joins a registered shared channel, the "Flag an account" card goes up once (a retried
  // event or a re-invite finds the card already queued or posted).
  app.event('member_joined_channel', async ({ event }) => {
    if (!deps.botUserId || event.user !== deps.botUserId) return;
    const res = await postFlagCards(deps.services, {
      actorUserId: null,
      channelId: event.channel,
      onlyIfMissing: true,
    });
    if (res.channels.length) deps.afterCommit();
  });

  // A workspace or organisation removed Foothold, or revoked its bot token: the installation goes (Bolt skips
  // authorization for these two events, so no token is needed to hear them), admins are told.
  app.event('app_uninstalled', async ({ body, logger }) => {
    await installationChanged('app_uninstalled', body, [], logger);
  });
  app.event('tokens_revoked', async ({ event, body, logger }) => {
    await installationChanged('tokens_revoked', body, event.tokens.bot ?? [], logger);
  });

  async function installationChanged(
    change: 'app_uninstalled' | 'tokens_revoked',
    body: unknown,
    botUserIds: string[],
    logger: { warn(o: unknown, m: string): void; error(o: unknown, m: string): void },
  ): Promise<void> {
    const via = eventInstallation(body);
    const eventId = (body as { event_id?: unknown }).event_id;
    const res = await recordInstallationChange(deps.services, {
      change,
      eventId: typeof eventId === 'string' && eventId ? eventId : `${change}:${deps.services.now()}`,
      teamId: via.teamId,
      enterpriseId: via.enterpriseId,
      isEnterpriseInstall: via.isEnterpriseInstall,
      botUserIds,
    });
    const details = { change, teamId: via.teamId, enterpriseId: via.enterpriseId, removed: res.removed };
    if (res.home)
      logger.error(
        details,
        'the vendor workspace removed Foothold: nothing can be sent until it is reinstalled',
      );
    else logger.warn(details, 'an installation was removed');
    deps.afterCommit();
  }
}

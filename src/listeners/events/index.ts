import type { App } from '@slack/bolt';
import { postFlagCards } from '../../services/post-flag-cards.ts';
import type { ListenerDeps } from '../deps.ts';
import { CHANNEL_EVENTS, registerChannelEvents } from './channels.ts';

/** Every bot event in manifest.json (a test keeps the two in step). */
export const EVENTS = ['app_home_opened', 'member_joined_channel', ...CHANNEL_EVENTS] as const;

export function registerEvents(app: App, deps: ListenerDeps): void {
  registerChannelEvents(app, deps);
  app.event('app_home_opened', async ({ event, logger }) => {
    if (event.tab !== 'home') return;
    try {
      await deps.homeRefresher.publishNow(event.user);
    } catch (err) {
      logger.warn({ err }, 'could not publish App Home');
    }
  });

  // When Foothold joins a registered shared channel, the "Flag an account" card goes up once (a retried
  // event or a re-invite finds the card already queued or posted).
  app.event('member_joined_channel', async ({ event }) => {
    if (!deps.botUserId || event.user !== deps.botUserId) return;
    const res = postFlagCards(deps.services, {
      actorUserId: null,
      channelId: event.channel,
      onlyIfMissing: true,
    });
    if (res.channels.length) deps.afterCommit();
  });
}

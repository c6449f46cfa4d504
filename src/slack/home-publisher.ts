import type { WebClient } from '@slack/web-api';
import { countPendingAwards, partnerAwards, pendingAwards } from '../db/stores/reward-store.ts';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/context.ts';
import { partnerOwnScorecard } from '../services/partner-own-scorecard.ts';
import { homeData } from '../services/read-leads.ts';
import { leaderHome, partnerHome, repHome } from './blocks/home.ts';

// App Home is a view of current state, not a message: it is rebuilt from the database whenever someone
// opens it, and re-published (debounced) for people who have opened it when their leads change. Losing a
// refresh costs nothing, so it does not go through the outbox.

export interface HomeRefresher {
  refresh(userIds: ReadonlyArray<string | null | undefined>): void;
  publishNow(userId: string, teamId?: string | null): Promise<void>;
  stop(): void;
}

export function createHomeRefresher(opts: {
  services: ServiceDeps;
  clientFor: (teamId: string | null) => WebClient;
  logger: Logger;
  debounceMs?: number;
}): HomeRefresher {
  const seen = new Map<string, string | null>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;

  function build(userId: string, teamId: string | null) {
    const { services } = opts;
    const data = homeData(services, { userId, teamId, channelId: null });
    const ctx = { timeZone: services.config.timezone, now: services.now() };
    if (data.kind === 'partner') {
      const slug = data.partnerSlug;
      return partnerHome(
        data.mine,
        ctx,
        slug
          ? { scorecard: partnerOwnScorecard(services, slug), awards: partnerAwards(services.db, slug) }
          : {},
      );
    }
    if (data.kind === 'rep')
      return repHome({ claimed: data.mine, overdue: data.overdue, available: data.available }, ctx);
    if (data.kind === 'leader' && data.metrics) {
      const { intake, funnel } = data.metrics;
      return leaderHome(
        {
          metrics: {
            surfaced: intake.surfaced,
            qualified: intake.qualified,
            candidates: intake.candidates,
            claimed: funnel.claimed,
            opportunities: funnel.opportunity,
            won: funnel.won,
            lost: funnel.lost,
            claimRate: funnel.overall.claimed,
            opportunityRate: funnel.overall.opportunity,
            winRate: funnel.overall.won,
          },
          recent: data.recent,
          pendingRewards: {
            list: pendingAwards(services.db, 8),
            total: countPendingAwards(services.db),
          },
        },
        ctx,
      );
    }
    return partnerHome([], ctx);
  }

  async function publish(userId: string): Promise<void> {
    const teamId = seen.get(userId) ?? null;
    const view = build(userId, teamId);
    await opts.clientFor(null).views.publish({ user_id: userId, view });
  }

  async function flush(): Promise<void> {
    timer = null;
    const users = [...pending];
    pending.clear();
    for (const u of users) {
      try {
        await publish(u);
      } catch (err) {
        opts.logger.warn({ err, userId: u }, 'could not refresh App Home');
      }
    }
  }

  return {
    refresh(userIds) {
      for (const u of userIds) if (u && seen.has(u)) pending.add(u);
      if (pending.size && !timer) timer = setTimeout(() => void flush(), opts.debounceMs ?? 500);
    },
    async publishNow(userId, teamId = null) {
      seen.set(userId, teamId);
      await publish(userId);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

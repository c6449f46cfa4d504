import type { WebClient } from '@slack/web-api';
import { deliveryProblems } from '../db/stores/outbox-store.ts';
import { countPendingAwards, partnerAwards, pendingAwards } from '../db/stores/reward-store.ts';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/context.ts';
import { partnerOwnScorecard } from '../services/partner-own-scorecard.ts';
import { homeData } from '../services/read-leads.ts';
import { deliveryProblemLines } from '../slack/blocks/channel-alerts.ts';
import { leaderHome, partnerHome, repHome } from '../slack/blocks/home.ts';

// App Home is a view of current state, not a message: it is rebuilt from the database whenever someone
// opens it, and re-published (debounced) for people who have opened it when their leads change. Losing a
// refresh costs nothing, so it does not go through the outbox.

/** A workspace and organisation whose installation may reach someone. */
export interface Door {
  teamId: string | null;
  enterpriseId: string | null;
}

/** Where a person's App Home lives: their own workspace's installation first, then the one they opened it in. */
export interface HomeDoors {
  /** The person's recorded workspace and organisation (people table), if known. */
  person?: Door | null;
  /** The installation the `app_home_opened` event came through. */
  via?: Door | null;
}

export interface HomeRefresher {
  refresh(userIds: ReadonlyArray<string | null | undefined>): void;
  publishNow(userId: string, doors?: HomeDoors): Promise<void>;
  stop(): void;
}

export function createHomeRefresher(opts: {
  services: ServiceDeps;
  /**
   * The client of the first of these doors that installed Foothold; the vendor's own client when none did
   * (people from home, and partners reached through a channel the vendor shares with them).
   */
  clientFor: (doors: ReadonlyArray<Door | null | undefined>) => WebClient | Promise<WebClient>;
  logger: Logger;
  debounceMs?: number;
}): HomeRefresher {
  const seen = new Map<string, HomeDoors>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;

  async function build(userId: string, person: Door | null) {
    const { services } = opts;
    const data = await homeData(services, {
      userId,
      teamId: person?.teamId ?? null,
      enterpriseId: person?.enterpriseId ?? null,
      channelId: null,
    });
    const ctx = { timeZone: services.config.timezone, now: services.now() };
    if (data.kind === 'partner') {
      const slug = data.partnerSlug;
      return partnerHome(
        data.mine,
        ctx,
        slug
          ? {
              scorecard: await partnerOwnScorecard(services, slug),
              awards: await partnerAwards(services.db, slug),
            }
          : {},
      );
    }
    if (data.kind === 'rep')
      return repHome(
        { claimed: data.mine, overdue: data.overdue, available: data.available, scores: data.scores },
        ctx,
      );
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
            revenue: data.metrics.revenue.groups,
          },
          recent: data.recent,
          ...(services.config.roles.admins.includes(userId)
            ? { deliveryProblems: deliveryProblemLines(await deliveryProblems(services.db, ctx.now)) }
            : {}),
          pendingRewards: {
            list: await pendingAwards(services.db, 8),
            total: await countPendingAwards(services.db),
          },
        },
        ctx,
      );
    }
    return partnerHome([], ctx);
  }

  async function publish(userId: string): Promise<void> {
    const doors = seen.get(userId) ?? {};
    const view = await build(userId, doors.person ?? null);
    const client = await opts.clientFor([doors.person, doors.via]);
    await client.views.publish({ user_id: userId, view });
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
    async publishNow(userId, doors = {}) {
      seen.set(userId, doors);
      await publish(userId);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

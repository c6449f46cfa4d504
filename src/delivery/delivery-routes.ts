import type { WebClient } from '@slack/web-api';
import type { Db } from '../db/connection.ts';
import type { Keyring } from '../db/secret-box.ts';
import { clientTokenFor, enterpriseOfTeam } from '../db/stores/installation-store.ts';
import type { OutboxRow } from '../db/stores/outbox-store.ts';
import { getPerson } from '../db/stores/program-store.ts';
import type { RouteDecision } from './outbox-sender.ts';

// Which door a message goes through (issue 9, PRODUCT.md "Identity across organisations"):
//   - channels (routing, digest, a partner's shared channel): the vendor's bot, a member of each;
//   - people of the vendor (its teams, its Grid organisation) and people we know nothing about: the vendor's bot;
//   - a person whose own workspace (or Grid organisation) installed Foothold: that installation's bot, so they
//     hear from the app in their own workspace;
//   - any other external person: the vendor's bot, which Slack lets DM them only through a channel they share
//     (`conversations.open` answers `invalid_user_combination` otherwise: the sender then holds the row).
// The installation is read from the database for every attempt: an uninstalled or revoked one (its row
// deleted) is never used, and a rotated token is picked up at once.

export interface DeliveryRoutes {
  routeFor(row: OutboxRow): Promise<RouteDecision>;
}

export function createDeliveryRoutes(opts: {
  db: Db;
  vendorClient: WebClient | null;
  /** The shared client cache (App Home uses the same clients). */
  clientOfToken: (token: string) => WebClient;
  /** Whether a team or Grid organisation is the vendor's own (home). */
  isHome: (teamId: string | null, enterpriseId: string | null) => boolean;
  /** Opens the installations' sealed tokens (FOOTHOLD_ENCRYPTION_KEY). */
  keyring: Keyring | null;
}): DeliveryRoutes {
  const vendor = (externalTeam: string | null = null): RouteDecision =>
    opts.vendorClient
      ? { client: opts.vendorClient, via: 'vendor', vendor: true, externalTeam }
      : { hold: 'SLACK_BOT_TOKEN is not set' };

  return {
    async routeFor(row) {
      if (!/^[UW]/.test(row.recipient)) return vendor();
      const person = row.teamId && row.enterpriseId ? null : await getPerson(opts.db, row.recipient);
      const teamId = row.teamId ?? person?.teamId ?? null;
      const enterpriseId =
        row.enterpriseId ?? person?.enterpriseId ?? (teamId ? await enterpriseOfTeam(opts.db, teamId) : null);
      if ((!teamId && !enterpriseId) || opts.isHome(teamId, enterpriseId)) return vendor();
      // Their workspace's own install, else their organisation's org-wide one (keys as the store keys them).
      for (const key of [teamId, enterpriseId]) {
        const token = key ? await clientTokenFor(opts.db, { teamId: key }, opts.keyring) : null;
        if (token && token !== opts.vendorClient?.token)
          return { client: opts.clientOfToken(token), via: key as string, vendor: false };
      }
      return vendor(teamId ?? enterpriseId);
    },
  };
}

import { z } from 'zod';
import { transaction } from '../db/connection.ts';
import {
  type InstallationRow,
  installationOfBotUser,
  removeInstallation,
} from '../db/stores/installation-store.ts';
import { appendEvent } from '../db/stores/lead-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { getPartner, partnerBySlackId, usersWithRole } from '../db/stores/program-store.ts';
import { type InstallationChange, installationRemovedDm } from '../slack/blocks/installation-messages.ts';
import type { ServiceDeps } from './context.ts';
import { dm } from './notify.ts';
import { parseInput } from './validation.ts';

// A workspace or organisation removes Foothold (`app_uninstalled`) or revokes its bot token
// (`tokens_revoked`): its installation is deleted, so nothing is ever sent with the dead token again (messages
// to its people fall back to the vendor's token, through the channels the vendor shares with them), the change
// is an audit event, and every admin is told by DM.

const installationChangeSchema = z.object({
  change: z.enum(['app_uninstalled', 'tokens_revoked']),
  /** Slack's `event_id`: the DMs' delivery keys, so a redelivered event queues nothing twice. */
  eventId: z.string().min(1),
  teamId: z.string().nullable(),
  enterpriseId: z.string().nullable(),
  isEnterpriseInstall: z.boolean(),
  /** `tokens_revoked`: the bot user ids whose tokens were revoked (user tokens are not kept by Foothold). */
  botUserIds: z.array(z.string()).default([]),
});
export type InstallationChangeInput = z.input<typeof installationChangeSchema>;

export interface InstallationChangeResult {
  removed: InstallationRow[];
  /** The vendor's own installation went: Foothold cannot reach anyone until it is reinstalled. */
  home: boolean;
  auditEventId: number | null;
}

export async function recordInstallationChange(
  deps: ServiceDeps,
  raw: InstallationChangeInput,
): Promise<InstallationChangeResult> {
  const input = parseInput(installationChangeSchema, raw);
  const now = deps.now();
  const ref = {
    teamId: input.teamId,
    enterpriseId: input.enterpriseId,
    isEnterpriseInstall: input.isEnterpriseInstall,
  };
  return transaction(deps.db, async (tx) => {
    const removed: InstallationRow[] = [];
    if (input.change === 'app_uninstalled') {
      const row = await removeInstallation(tx, ref);
      if (row) removed.push(row);
    } else {
      for (const botUserId of input.botUserIds) {
        const owned = await installationOfBotUser(tx, botUserId);
        const row = owned ? await removeInstallation(tx, { teamId: owned.installKey }) : null;
        if (row) removed.push(row);
      }
      // A revocation that names no bot token only took user tokens, which Foothold does not keep.
      if (removed.length === 0 && input.botUserIds.length === 0)
        return { removed, home: false, auditEventId: null };
    }
    const orgId = input.isEnterpriseInstall
      ? (input.enterpriseId ?? input.teamId)
      : (input.teamId ?? input.enterpriseId);
    const home =
      (input.teamId != null && (deps.homeTeamIds ?? []).includes(input.teamId)) ||
      (input.isEnterpriseInstall &&
        input.enterpriseId != null &&
        (deps.homeEnterpriseIds ?? []).includes(input.enterpriseId));
    const slug =
      (input.teamId ? await partnerBySlackId(tx, 'team', input.teamId) : null) ??
      (input.enterpriseId ? await partnerBySlackId(tx, 'team', input.enterpriseId) : null);
    const partnerName = slug ? ((await getPartner(tx, slug))?.name ?? null) : null;
    const auditEventId = await appendEvent(tx, {
      leadId: null,
      type: input.change === 'app_uninstalled' ? 'installation_removed' : 'tokens_revoked',
      actorUserId: null,
      data: {
        teamId: input.teamId,
        enterpriseId: input.enterpriseId,
        isEnterpriseInstall: input.isEnterpriseInstall,
        installations: removed.map((r) => r.installKey),
        partner: slug,
        home,
        eventId: input.eventId,
      },
      at: now,
    });
    const orgName = removed.map((r) => r.teamName).find((n) => n) ?? null;
    const rendered = installationRemovedDm({
      change: input.change as InstallationChange,
      orgId: orgId ?? 'unknown',
      orgName,
      partnerName,
      home,
    });
    await enqueue(
      tx,
      (await usersWithRole(tx, 'admin')).map((admin) =>
        dm(admin, `install:${input.change}:${input.eventId}:${admin}`, rendered, null),
      ),
      now,
    );
    return { removed, home, auditEventId };
  });
}

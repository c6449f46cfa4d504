import { z } from 'zod';
import { addCalendarDays } from '../core/business-hours.ts';
import { canTransition } from '../core/lifecycle.ts';
import type { LeadStatus, LeadView } from '../core/types.ts';
import { transaction } from '../db/connection.ts';
import { statusBefore } from '../db/stores/job-store.ts';
import { appendEvent, getLead, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { extensionGrantedInternal, extensionGrantedPartner } from '../slack/blocks/extension-messages.ts';
import {
  accessOf,
  loadLeadFor,
  partnerContact,
  requirePermission,
  resolveActor,
  type ServiceDeps,
} from './context.ts';
import { actorSchema } from './inputs.ts';
import { dm } from './notify.ts';
import { assertExtendable } from './request-extension.ts';
import { applyTransition, refreshRoutingPost, staleError } from './transition.ts';
import { parseInput } from './validation.ts';

// The owner or a leader grants more time (PRODUCT.md section 6): `expiry.extensionDays` more, counted from
// the lead's current expiry, or from now when that is already past, so an extension always gives the full
// period. An expired lead goes back to the open status it expired from (the lifecycle table allows
// expired → any open status). The grant is logged, the routing post updated, and the partner and owner told.

const DAY = 86_400_000;

const grantExtensionInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  /** The version the granter saw (button): a second click on the same button is refused, not applied twice. */
  version: z.number().int().positive().optional(),
});
export type GrantExtensionInput = z.input<typeof grantExtensionInputSchema>;

export interface GrantResult {
  view: LeadView;
  eventId: number;
  expiresAt: number;
  /** The status an expired lead was restored to, or null when it was still open. */
  restoredTo: LeadStatus | null;
  extensionDays: number;
}

/** The status an expired lead returns to: where it was before it expired, if the lifecycle allows it. */
function restoreTarget(before: LeadStatus | null, view: LeadView, qualified: boolean): LeadStatus {
  if (before && canTransition('expired', before)) return before;
  if (view.ownerUserId) return 'claimed';
  return qualified ? 'qualified' : 'candidate';
}

export async function grantExtension(deps: ServiceDeps, raw: GrantExtensionInput): Promise<GrantResult> {
  const input = parseInput(grantExtensionInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('grant_extension', actor, accessOf(view));
    assertExtendable(view);
    const row = await getLead(tx, view.id);
    if (!row) throw await staleError(tx, view);
    const { config } = deps;
    const tz = config.timezone;
    const now = deps.now();
    const days = config.expiry.extensionDays;
    const currentExpiry = addCalendarDays(row.lastProgressAt, config.expiry.days + row.extensionDays, tz);
    const target = addCalendarDays(Math.max(currentExpiry, now), days, tz);
    let extensionDays = row.extensionDays + days + Math.max(0, Math.floor((now - currentExpiry) / DAY));
    while (addCalendarDays(row.lastProgressAt, config.expiry.days + extensionDays, tz) < target)
      extensionDays++;
    const expiresAt = addCalendarDays(row.lastProgressAt, config.expiry.days + extensionDays, tz);
    const data = { days, extensionDays, expiresAt, previousExpiresAt: currentExpiry };

    const messagesFor = (after: LeadView, eventId: number, restored: boolean): OutboxMessage[] => {
      const out: OutboxMessage[] = [];
      const partner = partnerContact(after);
      if (partner && partner !== input.actor.userId)
        out.push(
          dm(
            partner,
            `lead:${after.id}:extension-granted:partner:${eventId}`,
            extensionGrantedPartner(after, { timeZone: tz, expiresAt }),
            after.id,
          ),
        );
      if (after.ownerUserId && after.ownerUserId !== input.actor.userId)
        out.push(
          dm(
            after.ownerUserId,
            `lead:${after.id}:extension-granted:owner:${eventId}`,
            extensionGrantedInternal(after, {
              timeZone: tz,
              expiresAt,
              byUserId: input.actor.userId,
              days,
              restoredFrom: restored,
            }),
            after.id,
          ),
        );
      return out;
    };

    if (view.status === 'expired') {
      const to = restoreTarget(await statusBefore(tx, view.id, 'expired'), view, row.qualifiedAt !== null);
      const res = await applyTransition(tx, deps, {
        view,
        to,
        actorUserId: input.actor.userId,
        ...(input.version !== undefined ? { expectedVersion: input.version } : {}),
        patch: { extensionDays },
        reason: 'extension',
        data,
        partnerMessage: null,
        extraMessages: (after, eventId) => messagesFor(after, eventId, true),
      });
      await appendEvent(tx, {
        leadId: view.id,
        type: 'extension_granted',
        actorUserId: input.actor.userId,
        data: { ...data, restoredTo: to },
        at: now,
      });
      return { view: res.view, eventId: res.eventId, expiresAt, restoredTo: to, extensionDays };
    }

    const ok = await updateLeadIf(
      tx,
      view.id,
      { fromStatuses: [view.status], ...(input.version !== undefined ? { version: input.version } : {}) },
      { extensionDays, updatedAt: now },
    );
    if (!ok) throw await staleError(tx, view);
    const eventId = await appendEvent(tx, {
      leadId: view.id,
      type: 'extension_granted',
      actorUserId: input.actor.userId,
      data,
      at: now,
    });
    const after = await refreshRoutingPost(tx, deps, view.id, eventId);
    await enqueue(tx, messagesFor(after, eventId, false), now);
    return { view: after, eventId, expiresAt, restoredTo: null, extensionDays };
  });
}

import type { Qualification } from '../core/qualify.ts';
import { pickFromPool, poolKey } from '../core/routing.ts';
import type { LeadView } from '../core/types.ts';
import type { Tx } from '../db/connection.ts';
import { appendEvent, updateLeadIf } from '../db/stores/lead-store.ts';
import type { OutboxMessage } from '../db/stores/outbox-store.ts';
import { takePoolPosition } from '../db/stores/pool-store.ts';
import { rolesOf } from '../db/stores/program-store.ts';
import { loadLeadFor, partnerContact, type ServiceDeps } from './context.ts';
import { queueCrmWriteBack } from './crm-write-back.ts';
import {
  type NotifyContext,
  ownerAssignedDm,
  partnerDm,
  routingPostMessage,
  suggestionDm,
} from './notify.ts';

// What happens when a lead becomes an EQL, whichever door it came through (submission or attestation).

/** Lead columns that follow from a qualification. Route columns are set only on qualifying, so a lead that
 * drops back to candidate keeps its routing post (which then shows the new state). */
export function qualificationPatch(q: Qualification, now: number) {
  const base = { overlapVerified: q.overlapVerified, icpScore: q.icpScore, updatedAt: now };
  if (q.status !== 'qualified' || !q.route) return base;
  return {
    ...base,
    routeChannel: q.route.channel,
    routeRuleIndex: q.route.ruleIndex,
    routePool: q.route.pool,
    qualifiedAt: now,
  };
}

/**
 * A lead just became an EQL: suggest the next rep of the route's pool, or hand it straight to the CRM owner
 * when the route says so; then the routing post and the partner's news to queue. Also returns the lead's view
 * after these changes, so the caller need not read it again.
 */
export async function routeQualifiedLead(
  tx: Tx,
  deps: ServiceDeps,
  leadId: number,
  q: Qualification,
  eventId: number,
  ctx: NotifyContext,
  now: number,
  postExists: boolean,
): Promise<{ messages: OutboxMessage[]; view: LeadView }> {
  const out: OutboxMessage[] = [];
  let lastEvent = eventId;
  // A CRM owner without a program role could not press a single button on the lead: route it normally instead.
  const crmOwner =
    q.route?.assignTo && (await rolesOf(tx, q.route.assignTo)).length > 0 ? q.route.assignTo : null;
  if (q.route && crmOwner) {
    await updateLeadIf(
      tx,
      leadId,
      { fromStatuses: ['qualified'] },
      {
        status: 'claimed',
        ownerUserId: crmOwner,
        claimedAt: now,
        lastProgressAt: now,
        updatedAt: now,
      },
    );
    lastEvent = await appendEvent(tx, {
      leadId,
      type: 'transition',
      fromStatus: 'qualified',
      toStatus: 'claimed',
      actorUserId: null,
      reason: 'assigned to the CRM account owner by routing rule',
      data: { ownerUserId: crmOwner, ruleIndex: q.route.ruleIndex },
      at: now,
    });
  } else if (q.route?.pool && q.route.pool.length > 0) {
    const { userId } = pickFromPool(q.route.pool, await takePoolPosition(tx, poolKey(q.route.pool)));
    await updateLeadIf(tx, leadId, { fromStatuses: ['qualified'] }, { suggestedUserId: userId });
  }
  const view = await loadLeadFor(tx, deps, leadId);
  out.push(...(await routingPostMessage(view, ctx, { exists: postExists, eventId: lastEvent })));
  const contact = partnerContact(view);
  out.push(...partnerDm(contact, view.status === 'claimed' ? 'claimed' : 'received', view, ctx, lastEvent));
  out.push(...suggestionDm(view, lastEvent));
  if (view.status === 'claimed')
    out.push(...ownerAssignedDm(view, lastEvent, 'You own this account in the CRM.'));
  await queueCrmWriteBack(tx, deps, view, lastEvent);
  return { messages: out, view };
}

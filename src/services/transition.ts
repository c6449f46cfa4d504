import { corroboratorSide } from '../core/credit.ts';
import { DomainError } from '../core/errors.ts';
import { assertTransition, isProgress, STATUS_LABELS } from '../core/lifecycle.ts';
import type { LeadStatus, LeadView } from '../core/types.ts';
import type { Tx } from '../db/connection.ts';
import { corroboratingLeadId } from '../db/stores/corroboration-store.ts';
import { appendEvent, getLead, type NewLead, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import type { PartnerMessageKind } from '../slack/blocks/partner-messages.ts';
import { loadLeadFor, partnerContact, type ServiceDeps } from './context.ts';
import { queueCrmWriteBack } from './crm-write-back.ts';
import { notifyContext } from './eql-score.ts';
import { type NotifyContext, partnerDm, routingPostMessage } from './notify.ts';
import { awardMilestones } from './rewards.ts';

export interface TransitionRequest {
  view: LeadView;
  to: LeadStatus;
  actorUserId: string | null;
  /** The version the actor saw (from the button); a stale click is refused instead of applied twice. */
  expectedVersion?: number;
  patch?: Partial<NewLead>;
  reason?: string | null;
  data?: Record<string, unknown>;
  /** The partner's DM for this transition, if it matters to them. */
  partnerMessage?: PartnerMessageKind | null;
  extraMessages?: (after: LeadView, eventId: number) => OutboxMessage[];
  /**
   * The CRM overrides a step the lifecycle would not take (a click got the lead elsewhere first): the move is
   * applied as the CRM says, with the difference logged by the caller (src/services/crm-outcomes.ts).
   */
  crmCorrection?: boolean;
}

export interface TransitionResult {
  view: LeadView;
  eventId: number;
}

/**
 * One lifecycle step, all or nothing: a guarded update (status and version must still be what the actor saw),
 * the audit event, the routing post update and the partner's DM, in the caller's transaction.
 */
export async function applyTransition(
  tx: Tx,
  deps: ServiceDeps,
  req: TransitionRequest,
): Promise<TransitionResult> {
  const { view, to } = req;
  if (!req.crmCorrection) assertTransition(view.status, to);
  const now = deps.now();
  const progressed = isProgress(view.status, to);
  const closing = to === 'won' || to === 'lost' || to === 'disqualified' || to === 'merged';
  const ok = await updateLeadIf(
    tx,
    view.id,
    {
      fromStatuses: [view.status],
      ...(req.expectedVersion !== undefined ? { version: req.expectedVersion } : {}),
    },
    {
      status: to,
      updatedAt: now,
      ...(progressed ? { lastProgressAt: now } : {}),
      ...(to === 'opportunity' ? { opportunityAt: now } : {}),
      ...(closing ? { closedAt: now } : {}),
      ...req.patch,
    },
  );
  if (!ok) throw await staleError(tx, view);
  const eventId = await appendEvent(tx, {
    leadId: view.id,
    type: 'transition',
    fromStatus: view.status,
    toStatus: to,
    actorUserId: req.actorUserId,
    reason: req.reason ?? null,
    data: req.data ?? null,
    at: now,
  });
  const after = await loadLeadFor(tx, deps, view.id);
  const ctx: NotifyContext = notifyContext({ ...deps, db: tx }, now);
  const messages: OutboxMessage[] = [
    ...(await routingPostMessage(after, ctx, { exists: after.routeChannel != null, eventId })),
  ];
  if (req.partnerMessage) {
    messages.push(...partnerDm(partnerContact(after), req.partnerMessage, after, ctx, eventId));
    messages.push(...(await creditedPartnerDm(tx, deps, after, req.partnerMessage, ctx, eventId)));
  }
  if (req.extraMessages) messages.push(...req.extraMessages(after, eventId));
  // Partner rewards pay on conversion milestones, committed with the transition that reaches them.
  messages.push(...(await awardMilestones(tx, deps, after, to)));
  await enqueue(tx, messages, now);
  await queueCrmWriteBack(tx, deps, after, eventId);
  return { view: after, eventId };
}

/**
 * The outcomes a partner holding moved credit hears about. Intro requests and extensions stay with the
 * submitting partner, whose people know the contact and whose lead the buttons act on.
 */
const CREDITED_PARTNER_KINDS = new Set<PartnerMessageKind>(['opportunity', 'won', 'lost', 'disqualified']);

/** When a leader moved a lead's credit to a corroborating partner, that partner hears how it ends too. */
async function creditedPartnerDm(
  tx: Tx,
  deps: ServiceDeps,
  lead: LeadView,
  kind: PartnerMessageKind,
  ctx: NotifyContext,
  eventId: number,
): Promise<OutboxMessage[]> {
  const credited = lead.creditedPartner;
  if (!credited || credited.slug === lead.partner.slug || !CREDITED_PARTNER_KINDS.has(kind)) return [];
  const side = await partnerSide(tx, deps, lead, credited.slug);
  return side ? partnerDm(side.contact, kind, side.view, ctx, eventId) : [];
}

/**
 * A partner's own side of an account, to render its messages from: the lead itself for the partner that
 * submitted it, else what a corroborating partner sees (null when that partner did not flag it).
 */
export async function partnerSide(
  tx: Tx,
  deps: ServiceDeps,
  lead: LeadView,
  slug: string,
): Promise<{ view: LeadView; contact: string | null } | null> {
  if (slug === lead.partner.slug) return { view: lead, contact: partnerContact(lead) };
  const ownId = await corroboratingLeadId(tx, lead.id, slug);
  if (ownId === null) return null;
  const own = await loadLeadFor(tx, deps, ownId);
  return { view: corroboratorSide(own, lead), contact: partnerContact(own) };
}

/**
 * Someone already owns the lead. The message is plain text (no Slack markup); the edge names the owner from
 * `data.ownerUserId` (a mention, or "You" when it is the person who clicked).
 */
export function alreadyClaimed(ownerUserId: string, accountName: string, actorUserId?: string): DomainError {
  const message =
    ownerUserId === actorUserId
      ? 'You already claimed this lead.'
      : 'Someone else already claimed this lead.';
  return new DomainError('already_claimed', message, { data: { ownerUserId, accountName } });
}

/** Explains why a guarded update found the lead changed: someone else acted first. */
export async function staleError(tx: Tx, seen: LeadView): Promise<DomainError> {
  const current = await getLead(tx, seen.id);
  if (current && current.status === 'claimed' && seen.status === 'qualified' && current.ownerUserId) {
    return alreadyClaimed(current.ownerUserId, current.accountName);
  }
  const label = current ? STATUS_LABELS[current.status] : 'changed';
  return new DomainError(
    'stale',
    `Someone updated this lead a moment ago (it's now ${label}); nothing was changed.`,
    {
      data: { status: current?.status ?? null },
    },
  );
}

/** Queues only the routing post update: for changes that are not transitions (reassign, intro answers). */
export async function refreshRoutingPost(
  tx: Tx,
  deps: ServiceDeps,
  leadId: number,
  eventId: number,
): Promise<LeadView> {
  const after = await loadLeadFor(tx, deps, leadId);
  const now = deps.now();
  await enqueue(
    tx,
    await routingPostMessage(
      after,
      { timeZone: deps.config.timezone, now },
      { exists: after.routeChannel != null, eventId },
    ),
    now,
  );
  return after;
}

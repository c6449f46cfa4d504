import { classifySubmission } from '../core/dedupe.ts';
import { normalizeDomain } from '../core/domain.ts';
import { DomainError } from '../core/errors.ts';
import { isOpen } from '../core/lifecycle.ts';
import type { ActorContext } from '../core/permissions.ts';
import { type Qualification, qualify } from '../core/qualify.ts';
import { pickFromPool, poolKey } from '../core/routing.ts';
import { calendarDate, daysBetween } from '../core/time.ts';
import type { LeadStatus, LeadView, WarmthAttestation } from '../core/types.ts';
import {
  appendEvent,
  corroborationsForDomain,
  enqueue,
  getCrmAccount,
  getLeadView,
  getOverlap,
  getPartner,
  insertAttestation,
  insertCorroboration,
  insertLead,
  inTransaction,
  leadsForDomain,
  markPrimerSent,
  type OutboxMessage,
  partnerChannels,
  partnerPeople,
  saveGateResults,
  type Tx,
  takePoolPosition,
  touchLead,
  touchPerson,
  updateLeadIf,
} from '../db/stores/lead-store.ts';
import { reasonLabeler, requirePermission, resolveActor, type ServiceDeps, today } from './context.ts';
import { type SubmitLead, type SubmitLeadInput, submitLeadInputSchema } from './inputs.ts';
import {
  attestationRequestMessages,
  conflictNotice,
  type NotifyContext,
  ownerAssignedDm,
  partnerDm,
  primerDm,
  routingPostMessage,
  suggestionDm,
} from './notify.ts';
import { parseInput, toAttestation } from './validation.ts';

export type SubmitResult =
  | { kind: 'created'; leadId: number; status: LeadStatus; view: LeadView }
  | { kind: 'duplicate'; leadId: number; status: LeadStatus; view: LeadView }
  | { kind: 'corroborated'; leadId: number; primaryLeadId: number; view: LeadView }
  | { kind: 'conflict'; reason: 'customer' | 'open_opportunity' };

/**
 * Flags an account. A partner's submission carries its own warmth attestation and is qualified at once; a
 * rep's names the partner org and waits for that org to attest. Dedupe and conflicts (PRODUCT.md section 5)
 * are decided inside the same transaction as the write, so two people flagging one account at once cannot
 * both become the primary lead.
 */
export function submitLead(deps: ServiceDeps, raw: SubmitLeadInput): SubmitResult {
  const input = parseInput(submitLeadInputSchema, raw);
  const parsedDomain = normalizeDomain(input.website);
  if (!parsedDomain.ok) {
    throw new DomainError('invalid_domain', parsedDomain.reason, {
      fields: { website: parsedDomain.reason },
    });
  }
  const domain = parsedDomain.domain;
  const now = deps.now();
  const ctx: NotifyContext = { timeZone: deps.config.timezone, now };

  return inTransaction(deps.db, (tx) => {
    const actor = resolveActor(tx, deps, input.actor);
    requirePermission('flag', actor, undefined);
    const { partnerSlug, surfacedBy } = submitterSide(actor, input, now, deps);
    const partner = getPartner(tx, partnerSlug);
    if (!partner?.active) {
      throw new DomainError('invalid_input', 'Pick a partner organisation from the list.', {
        fields: { partnerSlug: 'Pick a partner organisation from the list' },
      });
    }

    const outbox: OutboxMessage[] = [];
    if (actor.kind === 'partner') {
      const firstTime = touchPerson(
        tx,
        { userId: actor.userId, teamId: input.actor.teamId, partnerSlug },
        now,
      );
      if (firstTime) {
        outbox.push(primerDm(actor.userId));
        markPrimerSent(tx, actor.userId, now);
      }
    }

    const crm = getCrmAccount(tx, domain);
    const all = leadsForDomain(tx, domain);
    const verdict = classifySubmission({
      partnerSlug,
      openLeads: all.filter((l) => isOpen(l.status)),
      corroboratingSlugs: corroborationsForDomain(tx, domain),
      crm: crm ? { ...crm } : null,
    });

    if (verdict.kind === 'conflict') {
      const eventId = appendEvent(tx, {
        leadId: null,
        type: 'conflict',
        actorUserId: input.actor.userId,
        reason: verdict.reason,
        data: { domain, partnerSlug, accountName: input.accountName },
        at: now,
      });
      outbox.push(
        conflictNotice(partner.managerUserId, eventId, {
          accountName: crm?.name ?? input.accountName,
          domain,
          partnerName: partner.name,
          reason: verdict.reason,
        }),
      );
      enqueue(tx, outbox, now);
      return { kind: 'conflict', reason: verdict.reason };
    }

    if (verdict.kind === 'duplicate') {
      enqueue(tx, outbox, now);
      const view = mustView(tx, deps, verdict.leadId);
      return { kind: 'duplicate', leadId: verdict.leadId, status: view.status, view };
    }

    const warmth = input.warmth ? toAttestation(input.warmth) : null;
    const base = {
      domain,
      accountName: input.accountName,
      partnerSlug,
      surfacedBy,
      submittedByUserId: input.actor.userId,
      submittedByTeamId: input.actor.teamId,
      relationship: input.relationship,
      need: input.need,
      notes: input.notes,
      sourceMessageUrl: input.sourceMessageUrl ?? null,
      partnerIndustry: input.firmographics.industry,
      partnerEmployees: input.firmographics.employees,
      partnerCountry: input.firmographics.country,
      attribution: surfacedBy === 'partner' ? ('sourced' as const) : ('influenced' as const),
      createdAt: now,
      updatedAt: now,
      lastProgressAt: now,
    };

    if (verdict.kind === 'corroboration') {
      // The later partner's submission is kept as its own (merged) lead so that partner sees its own side,
      // and the earliest open lead keeps primary attribution and gains a corroborating partner.
      const ownId = insertLead(tx, {
        ...base,
        attribution: 'influenced',
        status: 'merged',
        mergedIntoLeadId: verdict.leadId,
        closedAt: now,
      });
      if (warmth) saveAttestation(tx, ownId, partnerSlug, input, warmth, now);
      insertCorroboration(tx, {
        leadId: verdict.leadId,
        partnerSlug,
        sourceLeadId: ownId,
        relationship: input.relationship,
        createdAt: now,
      });
      const ownEvent = appendEvent(tx, {
        leadId: ownId,
        type: 'transition',
        fromStatus: 'surfaced',
        toStatus: 'merged',
        actorUserId: input.actor.userId,
        reason: `corroborates lead ${verdict.leadId}`,
        data: { mergedInto: verdict.leadId },
        at: now,
      });
      touchLead(tx, verdict.leadId, now);
      const primaryEvent = appendEvent(tx, {
        leadId: verdict.leadId,
        type: 'corroborated',
        actorUserId: input.actor.userId,
        data: { partnerSlug, sourceLeadId: ownId },
        at: now,
      });
      const primary = mustView(tx, deps, verdict.leadId);
      const own = mustView(tx, deps, ownId);
      outbox.push(...partnerDm(actor.kind === 'partner' ? actor.userId : null, 'merged', own, ctx, ownEvent));
      outbox.push(
        ...routingPostMessage(primary, ctx, {
          exists: primary.routeChannel != null && wasRouted(primary),
          eventId: primaryEvent,
        }),
      );
      enqueue(tx, outbox, now);
      return { kind: 'corroborated', leadId: ownId, primaryLeadId: verdict.leadId, view: own };
    }

    const overlap = getOverlap(tx, partnerSlug, domain);
    const q = qualify(
      {
        domain,
        relationship: input.relationship,
        partnerSlug,
        partnerName: partner.name,
        warmth,
        partnerFirmographics: input.firmographics,
        crm: crm ? { ...crm } : null,
        overlap: overlap ? { partnerSlug, domain, relationship: overlap.relationship } : null,
      },
      deps.config,
      today(deps),
    );
    const leadId = insertLead(tx, { ...base, status: q.status, ...qualificationPatch(q, now) });
    if (warmth) saveAttestation(tx, leadId, partnerSlug, input, warmth, now);
    saveGateResults(tx, leadId, q.gates, now);
    const eventId = appendEvent(tx, {
      leadId,
      type: 'transition',
      fromStatus: 'surfaced',
      toStatus: q.status,
      actorUserId: input.actor.userId,
      reason: q.failing.length ? `gates not passed: ${q.failing.join(', ')}` : null,
      data: { icpScore: q.icpScore, gates: Object.fromEntries(q.gates.map((g) => [g.gate, g.outcome])) },
      at: now,
    });

    if (q.status === 'qualified') {
      outbox.push(...routeQualifiedLead(tx, deps, leadId, q, eventId, ctx, now, false));
    } else {
      const view = mustView(tx, deps, leadId);
      if (q.status === 'candidate') {
        outbox.push(
          ...partnerDm(actor.kind === 'partner' ? actor.userId : null, 'candidate', view, ctx, eventId),
        );
      } else {
        outbox.push(
          ...attestationRequestMessages(
            view,
            ctx,
            { channels: partnerChannels(tx, partnerSlug), people: partnerPeople(tx, partnerSlug) },
            eventId,
          ),
        );
      }
    }
    enqueue(tx, outbox, now);
    const view = mustView(tx, deps, leadId);
    return { kind: 'created', leadId, status: view.status, view };
  });
}

function submitterSide(
  actor: ActorContext,
  input: SubmitLead,
  now: number,
  deps: ServiceDeps,
): { partnerSlug: string; surfacedBy: 'partner' | 'rep' } {
  if (actor.kind === 'partner') {
    const fields: Record<string, string> = {};
    if (!input.relationship) fields.relationship = 'Pick how your organisation knows this account';
    if (!input.warmth) fields['warmth.strength'] = 'Tell us how warm the relationship is';
    if (input.warmth?.lastInteractionOn) {
      const age = daysBetween(input.warmth.lastInteractionOn, calendarDate(now, deps.config.timezone));
      if (age < 0) fields['warmth.lastInteractionOn'] = "The last interaction can't be in the future";
    }
    if (Object.keys(fields).length > 0) {
      throw new DomainError('invalid_input', Object.values(fields)[0] ?? 'Check the form', { fields });
    }
    return { partnerSlug: actor.partnerSlug, surfacedBy: 'partner' };
  }
  if (!input.partnerSlug) {
    throw new DomainError('invalid_input', 'Pick the partner organisation that should attest this account.', {
      fields: { partnerSlug: 'Pick the partner organisation that should attest this account' },
    });
  }
  return { partnerSlug: input.partnerSlug, surfacedBy: 'rep' };
}

function saveAttestation(
  tx: Tx,
  leadId: number,
  partnerSlug: string,
  input: SubmitLead,
  warmth: WarmthAttestation,
  now: number,
): void {
  insertAttestation(tx, {
    leadId,
    partnerSlug,
    attestedByUserId: input.actor.userId,
    ...warmth,
    contactEmail: input.warmth?.contactEmail ?? null,
    createdAt: now,
  });
}

/** Lead columns that follow from a qualification. */
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
 * when the route says so; then queue the routing post and the partner's news.
 */
export function routeQualifiedLead(
  tx: Tx,
  deps: ServiceDeps,
  leadId: number,
  q: Qualification,
  eventId: number,
  ctx: NotifyContext,
  now: number,
  postExists: boolean,
): OutboxMessage[] {
  const out: OutboxMessage[] = [];
  let lastEvent = eventId;
  if (q.route?.assignTo) {
    updateLeadIf(
      tx,
      leadId,
      { fromStatuses: ['qualified'] },
      {
        status: 'claimed',
        ownerUserId: q.route.assignTo,
        claimedAt: now,
        lastProgressAt: now,
        updatedAt: now,
      },
    );
    lastEvent = appendEvent(tx, {
      leadId,
      type: 'transition',
      fromStatus: 'qualified',
      toStatus: 'claimed',
      actorUserId: null,
      reason: 'assigned to the CRM account owner by routing rule',
      data: { ownerUserId: q.route.assignTo, ruleIndex: q.route.ruleIndex },
      at: now,
    });
  } else if (q.route?.pool && q.route.pool.length > 0) {
    const { userId } = pickFromPool(q.route.pool, takePoolPosition(tx, poolKey(q.route.pool)));
    updateLeadIf(tx, leadId, { fromStatuses: ['qualified'] }, { suggestedUserId: userId });
  }
  const view = mustView(tx, deps, leadId);
  out.push(...routingPostMessage(view, ctx, { exists: postExists, eventId: lastEvent }));
  const contact =
    view.surfacedBy === 'partner' ? view.submittedByUserId : (view.warmth?.attestedByUserId ?? null);
  out.push(...partnerDm(contact, view.status === 'claimed' ? 'claimed' : 'received', view, ctx, lastEvent));
  out.push(...suggestionDm(view, lastEvent));
  if (view.status === 'claimed')
    out.push(...ownerAssignedDm(view, lastEvent, 'You own this account in the CRM.'));
  return out;
}

function mustView(tx: Tx, deps: ServiceDeps, id: number): LeadView {
  const view = getLeadView(tx, id, reasonLabeler(deps.config));
  if (!view) throw new Error(`lead ${id} vanished inside its own transaction`);
  return view;
}

/** A lead has a routing post once it has been qualified (the post is queued at that moment). */
function wasRouted(view: LeadView): boolean {
  return view.routeChannel != null;
}

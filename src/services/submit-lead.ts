import { classifySubmission } from '../core/dedupe.ts';
import { normalizeDomain } from '../core/domain.ts';
import { DomainError } from '../core/errors.ts';
import { isOpen } from '../core/lifecycle.ts';
import type { ActorContext } from '../core/permissions.ts';
import { qualify } from '../core/qualify.ts';
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
  touchLead,
  touchPerson,
} from '../db/stores/lead-store.ts';
import { attestInTransaction } from './attest-warmth.ts';
import { reasonLabeler, requirePermission, resolveIdentity, type ServiceDeps, today } from './context.ts';
import { notifyContext } from './eql-score.ts';
import { type SubmitLead, type SubmitLeadInput, submitLeadInputSchema } from './inputs.ts';
import {
  attestationRequestMessages,
  conflictNotice,
  type NotifyContext,
  partnerDm,
  primerDm,
  routingPostMessage,
} from './notify.ts';
import { qualificationPatch, routeQualifiedLead } from './route-lead.ts';
import { assertNotFuture, parseInput, toAttestation } from './validation.ts';

export type SubmitResult =
  | { kind: 'created'; leadId: number; status: LeadStatus; view: LeadView }
  | { kind: 'duplicate'; leadId: number; status: LeadStatus; view: LeadView }
  /** The partner's own org already had this lead waiting for (or failing) its attestation: this is it. */
  | { kind: 'attested'; leadId: number; status: LeadStatus; view: LeadView }
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
  const now = deps.now();
  // Everything that can be checked without knowing who is asking is checked together, so the modal shows
  // every problem at once rather than one per submit.
  const fields: Record<string, string> = {};
  const parsedDomain = normalizeDomain(input.website);
  if (!parsedDomain.ok) fields.website = parsedDomain.reason;
  if (input.warmth?.lastInteractionOn) {
    try {
      assertNotFuture(input.warmth.lastInteractionOn, deps);
    } catch (err) {
      if (err instanceof DomainError) Object.assign(fields, err.fields);
    }
  }
  if (!parsedDomain.ok || Object.keys(fields).length > 0) {
    const code = parsedDomain.ok ? 'invalid_input' : 'invalid_domain';
    throw new DomainError(code, Object.values(fields)[0] ?? 'Check the form', { fields });
  }
  const domain = parsedDomain.domain;
  const ctx: NotifyContext = notifyContext(deps, now);

  return inTransaction(deps.db, (tx) => {
    const { actor, org } = resolveIdentity(tx, deps, input.actor);
    requirePermission('flag', actor, undefined);
    const { partnerSlug, surfacedBy } = submitterSide(actor, input);
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
        { userId: actor.userId, teamId: org.teamId, enterpriseId: org.enterpriseId, partnerSlug },
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
      appendEvent(tx, {
        leadId: null,
        type: 'conflict',
        actorUserId: input.actor.userId,
        reason: verdict.reason,
        data: { domain, partnerSlug, accountName: input.accountName },
        at: now,
      });
      outbox.push(
        conflictNotice(partner.managerUserId, today(deps), {
          accountName: crm?.name ?? input.accountName,
          domain,
          partnerName: partner.name,
          partnerSlug,
          reason: verdict.reason,
          flaggedBy: { userId: input.actor.userId, side: surfacedBy },
        }),
      );
      enqueue(tx, outbox, now);
      return { kind: 'conflict', reason: verdict.reason };
    }

    if (verdict.kind === 'duplicate') {
      enqueue(tx, outbox, now);
      const view = mustView(tx, deps, verdict.leadId);
      // A rep flagged it naming this partner (or the partner's own candidate needs better evidence): the
      // partner's warm submission is the attestation that lead is waiting for, not a duplicate to discard.
      const attestable = view.status === 'awaiting_attestation' || view.status === 'candidate';
      if (
        actor.kind === 'partner' &&
        view.partner.slug === partnerSlug &&
        attestable &&
        input.warmth &&
        input.relationship
      ) {
        const res = attestInTransaction(tx, deps, {
          actor: input.actor,
          leadId: view.id,
          relationship: input.relationship,
          warmth: input.warmth,
          firmographics: input.firmographics,
        });
        return { kind: 'attested', leadId: view.id, status: res.view.status, view: res.view };
      }
      return { kind: 'duplicate', leadId: verdict.leadId, status: view.status, view };
    }

    if (verdict.kind === 'corroboration' && actor.kind !== 'partner') {
      // Only a partner's own word corroborates; a rep naming another partner on a lead already being worked
      // is told where the lead stands instead of crediting a partner that said nothing.
      enqueue(tx, outbox, now);
      const view = mustView(tx, deps, verdict.leadId);
      return { kind: 'duplicate', leadId: view.id, status: view.status, view };
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
          exists: primary.routeChannel != null,
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

    // The lead's view after every change to it (queuing messages below does not change it).
    let view: LeadView;
    if (q.status === 'qualified') {
      const routed = routeQualifiedLead(tx, deps, leadId, q, eventId, ctx, now, false);
      outbox.push(...routed.messages);
      view = routed.view;
    } else {
      view = mustView(tx, deps, leadId);
      if (q.status === 'candidate') {
        outbox.push(
          ...partnerDm(actor.kind === 'partner' ? actor.userId : null, 'candidate', view, ctx, eventId),
        );
      } else {
        outbox.push(
          ...attestationRequestMessages(
            view,
            ctx,
            {
              channels: partnerChannels(tx, partnerSlug),
              people: partnerPeople(tx, partnerSlug),
              managerUserId: partner.managerUserId,
            },
            eventId,
          ),
        );
      }
    }
    enqueue(tx, outbox, now);
    return { kind: 'created', leadId, status: view.status, view };
  });
}

function submitterSide(
  actor: ActorContext,
  input: SubmitLead,
): { partnerSlug: string; surfacedBy: 'partner' | 'rep' } {
  if (actor.kind === 'partner') {
    const fields: Record<string, string> = {};
    if (!input.relationship) fields.relationship = 'Pick how your organisation knows this account';
    if (!input.warmth) fields['warmth.strength'] = 'Tell us how warm the relationship is';
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

function mustView(tx: Tx, deps: ServiceDeps, id: number): LeadView {
  const view = getLeadView(tx, id, reasonLabeler(deps.config));
  if (!view) throw new Error(`lead ${id} vanished inside its own transaction`);
  return view;
}

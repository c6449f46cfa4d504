import type { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { assertTransition } from '../core/lifecycle.ts';
import { qualify } from '../core/qualify.ts';
import type { LeadStatus, LeadView } from '../core/types.ts';
import { type Tx, transaction } from '../db/connection.ts';
import { getCrmAccount, getOverlap } from '../db/stores/account-store.ts';
import { insertAttestation } from '../db/stores/attestation-store.ts';
import { appendEvent, getLead, saveGateResults, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { getPartner, markPrimerSent, touchPerson } from '../db/stores/program-store.ts';
import {
  accessOf,
  loadLeadFor,
  requirePermission,
  resolveIdentity,
  type ServiceDeps,
  today,
} from './context.ts';
import { notifyContext } from './eql-score.ts';
import { type AttestInput, attestInputSchema } from './inputs.ts';
import { type NotifyContext, partnerDm, primerDm, routingPostMessage } from './notify.ts';
import { qualificationPatch, routeQualifiedLead } from './route-lead.ts';
import { staleError } from './transition.ts';
import { assertNotFuture, parseInput, toAttestation } from './validation.ts';

const ATTESTABLE: readonly LeadStatus[] = ['awaiting_attestation', 'candidate', 'qualified'];

/**
 * The partner's own organisation attests warmth (first time for a rep-surfaced lead, or an update after a
 * candidate DM). The gates run again on the new evidence; the lead moves to whatever they now say.
 */
export async function attestWarmth(
  deps: ServiceDeps,
  raw: AttestInput,
): Promise<{ view: LeadView; eventId: number }> {
  const input = parseInput(attestInputSchema, raw);
  assertNotFuture(input.warmth.lastInteractionOn, deps);
  return transaction(deps.db, async (tx) => await attestInTransaction(tx, deps, input));
}

/** The attestation itself, for callers already inside a transaction (a partner re-flagging its own lead). */
export async function attestInTransaction(
  tx: Tx,
  deps: ServiceDeps,
  input: z.output<typeof attestInputSchema>,
): Promise<{ view: LeadView; eventId: number }> {
  const now = deps.now();
  const warmth = toAttestation(input.warmth);
  const { actor, org } = await resolveIdentity(tx, deps, input.actor);
  const view = await loadLeadFor(tx, deps, input.leadId);
  requirePermission('attest', actor, accessOf(view));
  if (!ATTESTABLE.includes(view.status)) {
    throw new DomainError(
      'illegal_transition',
      'This lead is past the point where its attestation can change.',
    );
  }
  const outbox: OutboxMessage[] = [];
  const firstTime = await touchPerson(
    tx,
    {
      userId: input.actor.userId,
      teamId: org.teamId,
      enterpriseId: org.enterpriseId,
      partnerSlug: view.partner.slug,
    },
    now,
  );
  if (firstTime) {
    outbox.push(primerDm(input.actor.userId));
    await markPrimerSent(tx, input.actor.userId, now);
  }
  await insertAttestation(tx, {
    leadId: view.id,
    partnerSlug: view.partner.slug,
    attestedByUserId: input.actor.userId,
    ...warmth,
    contactEmail: input.warmth.contactEmail,
    createdAt: now,
  });
  const crm = await getCrmAccount(tx, view.domain);
  const overlap = await getOverlap(tx, view.partner.slug, view.domain);
  const partner = await getPartner(tx, view.partner.slug);
  const row = await getLead(tx, view.id);
  // New company details from the partner fill in (never erase) what they gave before.
  const firmographics = {
    industry: input.firmographics?.industry ?? row?.partnerIndustry ?? null,
    employees: input.firmographics?.employees ?? row?.partnerEmployees ?? null,
    country: input.firmographics?.country ?? row?.partnerCountry ?? null,
  };
  const q = qualify(
    {
      domain: view.domain,
      relationship: input.relationship,
      partnerSlug: view.partner.slug,
      partnerName: partner?.name ?? view.partner.name,
      warmth,
      partnerFirmographics: firmographics,
      crm: crm ? { ...crm } : null,
      overlap: overlap
        ? { partnerSlug: view.partner.slug, domain: view.domain, relationship: overlap.relationship }
        : null,
    },
    deps.config,
    today(deps),
  );
  // A qualified lead that is re-attested keeps its status unless the gates now fail.
  const to: LeadStatus = q.status;
  const changed = to !== view.status;
  if (changed) assertTransition(view.status, to);
  if (
    !(await updateLeadIf(
      tx,
      view.id,
      { fromStatuses: [view.status] },
      {
        ...qualificationPatch(q, now),
        relationship: input.relationship,
        partnerIndustry: firmographics.industry,
        partnerEmployees: firmographics.employees,
        partnerCountry: firmographics.country,
        status: to,
      },
    ))
  ) {
    throw await staleError(tx, view);
  }
  await saveGateResults(tx, view.id, q.gates, now);
  const eventId = await appendEvent(tx, {
    leadId: view.id,
    type: changed ? 'transition' : 'attested',
    fromStatus: view.status,
    toStatus: to,
    actorUserId: input.actor.userId,
    reason: q.failing.length ? `gates not passed: ${q.failing.join(', ')}` : null,
    data: { icpScore: q.icpScore, gates: Object.fromEntries(q.gates.map((g) => [g.gate, g.outcome])) },
    at: now,
  });
  const ctx: NotifyContext = notifyContext({ ...deps, db: tx }, now);
  // The lead's view after every change to it (queuing messages below does not change it).
  let after: LeadView;
  if (to === 'qualified' && view.status !== 'qualified') {
    const routed = await routeQualifiedLead(
      tx,
      deps,
      view.id,
      q,
      eventId,
      ctx,
      now,
      view.routeChannel != null,
    );
    outbox.push(...routed.messages);
    after = routed.view;
  } else {
    after = await loadLeadFor(tx, deps, view.id);
    outbox.push(...(await routingPostMessage(after, ctx, { exists: after.routeChannel != null, eventId })));
    if (to === 'candidate') outbox.push(...partnerDm(input.actor.userId, 'candidate', after, ctx, eventId));
  }
  await enqueue(tx, outbox, now);
  return { view: after, eventId };
}

import { classifySubmission } from '../core/dedupe.ts';
import { normalizeDomain } from '../core/domain.ts';
import { DomainError } from '../core/errors.ts';
import { isOpen } from '../core/lifecycle.ts';
import type { ActorContext } from '../core/permissions.ts';
import { qualify } from '../core/qualify.ts';
import type { LeadStatus, LeadView, WarmthAttestation } from '../core/types.ts';
import { lockFor, type Tx, transaction } from '../db/connection.ts';
import { getCrmAccount, getOverlap } from '../db/stores/account-store.ts';
import { insertAttestation } from '../db/stores/attestation-store.ts';
import { corroborationsForDomain, insertCorroboration } from '../db/stores/corroboration-store.ts';
import {
  appendEvent,
  getLeadView,
  insertLead,
  leadsForDomain,
  saveGateResults,
  touchLead,
} from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import {
  getPartner,
  markPrimerSent,
  partnerChannels,
  partnerPeople,
  touchPerson,
} from '../db/stores/program-store.ts';
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
 * both become the primary lead. Each verdict has its own step below.
 */
export async function submitLead(deps: ServiceDeps, raw: SubmitLeadInput): Promise<SubmitResult> {
  const input = parseInput(submitLeadInputSchema, raw);
  const domain = checkForm(deps, input);
  return transaction(deps.db, async (tx) => {
    // One open lead per account: a second submission for the same domain waits here and then sees this one's lead.
    await lockFor(tx, `account:${domain}`);
    const s = await openSubmission(tx, deps, input, domain);
    const all = await leadsForDomain(tx, domain);
    const verdict = classifySubmission({
      partnerSlug: s.partnerSlug,
      openLeads: all.filter((l) => isOpen(l.status)),
      corroboratingSlugs: await corroborationsForDomain(tx, domain),
      crm: s.crm ? { ...s.crm } : null,
    });
    switch (verdict.kind) {
      case 'conflict':
        return submitConflict(s, verdict.reason);
      case 'duplicate':
        return submitDuplicate(s, verdict.leadId);
      case 'corroboration':
        // Only a partner's own word corroborates; a rep naming another partner on a lead already being worked
        // is told where the lead stands instead of crediting a partner that said nothing.
        return s.actor.kind === 'partner'
          ? submitCorroboration(s, verdict.leadId)
          : submitDuplicate(s, verdict.leadId);
      case 'new':
        return submitNew(s);
    }
  });
}

/**
 * Everything that can be checked without knowing who is asking, checked together so the modal shows every
 * problem at once rather than one per submit. Returns the account's domain.
 */
function checkForm(deps: ServiceDeps, input: SubmitLead): string {
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
  return parsedDomain.domain;
}

type Partner = NonNullable<Awaited<ReturnType<typeof getPartner>>>;

/** A submission inside its transaction: who flags which account for which partner, and what to send. */
interface Submission {
  tx: Tx;
  deps: ServiceDeps;
  input: SubmitLead;
  now: number;
  domain: string;
  actor: ActorContext;
  partnerSlug: string;
  surfacedBy: 'partner' | 'rep';
  partner: Partner;
  crm: Awaited<ReturnType<typeof getCrmAccount>>;
  ctx: NotifyContext;
  /** Messages to queue with the verdict's writes (a partner's first visit adds the primer). */
  outbox: OutboxMessage[];
}

/** Who is flagging for which (active) partner; a partner met for the first time gets the primer. */
async function openSubmission(
  tx: Tx,
  deps: ServiceDeps,
  input: SubmitLead,
  domain: string,
): Promise<Submission> {
  const now = deps.now();
  const { actor, org } = await resolveIdentity(tx, deps, input.actor);
  requirePermission('flag', actor, undefined);
  const { partnerSlug, surfacedBy } = submitterSide(actor, input);
  const partner = await getPartner(tx, partnerSlug);
  if (!partner?.active) {
    throw new DomainError('invalid_input', 'Pick a partner organisation from the list.', {
      fields: { partnerSlug: 'Pick a partner organisation from the list' },
    });
  }
  const outbox: OutboxMessage[] = [];
  if (actor.kind === 'partner') {
    const firstTime = await touchPerson(
      tx,
      { userId: actor.userId, teamId: org.teamId, enterpriseId: org.enterpriseId, partnerSlug },
      now,
    );
    if (firstTime) {
      outbox.push(primerDm(actor.userId));
      await markPrimerSent(tx, actor.userId, now);
    }
  }
  return {
    tx,
    deps,
    input,
    now,
    domain,
    actor,
    partnerSlug,
    surfacedBy,
    partner,
    crm: await getCrmAccount(tx, domain),
    ctx: notifyContext({ ...deps, db: tx }, now),
    outbox,
  };
}

/** The account is a customer or has an open opportunity: logged, and the partner manager hears of it. */
async function submitConflict(s: Submission, reason: 'customer' | 'open_opportunity'): Promise<SubmitResult> {
  const { tx, input, now } = s;
  await appendEvent(tx, {
    leadId: null,
    type: 'conflict',
    actorUserId: input.actor.userId,
    reason,
    data: { domain: s.domain, partnerSlug: s.partnerSlug, accountName: input.accountName },
    at: now,
  });
  s.outbox.push(
    conflictNotice(s.partner.managerUserId, today(s.deps), {
      accountName: s.crm?.name ?? input.accountName,
      domain: s.domain,
      partnerName: s.partner.name,
      partnerSlug: s.partnerSlug,
      reason,
      flaggedBy: { userId: input.actor.userId, side: s.surfacedBy },
    }),
  );
  await enqueue(tx, s.outbox, now);
  return { kind: 'conflict', reason };
}

/**
 * The account already has this lead: the submitter is told where it stands. A rep flagged it naming this
 * partner (or the partner's own candidate needs better evidence): the partner's warm submission is the
 * attestation that lead is waiting for, not a duplicate to discard.
 */
async function submitDuplicate(s: Submission, leadId: number): Promise<SubmitResult> {
  const { tx, deps, input } = s;
  await enqueue(tx, s.outbox, s.now);
  const view = await mustView(tx, deps, leadId);
  const attestable = view.status === 'awaiting_attestation' || view.status === 'candidate';
  if (
    s.actor.kind === 'partner' &&
    view.partner.slug === s.partnerSlug &&
    attestable &&
    input.warmth &&
    input.relationship
  ) {
    const res = await attestInTransaction(tx, deps, {
      actor: input.actor,
      leadId: view.id,
      relationship: input.relationship,
      warmth: input.warmth,
      firmographics: input.firmographics,
    });
    return { kind: 'attested', leadId: view.id, status: res.view.status, view: res.view };
  }
  return { kind: 'duplicate', leadId: view.id, status: view.status, view };
}

/** The lead columns every new submission starts with. */
function newLeadValues(s: Submission) {
  const { input, now, surfacedBy } = s;
  return {
    domain: s.domain,
    accountName: input.accountName,
    partnerSlug: s.partnerSlug,
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
}

/**
 * Another partner already flagged the account. The later partner's submission is kept as its own (merged)
 * lead so that partner sees its own side, and the earliest open lead keeps primary attribution and gains a
 * corroborating partner.
 */
async function submitCorroboration(s: Submission, primaryId: number): Promise<SubmitResult> {
  const { tx, deps, input, now, partnerSlug } = s;
  const ownId = await insertLead(tx, {
    ...newLeadValues(s),
    attribution: 'influenced',
    status: 'merged',
    mergedIntoLeadId: primaryId,
    closedAt: now,
  });
  await saveAttestation(s, ownId);
  await insertCorroboration(tx, {
    leadId: primaryId,
    partnerSlug,
    sourceLeadId: ownId,
    relationship: input.relationship,
    createdAt: now,
  });
  const ownEvent = await appendEvent(tx, {
    leadId: ownId,
    type: 'transition',
    fromStatus: 'surfaced',
    toStatus: 'merged',
    actorUserId: input.actor.userId,
    reason: `corroborates lead ${primaryId}`,
    data: { mergedInto: primaryId },
    at: now,
  });
  await touchLead(tx, primaryId, now);
  const primaryEvent = await appendEvent(tx, {
    leadId: primaryId,
    type: 'corroborated',
    actorUserId: input.actor.userId,
    data: { partnerSlug, sourceLeadId: ownId },
    at: now,
  });
  const primary = await mustView(tx, deps, primaryId);
  const own = await mustView(tx, deps, ownId);
  s.outbox.push(...partnerDm(submittingPartner(s), 'merged', own, s.ctx, ownEvent));
  s.outbox.push(
    ...(await routingPostMessage(primary, s.ctx, {
      exists: primary.routeChannel != null,
      eventId: primaryEvent,
    })),
  );
  await enqueue(tx, s.outbox, now);
  return { kind: 'corroborated', leadId: ownId, primaryLeadId: primaryId, view: own };
}

/**
 * A new lead: the gates decide whether it is an EQL (routed at once), a candidate (the partner is asked for
 * better evidence) or waiting for the partner's attestation (the partner is asked).
 */
async function submitNew(s: Submission): Promise<SubmitResult> {
  const { tx, deps, input, now, partnerSlug, partner, domain } = s;
  const overlap = await getOverlap(tx, partnerSlug, domain);
  const q = qualify(
    {
      domain,
      relationship: input.relationship,
      partnerSlug,
      partnerName: partner.name,
      warmth: warmthOf(s),
      partnerFirmographics: input.firmographics,
      crm: s.crm ? { ...s.crm } : null,
      overlap: overlap ? { partnerSlug, domain, relationship: overlap.relationship } : null,
    },
    deps.config,
    today(deps),
  );
  const leadId = await insertLead(tx, {
    ...newLeadValues(s),
    status: q.status,
    ...qualificationPatch(q, now),
  });
  await saveAttestation(s, leadId);
  await saveGateResults(tx, leadId, q.gates, now);
  const eventId = await appendEvent(tx, {
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
    const routed = await routeQualifiedLead(tx, deps, leadId, q, eventId, s.ctx, now, false);
    s.outbox.push(...routed.messages);
    view = routed.view;
  } else {
    view = await mustView(tx, deps, leadId);
    if (q.status === 'candidate') {
      s.outbox.push(...partnerDm(submittingPartner(s), 'candidate', view, s.ctx, eventId));
    } else {
      s.outbox.push(
        ...attestationRequestMessages(
          view,
          s.ctx,
          {
            channels: await partnerChannels(tx, partnerSlug),
            people: await partnerPeople(tx, partnerSlug),
            managerUserId: partner.managerUserId,
          },
          eventId,
        ),
      );
    }
  }
  await enqueue(tx, s.outbox, now);
  return { kind: 'created', leadId, status: view.status, view };
}

/** The partner person who submitted (who hears about their own submission), or null for a rep. */
function submittingPartner(s: Submission): string | null {
  return s.actor.kind === 'partner' ? s.actor.userId : null;
}

function warmthOf(s: Submission): WarmthAttestation | null {
  return s.input.warmth ? toAttestation(s.input.warmth) : null;
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

/** The partner's own warmth attestation, saved with its lead (a rep's submission has none). */
async function saveAttestation(s: Submission, leadId: number): Promise<void> {
  const warmth = warmthOf(s);
  if (!warmth) return;
  await insertAttestation(s.tx, {
    leadId,
    partnerSlug: s.partnerSlug,
    attestedByUserId: s.input.actor.userId,
    ...warmth,
    contactEmail: s.input.warmth?.contactEmail ?? null,
    createdAt: s.now,
  });
}

async function mustView(tx: Tx, deps: ServiceDeps, id: number): Promise<LeadView> {
  const view = await getLeadView(tx, id, reasonLabeler(deps.config));
  if (!view) throw new Error(`lead ${id} vanished inside its own transaction`);
  return view;
}

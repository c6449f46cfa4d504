import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type {
  GateResult,
  LeadStatus,
  LeadView,
  PartnerRef,
  Relationship,
  Role,
  WarmthAttestation,
} from '../../core/types.ts';
import type { Db } from '../connection.ts';
import {
  corroborations,
  crmAccounts,
  gateResults,
  leadEvents,
  leads,
  outbox,
  partnerOrgs,
  partnerOverlaps,
  partnerSlackIds,
  people,
  personRoles,
  poolCursors,
  warmthAttestations,
} from '../schema.ts';
import { applyPartners } from './import-store.ts';

// The lead store: every read and write the use cases make, in one place, against a transaction handle.
// Use cases run inside `inTransaction`, whose callback is synchronous on purpose: better-sqlite3 commits
// when the callback returns, and an async callback would commit before its awaits ran.

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Handle = Db | Tx;

export type LeadRow = typeof leads.$inferSelect;
export type NewLead = typeof leads.$inferInsert;
export type CrmAccountRow = typeof crmAccounts.$inferSelect;

/** Runs `fn` in one IMMEDIATE transaction (takes the write lock up front, so concurrent writers queue). */
export function inTransaction<T>(db: Db, fn: (tx: Tx) => T): T {
  return db.transaction(fn, { behavior: 'immediate' });
}

const GATE_ORDER = ['overlap', 'warmth', 'fit', 'motion'] as const;

export interface OutboxMessage {
  deliveryKey: string;
  recipient: string;
  method: string;
  payload: Record<string, unknown>;
  teamId?: string | null;
  leadId?: number | null;
  onSent?: string | null;
  notBefore?: number;
}

export interface LeadEventInput {
  leadId: number | null;
  type: string;
  fromStatus?: LeadStatus | null;
  toStatus?: LeadStatus | null;
  actorUserId?: string | null;
  reason?: string | null;
  data?: Record<string, unknown> | null;
  at: number;
}

// ---------------------------------------------------------------- program (partners, people, roles)

export interface ProgramSync {
  partners: ReadonlyArray<{
    slug: string;
    name: string;
    manager: string;
    teamIds: string[];
    channels: string[];
  }>;
  roles: { admins: string[]; leaders: string[]; reps: string[] };
}

/** Makes partner orgs, their Slack ids and internal roles match the config; removed partners are deactivated. */
export function syncProgram(db: Db, program: ProgramSync, now: number): void {
  inTransaction(db, (tx) => {
    applyPartners(tx, program.partners, now);
    tx.delete(partnerSlackIds).run();
    for (const p of program.partners) {
      for (const t of p.teamIds)
        tx.insert(partnerSlackIds).values({ kind: 'team', slackId: t, partnerSlug: p.slug }).run();
      for (const c of p.channels) {
        tx.insert(partnerSlackIds).values({ kind: 'channel', slackId: c, partnerSlug: p.slug }).run();
      }
    }
    tx.delete(personRoles).run();
    const roleRows: Array<{ userId: string; role: Role }> = [
      ...program.roles.admins.map((userId) => ({ userId, role: 'admin' as const })),
      ...program.roles.leaders.map((userId) => ({ userId, role: 'leader' as const })),
      ...program.roles.reps.map((userId) => ({ userId, role: 'rep' as const })),
    ];
    for (const r of roleRows) tx.insert(personRoles).values(r).onConflictDoNothing().run();
  });
}

export function getPartner(
  h: Handle,
  slug: string,
): (PartnerRef & { managerUserId: string; active: boolean }) | null {
  const row = h.select().from(partnerOrgs).where(eq(partnerOrgs.slug, slug)).get();
  return row
    ? { slug: row.slug, name: row.name, managerUserId: row.managerUserId, active: row.active }
    : null;
}

export function listPartners(h: Handle): Array<PartnerRef & { managerUserId: string }> {
  return h
    .select({ slug: partnerOrgs.slug, name: partnerOrgs.name, managerUserId: partnerOrgs.managerUserId })
    .from(partnerOrgs)
    .where(eq(partnerOrgs.active, true))
    .orderBy(asc(partnerOrgs.name))
    .all();
}

/** The partner org behind a Slack team id or a registered shared channel id (active orgs only). */
export function partnerBySlackId(h: Handle, kind: 'team' | 'channel', slackId: string): string | null {
  const row = h
    .select({ slug: partnerSlackIds.partnerSlug })
    .from(partnerSlackIds)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, partnerSlackIds.partnerSlug))
    .where(
      and(eq(partnerSlackIds.kind, kind), eq(partnerSlackIds.slackId, slackId), eq(partnerOrgs.active, true)),
    )
    .get();
  return row?.slug ?? null;
}

export function partnerTeamIds(h: Handle, slug: string): string[] {
  return h
    .select({ id: partnerSlackIds.slackId })
    .from(partnerSlackIds)
    .where(and(eq(partnerSlackIds.kind, 'team'), eq(partnerSlackIds.partnerSlug, slug)))
    .all()
    .map((r) => r.id);
}

export function partnerChannels(h: Handle, slug: string): string[] {
  return h
    .select({ id: partnerSlackIds.slackId })
    .from(partnerSlackIds)
    .where(and(eq(partnerSlackIds.kind, 'channel'), eq(partnerSlackIds.partnerSlug, slug)))
    .all()
    .map((r) => r.id);
}

export function rolesOf(h: Handle, userId: string): Role[] {
  return h
    .select({ role: personRoles.role })
    .from(personRoles)
    .where(eq(personRoles.userId, userId))
    .all()
    .map((r) => r.role);
}

export function usersWithRole(h: Handle, role: Role): string[] {
  return h
    .select({ userId: personRoles.userId })
    .from(personRoles)
    .where(eq(personRoles.role, role))
    .all()
    .map((r) => r.userId);
}

export type PersonRow = typeof people.$inferSelect;

export function getPerson(h: Handle, userId: string): PersonRow | null {
  return h.select().from(people).where(eq(people.userId, userId)).get() ?? null;
}

/** Records that we met someone; returns true the first time (callers send the primer then). */
export function touchPerson(
  h: Handle,
  person: { userId: string; teamId: string | null; partnerSlug: string | null },
  now: number,
): boolean {
  const inserted = h
    .insert(people)
    .values({ ...person, firstSeenAt: now })
    .onConflictDoUpdate({
      target: people.userId,
      set: { teamId: person.teamId, partnerSlug: person.partnerSlug },
    })
    .returning({ primerSentAt: people.primerSentAt })
    .get();
  return inserted?.primerSentAt == null;
}

export function markPrimerSent(h: Handle, userId: string, now: number): void {
  h.update(people).set({ primerSentAt: now }).where(eq(people.userId, userId)).run();
}

/** The partner people we have met from an org, most recent first: who to ask when a rep surfaces an account. */
export function partnerPeople(h: Handle, slug: string): string[] {
  return h
    .select({ userId: people.userId })
    .from(people)
    .where(eq(people.partnerSlug, slug))
    .orderBy(desc(people.firstSeenAt))
    .all()
    .map((r) => r.userId);
}

// ---------------------------------------------------------------- CRM and account mapping

export function getCrmAccount(h: Handle, domain: string): CrmAccountRow | null {
  return h.select().from(crmAccounts).where(eq(crmAccounts.domain, domain)).get() ?? null;
}

export function getOverlap(
  h: Handle,
  partnerSlug: string,
  domain: string,
): { relationship: Relationship } | null {
  return (
    h
      .select({ relationship: partnerOverlaps.relationship })
      .from(partnerOverlaps)
      .where(and(eq(partnerOverlaps.partnerSlug, partnerSlug), eq(partnerOverlaps.domain, domain)))
      .get() ?? null
  );
}

// ---------------------------------------------------------------- leads

export function insertLead(h: Handle, values: NewLead): number {
  const row = h.insert(leads).values(values).returning({ id: leads.id }).get();
  if (!row) throw new Error('insert into leads returned no id');
  return row.id;
}

export function getLead(h: Handle, id: number): LeadRow | null {
  return h.select().from(leads).where(eq(leads.id, id)).get() ?? null;
}

/**
 * Updates a lead only if it is still in one of `fromStatuses` (and at `version`, when given), bumping its
 * version. Returns false when another writer got there first: the basis of first-click-wins.
 */
export function updateLeadIf(
  h: Handle,
  id: number,
  guard: { fromStatuses: readonly LeadStatus[]; version?: number },
  patch: Partial<NewLead>,
): boolean {
  const conditions = [eq(leads.id, id), inArray(leads.status, [...guard.fromStatuses])];
  if (guard.version !== undefined) conditions.push(eq(leads.version, guard.version));
  const res = h
    .update(leads)
    .set({ ...patch, version: sql`${leads.version} + 1` })
    .where(and(...conditions))
    .run();
  return res.changes === 1;
}

/** Marks a lead as changed (e.g. it gained a corroborating partner) without changing its state. */
export function touchLead(h: Handle, id: number, now: number): void {
  h.update(leads)
    .set({ updatedAt: now, version: sql`${leads.version} + 1` })
    .where(eq(leads.id, id))
    .run();
}

export function setRoutingPost(h: Handle, leadId: number, channel: string, ts: string): void {
  h.update(leads).set({ routingPostChannel: channel, routingPostTs: ts }).where(eq(leads.id, leadId)).run();
}

export interface OpenLeadRef {
  id: number;
  partnerSlug: string;
  status: LeadStatus;
  createdAt: number;
}

export function leadsForDomain(h: Handle, domain: string): OpenLeadRef[] {
  return h
    .select({
      id: leads.id,
      partnerSlug: leads.partnerSlug,
      status: leads.status,
      createdAt: leads.createdAt,
    })
    .from(leads)
    .where(eq(leads.domain, domain))
    .orderBy(asc(leads.createdAt), asc(leads.id))
    .all();
}

export function corroborationsForDomain(
  h: Handle,
  domain: string,
): Array<{ leadId: number; partnerSlug: string }> {
  return h
    .select({ leadId: corroborations.leadId, partnerSlug: corroborations.partnerSlug })
    .from(corroborations)
    .innerJoin(leads, eq(leads.id, corroborations.leadId))
    .where(eq(leads.domain, domain))
    .all();
}

/** The corroborating partner's own (merged) lead on `leadId`, if that partner corroborated it. */
export function corroboratingLeadId(h: Handle, leadId: number, partnerSlug: string): number | null {
  const row = h
    .select({ id: corroborations.sourceLeadId })
    .from(corroborations)
    .where(and(eq(corroborations.leadId, leadId), eq(corroborations.partnerSlug, partnerSlug)))
    .get();
  return row?.id ?? null;
}

export function insertCorroboration(
  h: Handle,
  row: {
    leadId: number;
    partnerSlug: string;
    sourceLeadId: number;
    relationship: Relationship | null;
    createdAt: number;
  },
): void {
  h.insert(corroborations).values(row).onConflictDoNothing().run();
}

export function saveGateResults(h: Handle, leadId: number, gates: readonly GateResult[], at: number): void {
  for (const g of gates) {
    h.insert(gateResults)
      .values({
        leadId,
        gate: g.gate,
        outcome: g.outcome,
        reason: g.reason,
        details: g.details,
        evaluatedAt: at,
      })
      .onConflictDoUpdate({
        target: [gateResults.leadId, gateResults.gate],
        set: { outcome: g.outcome, reason: g.reason, details: g.details, evaluatedAt: at },
      })
      .run();
  }
}

export function insertAttestation(
  h: Handle,
  row: WarmthAttestation & {
    leadId: number;
    partnerSlug: string;
    attestedByUserId: string;
    contactEmail: string | null;
    createdAt: number;
  },
): void {
  h.insert(warmthAttestations).values(row).run();
}

export function latestAttestation(h: Handle, leadId: number): typeof warmthAttestations.$inferSelect | null {
  return (
    h
      .select()
      .from(warmthAttestations)
      .where(eq(warmthAttestations.leadId, leadId))
      .orderBy(desc(warmthAttestations.createdAt), desc(warmthAttestations.id))
      .get() ?? null
  );
}

export function appendEvent(h: Handle, e: LeadEventInput): number {
  const row = h
    .insert(leadEvents)
    .values({
      leadId: e.leadId,
      type: e.type,
      fromStatus: e.fromStatus ?? null,
      toStatus: e.toStatus ?? null,
      actorUserId: e.actorUserId ?? null,
      reason: e.reason ?? null,
      data: e.data ?? null,
      at: e.at,
    })
    .returning({ id: leadEvents.id })
    .get();
  if (!row) throw new Error('insert into lead_events returned no id');
  return row.id;
}

export function eventsForLead(h: Handle, leadId: number): Array<typeof leadEvents.$inferSelect> {
  return h.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.id)).all();
}

/** Queues Slack messages; a delivery key already queued is skipped, so a re-run never sends twice. */
export function enqueue(h: Handle, messages: readonly OutboxMessage[], now: number): void {
  for (const m of messages) {
    h.insert(outbox)
      .values({
        deliveryKey: m.deliveryKey,
        recipient: m.recipient,
        teamId: m.teamId ?? null,
        method: m.method,
        payload: m.payload,
        leadId: m.leadId ?? null,
        onSent: m.onSent ?? null,
        notBefore: m.notBefore ?? now,
        createdAt: now,
      })
      .onConflictDoNothing({ target: outbox.deliveryKey })
      .run();
  }
}

/** Advances a round-robin pool and returns the position to use now. */
export function takePoolPosition(h: Handle, key: string): number {
  const row = h
    .insert(poolCursors)
    .values({ poolKey: key, position: 1 })
    .onConflictDoUpdate({ target: poolCursors.poolKey, set: { position: sql`${poolCursors.position} + 1` } })
    .returning({ position: poolCursors.position })
    .get();
  return (row?.position ?? 1) - 1;
}

// ---------------------------------------------------------------- read model

export function getLeadView(
  h: Handle,
  id: number,
  reasonLabel?: (code: string) => string | null,
): LeadView | null {
  const lead = getLead(h, id);
  if (!lead) return null;
  return toLeadView(h, lead, reasonLabel);
}

export function toLeadView(
  h: Handle,
  lead: LeadRow,
  reasonLabel?: (code: string) => string | null,
): LeadView {
  const partner = getPartner(h, lead.partnerSlug);
  const gates = h.select().from(gateResults).where(eq(gateResults.leadId, lead.id)).all();
  gates.sort((a, b) => GATE_ORDER.indexOf(a.gate) - GATE_ORDER.indexOf(b.gate));
  const att = latestAttestation(h, lead.id);
  const corroborators = h
    .select({ slug: partnerOrgs.slug, name: partnerOrgs.name })
    .from(corroborations)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, corroborations.partnerSlug))
    .where(eq(corroborations.leadId, lead.id))
    .orderBy(asc(corroborations.createdAt))
    .all();
  return {
    id: lead.id,
    domain: lead.domain,
    accountName: lead.accountName,
    status: lead.status,
    partner: { slug: lead.partnerSlug, name: partner?.name ?? lead.partnerSlug },
    surfacedBy: lead.surfacedBy,
    submittedByUserId: lead.submittedByUserId,
    relationship: lead.relationship,
    overlapVerified: lead.overlapVerified,
    need: lead.need,
    notes: lead.notes,
    sourceMessageUrl: lead.sourceMessageUrl,
    icpScore: lead.icpScore,
    gates: gates.map((g) => ({ gate: g.gate, outcome: g.outcome, reason: g.reason, details: g.details })),
    warmth: att
      ? {
          strength: att.strength as WarmthAttestation['strength'],
          contactName: att.contactName,
          contactTitle: att.contactTitle,
          lastInteractionOn: att.lastInteractionOn,
          willingToIntroduce: att.willingToIntroduce,
          attestedByUserId: att.attestedByUserId,
          attestedAt: att.createdAt,
        }
      : null,
    corroborators,
    creditedPartner: lead.creditedPartnerSlug
      ? {
          slug: lead.creditedPartnerSlug,
          name: getPartner(h, lead.creditedPartnerSlug)?.name ?? lead.creditedPartnerSlug,
        }
      : null,
    attribution: lead.attribution,
    routeChannel: lead.routeChannel,
    routePool: lead.routePool ?? null,
    suggestedUserId: lead.suggestedUserId,
    ownerUserId: lead.ownerUserId,
    introStatus: lead.introStatus,
    reasonCode: lead.reasonCode,
    reasonLabel: lead.reasonCode ? (reasonLabel?.(lead.reasonCode) ?? lead.reasonCode) : null,
    reasonText: lead.reasonText,
    mergedIntoLeadId: lead.mergedIntoLeadId,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    claimedAt: lead.claimedAt,
    lastProgressAt: lead.lastProgressAt,
    version: lead.version,
  };
}

export interface LeadQuery {
  partnerSlug?: string;
  submittedByUserId?: string;
  ownerUserId?: string;
  domain?: string;
  statuses?: readonly LeadStatus[];
  limit?: number;
}

export function findLeads(h: Handle, q: LeadQuery): LeadRow[] {
  const conditions = [];
  if (q.partnerSlug) conditions.push(eq(leads.partnerSlug, q.partnerSlug));
  if (q.submittedByUserId) conditions.push(eq(leads.submittedByUserId, q.submittedByUserId));
  if (q.ownerUserId) conditions.push(eq(leads.ownerUserId, q.ownerUserId));
  if (q.domain) conditions.push(eq(leads.domain, q.domain));
  if (q.statuses) conditions.push(inArray(leads.status, [...q.statuses]));
  return h
    .select()
    .from(leads)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(leads.updatedAt), desc(leads.id))
    .limit(q.limit ?? 200)
    .all();
}

import { and, asc, type Column, desc, eq, getTableColumns, inArray, is, isNull, SQL, sql } from 'drizzle-orm';
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
import { corroboratorSignals } from './corroboration-store.ts';
import { applyPartners } from './import-store.ts';
import { laneOf } from './outbox-store.ts';
import { jsonOrNull, prepared } from './prepared.ts';

// The lead store: every read and write the use cases make, in one place, against a transaction handle.
// Use cases run inside `inTransaction`, whose callback is synchronous on purpose: better-sqlite3 commits
// when the callback returns, and an async callback would commit before its awaits ran.
// The queries a submission or a click runs are prepared once per connection (see prepared.ts); the ones
// whose shape varies per call (a lead's insert and guarded update, searches) are built each time.

const p = sql.placeholder;

export type { Tx } from '../connection.ts';
type Handle = Db;

export type LeadRow = typeof leads.$inferSelect;
export type NewLead = typeof leads.$inferInsert;
export type CrmAccountRow = typeof crmAccounts.$inferSelect;


const GATE_ORDER = ['overlap', 'warmth', 'fit', 'motion'] as const;

export interface OutboxMessage {
  deliveryKey: string;
  recipient: string;
  method: string;
  payload: Record<string, unknown>;
  /** The recipient's own team and Grid organisation, when the caller knows them better than `people` does. */
  teamId?: string | null;
  enterpriseId?: string | null;
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

const partnerBySlug = prepared((h) =>
  h
    .select()
    .from(partnerOrgs)
    .where(eq(partnerOrgs.slug, p('slug')))
    .prepare(),
);

export function getPartner(
  h: Handle,
  slug: string,
): (PartnerRef & { managerUserId: string; active: boolean }) | null {
  const row = partnerBySlug(h).get({ slug });
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
const partnerOfSlackId = prepared((h) =>
  h
    .select({ slug: partnerSlackIds.partnerSlug })
    .from(partnerSlackIds)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, partnerSlackIds.partnerSlug))
    .where(
      and(
        eq(partnerSlackIds.kind, p('kind')),
        eq(partnerSlackIds.slackId, p('slackId')),
        eq(partnerOrgs.active, true),
      ),
    )
    .prepare(),
);

export function partnerBySlackId(h: Handle, kind: 'team' | 'channel', slackId: string): string | null {
  return partnerOfSlackId(h).get({ kind, slackId })?.slug ?? null;
}

const slackIdsOfPartner = prepared((h) =>
  h
    .select({ id: partnerSlackIds.slackId })
    .from(partnerSlackIds)
    .where(and(eq(partnerSlackIds.kind, p('kind')), eq(partnerSlackIds.partnerSlug, p('slug'))))
    .prepare(),
);

export function partnerTeamIds(h: Handle, slug: string): string[] {
  return slackIdsOfPartner(h)
    .all({ kind: 'team', slug })
    .map((r) => r.id);
}

export function partnerChannels(h: Handle, slug: string): string[] {
  return slackIdsOfPartner(h)
    .all({ kind: 'channel', slug })
    .map((r) => r.id);
}

const rolesOfUser = prepared((h) =>
  h
    .select({ role: personRoles.role })
    .from(personRoles)
    .where(eq(personRoles.userId, p('userId')))
    .prepare(),
);

export function rolesOf(h: Handle, userId: string): Role[] {
  return rolesOfUser(h)
    .all({ userId })
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

const personById = prepared((h) =>
  h
    .select()
    .from(people)
    .where(eq(people.userId, p('userId')))
    .prepare(),
);

export function getPerson(h: Handle, userId: string): PersonRow | null {
  return personById(h).get({ userId }) ?? null;
}

const upsertPerson = prepared((h) =>
  h
    .insert(people)
    .values({
      userId: p('userId'),
      teamId: p('teamId'),
      enterpriseId: p('enterpriseId'),
      partnerSlug: p('partnerSlug'),
      firstSeenAt: p('firstSeenAt'),
    })
    .onConflictDoUpdate({
      target: people.userId,
      set: {
        // A request that did not say which workspace or organisation keeps what was recorded earlier.
        teamId: sql`coalesce(excluded.team_id, ${people.teamId})`,
        enterpriseId: sql`coalesce(excluded.enterprise_id, ${people.enterpriseId})`,
        partnerSlug: sql`excluded.partner_slug`,
      },
    })
    .returning({ primerSentAt: people.primerSentAt })
    .prepare(),
);

/** Records that we met someone; returns true the first time (callers send the primer then). */
export function touchPerson(
  h: Handle,
  person: { userId: string; teamId: string | null; enterpriseId?: string | null; partnerSlug: string | null },
  now: number,
): boolean {
  const inserted = upsertPerson(h).get({
    userId: person.userId,
    teamId: person.teamId,
    enterpriseId: person.enterpriseId ?? null,
    partnerSlug: person.partnerSlug,
    firstSeenAt: now,
  });
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

const crmAccountByDomain = prepared((h) =>
  h
    .select()
    .from(crmAccounts)
    // An account deleted or merged away in the CRM (section 11) is no longer an account the gates know.
    .where(and(eq(crmAccounts.domain, p('domain')), isNull(crmAccounts.crmDeletedAt)))
    .prepare(),
);

export function getCrmAccount(h: Handle, domain: string): CrmAccountRow | null {
  return crmAccountByDomain(h).get({ domain }) ?? null;
}

const overlapOf = prepared((h) =>
  h
    .select({ relationship: partnerOverlaps.relationship })
    .from(partnerOverlaps)
    .where(and(eq(partnerOverlaps.partnerSlug, p('partnerSlug')), eq(partnerOverlaps.domain, p('domain'))))
    .prepare(),
);

export function getOverlap(
  h: Handle,
  partnerSlug: string,
  domain: string,
): { relationship: Relationship } | null {
  return overlapOf(h).get({ partnerSlug, domain }) ?? null;
}

// ---------------------------------------------------------------- leads

/** Every column of `leads` but its id, by property name: the prepared insert sets them all. */
const LEAD_COLUMNS = Object.entries(getTableColumns(leads)).filter(([key]) => key !== 'id') as Array<
  [keyof NewLead, Column]
>;

/**
 * A lead column's value as drizzle would store it (its encoder for booleans and JSON, null as NULL). The
 * prepared lead statements take their values through `sql` placeholders, which skip the encoders.
 */
function leadParam(column: Column, value: unknown): unknown {
  return value == null ? null : column.mapToDriverValue(value);
}

const insertLeadRow = prepared((h) =>
  h
    .insert(leads)
    .values(Object.fromEntries(LEAD_COLUMNS.map(([key]) => [key, sql`${p(key)}`])) as unknown as NewLead)
    .returning({ id: leads.id })
    .prepare(),
);

export function insertLead(h: Handle, values: NewLead): number {
  const params: Record<string, unknown> = {};
  for (const [key, column] of LEAD_COLUMNS) {
    let value: unknown = values[key];
    if (value === undefined) {
      // What drizzle's insert would use for a column left out: its default (static in this schema), or NULL.
      const fallback = column.defaultFn ? column.defaultFn() : column.default;
      if (is(fallback, SQL)) throw new Error(`leads.${key}: SQL defaults are not supported by insertLead`);
      value = fallback;
    }
    params[key] = leadParam(column, value);
  }
  const row = insertLeadRow(h).get(params);
  if (!row) throw new Error('insert into leads returned no id');
  return row.id;
}

const leadById = prepared((h) =>
  h
    .select()
    .from(leads)
    .where(eq(leads.id, p('id')))
    .prepare(),
);

export function getLead(h: Handle, id: number): LeadRow | null {
  return leadById(h).get({ id }) ?? null;
}

type GuardedUpdate = ReturnType<ReturnType<typeof buildGuardedUpdate>['prepare']>;

function buildGuardedUpdate(h: Handle, keys: ReadonlyArray<keyof NewLead>, withVersion: boolean) {
  const set: Record<string, SQL> = { version: sql`${leads.version} + 1` };
  for (const key of keys) set[key] = sql`${p(key)}`;
  return h
    .update(leads)
    .set(set as Partial<NewLead>)
    .where(
      and(
        eq(leads.id, p('$id')),
        // The allowed statuses as a JSON array: one statement for any number of them.
        sql`${leads.status} in (select value from json_each(${p('$statuses')}))`,
        withVersion ? eq(leads.version, p('$version')) : undefined,
      ),
    );
}

/** One prepared update per shape (the columns a caller changes, with or without a version check). */
const guardedUpdates = prepared(() => new Map<string, GuardedUpdate>());

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
  // As drizzle's `set`, a key whose value is undefined is left unchanged; the version is always bumped.
  const keys = (Object.keys(patch) as Array<keyof NewLead>)
    .filter((k) => patch[k] !== undefined && k !== 'version')
    .sort();
  const withVersion = guard.version !== undefined;
  const shape = `${keys.join(',')}|${withVersion}`;
  const cache = guardedUpdates(h);
  let update = cache.get(shape);
  if (!update) {
    update = buildGuardedUpdate(h, keys, withVersion).prepare();
    cache.set(shape, update);
  }
  const columns = getTableColumns(leads);
  const params: Record<string, unknown> = {
    $id: id,
    $statuses: JSON.stringify(guard.fromStatuses),
    $version: guard.version ?? null,
  };
  for (const key of keys) params[key] = leadParam(columns[key], patch[key]);
  return update.run(params).changes === 1;
}

const touchLeadById = prepared((h) =>
  h
    .update(leads)
    .set({ updatedAt: sql`${p('now')}`, version: sql`${leads.version} + 1` })
    .where(eq(leads.id, p('id')))
    .prepare(),
);

/** Marks a lead as changed (e.g. it gained a corroborating partner) without changing its state. */
export function touchLead(h: Handle, id: number, now: number): void {
  touchLeadById(h).run({ id, now });
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

const leadRefsByDomain = prepared((h) =>
  h
    .select({
      id: leads.id,
      partnerSlug: leads.partnerSlug,
      status: leads.status,
      createdAt: leads.createdAt,
    })
    .from(leads)
    .where(eq(leads.domain, p('domain')))
    .orderBy(asc(leads.createdAt), asc(leads.id))
    .prepare(),
);

export function leadsForDomain(h: Handle, domain: string): OpenLeadRef[] {
  return leadRefsByDomain(h).all({ domain });
}

const corroborationsByDomain = prepared((h) =>
  h
    .select({ leadId: corroborations.leadId, partnerSlug: corroborations.partnerSlug })
    .from(corroborations)
    .innerJoin(leads, eq(leads.id, corroborations.leadId))
    .where(eq(leads.domain, p('domain')))
    .prepare(),
);

export function corroborationsForDomain(
  h: Handle,
  domain: string,
): Array<{ leadId: number; partnerSlug: string }> {
  return corroborationsByDomain(h).all({ domain });
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

const upsertGateResult = prepared((h) =>
  h
    .insert(gateResults)
    .values({
      leadId: p('leadId'),
      gate: p('gate'),
      outcome: p('outcome'),
      reason: p('reason'),
      details: p('details'),
      evaluatedAt: p('at'),
    })
    .onConflictDoUpdate({
      target: [gateResults.leadId, gateResults.gate],
      set: {
        outcome: sql`excluded.outcome`,
        reason: sql`excluded.reason`,
        details: sql`excluded.details`,
        evaluatedAt: sql`excluded.evaluated_at`,
      },
    })
    .prepare(),
);

export function saveGateResults(h: Handle, leadId: number, gates: readonly GateResult[], at: number): void {
  const upsert = upsertGateResult(h);
  for (const g of gates) {
    upsert.run({ leadId, gate: g.gate, outcome: g.outcome, reason: g.reason, details: g.details, at });
  }
}

const insertAttestationRow = prepared((h) =>
  h
    .insert(warmthAttestations)
    .values({
      leadId: p('leadId'),
      partnerSlug: p('partnerSlug'),
      attestedByUserId: p('attestedByUserId'),
      strength: p('strength'),
      contactName: p('contactName'),
      contactTitle: p('contactTitle'),
      contactEmail: p('contactEmail'),
      lastInteractionOn: p('lastInteractionOn'),
      willingToIntroduce: p('willingToIntroduce'),
      createdAt: p('createdAt'),
    })
    .prepare(),
);

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
  insertAttestationRow(h).run({
    leadId: row.leadId,
    partnerSlug: row.partnerSlug,
    attestedByUserId: row.attestedByUserId,
    strength: row.strength,
    contactName: row.contactName,
    contactTitle: row.contactTitle,
    contactEmail: row.contactEmail,
    lastInteractionOn: row.lastInteractionOn,
    willingToIntroduce: row.willingToIntroduce,
    createdAt: row.createdAt,
  });
}

const latestAttestationOf = prepared((h) =>
  h
    .select()
    .from(warmthAttestations)
    .where(eq(warmthAttestations.leadId, p('leadId')))
    .orderBy(desc(warmthAttestations.createdAt), desc(warmthAttestations.id))
    .limit(1)
    .prepare(),
);

export function latestAttestation(h: Handle, leadId: number): typeof warmthAttestations.$inferSelect | null {
  return latestAttestationOf(h).get({ leadId }) ?? null;
}

const insertEvent = prepared((h) =>
  h
    .insert(leadEvents)
    .values({
      leadId: p('leadId'),
      type: p('type'),
      fromStatus: p('fromStatus'),
      toStatus: p('toStatus'),
      actorUserId: p('actorUserId'),
      reason: p('reason'),
      // Encoded by the caller: the column's encoder would store a null as the JSON text 'null'.
      data: sql`${p('data')}`,
      at: p('at'),
    })
    .returning({ id: leadEvents.id })
    .prepare(),
);

export function appendEvent(h: Handle, e: LeadEventInput): number {
  const row = insertEvent(h).get({
    leadId: e.leadId,
    type: e.type,
    fromStatus: e.fromStatus ?? null,
    toStatus: e.toStatus ?? null,
    actorUserId: e.actorUserId ?? null,
    reason: e.reason ?? null,
    data: jsonOrNull(e.data),
    at: e.at,
  });
  if (!row) throw new Error('insert into lead_events returned no id');
  return row.id;
}

export function eventsForLead(h: Handle, leadId: number): Array<typeof leadEvents.$inferSelect> {
  return h.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.id)).all();
}

const insertOutboxRow = prepared((h) =>
  h
    .insert(outbox)
    .values({
      deliveryKey: p('deliveryKey'),
      recipient: p('recipient'),
      // The recipient's own workspace: given, or the one we know the person by (the sender delivers through it).
      teamId: sql`coalesce(${p('teamId')}, (select ${people.teamId} from ${people} where ${people.userId} = ${p('recipient')}))`,
      enterpriseId: sql`coalesce(${p('enterpriseId')}, (select ${people.enterpriseId} from ${people} where ${people.userId} = ${p('recipient')}))`,
      lane: p('lane'),
      method: p('method'),
      payload: p('payload'),
      leadId: p('leadId'),
      onSent: p('onSent'),
      notBefore: p('notBefore'),
      createdAt: p('createdAt'),
    })
    .onConflictDoNothing({ target: outbox.deliveryKey })
    .prepare(),
);

/** Queues Slack messages; a delivery key already queued is skipped, so a re-run never sends twice. */
export function enqueue(h: Handle, messages: readonly OutboxMessage[], now: number): void {
  const insert = insertOutboxRow(h);
  for (const m of messages) {
    insert.run({
      deliveryKey: m.deliveryKey,
      recipient: m.recipient,
      teamId: m.teamId ?? null,
      enterpriseId: m.enterpriseId ?? null,
      lane: laneOf(m),
      method: m.method,
      payload: m.payload,
      leadId: m.leadId ?? null,
      onSent: m.onSent ?? null,
      notBefore: m.notBefore ?? now,
      createdAt: now,
    });
  }
}

const advancePool = prepared((h) =>
  h
    .insert(poolCursors)
    .values({ poolKey: p('key'), position: 1 })
    .onConflictDoUpdate({ target: poolCursors.poolKey, set: { position: sql`${poolCursors.position} + 1` } })
    .returning({ position: poolCursors.position })
    .prepare(),
);

/** Advances a round-robin pool and returns the position to use now. */
export function takePoolPosition(h: Handle, key: string): number {
  const row = advancePool(h).get({ key });
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

const gatesOfLead = prepared((h) =>
  h
    .select()
    .from(gateResults)
    .where(eq(gateResults.leadId, p('leadId')))
    .prepare(),
);

const corroboratorsOfLead = prepared((h) =>
  h
    .select({ slug: partnerOrgs.slug, name: partnerOrgs.name })
    .from(corroborations)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, corroborations.partnerSlug))
    .where(eq(corroborations.leadId, p('leadId')))
    .orderBy(asc(corroborations.createdAt))
    .prepare(),
);

/** A stored attestation as the read model shows it (null when there is none). */
export function warmthView(att: typeof warmthAttestations.$inferSelect | null): LeadView['warmth'] {
  return att
    ? {
        strength: att.strength as WarmthAttestation['strength'],
        contactName: att.contactName,
        contactTitle: att.contactTitle,
        lastInteractionOn: att.lastInteractionOn,
        willingToIntroduce: att.willingToIntroduce,
        attestedByUserId: att.attestedByUserId,
        attestedAt: att.createdAt,
      }
    : null;
}

export function toLeadView(
  h: Handle,
  lead: LeadRow,
  reasonLabel?: (code: string) => string | null,
): LeadView {
  const partner = getPartner(h, lead.partnerSlug);
  const gates = gatesOfLead(h).all({ leadId: lead.id });
  gates.sort((a, b) => GATE_ORDER.indexOf(a.gate) - GATE_ORDER.indexOf(b.gate));
  const att = latestAttestation(h, lead.id);
  const corroborators = corroboratorsOfLead(h).all({ leadId: lead.id });
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
    warmth: warmthView(att),
    corroborators,
    ...(corroborators.length > 0 ? { corroboration: corroboratorSignals(h, lead.id) } : {}),
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
    crm:
      lead.crmOpportunityId || lead.crmLinkChoices?.length
        ? {
            opportunityId: lead.crmOpportunityId,
            opportunityName: lead.crmOpportunityName,
            stageId: lead.crmStage,
            amount: lead.opportunityAmount,
            currency: lead.opportunityCurrency,
            closeDate: lead.opportunityCloseDate,
            choices: lead.crmOpportunityId ? [] : (lead.crmLinkChoices ?? []),
          }
        : null,
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

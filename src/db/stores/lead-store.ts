import { and, asc, type Column, count, desc, eq, getTableColumns, inArray, is, SQL, sql } from 'drizzle-orm';
import { GATES, type GateResult, type LeadStatus, type LeadView } from '../../core/types.ts';
import { type Db, one } from '../connection.ts';
import { corroborations, gateResults, leadEvents, leads, partnerOrgs } from '../schema.ts';
import { latestAttestation, warmthView } from './attestation-store.ts';
import { corroboratorSignals } from './corroboration-store.ts';
import { jsonOrNull, type PortableQuery, prepared } from './prepared.ts';
import { getPartner } from './program-store.ts';

// The lead store: the lead aggregate (a lead row, its gate results and its audit events) and the lead read
// model. Every function takes a handle, the database or a `transaction()`'s; use cases pass the transaction's.
// The queries a submission or a click runs are prepared once per connection (see prepared.ts); searches,
// whose shape varies per call, are built each time.
// Partners, people and roles live in program-store, CRM accounts and overlaps in account-store, attestations
// in attestation-store, corroborations in corroboration-store, routing pools in pool-store (re-exported at
// the bottom until every import names its own store).

const p = sql.placeholder;

type Handle = Db;

export type LeadRow = typeof leads.$inferSelect;
export type NewLead = typeof leads.$inferInsert;

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

export async function insertLead(h: Handle, values: NewLead): Promise<number> {
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
  const row = await insertLeadRow(h).get(params);
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

export async function getLead(h: Handle, id: number): Promise<LeadRow | null> {
  return (await leadById(h).get({ id })) ?? null;
}

/**
 * The guarded update of one shape: the columns a caller changes, the number of statuses it accepts (one
 * placeholder each, so any engine can plan it) and whether it checks the version.
 */
function buildGuardedUpdate(
  h: Handle,
  keys: ReadonlyArray<keyof NewLead>,
  statuses: number,
  withVersion: boolean,
) {
  const set: Record<string, SQL> = { version: sql`${leads.version} + 1` };
  for (const key of keys) set[key] = sql`${p(key)}`;
  return h
    .update(leads)
    .set(set as Partial<NewLead>)
    .where(
      and(
        eq(leads.id, p('$id')),
        inArray(
          leads.status,
          Array.from({ length: statuses }, (_, i) => p(`$status${i}`)),
        ),
        withVersion ? eq(leads.version, p('$version')) : undefined,
      ),
    )
    .prepare();
}

/** One prepared query per shape; each is built once per connection (few shapes exist: one per use case). */
const guardedUpdates = new Map<string, (h: Handle) => PortableQuery<never>>();

/**
 * Updates a lead only if it is still in one of `fromStatuses` (and at `version`, when given), bumping its
 * version. Returns false when another writer got there first: the basis of first-click-wins. It is ONE
 * guarded UPDATE, so the check and the write are atomic on either engine (two instances racing for a claim:
 * one statement changes the row, the other changes nothing).
 */
export async function updateLeadIf(
  h: Handle,
  id: number,
  guard: { fromStatuses: readonly LeadStatus[]; version?: number },
  patch: Partial<NewLead>,
): Promise<boolean> {
  if (guard.fromStatuses.length === 0) return false;
  // As drizzle's `set`, a key whose value is undefined is left unchanged; the version is always bumped.
  const keys = (Object.keys(patch) as Array<keyof NewLead>)
    .filter((k) => patch[k] !== undefined && k !== 'version')
    .sort();
  const withVersion = guard.version !== undefined;
  const statuses = guard.fromStatuses.length;
  const shape = `${keys.join(',')}|${statuses}|${withVersion}`;
  let update = guardedUpdates.get(shape);
  if (!update) {
    update = prepared((h: Handle) => buildGuardedUpdate(h, keys, statuses, withVersion));
    guardedUpdates.set(shape, update);
  }
  const columns = getTableColumns(leads);
  const params: Record<string, unknown> = { $id: id, $version: guard.version ?? null };
  guard.fromStatuses.forEach((status, i) => {
    params[`$status${i}`] = status;
  });
  for (const key of keys) params[key] = leadParam(columns[key], patch[key]);
  return (await update(h).run(params)) === 1;
}

const touchLeadById = prepared((h) =>
  h
    .update(leads)
    .set({ updatedAt: sql`${p('now')}`, version: sql`${leads.version} + 1` })
    .where(eq(leads.id, p('id')))
    .prepare(),
);

/** Marks a lead as changed (e.g. it gained a corroborating partner) without changing its state. */
export async function touchLead(h: Handle, id: number, now: number): Promise<void> {
  await touchLeadById(h).run({ id, now });
}

export async function setRoutingPost(h: Handle, leadId: number, channel: string, ts: string): Promise<void> {
  await h.update(leads).set({ routingPostChannel: channel, routingPostTs: ts }).where(eq(leads.id, leadId));
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

export async function leadsForDomain(h: Handle, domain: string): Promise<OpenLeadRef[]> {
  return leadRefsByDomain(h).all({ domain });
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

export async function saveGateResults(
  h: Handle,
  leadId: number,
  gates: readonly GateResult[],
  at: number,
): Promise<void> {
  const upsert = upsertGateResult(h);
  for (const g of gates) {
    await upsert.run({ leadId, gate: g.gate, outcome: g.outcome, reason: g.reason, details: g.details, at });
  }
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

export async function appendEvent(h: Handle, e: LeadEventInput): Promise<number> {
  const row = await insertEvent(h).get({
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

export async function eventsForLead(
  h: Handle,
  leadId: number,
): Promise<Array<typeof leadEvents.$inferSelect>> {
  return h.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.id));
}

// ---------------------------------------------------------------- read model

export async function getLeadView(
  h: Handle,
  id: number,
  reasonLabel?: (code: string) => string | null,
): Promise<LeadView | null> {
  const lead = await getLead(h, id);
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

export async function toLeadView(
  h: Handle,
  lead: LeadRow,
  reasonLabel?: (code: string) => string | null,
): Promise<LeadView> {
  // One query after the other: the handle may be a transaction's, which runs one statement at a time.
  const partner = await getPartner(h, lead.partnerSlug);
  const gates = await gatesOfLead(h).all({ leadId: lead.id });
  gates.sort((a, b) => GATES.indexOf(a.gate) - GATES.indexOf(b.gate));
  const att = await latestAttestation(h, lead.id);
  const corroborators = await corroboratorsOfLead(h).all({ leadId: lead.id });
  const corroboration = corroborators.length > 0 ? await corroboratorSignals(h, lead.id) : null;
  const credited = lead.creditedPartnerSlug
    ? lead.creditedPartnerSlug === lead.partnerSlug
      ? partner
      : await getPartner(h, lead.creditedPartnerSlug)
    : null;
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
    ...(corroboration ? { corroboration } : {}),
    creditedPartner: lead.creditedPartnerSlug
      ? { slug: lead.creditedPartnerSlug, name: credited?.name ?? lead.creditedPartnerSlug }
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

export async function findLeads(h: Handle, q: LeadQuery): Promise<LeadRow[]> {
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
    .limit(q.limit ?? 200);
}

/** How many leads the database holds (a sample program goes only into an empty one). */
export async function leadCount(h: Db): Promise<number> {
  return (await one(h.select({ n: count() }).from(leads)))?.n ?? 0;
}

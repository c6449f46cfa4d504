import { and, desc, eq, inArray, like, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { OPEN_STATUSES } from '../../core/lifecycle.ts';
import type { Baseline, MetricLead } from '../../core/metrics.ts';
import type { GateName, GateOutcome, LeadStatus } from '../../core/types.ts';
import { affected, type Db, one, type Tx, transaction } from '../connection.ts';
import {
  baselines,
  gateResults,
  jobRuns,
  leadEvents,
  leads,
  outbox,
  partnerOrgs,
  people,
} from '../schema.ts';
import { rawRows } from './raw-sql.ts';

// What the scheduled jobs read and write: the run ledger, cached time zones, the lead facts that metrics
// and the SLA/expiry ladders are computed from, the latest imported baselines, and the reminder batches
// waiting in the outbox. Only drizzle code lives here; the rules are in src/core and src/jobs.

type Handle = Db | Tx;

const CHUNK = 500;

// ---------------------------------------------------------------- run ledger

/**
 * Takes `periodKey` for `job` in the run ledger: true the first time, false when it is already taken (a
 * re-run, or another instance got there first). Call it inside the transaction that queues the messages: only
 * the transaction whose insert commits runs the period, cluster-wide.
 *
 * On PostgreSQL two workers taking the same period at once: the second one's insert waits on the primary key
 * (job, period_key) until the first commits. If the first rolled back, the second inserts and runs. If it
 * committed, the second gets "taken" (false): at once under read committed, or, inside a serializable
 * transaction (the default of `transaction()`), as a serialization failure that `transaction()` runs again,
 * and the new attempt sees the key and gets false. Never an error, never two runs.
 */
export async function takePeriod(
  h: Handle,
  job: string,
  periodKey: string,
  now: number,
  result: Record<string, unknown> | null = null,
): Promise<boolean> {
  const res = await h
    .insert(jobRuns)
    .values({ job, periodKey, ranAt: now, result })
    .onConflictDoNothing({ target: [jobRuns.job, jobRuns.periodKey] });
  return affected(res) === 1;
}

/** The keys of `keys` already in the ledger for `job`. */
export async function takenPeriods(h: Handle, job: string, keys: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    if (chunk.length === 0) continue;
    for (const r of await h
      .select({ k: jobRuns.periodKey })
      .from(jobRuns)
      .where(and(eq(jobRuns.job, job), inArray(jobRuns.periodKey, chunk))))
      out.add(r.k);
  }
  return out;
}

export async function periodResult(
  h: Handle,
  job: string,
  periodKey: string,
): Promise<Record<string, unknown> | null> {
  const row = await one(
    h
      .select({ result: jobRuns.result })
      .from(jobRuns)
      .where(and(eq(jobRuns.job, job), eq(jobRuns.periodKey, periodKey))),
  );
  return row?.result ?? null;
}

export async function setPeriodResult(
  h: Handle,
  job: string,
  periodKey: string,
  result: Record<string, unknown>,
): Promise<void> {
  await h
    .update(jobRuns)
    .set({ result })
    .where(and(eq(jobRuns.job, job), eq(jobRuns.periodKey, periodKey)));
}

// ---------------------------------------------------------------- time zones (users.info cache)

export interface CachedTimeZone {
  timeZone: string | null;
  checkedAt: number | null;
}

export async function cachedTimeZones(
  h: Handle,
  userIds: readonly string[],
): Promise<Map<string, CachedTimeZone>> {
  const out = new Map<string, CachedTimeZone>();
  for (let i = 0; i < userIds.length; i += CHUNK) {
    const chunk = userIds.slice(i, i + CHUNK);
    if (chunk.length === 0) continue;
    for (const r of await h
      .select({ userId: people.userId, tz: people.timeZone, at: people.timeZoneCheckedAt })
      .from(people)
      .where(inArray(people.userId, chunk)))
      out.set(r.userId, { timeZone: r.tz, checkedAt: r.at });
  }
  return out;
}

/** Remembers what users.info said (null: Slack gave no usable zone), creating the person row if needed. */
export async function saveTimeZone(
  h: Handle,
  userId: string,
  timeZone: string | null,
  now: number,
): Promise<void> {
  await transaction(h, (tx) =>
    tx
      .insert(people)
      .values({ userId, timeZone, timeZoneCheckedAt: now, firstSeenAt: now })
      .onConflictDoUpdate({ target: people.userId, set: { timeZone, timeZoneCheckedAt: now } }),
  );
}

// ---------------------------------------------------------------- lead facts

/** One lead as metrics, the SLA ladder, expiry and the digest's lists need it (no Slack rendering data). */
export interface LeadFacts extends MetricLead {
  creditSlug: string;
  accountName: string;
  domain: string;
  ownerUserId: string | null;
  lastProgressAt: number;
  extensionDays: number;
  routingPostChannel: string | null;
  routingPostTs: string | null;
  reasonCode: string | null;
}

export interface LeadFactsQuery {
  /** Leads created at or after this instant. */
  since?: number;
  /** Leads created before this instant. */
  until?: number;
  /** Only leads credited to this partner (see `creditSlug`). */
  creditedTo?: string;
  /** Only leads in these statuses. */
  statuses?: readonly LeadStatus[];
}

/** Conversion counts towards the partner holding the credit: the first to register unless a leader moved it. */
const creditedSlug = sql<string>`coalesce(${leads.creditedPartnerSlug}, ${leads.partnerSlug})`;

/** The columns of a lead fact, each selected under its field name. */
const FACT_COLUMNS = {
  id: leads.id,
  partnerSlug: leads.partnerSlug,
  creditSlug: creditedSlug,
  status: leads.status,
  attribution: leads.attribution,
  createdAt: leads.createdAt,
  qualifiedAt: leads.qualifiedAt,
  claimedAt: leads.claimedAt,
  opportunityAt: leads.opportunityAt,
  closedAt: leads.closedAt,
  accountName: leads.accountName,
  domain: leads.domain,
  ownerUserId: leads.ownerUserId,
  lastProgressAt: leads.lastProgressAt,
  extensionDays: leads.extensionDays,
  routingPostChannel: leads.routingPostChannel,
  routingPostTs: leads.routingPostTs,
  reasonCode: leads.reasonCode,
  amount: leads.opportunityAmount,
  currency: leads.opportunityCurrency,
  crmCreatedAt: leads.crmOpportunityCreatedAt,
  crmClosedAt: leads.crmOpportunityClosedAt,
} satisfies Record<Exclude<keyof LeadFacts, 'gateOutcomes'>, SQLiteColumn | SQL>;

// Aliased to the field names, with `gateOutcomes` as a NULL column, so that SQLite hands back each row as the
// finished LeadFacts object. A digest loads hundreds of thousands of them; drizzle's typed select built each
// one three times (row array, mapped object, copy with gateOutcomes), which with its garbage was half the
// digest's time at 1M leads.
const FACT_SELECT = sql.join(
  [
    ...Object.entries(FACT_COLUMNS).map(([field, column]) => sql`${column} AS ${sql.identifier(field)}`),
    sql`NULL AS "gateOutcomes"`,
  ],
  sql`, `,
);

/**
 * Lead facts, oldest first, with the non-passing gate outcomes of candidates (the only leads whose gates the
 * metrics read: which gate candidates fail). Two queries, whatever the number of leads.
 */
export async function loadLeadFacts(h: Handle, q: LeadFactsQuery = {}): Promise<LeadFacts[]> {
  const conditions = [];
  if (q.since !== undefined) conditions.push(sql`${leads.createdAt} >= ${q.since}`);
  if (q.until !== undefined) conditions.push(sql`${leads.createdAt} < ${q.until}`);
  if (q.creditedTo) conditions.push(sql`${creditedSlug} = ${q.creditedTo}`);
  if (q.statuses) conditions.push(inArray(leads.status, [...q.statuses]));
  const where = conditions.length > 0 ? sql` WHERE ${and(...conditions)}` : sql``;
  const out = await rawRows<LeadFacts>(
    h,
    sql`SELECT ${FACT_SELECT} FROM ${leads}${where} ORDER BY ${leads.createdAt}, ${leads.id}`,
  );
  const candidates = new Map<number, LeadFacts>();
  for (const lead of out) if (lead.status === 'candidate') candidates.set(lead.id, lead);
  if (candidates.size === 0) return out;
  // By id, a chunk of ids per statement: only the candidates' few gate rows are read, instead of joining every
  // lead of the window to its four gates.
  const ids = [...candidates.keys()];
  const gates: Array<{ leadId: number; gate: GateName; outcome: GateOutcome }> = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    gates.push(
      ...(await h
        .select({ leadId: gateResults.leadId, gate: gateResults.gate, outcome: gateResults.outcome })
        .from(gateResults)
        .where(
          and(inArray(gateResults.leadId, ids.slice(i, i + CHUNK)), sql`${gateResults.outcome} != 'pass'`),
        )),
    );
  }
  for (const g of gates) {
    const lead = candidates.get(g.leadId);
    if (!lead) continue;
    const outcomes: Partial<Record<GateName, GateOutcome>> = lead.gateOutcomes ?? {};
    outcomes[g.gate] = g.outcome;
    lead.gateOutcomes = outcomes;
  }
  return out;
}

/** Open leads (awaiting attestation through opportunity): what the SLA and expiry jobs look at. */
export async function openLeadFacts(h: Handle): Promise<LeadFacts[]> {
  return loadLeadFacts(h, { statuses: OPEN_STATUSES });
}

/** The status a lead had before it last moved to `status` (from the audit log), or null. */
export async function statusBefore(
  h: Handle,
  leadId: number,
  status: LeadStatus,
): Promise<LeadStatus | null> {
  const row = await one(
    h
      .select({ s: leadEvents.fromStatus })
      .from(leadEvents)
      .where(
        and(
          eq(leadEvents.leadId, leadId),
          eq(leadEvents.type, 'transition'),
          eq(leadEvents.toStatus, status),
        ),
      )
      .orderBy(desc(leadEvents.id))
      .limit(1),
  );
  return row?.s ?? null;
}

/** The latest event of one of `types` for a lead, or null. */
export async function latestEvent(
  h: Handle,
  leadId: number,
  types: readonly string[],
): Promise<{ id: number; type: string; actorUserId: string | null; at: number } | null> {
  if (types.length === 0) return null;
  return (
    (await one(
      h
        .select({
          id: leadEvents.id,
          type: leadEvents.type,
          actorUserId: leadEvents.actorUserId,
          at: leadEvents.at,
        })
        .from(leadEvents)
        .where(and(eq(leadEvents.leadId, leadId), inArray(leadEvents.type, [...types])))
        .orderBy(desc(leadEvents.id))
        .limit(1),
    )) ?? null
  );
}

// ---------------------------------------------------------------- partners and baselines

export async function partnerNames(h: Handle): Promise<Map<string, string>> {
  const rows = await h.select({ slug: partnerOrgs.slug, name: partnerOrgs.name }).from(partnerOrgs);
  return new Map(rows.map((p) => [p.slug, p.name]));
}

/** When a baseline period (`YYYY`, `YYYY-Qn`, `YYYY-MM`) ends, as a comparable number (months since year 0). */
function periodEnd(period: string): number {
  const y = Number(period.slice(0, 4));
  const q = /^\d{4}-Q([1-4])$/.exec(period);
  if (q) return y * 12 + Number(q[1]) * 3;
  const m = /^\d{4}-(\d{2})$/.exec(period);
  if (m) return y * 12 + Number(m[1]);
  return y * 12 + 12;
}

/** The most recent imported period of each lead type, as baselines to compare EQLs with. */
export async function latestImportedBaselines(h: Handle): Promise<Array<Baseline & { period: string }>> {
  const rows = await h.select().from(baselines);
  const best = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const prev = best.get(r.leadType);
    if (
      !prev ||
      periodEnd(r.period) > periodEnd(prev.period) ||
      (periodEnd(r.period) === periodEnd(prev.period) && r.period.length > prev.period.length)
    )
      best.set(r.leadType, r);
  }
  return [...best.values()]
    .sort((a, b) => (a.leadType < b.leadType ? -1 : 1))
    .map((r) => ({
      leadType: r.leadType,
      opportunityRate: r.opportunityRate,
      winRate: r.winRate,
      avgDealSize: r.avgDealSize,
      currency: r.currency,
      daysToOpportunity: r.daysToOpportunity,
      daysToClose: r.daysToClose,
      period: r.period,
    }));
}

// ---------------------------------------------------------------- reminder batches in the outbox

export const REMINDER_KEY_PREFIX = 'reminders:';

/**
 * The reminder batch to `recipient` still waiting to go out after `after` (quiet hours, or the hourly
 * spacing), which new reminders can join instead of becoming a message of their own.
 */
export async function waitingReminderBatch(
  h: Handle,
  recipient: string,
  after: number,
): Promise<{ id: number; deliveryKey: string; notBefore: number } | null> {
  return (
    (await one(
      h
        .select({ id: outbox.id, deliveryKey: outbox.deliveryKey, notBefore: outbox.notBefore })
        .from(outbox)
        .where(
          and(
            eq(outbox.recipient, recipient),
            eq(outbox.status, 'pending'),
            eq(outbox.attempts, 0),
            like(outbox.deliveryKey, `${REMINDER_KEY_PREFIX}%`),
            sql`${outbox.notBefore} > ${after}`,
          ),
        )
        .orderBy(desc(outbox.notBefore), desc(outbox.id))
        .limit(1),
    )) ?? null
  );
}

/** When the latest reminder batch to `recipient` was (or will be) sent, or null. */
export async function lastReminderBatchAt(h: Handle, recipient: string): Promise<number | null> {
  const row = await one(
    h
      .select({ t: sql<number | null>`max(${outbox.notBefore})` })
      .from(outbox)
      .where(
        and(
          eq(outbox.recipient, recipient),
          sql`${outbox.status} != 'failed'`,
          like(outbox.deliveryKey, `${REMINDER_KEY_PREFIX}%`),
        ),
      ),
  );
  return row?.t == null ? null : Number(row.t);
}

export async function replaceOutboxPayload(
  h: Handle,
  id: number,
  payload: Record<string, unknown>,
): Promise<void> {
  await h
    .update(outbox)
    .set({ payload })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'pending')));
}

/** Whether `job` has any key in the ledger (the scheduler's first start on a database has none). */
export async function hasAnyPeriod(h: Handle, job: string): Promise<boolean> {
  return (
    (await one(h.select({ k: jobRuns.periodKey }).from(jobRuns).where(eq(jobRuns.job, job)).limit(1))) !==
    undefined
  );
}

import { desc, type SQL, sql } from 'drizzle-orm';
import {
  EMPLOYEE_BANDS,
  ICP_BANDS,
  RECENCY_BANDS,
  type SegmentCell,
  type SignalCell,
  type SignalLevels,
  UNKNOWN,
} from '../../core/calibration.ts';
import { EQL_STATUSES, OPEN_EQL_STATUSES } from '../../core/lifecycle.ts';
import type { LeadStatus } from '../../core/types.ts';
import { type Db, type EngineKind, engineKind, one, type Tx } from '../connection.ts';
import { eqlModels } from '../schema.ts';
import { rawRow, rawRows } from './raw-sql.ts';

// What the learning loop reads (PRODUCT.md section 12): judged EQLs grouped by their signal levels and by
// partner × segment, in SQL (one GROUP BY each, whatever the number of leads), the partners' need texts,
// and the EQL score's fits. The band edges come from src/core/calibration.ts, so the SQL and the core band
// a value the same way.

type Handle = Db | Tx;

const DAY = 86_400_000;

export interface PopulationQuery {
  now: number;
  /** Open EQLs created at least this many days before `now` are judged too. */
  matureDays: number;
  includeDisqualified: boolean;
  includeExpired: boolean;
  /** Only EQLs created at or after this instant. */
  since?: number;
}

const OPEN_EQL = OPEN_EQL_STATUSES;

const list = (values: readonly string[]) =>
  sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', '));

/**
 * The population: EQLs (reached qualified by timestamp or status, as src/core/metrics.ts `reachOf` reads them)
 * whose outcome is known (won or lost; disqualified and expired as configured), plus open EQLs old enough to
 * judge. Merged duplicates are never in it.
 */
function populationWhere(q: PopulationQuery): SQL {
  const closed: LeadStatus[] = ['won', 'lost'];
  if (q.includeDisqualified) closed.push('disqualified');
  if (q.includeExpired) closed.push('expired');
  const isEql = sql`(l.qualified_at IS NOT NULL OR l.claimed_at IS NOT NULL OR l.opportunity_at IS NOT NULL OR l.status IN (${list(EQL_STATUSES)}))`;
  const judged = sql`(l.status IN (${list(closed)}) OR (l.status IN (${list(OPEN_EQL)}) AND l.created_at <= ${q.now - q.matureDays * DAY}))`;
  const since = q.since !== undefined ? sql` AND l.created_at >= ${q.since}` : sql``;
  return sql`l.status != 'merged' AND ${isEql} AND ${judged}${since}`;
}

function bandCase(
  expr: SQL,
  bands: ReadonlyArray<readonly [string, number, number]>,
  inclusive: boolean,
): SQL {
  const arms = bands.map(([label, lo, hi]) =>
    Number.isFinite(hi)
      ? sql` WHEN (${expr}) >= ${sql.raw(String(lo))} AND (${expr}) ${sql.raw(inclusive ? '<=' : '<')} ${sql.raw(String(hi))} THEN '${sql.raw(label)}'`
      : sql` WHEN (${expr}) >= ${sql.raw(String(lo))} THEN '${sql.raw(label)}'`,
  );
  return sql`(CASE WHEN (${expr}) IS NULL THEN '${sql.raw(UNKNOWN)}'${sql.join(arms, sql``)} ELSE '${sql.raw(UNKNOWN)}' END)`;
}

/**
 * The judged population with each lead's raw signals and segment, computed once per lead: the latest
 * attestation, the CRM account, the number of corroborating partners. The queries below band and group it.
 */
function population(kind: EngineKind, q: PopulationQuery, extra: SQL = sql``): SQL {
  return sql`
    SELECT w.strength AS strength, l.relationship AS relationship, w.id AS attested,
           w.willing_to_introduce AS willing, ${DAYS[kind]} AS days,
           ${ICP_SCORE[kind]} AS icp, l.overlap_verified AS verified, coalesce(cc.n, 0) AS corroborators,
           coalesce(l.credited_partner_slug, l.partner_slug) AS partner,
           coalesce(a.industry, l.partner_industry) AS industry, coalesce(a.country, l.partner_country) AS country,
           coalesce(a.employees, l.partner_employees) AS employees,
           CASE WHEN l.status IN ('opportunity', 'won') OR l.opportunity_at IS NOT NULL THEN 1 ELSE 0 END AS opp,
           CASE WHEN l.status = 'won' THEN 1 ELSE 0 END AS won${extra}
    FROM leads l
    LEFT JOIN (SELECT lead_id, max(id) AS id FROM warmth_attestations GROUP BY lead_id) lw ON lw.lead_id = l.id
    LEFT JOIN warmth_attestations w ON w.id = lw.id
    LEFT JOIN crm_accounts a ON a.domain = l.domain
    LEFT JOIN (SELECT lead_id, count(*) AS n FROM corroborations GROUP BY lead_id) cc ON cc.lead_id = l.id
    WHERE ${populationWhere(q)}`;
}

/**
 * Whole days from the last interaction (a `YYYY-MM-DD` text) to the UTC day the lead was created: the one
 * calculation the engines spell differently. A value that is not a date is unknown on both.
 */
const DAYS: Record<EngineKind, SQL> = {
  sqlite: sql.raw(
    `CAST(julianday(date(l.created_at / 1000, 'unixepoch')) - julianday(w.last_interaction_on) AS INTEGER)`,
  ),
  postgres: sql.raw(
    `(CASE WHEN w.last_interaction_on ~ '^d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]d|3[01])$'
       THEN (to_timestamp(l.created_at / 1000) AT TIME ZONE 'UTC')::date - to_date(w.last_interaction_on, 'YYYY-MM-DD')
     END)`,
  ),
};

/** The ICP score truncated to an integer (SQLite's CAST truncates; PostgreSQL's rounds). */
const ICP_SCORE: Record<EngineKind, SQL> = {
  sqlite: sql.raw('CAST(l.icp_score AS INTEGER)'),
  postgres: sql.raw('CAST(trunc(l.icp_score) AS INTEGER)'),
};

const U = sql.raw(`'${UNKNOWN}'`);
const STRENGTH = sql`(CASE WHEN strength BETWEEN 1 AND 5 THEN CAST(strength AS TEXT) ELSE ${U} END)`;
const RELATIONSHIP = sql`coalesce(relationship, ${U})`;
const WILLING = sql`(CASE WHEN attested IS NULL THEN ${U} WHEN willing THEN 'yes' ELSE 'no' END)`;
const RECENCY = bandCase(sql.raw('days'), RECENCY_BANDS, true);
const ICP = bandCase(sql.raw('icp'), ICP_BANDS, false);
const OVERLAP = sql`(CASE WHEN verified THEN 'verified' ELSE 'attested' END)`;
const CORROBORATION = sql`(CASE corroborators WHEN 0 THEN '0' WHEN 1 THEN '1' ELSE '2+' END)`;
const INDUSTRY = sql`coalesce(lower(trim(industry)), ${U})`;
const COUNTRY = sql`coalesce(upper(trim(country)), ${U})`;
const EMPLOYEES = bandCase(sql.raw('employees'), EMPLOYEE_BANDS, true);

interface SignalRow {
  strength: string;
  relationship: string;
  willing: string;
  recency: string;
  icp: string;
  overlap: string;
  corroboration: string;
  train: number;
  n: number;
  opportunity: number;
  won: number;
}

/**
 * Judged EQLs grouped by signal levels. With `splitAt`, each cell is also split by `created_at < splitAt`
 * (the older leads are the training part of the score's time-ordered evaluation).
 */
export async function signalCells(
  h: Handle,
  q: PopulationQuery & { splitAt?: number | null },
): Promise<SignalCell[]> {
  const train = q.splitAt != null ? sql`(CASE WHEN l.created_at < ${q.splitAt} THEN 1 ELSE 0 END)` : sql`1`;
  const rows = await rawRows<SignalRow>(
    h,
    sql`
    SELECT ${STRENGTH} AS strength, ${RELATIONSHIP} AS relationship, ${WILLING} AS willing, ${RECENCY} AS recency,
           ${ICP} AS icp, ${OVERLAP} AS overlap, ${CORROBORATION} AS corroboration, train,
           count(*) AS n, sum(opp) AS opportunity, sum(won) AS won
    FROM (${population(engineKind(h), q, sql`, ${train} AS train`)}) AS pop
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
  );
  return rows.map((r) => {
    const levels: SignalLevels = {
      strength: r.strength,
      relationship: r.relationship,
      willing: r.willing,
      recency: r.recency,
      icp: r.icp,
      overlap: r.overlap,
      corroboration: r.corroboration,
    };
    const cell: SignalCell = {
      levels,
      n: Number(r.n),
      opportunity: Number(r.opportunity),
      won: Number(r.won),
    };
    if (q.splitAt != null) cell.train = Number(r.train) === 1;
    return cell;
  });
}

/** Judged EQLs grouped by the partner holding the credit × industry × country × employee band. */
export async function segmentCells(h: Handle, q: PopulationQuery): Promise<SegmentCell[]> {
  const rows = await rawRows<SegmentCell>(
    h,
    sql`
    SELECT partner AS "partnerSlug", ${INDUSTRY} AS industry, ${COUNTRY} AS country, ${EMPLOYEES} AS employees,
           count(*) AS n, sum(opp) AS opportunity, sum(won) AS won
    FROM (${population(engineKind(h), q)}) AS pop
    GROUP BY 1, 2, 3, 4`,
  );
  // PostgreSQL's sum of a bigint is a numeric (a string in pg): numbers on both engines.
  return rows.map((r) => ({ ...r, n: Number(r.n), opportunity: Number(r.opportunity), won: Number(r.won) }));
}

/**
 * The creation time splitting the judged EQLs into the older `1 − holdoutShare` and the newest `holdoutShare`:
 * the start of the first UTC day by which the older share is reached (a split on a day boundary, from one
 * GROUP BY by day, so it stays linear in the number of leads). Null when there are fewer than two judged EQLs
 * or they were all created on one day.
 */
export async function splitPoint(
  h: Handle,
  q: PopulationQuery,
  holdoutShare: number,
): Promise<number | null> {
  const days = (
    await rawRows<{ day: number; n: number }>(
      h,
      sql`SELECT l.created_at / ${sql.raw(String(DAY))} AS day, count(*) AS n FROM leads l WHERE ${populationWhere(q)} GROUP BY 1 ORDER BY 1`,
    )
  ).map((d) => ({ day: Number(d.day), n: Number(d.n) }));
  const total = days.reduce((s, d) => s + d.n, 0);
  if (total < 2 || days.length < 2) return null;
  const target = total * (1 - holdoutShare);
  let seen = 0;
  for (let i = 0; i < days.length; i++) {
    seen += days[i]!.n;
    if (seen >= target) return days[Math.min(i + 1, days.length - 1)]!.day * DAY;
  }
  return days.at(-1)!.day * DAY;
}

// ---------------------------------------------------------------- need texts (product input)

export interface NeedRow {
  id: number;
  need: string;
  industry: string;
  createdAt: number;
  contactName: string | null;
}

/** Every lead's need text submitted in [since, until), with its industry and the attested contact's name. */
export async function needRows(h: Handle, q: { since: number; until: number }): Promise<NeedRow[]> {
  return rawRows<NeedRow>(
    h,
    sql`
    SELECT l.id AS id, l.need AS need,
           coalesce(lower(trim(coalesce(a.industry, l.partner_industry))), ${U}) AS industry,
           l.created_at AS "createdAt", w.contact_name AS "contactName"
    FROM leads l
    LEFT JOIN (SELECT lead_id, max(id) AS id FROM warmth_attestations GROUP BY lead_id) lw ON lw.lead_id = l.id
    LEFT JOIN warmth_attestations w ON w.id = lw.id
    LEFT JOIN crm_accounts a ON a.domain = l.domain
    WHERE l.need IS NOT NULL AND trim(l.need) != '' AND l.status != 'merged'
      AND l.created_at >= ${q.since} AND l.created_at < ${q.until}
    ORDER BY l.created_at, l.id`,
  );
}

/** Firmographics of an account for the "which partner to ask" hint: CRM first, then a lead's partner values. */
export async function accountSegment(
  h: Handle,
  domain: string,
): Promise<{ industry: string | null; country: string | null; employees: number | null } | null> {
  const row = await rawRow<{ industry: string | null; country: string | null; employees: number | null }>(
    h,
    sql`
      SELECT coalesce(a.industry, l.partner_industry) AS industry, coalesce(a.country, l.partner_country) AS country,
             coalesce(a.employees, l.partner_employees) AS employees
      FROM (SELECT cast(${domain} as text) AS domain) d
      LEFT JOIN crm_accounts a ON a.domain = d.domain
      LEFT JOIN leads l ON l.domain = d.domain
      ORDER BY l.id DESC LIMIT 1`,
  );
  return row ?? null;
}

// ---------------------------------------------------------------- the score's fits

export type EqlModelRow = typeof eqlModels.$inferSelect;
export type NewEqlModel = typeof eqlModels.$inferInsert;

export async function saveModel(h: Handle, row: NewEqlModel): Promise<number> {
  const saved = await one(h.insert(eqlModels).values(row).returning({ id: eqlModels.id }));
  return Number(saved?.id);
}

export async function latestModel(h: Handle): Promise<EqlModelRow | null> {
  return (
    (await one(h.select().from(eqlModels).orderBy(desc(eqlModels.fittedAt), desc(eqlModels.id)).limit(1))) ??
    null
  );
}

/** The newest fit's score columns only (no held-out tables, no segment cells): what every routing post reads. */
export async function latestScoreRow(
  h: Handle,
): Promise<Pick<EqlModelRow, 'id' | 'use' | 'prior' | 'model'> | null> {
  return (
    (await one(
      h
        .select({ id: eqlModels.id, use: eqlModels.use, prior: eqlModels.prior, model: eqlModels.model })
        .from(eqlModels)
        .orderBy(desc(eqlModels.fittedAt), desc(eqlModels.id))
        .limit(1),
    )) ?? null
  );
}

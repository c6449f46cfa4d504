// Storage side of the CSV imports (PRODUCT.md section 8). The importers in src/imports/ validate rows and hand
// them here; this is the only import code that touches the database.
//
// How an import is written, so that memory stays flat for a million rows, a bad file changes nothing, and the
// running bot is never locked out (PRODUCT.md section 10: a submission is acknowledged well inside Slack's 3 s):
//  1. Validated rows are appended to a connection-private TEMP staging table in small batches while the file
//     streams (temp tables live in SQLite's temp file, not the JS heap, and are invisible to other
//     connections; writing them takes no lock on the main database).
//  2. `finish()` resolves keys repeated within the file (the later row wins) and reports each repeat. Nothing
//     has been written yet: a file with a rejected row (without --skip-invalid) stops here, all or nothing.
//  3. `apply(now)` writes the target table from the stage in short IMMEDIATE transactions (about BATCH_TARGET_MS
//     each, sized from the previous batch), pausing as long between them, so a submission waiting for the write
//     lock gets it within milliseconds instead of after the whole file (2.6 s for a million rows, measured).
//     Each batch is an INSERT … SELECT … ON CONFLICT DO UPDATE whose update only fires when some value differs;
//     re-importing the same file therefore changes nothing: inserted 0, updated 0, every row counted as
//     unchanged, and the rows' `imported_at` stays the time their values last changed. For accounts, only the
//     columns the file has are updated on existing rows (a file without an Employees column keeps the
//     employee counts).
//  While batches are written the import is visible in `import_runs` (`applying`, rows applied of total). A
//  process killed half-way leaves it `applying`; the next import marks it `interrupted` and says so: the rows
//  written so far are whole rows, and running the same import again completes it (it is idempotent).

import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { CrmAccount, Relationship } from '../../core/types.ts';
import type { Db } from '../connection.ts';
import { baselines, crmAccounts, importRuns, partnerOrgs, partnerOverlaps } from '../schema.ts';

export type AccountImportRow = CrmAccount;

export interface OverlapImportRow {
  domain: string;
  relationship: Relationship;
}

export interface BaselineImportRow {
  leadType: string;
  /** `YYYY`, `YYYY-Qn` or `YYYY-MM`. */
  period: string;
  leads: number | null;
  opportunities: number | null;
  won: number | null;
  opportunityRate: number;
  winRate: number;
  avgDealSize: number | null;
  currency: string | null;
  daysToOpportunity: number | null;
  daysToClose: number | null;
}

export interface ImportCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Notes for the operator (an earlier import that was interrupted half-way). */
  notes: string[];
}

export interface ApplyProgress {
  applied: number;
  total: number;
}

/** A row whose key repeats an earlier row of the same file; the later row wins. */
export interface DuplicateKey {
  row: number;
  previousRow: number;
  key: string;
}

export interface ImportStage<Row> {
  /** Stages one validated row; `line` is its line number in the file (unique per row). */
  add(line: number, row: Row): void;
  /** Flushes, keeps only the last row per key and returns the repeats, in file order. */
  finish(): DuplicateKey[];
  /**
   * Writes the staged rows to the target table in short batches (see the top of this file). Call `finish()`
   * first. `present` names the row fields the file had a column for: an existing row's other fields are left as
   * they are (so a file without, say, an Employees column does not erase employee counts imported earlier).
   */
  apply(
    now: number,
    present: ReadonlySet<string>,
    onProgress?: (progress: ApplyProgress) => void,
  ): Promise<ImportCounts>;
  /** Drops the staging table. Safe to call more than once. */
  dispose(): void;
}

type Cell = string | number | null;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

interface StageDef<Row> {
  /** What `import_runs` calls this import. */
  kind: string;
  /** Staging columns after `line` and `key`, named as in the target table. */
  columns: ReadonlyArray<{ name: string; type: 'TEXT' | 'INTEGER' | 'REAL' }>;
  key(row: Row): string;
  /** Writes the row's staging columns (after `line` and `key`) into `out` from index `at`. */
  write(row: Row, out: Cell[], at: number): void;
  /** Counts rows of the stage `s` that have no row yet in the target table. */
  countNew(stage: SQL): SQL;
  upsert(tx: Tx, stage: SQL, now: number, present: ReadonlySet<string>): { changes: number };
}

const BATCH_SIZE = 2000;
const ROWS_PER_STATEMENT = 50;

/** How long one write batch of `apply` aims to hold the write lock, and the least pause after it. */
export const BATCH_TARGET_MS = 10;
const MIN_BATCH_ROWS = 100;
const MAX_BATCH_ROWS = 50_000;
/** An `applying` import not updated for this long, or whose process is gone, was interrupted. */
const STALE_AFTER_MS = 10 * 60_000;
let stageCounter = 0;

function createStage<Row>(db: Db, def: StageDef<Row>): ImportStage<Row> {
  const client = db.$client;
  stageCounter += 1;
  const name = `_import_stage_${process.pid}_${stageCounter}`;
  const stage = sql`${sql.identifier(name)}`;
  const cols = def.columns.map((c) => `"${c.name}" ${c.type}`).join(', ');
  client.exec(`DROP TABLE IF EXISTS temp."${name}"`);
  client.exec(`CREATE TEMP TABLE "${name}" (line INTEGER PRIMARY KEY, key TEXT NOT NULL, ${cols})`);
  const width = 2 + def.columns.length;
  const placeholders = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  const insertOne = client.prepare(`INSERT INTO temp."${name}" VALUES ${placeholders}`);
  // Multi-row VALUES: far fewer statement executions than one INSERT per row.
  const insertChunk = client.prepare(
    `INSERT INTO temp."${name}" VALUES ${Array.from({ length: ROWS_PER_STATEMENT }, () => placeholders).join(', ')}`,
  );
  // Rows are written straight into the parameter arrays of the chunk statements, preallocated once: no array
  // per row and no slicing or flattening per chunk (together a third of an import's time in the profile).
  const CHUNKS = BATCH_SIZE / ROWS_PER_STATEMENT;
  const chunks: Cell[][] = Array.from({ length: CHUNKS }, () =>
    new Array<Cell>(ROWS_PER_STATEMENT * width).fill(null),
  );
  const one = new Array<Cell>(width).fill(null);
  let buffered = 0;
  const insertBuffered = client.transaction((rows: number) => {
    const full = Math.floor(rows / ROWS_PER_STATEMENT);
    for (let c = 0; c < full; c += 1) insertChunk.run(chunks[c]!);
    // The rows of a last, partial chunk (only at the end of the file) one by one.
    for (let r = full * ROWS_PER_STATEMENT; r < rows; r += 1) {
      const chunk = chunks[full]!;
      const from = (r - full * ROWS_PER_STATEMENT) * width;
      for (let i = 0; i < width; i += 1) one[i] = chunk[from + i]!;
      insertOne.run(one);
    }
  });
  let finished = false;
  let disposed = false;

  const flush = () => {
    if (buffered === 0) return;
    insertBuffered(buffered);
    buffered = 0;
  };

  return {
    add(line, row) {
      if (finished) throw new Error('import stage already finished');
      const chunk = chunks[Math.floor(buffered / ROWS_PER_STATEMENT)]!;
      const at = (buffered % ROWS_PER_STATEMENT) * width;
      chunk[at] = line;
      chunk[at + 1] = def.key(row);
      def.write(row, chunk, at + 2);
      buffered += 1;
      if (buffered === BATCH_SIZE) flush();
    },
    finish() {
      flush();
      finished = true;
      client.exec(`CREATE INDEX temp."${name}_key" ON "${name}" (key, line)`);
      const duplicates = client
        .prepare(
          `SELECT s.line AS row, s.key AS key,
             (SELECT max(p.line) FROM temp."${name}" p WHERE p.key = s.key AND p.line < s.line) AS previousRow
           FROM temp."${name}" s
           WHERE EXISTS (SELECT 1 FROM temp."${name}" p WHERE p.key = s.key AND p.line < s.line)
           ORDER BY s.line`,
        )
        .all() as DuplicateKey[];
      if (duplicates.length > 0) {
        client.exec(
          `DELETE FROM temp."${name}" AS s
           WHERE EXISTS (SELECT 1 FROM temp."${name}" p WHERE p.key = s.key AND p.line > s.line)`,
        );
      }
      return duplicates;
    },
    async apply(now, present, onProgress) {
      if (!finished) throw new Error('call finish() before apply()');
      const notes = markInterruptedImports(db, now);
      const total = client.prepare(`SELECT count(*) AS n FROM temp."${name}"`).get() as { n: number };
      const run = db
        .insert(importRuns)
        .values({
          kind: def.kind,
          status: 'applying',
          rowsTotal: total.n,
          rowsApplied: 0,
          pid: process.pid,
          host: hostname(),
          startedAt: now,
          updatedAt: now,
        })
        .returning({ id: importRuns.id })
        .get();
      const counts = { inserted: 0, updated: 0, unchanged: 0 };
      const nextLine = client.prepare(
        `SELECT max(line) AS hi, count(*) AS n FROM (SELECT line FROM temp."${name}" WHERE line > ? ORDER BY line LIMIT ?)`,
      );
      let after = 0;
      let applied = 0;
      let batchRows = 1000;
      for (;;) {
        const next = nextLine.get(after, batchRows) as { hi: number | null; n: number };
        if (next.hi === null) break;
        const hi = next.hi;
        const batch = sql`(SELECT * FROM ${stage} WHERE line > ${after} AND line <= ${hi})`;
        const started = performance.now();
        db.transaction(
          (tx) => {
            const inserted = tx.get<{ n: number }>(def.countNew(batch))?.n ?? 0;
            const { changes } = def.upsert(tx, batch, now, present);
            counts.inserted += inserted;
            counts.updated += changes - inserted;
            counts.unchanged += next.n - changes;
            applied += next.n;
            tx.update(importRuns)
              .set({ rowsApplied: applied, updatedAt: Date.now() })
              .where(eq(importRuns.id, run.id))
              .run();
          },
          { behavior: 'immediate' },
        );
        const ms = performance.now() - started;
        after = hi;
        onProgress?.({ applied, total: total.n });
        // Size the next batch to hold the lock about BATCH_TARGET_MS, then leave the lock free at least as long:
        // a writer waiting in SQLite's busy handler (retries after 1, 3, 8, 18 ms…) gets in.
        batchRows = Math.round(
          Math.min(
            MAX_BATCH_ROWS,
            Math.max(MIN_BATCH_ROWS, (batchRows * BATCH_TARGET_MS) / Math.max(ms, 0.5)),
          ),
        );
        await sleep(Math.max(BATCH_TARGET_MS, ms));
      }
      db.update(importRuns)
        .set({ status: 'done', rowsApplied: applied, updatedAt: Date.now() })
        .where(eq(importRuns.id, run.id))
        .run();
      return { ...counts, notes };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      buffered = 0;
      if (client.open) client.exec(`DROP TABLE IF EXISTS temp."${name}"`);
    },
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Marks imports left `applying` by a process that is gone (on this host) or silent for STALE_AFTER_MS as
 * `interrupted`, and returns one note per import for the operator.
 */
export function markInterruptedImports(db: Db, now: number): string[] {
  const host = hostname();
  const notes: string[] = [];
  for (const r of db.select().from(importRuns).where(eq(importRuns.status, 'applying')).all()) {
    const gone = r.host === host ? !processAlive(r.pid) : now - r.updatedAt > STALE_AFTER_MS;
    if (!gone) continue;
    db.update(importRuns)
      .set({ status: 'interrupted' })
      .where(and(eq(importRuns.id, r.id), eq(importRuns.status, 'applying')))
      .run();
    notes.push(
      `An earlier ${r.kind.startsWith('overlaps:') ? `overlaps import for ${r.kind.slice(9)}` : `${r.kind} import`} (started ${new Date(r.startedAt).toISOString()}) was interrupted after ` +
        `${r.rowsApplied.toLocaleString('en-US')} of ${r.rowsTotal.toLocaleString('en-US')} rows; run that import again to complete it (importing the same file twice is safe)`,
    );
  }
  return notes;
}

/** Imports being written right now (another process's, while it runs). */
export function importsInProgress(
  db: Db,
): Array<{ kind: string; rowsApplied: number; rowsTotal: number; startedAt: number }> {
  return db
    .select({
      kind: importRuns.kind,
      rowsApplied: importRuns.rowsApplied,
      rowsTotal: importRuns.rowsTotal,
      startedAt: importRuns.startedAt,
    })
    .from(importRuns)
    .where(eq(importRuns.status, 'applying'))
    .all();
}

/** `excluded."col"`: the value the INSERT proposed for a conflicting row. */
function excluded(column: SQLiteColumn): SQL {
  return sql.raw(`excluded."${column.name}"`);
}

/** The upsert only updates when at least one column would change (`IS NOT` treats nulls as values). */
function anyDiffers(columns: SQLiteColumn[]): SQL {
  return sql.join(
    columns.map((c) => sql`${c} IS NOT ${excluded(c)}`),
    sql` OR `,
  );
}

const bool = (b: boolean): number => (b ? 1 : 0);

export function createAccountStage(db: Db): ImportStage<AccountImportRow> {
  /** Columns an import may update, by row field; `name` is required, so always present. */
  const updatable = {
    name: crmAccounts.name,
    industry: crmAccounts.industry,
    employees: crmAccounts.employees,
    country: crmAccounts.country,
    revenue: crmAccounts.revenue,
    ownerUserId: crmAccounts.ownerUserId,
    isCustomer: crmAccounts.isCustomer,
    hasOpenOpportunity: crmAccounts.hasOpenOpportunity,
  } satisfies Partial<Record<keyof AccountImportRow, SQLiteColumn>>;
  return createStage<AccountImportRow>(db, {
    kind: 'accounts',
    columns: [
      { name: 'domain', type: 'TEXT' },
      { name: 'name', type: 'TEXT' },
      { name: 'industry', type: 'TEXT' },
      { name: 'employees', type: 'INTEGER' },
      { name: 'country', type: 'TEXT' },
      { name: 'revenue', type: 'REAL' },
      { name: 'owner_user_id', type: 'TEXT' },
      { name: 'is_customer', type: 'INTEGER' },
      { name: 'has_open_opportunity', type: 'INTEGER' },
    ],
    key: (r) => r.domain,
    write: (r, out, at) => {
      out[at] = r.domain;
      out[at + 1] = r.name;
      out[at + 2] = r.industry;
      out[at + 3] = r.employees;
      out[at + 4] = r.country;
      out[at + 5] = r.revenue;
      out[at + 6] = r.ownerUserId;
      out[at + 7] = bool(r.isCustomer);
      out[at + 8] = bool(r.hasOpenOpportunity);
    },
    countNew: (stage) =>
      sql`SELECT count(*) AS n FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM ${crmAccounts} t WHERE t.domain = s.domain)`,
    upsert: (tx, stage, now, present) => {
      const columns = Object.entries(updatable)
        .filter(([field]) => field === 'name' || present.has(field))
        .map(([, column]) => column);
      const set: Record<string, SQL> = { importedAt: excluded(crmAccounts.importedAt) };
      for (const [field, column] of Object.entries(updatable)) {
        if (columns.includes(column)) set[field] = excluded(column);
      }
      return tx
        .insert(crmAccounts)
        .select(
          // drizzle inserts every column in table order: the CRM-sync columns (section 11) start empty. On a
          // conflict only the `set` columns change, so a synced row keeps its CRM link.
          sql`SELECT domain, name, industry, employees, country, revenue, owner_user_id, is_customer,
                has_open_opportunity, ${now}, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ${stage} WHERE true`,
        )
        .onConflictDoUpdate({ target: crmAccounts.domain, set, setWhere: anyDiffers(columns) })
        .run();
    },
  });
}

export function createOverlapStage(db: Db, partnerSlug: string): ImportStage<OverlapImportRow> {
  return createStage<OverlapImportRow>(db, {
    kind: `overlaps:${partnerSlug}`,
    columns: [
      { name: 'domain', type: 'TEXT' },
      { name: 'relationship', type: 'TEXT' },
    ],
    key: (r) => r.domain,
    write: (r, out, at) => {
      out[at] = r.domain;
      out[at + 1] = r.relationship;
    },
    countNew: (stage) =>
      sql`SELECT count(*) AS n FROM ${stage} s WHERE NOT EXISTS (
            SELECT 1 FROM ${partnerOverlaps} t WHERE t.partner_slug = ${partnerSlug} AND t.domain = s.domain)`,
    upsert: (tx, stage, now) =>
      tx
        .insert(partnerOverlaps)
        .select(sql`SELECT ${partnerSlug}, domain, relationship, ${now} FROM ${stage} WHERE true`)
        .onConflictDoUpdate({
          target: [partnerOverlaps.partnerSlug, partnerOverlaps.domain],
          set: {
            relationship: excluded(partnerOverlaps.relationship),
            importedAt: excluded(partnerOverlaps.importedAt),
          },
          setWhere: anyDiffers([partnerOverlaps.relationship]),
        })
        .run(),
  });
}

export function createBaselineStage(db: Db): ImportStage<BaselineImportRow> {
  const valueColumns = [
    baselines.leads,
    baselines.opportunities,
    baselines.won,
    baselines.opportunityRate,
    baselines.winRate,
    baselines.avgDealSize,
    baselines.currency,
    baselines.daysToOpportunity,
    baselines.daysToClose,
  ];
  return createStage<BaselineImportRow>(db, {
    kind: 'baselines',
    columns: [
      { name: 'lead_type', type: 'TEXT' },
      { name: 'period', type: 'TEXT' },
      { name: 'leads', type: 'INTEGER' },
      { name: 'opportunities', type: 'INTEGER' },
      { name: 'won', type: 'INTEGER' },
      { name: 'opportunity_rate', type: 'REAL' },
      { name: 'win_rate', type: 'REAL' },
      { name: 'avg_deal_size', type: 'REAL' },
      { name: 'currency', type: 'TEXT' },
      { name: 'days_to_opportunity', type: 'REAL' },
      { name: 'days_to_close', type: 'REAL' },
    ],
    key: (r) => `${r.leadType} ${r.period}`,
    write: (r, out, at) => {
      out[at] = r.leadType;
      out[at + 1] = r.period;
      out[at + 2] = r.leads;
      out[at + 3] = r.opportunities;
      out[at + 4] = r.won;
      out[at + 5] = r.opportunityRate;
      out[at + 6] = r.winRate;
      out[at + 7] = r.avgDealSize;
      out[at + 8] = r.currency;
      out[at + 9] = r.daysToOpportunity;
      out[at + 10] = r.daysToClose;
    },
    countNew: (stage) =>
      sql`SELECT count(*) AS n FROM ${stage} s WHERE NOT EXISTS (
            SELECT 1 FROM ${baselines} t WHERE t.lead_type = s.lead_type AND t.period = s.period)`,
    upsert: (tx, stage, now) =>
      tx
        .insert(baselines)
        .select(
          sql`SELECT lead_type, period, leads, opportunities, won, opportunity_rate, win_rate, avg_deal_size,
                     currency, days_to_opportunity, days_to_close, ${now}
              FROM ${stage} WHERE true`,
        )
        .onConflictDoUpdate({
          target: [baselines.leadType, baselines.period],
          set: {
            leads: excluded(baselines.leads),
            opportunities: excluded(baselines.opportunities),
            won: excluded(baselines.won),
            opportunityRate: excluded(baselines.opportunityRate),
            winRate: excluded(baselines.winRate),
            avgDealSize: excluded(baselines.avgDealSize),
            currency: excluded(baselines.currency),
            daysToOpportunity: excluded(baselines.daysToOpportunity),
            daysToClose: excluded(baselines.daysToClose),
            importedAt: excluded(baselines.importedAt),
          },
          setWhere: anyDiffers(valueColumns),
        })
        .run(),
  });
}

// ── Partners ────────────────────────────────────────────────────────────────────────────────────────────

export interface PartnerRow {
  slug: string;
  name: string;
  active: boolean;
}

export function findPartner(db: Db, slug: string): PartnerRow | undefined {
  return db
    .select({ slug: partnerOrgs.slug, name: partnerOrgs.name, active: partnerOrgs.active })
    .from(partnerOrgs)
    .where(sql`${partnerOrgs.slug} = ${slug}`)
    .get();
}

export function listPartners(db: Db): PartnerRow[] {
  return db
    .select({ slug: partnerOrgs.slug, name: partnerOrgs.name, active: partnerOrgs.active })
    .from(partnerOrgs)
    .orderBy(partnerOrgs.slug)
    .all();
}

export interface PartnerSyncInput {
  slug: string;
  name: string;
  /** Slack user id of the internal partner manager. */
  manager: string;
}

/**
 * Makes `partner_orgs` match the config's partners: upserts each (active) and marks orgs that are no longer
 * in the config inactive (their leads stay). One transaction. Rows that already match are left untouched;
 * `changed` counts the rows inserted or updated.
 */
export function syncPartners(
  db: Db,
  partners: ReadonlyArray<PartnerSyncInput>,
  now: number,
): { changed: number; deactivated: number } {
  return db.transaction((tx) => applyPartners(tx, partners, now), { behavior: 'immediate' });
}

/** The body of `syncPartners`, for callers that already hold a transaction (start-up's `syncProgram`). */
export function applyPartners(
  tx: Parameters<Parameters<Db['transaction']>[0]>[0],
  partners: ReadonlyArray<PartnerSyncInput>,
  now: number,
): { changed: number; deactivated: number } {
  let changed = 0;
  for (const p of partners) {
    const res = tx
      .insert(partnerOrgs)
      .values({ slug: p.slug, name: p.name, managerUserId: p.manager, active: true, updatedAt: now })
      .onConflictDoUpdate({
        target: partnerOrgs.slug,
        set: { name: p.name, managerUserId: p.manager, active: true, updatedAt: now },
        setWhere: sql`${partnerOrgs.name} IS NOT ${p.name} OR ${partnerOrgs.managerUserId} IS NOT ${p.manager}
                      OR ${partnerOrgs.active} IS NOT 1`,
      })
      .run();
    changed += res.changes;
  }
  const slugs = partners.map((p) => p.slug);
  const res = tx
    .update(partnerOrgs)
    .set({ active: false, updatedAt: now })
    .where(
      slugs.length > 0
        ? sql`${partnerOrgs.active} = 1 AND ${partnerOrgs.slug} NOT IN (${sql.join(
            slugs.map((s) => sql`${s}`),
            sql`, `,
          )})`
        : sql`${partnerOrgs.active} = 1`,
    )
    .run();
  return { changed, deactivated: res.changes };
}

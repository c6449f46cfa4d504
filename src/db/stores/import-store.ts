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
//  On PostgreSQL the stage is an UNLOGGED table of its own (a pooled connection cannot keep a TEMP table across
//  statements), written one statement per batch of BATCH_SIZE rows: `INSERT … SELECT FROM unnest(…)` with one
//  array parameter per column (so `width` bind parameters whatever the batch size, far under PostgreSQL's 65,535).
//  SQLite keeps its fast path for staging: raw prepared 50-row multi-row INSERTs (50 × width parameters, far under
//  its 32,766) on the connection's TEMP table. Steps 2 and 3 run the same SQL on both engines.
//  While batches are written the import is visible in `import_runs` (`applying`, rows applied of total). A
//  process killed half-way leaves it `applying`; the next import marks it `interrupted` and says so: the rows
//  written so far are whole rows, and running the same import again completes it (it is idempotent).

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { CrmAccount, Relationship } from '../../core/types.ts';
import { affected, type Db, engineKind, one, sqliteClient, type Tx, transaction } from '../connection.ts';
import { baselines, crmAccounts, importRuns, partnerOrgs, partnerOverlaps } from '../schema.ts';
import { rawRow, rawRows, rawRun } from './raw-sql.ts';

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
  /**
   * Stages one validated row; `line` is its line number in the file (unique per row). Every BATCH_SIZE rows the
   * batch is written: on SQLite at once (nothing to await), on PostgreSQL through the pool, and the promise returned
   * then resolves when it is written (await it: it is the import's backpressure; an error of an un-awaited write
   * is thrown by `finish`).
   */
  add(line: number, row: Row): Promise<void> | undefined;
  /** Flushes, keeps only the last row per key and returns the repeats, in file order. */
  finish(): Promise<DuplicateKey[]>;
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
  dispose(): Promise<void>;
}

type Cell = string | number | boolean | null;

/** A staging column's type on each engine (booleans are 0/1 integers on SQLite). */
type StageType = 'TEXT' | 'INTEGER' | 'REAL' | 'BOOLEAN';
const STAGE_TYPES: Record<StageType, { sqlite: string; postgres: string }> = {
  TEXT: { sqlite: 'TEXT', postgres: 'text' },
  INTEGER: { sqlite: 'INTEGER', postgres: 'bigint' },
  REAL: { sqlite: 'REAL', postgres: 'double precision' },
  BOOLEAN: { sqlite: 'INTEGER', postgres: 'boolean' },
};

interface StageDef<Row> {
  /** What `import_runs` calls this import. */
  kind: string;
  /** Staging columns after `line` and `key`, named as in the target table. */
  columns: ReadonlyArray<{ name: string; type: StageType }>;
  key(row: Row): string;
  /** Writes the row's staging columns (after `line` and `key`) into `out` from index `at`. */
  write(row: Row, out: Cell[], at: number): void;
  /** Counts rows of the stage `s` that have no row yet in the target table. */
  countNew(stage: SQL): SQL;
  /** Upserts the rows of `stage` (a parenthesised SELECT: give it an alias) into the target table. */
  upsert(tx: Tx, stage: SQL, now: number, present: ReadonlySet<string>): Promise<unknown>;
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

/** Where staged rows go: a TEMP table through raw statements (SQLite) or an UNLOGGED table through `sql` (PostgreSQL). */
interface StageStore {
  /** Creates the table (once, before the first write). */
  create(): Promise<void>;
  /** Writes `rows` buffered rows from `chunks` (ROWS_PER_STATEMENT rows of `width` cells each). */
  write(chunks: readonly Cell[][], rows: number): Promise<void>;
  drop(): Promise<void>;
}

/**
 * SQLite's fast path: raw prepared statements on a connection-private TEMP table. Writing it takes no lock on
 * the main database. A statement run while another transaction of this connection is open (an async one, waiting
 * on something) would join that transaction, so the work then queues behind it through `transaction()`.
 */
function sqliteStageStore(db: Db, name: string, columns: string, width: number): StageStore {
  const client = sqliteClient(db);
  const onConnection = async (work: () => void) => {
    if (!client.inTransaction) work();
    else await transaction(db, async () => work());
  };
  let insertOne: ReturnType<typeof client.prepare> | undefined;
  let insertChunk: ReturnType<typeof client.prepare> | undefined;
  const one = new Array<Cell>(width).fill(null);
  return {
    create: () =>
      onConnection(() => {
        client.exec(`DROP TABLE IF EXISTS temp."${name}"`);
        client.exec(`CREATE TEMP TABLE "${name}" (${columns})`);
        const placeholders = `(${Array.from({ length: width }, () => '?').join(', ')})`;
        insertOne = client.prepare(`INSERT INTO temp."${name}" VALUES ${placeholders}`);
        // Multi-row VALUES: far fewer statement executions than one INSERT per row.
        insertChunk = client.prepare(
          `INSERT INTO temp."${name}" VALUES ${Array.from({ length: ROWS_PER_STATEMENT }, () => placeholders).join(', ')}`,
        );
      }),
    write: (chunks, rows) =>
      onConnection(() => {
        const write = client.transaction(() => {
          const full = Math.floor(rows / ROWS_PER_STATEMENT);
          for (let c = 0; c < full; c += 1) insertChunk!.run(chunks[c]!);
          // The rows of a last, partial chunk (only at the end of the file) one by one.
          for (let r = full * ROWS_PER_STATEMENT; r < rows; r += 1) {
            const chunk = chunks[full]!;
            const from = (r - full * ROWS_PER_STATEMENT) * width;
            for (let i = 0; i < width; i += 1) one[i] = chunk[from + i]!;
            insertOne!.run(one);
          }
        });
        write();
      }),
    drop: () =>
      onConnection(() => {
        if (client.open) client.exec(`DROP TABLE IF EXISTS temp."${name}"`);
      }),
  };
}

/**
 * PostgreSQL's path: each batch is ONE `INSERT … SELECT FROM unnest($1::bigint[], $2::text[], …)`, a parameter
 * per column holding the batch's values as an array: a batch of any size binds `width` parameters (far under
 * the 65,535 limit), and PostgreSQL parses one short statement instead of thousands of tuples.
 */
function postgresStageStore(db: Db, stage: SQL, columns: string, types: readonly string[]): StageStore {
  const width = types.length;
  return {
    async create() {
      await dropOrphanStages(db);
      await rawRun(db, sql`DROP TABLE IF EXISTS ${stage}`);
      await rawRun(db, sql`CREATE UNLOGGED TABLE ${stage} (${sql.raw(columns)})`);
    },
    async write(chunks, rows) {
      const arrays = types.map(() => new Array<Cell>(rows));
      for (let r = 0; r < rows; r += 1) {
        const chunk = chunks[Math.floor(r / ROWS_PER_STATEMENT)]!;
        const from = (r % ROWS_PER_STATEMENT) * width;
        for (let c = 0; c < width; c += 1) arrays[c]![r] = chunk[from + c]!;
      }
      const unnest = sql.join(
        arrays.map((values, c) => sql`cast(${sql.param(values)} as ${sql.raw(`${types[c]}[]`)})`),
        sql`, `,
      );
      await rawRun(db, sql`INSERT INTO ${stage} SELECT * FROM unnest(${unnest})`);
    },
    async drop() {
      await rawRun(db, sql`DROP TABLE IF EXISTS ${stage}`);
    },
  };
}

/** This host in stage names (PostgreSQL's stages are tables every host sees): a short hash of its name. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const STAGE_PREFIX = `_import_stage_${HOST_TAG}_`;

/**
 * Drops the PostgreSQL stage tables of this host's imports whose process is gone (killed mid-import): they are
 * UNLOGGED tables of the database, not TEMP tables that die with the connection as on SQLite.
 */
async function dropOrphanStages(db: Db): Promise<void> {
  const tables = await rawRows<{ name: string }>(
    db,
    sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()
          AND starts_with(tablename, ${STAGE_PREFIX})`,
  );
  for (const { name } of tables) {
    const pid = Number(name.slice(STAGE_PREFIX.length).split('_')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    await rawRun(db, sql`DROP TABLE IF EXISTS ${sql.identifier(name)}`);
  }
}

function createStage<Row>(db: Db, def: StageDef<Row>): ImportStage<Row> {
  const kind = engineKind(db);
  stageCounter += 1;
  const name = `${STAGE_PREFIX}${process.pid}_${stageCounter}`;
  const stage = sql`${sql.identifier(name)}`;
  const width = 2 + def.columns.length;
  const types = ['INTEGER', 'TEXT', ...def.columns.map((c) => c.type)].map(
    (t) => STAGE_TYPES[t as StageType][kind],
  );
  const columnsSql = [
    `line ${types[0]} PRIMARY KEY`,
    `key ${types[1]} NOT NULL`,
    ...def.columns.map((c, i) => `"${c.name}" ${types[i + 2]}`),
  ].join(', ');
  const store =
    kind === 'sqlite'
      ? sqliteStageStore(db, name, columnsSql, width)
      : postgresStageStore(db, stage, columnsSql, types);
  // Rows are written straight into preallocated parameter arrays, ROWS_PER_STATEMENT rows each: no array per row
  // and no slicing or flattening per chunk on SQLite (together a third of an import's time in the profile).
  const CHUNKS = BATCH_SIZE / ROWS_PER_STATEMENT;
  const freshChunks = () =>
    Array.from({ length: CHUNKS }, () => new Array<Cell>(ROWS_PER_STATEMENT * width).fill(null));
  let chunks: Cell[][] = freshChunks();
  let buffered = 0;
  /** The first error of a write, kept for `finish` (a caller may not await `add`). */
  let failure: unknown = null;
  const keep = (err: unknown) => {
    failure ??= err;
  };
  let tableReady = false;
  // Created now (on SQLite, synchronously: no other transaction is open on the connection in an import).
  const created = store.create().then(() => {
    tableReady = true;
  });
  created.catch(keep);
  /** The writes in flight, in order (the order of staged rows does not matter: `line` is the key). */
  let writing: Promise<void> = created.catch(keep);
  let finished = false;
  let disposed = false;

  const flush = (): Promise<void> | undefined => {
    if (buffered === 0) return undefined;
    const rows = buffered;
    const batch = chunks;
    buffered = 0;
    if (kind === 'sqlite' && tableReady && !sqliteClient(db).inTransaction) {
      // The fast path: the raw statements run now, synchronously, so the chunk arrays are free again at once.
      const written = store.write(batch, rows).catch(keep);
      writing = writing.then(() => written);
      return written;
    }
    chunks = freshChunks();
    writing = writing
      .then(() => created)
      .then(() => store.write(batch, rows))
      .catch(keep);
    return writing;
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
      return buffered === BATCH_SIZE ? flush() : undefined;
    },
    async finish() {
      flush();
      await writing;
      if (failure !== null) throw failure;
      finished = true;
      const index = sql.identifier(`${name}_key`);
      await rawRun(db, sql`CREATE INDEX ${index} ON ${stage} (key, line)`);
      const duplicates = await rawRows<DuplicateKey>(
        db,
        sql`SELECT s.line AS "row", s.key AS "key",
              (SELECT max(p.line) FROM ${stage} p WHERE p.key = s.key AND p.line < s.line) AS "previousRow"
            FROM ${stage} s
            WHERE EXISTS (SELECT 1 FROM ${stage} p WHERE p.key = s.key AND p.line < s.line)
            ORDER BY s.line`,
      );
      if (duplicates.length > 0) {
        await rawRun(
          db,
          sql`DELETE FROM ${stage} WHERE EXISTS (
                SELECT 1 FROM ${stage} p WHERE p.key = ${stage}.key AND p.line > ${stage}.line)`,
        );
      }
      return duplicates.map((d) => ({ row: Number(d.row), previousRow: Number(d.previousRow), key: d.key }));
    },
    async apply(now, present, onProgress) {
      if (!finished) throw new Error('call finish() before apply()');
      const notes = await markInterruptedImports(db, now);
      const total = Number(
        (await rawRow<{ n: number }>(db, sql`SELECT count(*) AS n FROM ${stage}`))?.n ?? 0,
      );
      const run = await one(
        db
          .insert(importRuns)
          .values({
            kind: def.kind,
            status: 'applying',
            rowsTotal: total,
            rowsApplied: 0,
            pid: process.pid,
            host: hostname(),
            startedAt: now,
            updatedAt: now,
          })
          .returning({ id: importRuns.id }),
      );
      const runId = run!.id;
      const counts = { inserted: 0, updated: 0, unchanged: 0 };
      let after = 0;
      let applied = 0;
      let batchRows = 1000;
      for (;;) {
        const next = await rawRow<{ hi: number | null; n: number }>(
          db,
          sql`SELECT max(line) AS hi, count(*) AS n
                FROM (SELECT line FROM ${stage} WHERE line > ${after} ORDER BY line LIMIT ${batchRows}) AS b`,
        );
        if (next?.hi == null) break;
        const hi = Number(next.hi);
        const n = Number(next.n);
        const batch = sql`(SELECT * FROM ${stage} WHERE line > ${after} AND line <= ${hi})`;
        const started = performance.now();
        const done = await transaction(db, async (tx) => {
          const inserted = Number((await rawRow<{ n: number }>(tx, def.countNew(batch)))?.n ?? 0);
          const changes = affected(await def.upsert(tx, batch, now, present));
          await tx
            .update(importRuns)
            .set({ rowsApplied: applied + n, updatedAt: Date.now() })
            .where(eq(importRuns.id, runId));
          return { inserted, changes };
        });
        counts.inserted += done.inserted;
        counts.updated += done.changes - done.inserted;
        counts.unchanged += n - done.changes;
        applied += n;
        const ms = performance.now() - started;
        after = hi;
        onProgress?.({ applied, total });
        // Size the next batch to hold the lock about BATCH_TARGET_MS, then leave the lock free at least as long:
        // a writer waiting in SQLite's busy handler (retries after 1, 3, 8, 18 ms…) gets in. PostgreSQL locks
        // rows, not the database: no pause there.
        batchRows = Math.round(
          Math.min(
            MAX_BATCH_ROWS,
            Math.max(MIN_BATCH_ROWS, (batchRows * BATCH_TARGET_MS) / Math.max(ms, 0.5)),
          ),
        );
        if (kind === 'sqlite') await sleep(Math.max(BATCH_TARGET_MS, ms));
      }
      await db
        .update(importRuns)
        .set({ status: 'done', rowsApplied: applied, updatedAt: Date.now() })
        .where(eq(importRuns.id, runId));
      return { ...counts, notes };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      buffered = 0;
      await writing;
      await created.catch(() => {});
      await store.drop();
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
export async function markInterruptedImports(db: Db, now: number): Promise<string[]> {
  const host = hostname();
  const notes: string[] = [];
  for (const r of await db.select().from(importRuns).where(eq(importRuns.status, 'applying'))) {
    const gone = r.host === host ? !processAlive(r.pid) : now - r.updatedAt > STALE_AFTER_MS;
    if (!gone) continue;
    await db
      .update(importRuns)
      .set({ status: 'interrupted' })
      .where(and(eq(importRuns.id, r.id), eq(importRuns.status, 'applying')));
    notes.push(
      `An earlier ${r.kind.startsWith('overlaps:') ? `overlaps import for ${r.kind.slice(9)}` : `${r.kind} import`} (started ${new Date(r.startedAt).toISOString()}) was interrupted after ` +
        `${r.rowsApplied.toLocaleString('en-US')} of ${r.rowsTotal.toLocaleString('en-US')} rows; run that import again to complete it (importing the same file twice is safe)`,
    );
  }
  return notes;
}

/** Imports being written right now (another process's, while it runs). */
export async function importsInProgress(
  db: Db,
): Promise<Array<{ kind: string; rowsApplied: number; rowsTotal: number; startedAt: number }>> {
  return db
    .select({
      kind: importRuns.kind,
      rowsApplied: importRuns.rowsApplied,
      rowsTotal: importRuns.rowsTotal,
      startedAt: importRuns.startedAt,
    })
    .from(importRuns)
    .where(eq(importRuns.status, 'applying'));
}

/** `excluded."col"`: the value the INSERT proposed for a conflicting row. */
function excluded(column: SQLiteColumn): SQL {
  return sql.raw(`excluded."${column.name}"`);
}

/** The upsert only updates when at least one column would change (null counting as a value, on both engines). */
function anyDiffers(columns: SQLiteColumn[]): SQL {
  return sql.join(
    columns.map((c) => sql`${c} IS DISTINCT FROM ${excluded(c)}`),
    sql` OR `,
  );
}

/** A staged boolean: 0/1 on SQLite, a boolean on PostgreSQL. */
const booleanCell = (db: Db) =>
  engineKind(db) === 'sqlite' ? (b: boolean): Cell => (b ? 1 : 0) : (b: boolean): Cell => b;

/** The staged rows, for INSERT … SELECT (`WHERE true` keeps SQLite from reading ON CONFLICT as a join). */
const staged = (stage: SQL) => sql`FROM ${stage} AS st WHERE true`;

export function createAccountStage(db: Db): ImportStage<AccountImportRow> {
  const bool = booleanCell(db);
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
      { name: 'is_customer', type: 'BOOLEAN' },
      { name: 'has_open_opportunity', type: 'BOOLEAN' },
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
                has_open_opportunity, cast(${now} as bigint), cast(NULL as text), cast(NULL as text),
                cast(NULL as text), cast(NULL as bigint), cast(NULL as bigint), cast(NULL as text), cast(NULL as bigint)
              ${staged(stage)}`,
        )
        .onConflictDoUpdate({ target: crmAccounts.domain, set, setWhere: anyDiffers(columns) });
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
        .select(
          sql`SELECT cast(${partnerSlug} as text), domain, relationship, cast(${now} as bigint) ${staged(stage)}`,
        )
        .onConflictDoUpdate({
          target: [partnerOverlaps.partnerSlug, partnerOverlaps.domain],
          set: {
            relationship: excluded(partnerOverlaps.relationship),
            importedAt: excluded(partnerOverlaps.importedAt),
          },
          setWhere: anyDiffers([partnerOverlaps.relationship]),
        }),
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
                     currency, days_to_opportunity, days_to_close, cast(${now} as bigint)
              ${staged(stage)}`,
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
        }),
  });
}

// ── Partners ────────────────────────────────────────────────────────────────────────────────────────────

export interface PartnerRow {
  slug: string;
  name: string;
  active: boolean;
}

export async function findPartner(db: Db, slug: string): Promise<PartnerRow | undefined> {
  return one(
    db
      .select({ slug: partnerOrgs.slug, name: partnerOrgs.name, active: partnerOrgs.active })
      .from(partnerOrgs)
      .where(eq(partnerOrgs.slug, slug)),
  );
}

export async function listPartners(db: Db): Promise<PartnerRow[]> {
  return db
    .select({ slug: partnerOrgs.slug, name: partnerOrgs.name, active: partnerOrgs.active })
    .from(partnerOrgs)
    .orderBy(partnerOrgs.slug);
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
export async function syncPartners(
  db: Db,
  partners: ReadonlyArray<PartnerSyncInput>,
  now: number,
): Promise<{ changed: number; deactivated: number }> {
  return transaction(db, (tx) => applyPartners(tx, partners, now));
}

/** The body of `syncPartners`, for callers that already hold a transaction (start-up's `syncProgram`). */
export async function applyPartners(
  tx: Tx,
  partners: ReadonlyArray<PartnerSyncInput>,
  now: number,
): Promise<{ changed: number; deactivated: number }> {
  let changed = 0;
  for (const p of partners) {
    const res = await tx
      .insert(partnerOrgs)
      .values({ slug: p.slug, name: p.name, managerUserId: p.manager, active: true, updatedAt: now })
      .onConflictDoUpdate({
        target: partnerOrgs.slug,
        set: { name: p.name, managerUserId: p.manager, active: true, updatedAt: now },
        setWhere: sql`${partnerOrgs.name} IS DISTINCT FROM ${p.name} OR ${partnerOrgs.managerUserId} IS DISTINCT FROM ${p.manager}
                      OR ${partnerOrgs.active} IS DISTINCT FROM true`,
      });
    changed += affected(res);
  }
  const slugs = partners.map((p) => p.slug);
  const res = await tx
    .update(partnerOrgs)
    .set({ active: false, updatedAt: now })
    .where(
      slugs.length > 0
        ? sql`${partnerOrgs.active} = true AND ${partnerOrgs.slug} NOT IN (${sql.join(
            slugs.map((s) => sql`${s}`),
            sql`, `,
          )})`
        : sql`${partnerOrgs.active} = true`,
    );
  return { changed, deactivated: affected(res) };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Column, getTableColumns, getTableName, is, Table } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sqliteSchema from '../../src/db/schema.ts';
import * as pgSchema from '../../src/db/schema-postgres.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

// The two engines' migrations must build the same database: both are applied to fresh databases, both are
// read back from the catalogues (sqlite_master and pragmas; pg_catalog), and every table, column (type family,
// nullability, default, identity), primary key, index (columns in order, uniqueness, partial), unique
// constraint and foreign key (columns, target, actions) is compared. The last tests break a Postgres copy on
// purpose and check that the comparison names what broke.

const SQLITE_MIGRATIONS = fileURLToPath(new URL('../../migrations/sqlite', import.meta.url));

interface ColumnShape {
  /** int (SQLite integer; Postgres bigint or boolean), text, real (double precision), or the raw type. */
  type: string;
  notNull: boolean;
  default: string | null;
  autoIncrement: boolean;
}
interface IndexShape {
  columns: string[];
  unique: boolean;
  partial: boolean;
}
interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  indexes: Record<string, IndexShape>;
  /** Column lists of UNIQUE constraints (not unique indexes, which are in `indexes`). */
  uniques: string[];
  /** `columns -> table(columns) on update … on delete …`. */
  foreignKeys: string[];
}
type DbShape = Record<string, TableShape>;

/** Defaults as both catalogues can spell them: `'pending'::text` is `'pending'`. */
function normaliseDefault(value: string | null): string | null {
  if (value === null) return null;
  return value
    .trim()
    .replace(/::[a-z ]+$/i, '')
    .toLowerCase();
}

const SQLITE_TYPES: Record<string, string> = { integer: 'int', text: 'text', real: 'real' };
const PG_TYPES: Record<string, string> = {
  bigint: 'int',
  boolean: 'int', // SQLite keeps booleans as integers; the column-kind test below pins which ones.
  text: 'text',
  'double precision': 'real',
};

function sqliteShape(path: string): DbShape {
  const c = new Database(path, { readonly: true });
  try {
    const tables = c
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' " +
          "AND name <> '__drizzle_migrations' ORDER BY name",
      )
      .all() as { name: string; sql: string }[];
    const shape: DbShape = {};
    for (const { name, sql } of tables) {
      const cols = c.prepare(`PRAGMA table_info("${name}")`).all() as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      const autoIncrement = /[`"]?(\w+)[`"]?\s+integer\s+PRIMARY\s+KEY\s+AUTOINCREMENT/i.exec(sql)?.[1];
      const columns: Record<string, ColumnShape> = {};
      for (const col of cols) {
        const type = col.type.toLowerCase();
        columns[col.name] = {
          type: SQLITE_TYPES[type] ?? type,
          notNull: col.notnull === 1,
          default: normaliseDefault(col.dflt_value),
          autoIncrement: col.name === autoIncrement,
        };
      }
      const primaryKey = cols
        .filter((col) => col.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((col) => col.name);
      const indexes: Record<string, IndexShape> = {};
      const uniques: string[] = [];
      const list = c.prepare(`PRAGMA index_list("${name}")`).all() as {
        name: string;
        unique: number;
        origin: 'c' | 'u' | 'pk';
        partial: number;
      }[];
      for (const index of list) {
        const columns = (
          c.prepare(`PRAGMA index_info("${index.name}")`).all() as { seqno: number; name: string | null }[]
        )
          .sort((a, b) => a.seqno - b.seqno)
          .map((col) => col.name ?? '<expression>');
        if (index.origin === 'c') {
          indexes[index.name] = { columns, unique: index.unique === 1, partial: index.partial === 1 };
        } else if (index.origin === 'u') {
          uniques.push(columns.join(','));
        }
      }
      const fkRows = c.prepare(`PRAGMA foreign_key_list("${name}")`).all() as {
        id: number;
        seq: number;
        table: string;
        from: string;
        to: string | null;
        on_update: string;
        on_delete: string;
      }[];
      const byId = new Map<number, typeof fkRows>();
      for (const row of fkRows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
      const foreignKeys = [...byId.values()].map((rows) => {
        const sorted = rows.sort((a, b) => a.seq - b.seq);
        const first = sorted[0]!;
        return foreignKey(
          sorted.map((r) => r.from),
          first.table,
          sorted.map((r) => r.to ?? '<primary key>'),
          first.on_update,
          first.on_delete,
        );
      });
      shape[name] = {
        columns,
        primaryKey,
        indexes,
        uniques: uniques.sort(),
        foreignKeys: foreignKeys.sort(),
      };
    }
    return shape;
  } finally {
    c.close();
  }
}

function foreignKey(from: string[], table: string, to: string[], onUpdate: string, onDelete: string): string {
  return `${from.join(',')} -> ${table}(${to.join(',')}) on update ${onUpdate.toLowerCase()} on delete ${onDelete.toLowerCase()}`;
}

const PG_FK_ACTIONS: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

async function postgresShape(url: string): Promise<DbShape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async <T extends pg.QueryResultRow>(text: string) => (await client.query<T>(text)).rows;
    const shape: DbShape = {};
    const tables = await q<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' " +
        "AND table_type = 'BASE TABLE' ORDER BY table_name",
    );
    for (const { name } of tables) {
      shape[name] = { columns: {}, primaryKey: [], indexes: {}, uniques: [], foreignKeys: [] };
    }
    const columns = await q<{
      table: string;
      name: string;
      type: string;
      nullable: 'YES' | 'NO';
      dflt: string | null;
      identity: 'YES' | 'NO';
    }>(
      'SELECT table_name AS table, column_name AS name, data_type AS type, is_nullable AS nullable, ' +
        "column_default AS dflt, is_identity AS identity FROM information_schema.columns WHERE table_schema = 'public'",
    );
    for (const col of columns) {
      const table = shape[col.table];
      if (!table) continue;
      const serial = col.dflt?.startsWith('nextval(') ?? false;
      table.columns[col.name] = {
        type: PG_TYPES[col.type] ?? col.type,
        notNull: col.nullable === 'NO',
        default: serial ? null : normaliseDefault(col.dflt),
        autoIncrement: col.identity === 'YES' || serial,
      };
    }
    // Constraints with their columns in key order (conkey/confkey are ordered arrays of attribute numbers).
    const constraints = await q<{
      table: string;
      type: 'p' | 'u' | 'f';
      columns: string[];
      ref_table: string | null;
      ref_columns: string[] | null;
      on_update: string;
      on_delete: string;
    }>(`
      SELECT rel.relname AS table, con.contype AS type,
        (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n) AS columns,
        ref.relname AS ref_table,
        (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n) AS ref_columns,
        con.confupdtype AS on_update, con.confdeltype AS on_delete
      FROM pg_constraint con
      JOIN pg_class rel ON rel.oid = con.conrelid
      JOIN pg_namespace ns ON ns.oid = rel.relnamespace AND ns.nspname = 'public'
      LEFT JOIN pg_class ref ON ref.oid = con.confrelid
      WHERE con.contype IN ('p', 'u', 'f')`);
    for (const con of constraints) {
      const table = shape[con.table];
      if (!table) continue;
      if (con.type === 'p') table.primaryKey = con.columns;
      else if (con.type === 'u') table.uniques.push(con.columns.join(','));
      else {
        table.foreignKeys.push(
          foreignKey(
            con.columns,
            con.ref_table ?? '?',
            con.ref_columns ?? [],
            PG_FK_ACTIONS[con.on_update] ?? con.on_update,
            PG_FK_ACTIONS[con.on_delete] ?? con.on_delete,
          ),
        );
      }
    }
    // Indexes that back no constraint (a primary key's or a UNIQUE constraint's index is not one of ours).
    const indexes = await q<{
      table: string;
      name: string;
      columns: string[];
      unique: boolean;
      partial: boolean;
    }>(`
      SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indpred IS NOT NULL AS partial,
        (SELECT array_agg(coalesce(a.attname::text, '<expression>') ORDER BY k.i)
          FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
          LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n AND k.n <> 0) AS columns
      FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid
      JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
      WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid)`);
    for (const index of indexes) {
      const table = shape[index.table];
      if (table)
        table.indexes[index.name] = { columns: index.columns, unique: index.unique, partial: index.partial };
    }
    for (const table of Object.values(shape)) {
      table.uniques.sort();
      table.foreignKeys.sort();
    }
    return shape;
  } finally {
    await client.end();
  }
}

/** Every fact on which the two shapes disagree, one line each (`table.aspect.name: sqlite … / postgres …`). */
function differences(sqlite: DbShape, postgres: DbShape): string[] {
  const flat = (shape: DbShape) => {
    const out = new Map<string, string>();
    for (const [name, t] of Object.entries(shape)) {
      out.set(`${name}`, 'table');
      for (const [col, c] of Object.entries(t.columns)) out.set(`${name}.column.${col}`, JSON.stringify(c));
      out.set(`${name}.primaryKey`, t.primaryKey.join(','));
      for (const [idx, i] of Object.entries(t.indexes)) out.set(`${name}.index.${idx}`, JSON.stringify(i));
      for (const u of t.uniques) out.set(`${name}.unique(${u})`, 'unique');
      for (const fk of t.foreignKeys) out.set(`${name}.foreignKey ${fk}`, 'foreign key');
    }
    return out;
  };
  const a = flat(sqlite);
  const b = flat(postgres);
  const lines: string[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [x, y] = [a.get(key), b.get(key)];
    if (x !== y) lines.push(`${key}: sqlite ${x ?? '(missing)'} / postgres ${y ?? '(missing)'}`);
  }
  return lines;
}

function tables(schema: Record<string, unknown>): Map<string, Table> {
  const out = new Map<string, Table>();
  for (const [exportName, value] of Object.entries(schema)) if (is(value, Table)) out.set(exportName, value);
  return out;
}

/** How each drizzle column kind in schema.ts must be declared in schema-postgres.ts (see its header). */
const COLUMN_TWINS: Record<string, string> = {
  SQLiteInteger: 'bigint',
  SQLiteBoolean: 'boolean',
  SQLiteText: 'text',
  SQLiteTextJson: 'text',
  SQLiteReal: 'double precision',
};

describe('schema parity: migrations/sqlite and migrations/postgres build the same database', () => {
  let dir: string;
  let pgDb: TestDatabase;
  let sqlite: DbShape;
  let postgres: DbShape;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foothold-parity-'));
    const path = join(dir, 'parity.db');
    const c = new Database(path);
    migrate(drizzle(c), { migrationsFolder: SQLITE_MIGRATIONS });
    c.close();
    sqlite = sqliteShape(path);
    pgDb = await createTestDatabase();
    postgres = await postgresShape(pgDb.url);
  });

  afterAll(async () => {
    await pgDb?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads a real schema from both (not two empty catalogues)', () => {
    expect(Object.keys(sqlite).length).toBeGreaterThanOrEqual(25);
    expect(sqlite.leads?.columns.id).toEqual({
      type: 'int',
      notNull: true,
      default: null,
      autoIncrement: true,
    });
    expect(sqlite.outbox?.indexes.outbox_delivery_key).toEqual({
      columns: ['delivery_key'],
      unique: true,
      partial: false,
    });
    expect(postgres.outbox?.columns.status).toEqual({
      type: 'text',
      notNull: true,
      default: "'pending'",
      autoIncrement: false,
    });
    expect(postgres.leads?.foreignKeys).toContain(
      'partner_slug -> partner_orgs(slug) on update no action on delete no action',
    );
  });

  it('has the same tables', () => {
    expect(Object.keys(postgres).sort()).toEqual(Object.keys(sqlite).sort());
  });

  it('has the same columns, keys, indexes, unique constraints and foreign keys in every table', () => {
    expect(differences(sqlite, postgres)).toEqual([]);
  });

  it('matches the drizzle schema objects: same exports, table names, property-to-column names and indexes', () => {
    const lite = tables(sqliteSchema);
    const post = tables(pgSchema);
    expect([...post.keys()].sort()).toEqual([...lite.keys()].sort());
    for (const [exportName, table] of lite) {
      const twin = post.get(exportName)!;
      expect(getTableName(twin), exportName).toBe(getTableName(table));
      const names = (t: Table) =>
        Object.fromEntries(
          Object.entries(getTableColumns(t)).map(([key, col]) => [key, (col as Column).name]),
        );
      expect(names(twin), exportName).toEqual(names(table));
      // The migrated databases carry what the schema files declare (no forgotten `db:generate`).
      const dbColumns = Object.keys(sqlite[getTableName(table)]?.columns ?? {}).sort();
      expect(dbColumns, `${exportName} in migrations/sqlite`).toEqual(Object.values(names(table)).sort());
      const pgColumns = Object.keys(postgres[getTableName(twin)]?.columns ?? {}).sort();
      expect(pgColumns, `${exportName} in migrations/postgres`).toEqual(Object.values(names(twin)).sort());
      const liteIndexes = sqliteTableConfig(table as never).indexes.map((i) => i.config.name);
      const pgIndexes = pgTableConfig(twin as never).indexes.map((i) => i.config.name);
      expect(pgIndexes.sort(), exportName).toEqual(liteIndexes.sort());
      expect(Object.keys(postgres[getTableName(twin)]?.indexes ?? {}).sort(), exportName).toEqual(pgIndexes);
    }
  });

  it('declares each column with the Postgres type that returns what SQLite returns', () => {
    const wrong: string[] = [];
    for (const [exportName, table] of tables(sqliteSchema)) {
      const twinColumns = getTableColumns(tables(pgSchema).get(exportName)!) as Record<string, Column>;
      for (const [key, col] of Object.entries(getTableColumns(table) as Record<string, Column>)) {
        const expected = COLUMN_TWINS[col.columnType] ?? `(no twin for ${col.columnType})`;
        const actual = twinColumns[key]?.getSQLType();
        if (actual !== expected)
          wrong.push(`${exportName}.${key}: ${col.columnType} wants ${expected}, got ${actual}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  describe('names what differs when a Postgres copy is broken on purpose', () => {
    const broken = async (ddl: string[]) => {
      const db = await createTestDatabase();
      try {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          for (const statement of ddl) await client.query(statement);
        } finally {
          await client.end();
        }
        return differences(sqlite, await postgresShape(db.url));
      } finally {
        await db.drop();
      }
    };

    it('a dropped index, a nullable column, a lost default, an int4 column, a dropped foreign key', async () => {
      const found = await broken([
        'DROP INDEX leads_status',
        'ALTER TABLE leads ALTER COLUMN need SET NOT NULL',
        'ALTER TABLE outbox ALTER COLUMN attempts DROP DEFAULT',
        'ALTER TABLE outbox ALTER COLUMN not_before TYPE integer',
        'ALTER TABLE channel_cards DROP CONSTRAINT channel_cards_partner_slug_partner_orgs_slug_fk',
      ]);
      expect(found).toEqual([
        'channel_cards.foreignKey partner_slug -> partner_orgs(slug) on update no action on delete no action: ' +
          'sqlite foreign key / postgres (missing)',
        'leads.column.need: sqlite {"type":"text","notNull":false,"default":null,"autoIncrement":false} / ' +
          'postgres {"type":"text","notNull":true,"default":null,"autoIncrement":false}',
        'leads.index.leads_status: sqlite {"columns":["status"],"unique":false,"partial":false} / postgres (missing)',
        'outbox.column.attempts: sqlite {"type":"int","notNull":true,"default":"0","autoIncrement":false} / ' +
          'postgres {"type":"int","notNull":true,"default":null,"autoIncrement":false}',
        'outbox.column.not_before: sqlite {"type":"int","notNull":true,"default":null,"autoIncrement":false} / ' +
          'postgres {"type":"integer","notNull":true,"default":null,"autoIncrement":false}',
      ]);
    });

    it('an index made unique or partial, reordered columns, an extra unique constraint, another primary key', async () => {
      const found = await broken([
        'DROP INDEX outbox_pending',
        'CREATE UNIQUE INDEX outbox_pending ON outbox (status, not_before)',
        'DROP INDEX leads_progress',
        'CREATE INDEX leads_progress ON leads (last_progress_at, status)',
        'DROP INDEX import_runs_status',
        "CREATE INDEX import_runs_status ON import_runs (status) WHERE status = 'applying'",
        'ALTER TABLE slack_workspaces ADD CONSTRAINT slack_workspaces_enterprise UNIQUE (enterprise_id)',
        'ALTER TABLE pool_cursors DROP CONSTRAINT pool_cursors_pkey',
        'ALTER TABLE pool_cursors ADD PRIMARY KEY (pool_key, position)',
      ]);
      expect(found).toEqual([
        'import_runs.index.import_runs_status: sqlite {"columns":["status"],"unique":false,"partial":false} / ' +
          'postgres {"columns":["status"],"unique":false,"partial":true}',
        'leads.index.leads_progress: sqlite {"columns":["status","last_progress_at"],"unique":false,"partial":false} / ' +
          'postgres {"columns":["last_progress_at","status"],"unique":false,"partial":false}',
        'outbox.index.outbox_pending: sqlite {"columns":["status","not_before"],"unique":false,"partial":false} / ' +
          'postgres {"columns":["status","not_before"],"unique":true,"partial":false}',
        'pool_cursors.primaryKey: sqlite pool_key / postgres pool_key,position',
        'slack_workspaces.unique(enterprise_id): sqlite (missing) / postgres unique',
      ]);
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Column, getTableColumns, getTableName, is, Table } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sqliteSchema from '../../src/db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

// The runtime contract behind schema-postgres.ts: the stores are written once against schema.ts and also run
// on PostgreSQL, so every column of every table, encoded by schema.ts's column (booleans as 1/0, JSON as
// text) and stored in the Postgres column migrations/postgres made, must decode (by schema.ts's column
// again) to exactly what went in, as it does on SQLite. int8 is read as a JS number, as the engine layer
// configures its pool.

const SQLITE_MIGRATIONS = fileURLToPath(new URL('../../migrations/sqlite', import.meta.url));
const INT8 = 20;

/** Values that tell the column kinds apart: past int4, a fraction binary floats cannot hold exactly, JSON. */
const SAMPLES: Record<string, unknown[]> = {
  SQLiteInteger: [1_764_000_000_123, -3, 0],
  SQLiteBoolean: [true, false],
  SQLiteText: ["Ünïcode ✓ 'quoted' \\ %_", ''],
  SQLiteTextJson: [{ a: [1, 'x', null, { b: true }], n: 1.5, s: 'é"' }, ['U1', 'U2'], []],
  SQLiteReal: [0.1 + 0.2, -1e-300, 50_000.75],
};

function rows(columns: Column[]): Record<string, unknown>[] {
  const longest = Math.max(...columns.map((c) => SAMPLES[c.columnType]?.length ?? 1));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < longest; i++) {
    const samples = (c: Column) => SAMPLES[c.columnType] ?? [`(no sample for ${c.columnType})`];
    out.push(Object.fromEntries(columns.map((c) => [c.name, samples(c)[i % samples(c).length]])));
  }
  // And every nullable column null.
  out.push(Object.fromEntries(columns.map((c) => [c.name, c.notNull ? out[0]![c.name] : null])));
  return out;
}

const decode = (c: Column, raw: unknown) => (raw === null ? null : c.mapFromDriverValue(raw));
const encode = (c: Column, value: unknown) => (value === null ? null : c.mapToDriverValue(value));

describe('every column of schema.ts reads back the same on both engines', () => {
  let dir: string;
  let sqlite: Database.Database;
  let pgDb: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foothold-round-trip-'));
    sqlite = new Database(join(dir, 'round-trip.db'));
    migrate(drizzle(sqlite), { migrationsFolder: SQLITE_MIGRATIONS });
    sqlite.pragma('foreign_keys = OFF');
    pgDb = await createTestDatabase();
    client = new pg.Client({
      connectionString: pgDb.url,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    sqlite?.close();
    await pgDb?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('for each table: booleans, ms times past int4, doubles, JSON and text, and nulls', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const table of (Object.values(sqliteSchema) as unknown[]).filter((v): v is Table => is(v, Table))) {
      const name = getTableName(table);
      const columns = Object.values(getTableColumns(table)) as Column[];
      const list = columns.map((c) => `"${c.name}"`).join(', ');
      // A constraint-free copy of the Postgres table (same column types), so rows need no parents.
      await client.query(`CREATE TEMP TABLE "copy_${name}" (LIKE public."${name}")`);
      for (const row of rows(columns)) {
        const params = columns.map((c) => encode(c, row[c.name]));
        sqlite
          .prepare(`INSERT INTO "${name}" (${list}) VALUES (${columns.map(() => '?').join(', ')})`)
          .run(params);
        const fromSqlite = sqlite.prepare(`SELECT ${list} FROM "${name}"`).get() as Record<string, unknown>;
        sqlite.prepare(`DELETE FROM "${name}"`).run();
        const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
        await client.query(`INSERT INTO "copy_${name}" (${list}) VALUES (${placeholders})`, params);
        const fromPostgres = (await client.query(`DELETE FROM "copy_${name}" RETURNING ${list}`)).rows[0];
        for (const c of columns) {
          const want = row[c.name];
          const [lite, post] = [decode(c, fromSqlite[c.name]), decode(c, fromPostgres?.[c.name])];
          checked += 1;
          if (!Object.is(JSON.stringify(lite), JSON.stringify(want)) || typeof lite !== typeof want) {
            mismatches.push(
              `${name}.${c.name} on SQLite: ${JSON.stringify(lite)} for ${JSON.stringify(want)}`,
            );
          }
          if (JSON.stringify(post) !== JSON.stringify(want) || typeof post !== typeof want) {
            mismatches.push(
              `${name}.${c.name} on Postgres: ${JSON.stringify(post)} (${typeof post}) for ${JSON.stringify(want)}`,
            );
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(300 * 3);
  });

  it('would catch a wrong twin: an int4 column refuses a time in ms, a jsonb column reorders keys', async () => {
    await client.query('CREATE TEMP TABLE wrong (at integer, data jsonb)');
    await expect(client.query('INSERT INTO wrong (at) VALUES ($1)', [1_764_000_000_123])).rejects.toThrow(
      /out of range for type integer/,
    );
    const { rows: back } = await client.query('INSERT INTO wrong (data) VALUES ($1) RETURNING data', [
      JSON.stringify({ b: 1, a: 2 }),
    ]);
    // jsonb comes back parsed (schema.ts's decoder would JSON.parse an object) and with its keys reordered.
    expect(back[0]?.data).toEqual({ a: 2, b: 1 });
    expect(Object.keys(back[0]?.data as object)).toEqual(['a', 'b']);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProgramConfig, parseProgramConfig } from '../../src/config/program-config.ts';
import { closeDb, type Db, type EngineKind, openDb, openPostgres } from '../../src/db/connection.ts';
import { syncProgram } from '../../src/db/stores/program-store.ts';
import type { ServiceDeps } from '../../src/services/context.ts';
import { createTestDatabase } from './postgres.ts';

export const EXAMPLE_CONFIG_PATH = new URL('../../foothold.config.example.json', import.meta.url);

export function exampleConfigJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
}

export function testConfig(patch: (raw: Record<string, unknown>) => void = () => {}): ProgramConfig {
  const raw = exampleConfigJson();
  patch(raw);
  return parseProgramConfig(raw, 'test config');
}

/**
 * The engine this test run is for: vitest.config.ts runs the store, service, HTTP and reliability tests once per
 * engine (projects `sqlite` and `postgres`), setting FOOTHOLD_TEST_ENGINE.
 */
export function testEngine(): EngineKind {
  return process.env.FOOTHOLD_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

export interface TestDb {
  db: Db;
  engine: EngineKind;
  /** A temp dir for the test's files (the SQLite file lives here). */
  dir: string;
  /** The SQLite file, or on PostgreSQL the database URL. */
  path: string;
  /** On PostgreSQL, the database URL (DATABASE_URL for a bot process); undefined on SQLite. */
  url: string | undefined;
  /** What a bot process needs in its environment to open this database. */
  env: Record<string, string>;
  /** Opens another connection to the same database (as a second process would). */
  reopen(): Promise<Db>;
  cleanup(): Promise<void>;
}

/**
 * A fresh database with the real migrations applied, on the run's engine (`engine` forces one): a real SQLite
 * file in a fresh temp dir, or a new PostgreSQL database copied from the migrated template.
 */
export async function openTestDb(engine: EngineKind = testEngine()): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'foothold-'));
  const extra: Db[] = [];
  if (engine === 'postgres') {
    const database = await createTestDatabase();
    const open = () => openPostgres(database.url, { migrate: false, poolSize: 5 });
    const db = await open();
    return {
      db,
      engine,
      dir,
      path: database.url,
      url: database.url,
      env: { DATABASE_URL: database.url, DATABASE_PATH: join(dir, 'unused.db') },
      async reopen() {
        const other = await open();
        extra.push(other);
        return other;
      },
      async cleanup() {
        for (const d of [db, ...extra]) await closeDb(d);
        await database.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const path = join(dir, 'foothold.db');
  const db = openDb(path);
  return {
    db,
    engine,
    dir,
    path,
    url: undefined,
    env: { DATABASE_PATH: path },
    async reopen() {
      const other = openDb(path, { migrate: false });
      extra.push(other);
      return other;
    },
    async cleanup() {
      for (const d of [db, ...extra]) await closeDb(d);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A controllable clock: starts at `start` and moves only when told. */
export function testClock(start = Date.parse('2026-11-16T15:00:00Z')) {
  let t = start;
  return {
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export async function serviceDeps(db: Db, config: ProgramConfig, now: () => number): Promise<ServiceDeps> {
  await syncProgram(db, config, now());
  return { db, config, now, homeTeamIds: ['T0VENDOR'] };
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProgramConfig, parseProgramConfig } from '../../src/config/program-config.ts';
import { closeDb, type Db, openDb } from '../../src/db/connection.ts';
import { syncProgram } from '../../src/db/stores/lead-store.ts';
import type { ServiceDeps } from '../../src/services/context.ts';

export const EXAMPLE_CONFIG_PATH = new URL('../../foothold.config.example.json', import.meta.url);

export function exampleConfigJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
}

export function testConfig(patch: (raw: Record<string, unknown>) => void = () => {}): ProgramConfig {
  const raw = exampleConfigJson();
  patch(raw);
  return parseProgramConfig(raw, 'test config');
}

export interface TestDb {
  db: Db;
  dir: string;
  path: string;
  /** Opens another connection to the same file (as a second process would). */
  reopen(): Db;
  cleanup(): Promise<void>;
}

/** A real SQLite file in a fresh temp dir, with the real migrations applied. */
export function openTestDb(): TestDb {
  const dir = mkdtempSync(join(tmpdir(), 'foothold-'));
  const path = join(dir, 'foothold.db');
  const db = openDb(path);
  const extra: Db[] = [];
  return {
    db,
    dir,
    path,
    reopen() {
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

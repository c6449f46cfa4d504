import { closeSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { benchProgram, generateLeadsDb } from '../../bench/generate.ts';
import { closeDb, openDb, sqliteClient } from '../../src/db/connection.ts';
import { enqueue } from '../../src/db/stores/outbox-store.ts';
import { dm } from '../../src/services/notify.ts';

// Real databases with real pages damaged, for the start-up check: a generated program (the benchmarks'
// generator, real migrations) with queued messages, folded out of its WAL, then one page of a chosen b-tree
// overwritten on disk, the way a torn write or a bad sector would leave it.

export const FIXTURE_NOW = Date.parse('2026-11-16T15:00:00Z');

/** A closed, checkpointed database with `leads` leads and `outbox` queued messages. */
export async function buildDatabase(path: string, leads = 3000, outbox = 400): Promise<void> {
  await generateLeadsDb(path, { seed: 3, leads, now: FIXTURE_NOW, program: benchProgram(20, 3) });
  const db = openDb(path);
  const rendered = { text: 'hello', blocks: [] };
  await enqueue(
    db,
    Array.from({ length: outbox }, (_, i) => dm(`U${String(i).padStart(8, '0')}`, `k:${i}`, rendered, null)),
    FIXTURE_NOW,
  );
  sqliteClient(db).pragma('wal_checkpoint(TRUNCATE)');
  await closeDb(db);
}

export interface BtreePage {
  pageno: number;
  pagetype: string;
}

/** Pages of one table or index (from SQLite's dbstat), root first. */
export function pagesOf(path: string, btree: string): { pageSize: number; pages: BtreePage[] } {
  const db = new Database(path, { readonly: true });
  try {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const pages = db
      .prepare("SELECT pageno, pagetype FROM dbstat WHERE name = ? AND pagetype != 'overflow' ORDER BY path")
      .all(btree) as BtreePage[];
    return { pageSize, pages };
  } finally {
    db.close();
  }
}

/** Overwrites page `pageno` (1-based) with a repeating garbage pattern. */
export function corruptPage(path: string, pageno: number, pageSize: number): void {
  const garbage = Buffer.alloc(pageSize);
  for (let i = 0; i < pageSize; i += 1) garbage[i] = (i * 37 + 11) & 0xff;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, garbage, 0, pageSize, (pageno - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, openDb, sqliteClient } from '../../src/db/connection.ts';
import { checkDatabaseAtStartup } from '../../src/db/health.ts';
import { buildDatabase, corruptPage, pagesOf } from '../helpers/corrupt.ts';
import { openTestDb } from '../helpers/db.ts';
import { runMainOnce } from '../helpers/main-process.ts';
import { httpGet } from './support/bot-process.ts';
import { report, size } from './support/figures.ts';
import { ORGS, partnerPerson } from './support/program.ts';
import { startProgram, submissionPayload } from './support/slack-world.ts';

// Scenario 23 (issue 10, finding 5): a zero-byte file and a database with one bad page in `leads`, `outbox` or an
// index are refused at start-up with one line naming DATABASE_PATH and the restore command (measured: the
// start-up check's time at this size), and `/healthz` fails with a reason while the database cannot be written
// (it can grow no more: SQLITE_FULL), and recovers when it can.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-broken-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scenario 23: a broken database is refused', () => {
  it('zero-byte and corrupt files stop start-up with one line; /healthz fails while the database is full', async () => {
    const started = Date.now();
    const leads = size(3_000, 1_000_000);
    const refusals: string[] = [];

    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const e = runMainOnce(empty);
    expect(e.status).toBe(1);
    expect(e.stderr.trim().split('\n')).toEqual([
      `DATABASE_PATH=${empty} is an empty file (0 bytes), not a Foothold database; restore the latest backup with: npm run cli -- db restore <backup file> (or remove the file to start a new, empty database).`,
    ]);
    refusals.push('zero-byte');

    // One intact database of this size: the start-up check's time on it.
    const intact = join(dir, 'intact.db');
    await buildDatabase(intact, leads, 400);
    const db = openDb(intact);
    const check = checkDatabaseAtStartup(db, intact);
    await closeDb(db);
    expect(check.mode).toBe('full');

    for (const btree of ['leads', 'outbox', 'leads_domain']) {
      const path = join(dir, `bad-${btree}.db`);
      await buildDatabase(path, Math.min(leads, 3_000), 400);
      const { pageSize, pages } = pagesOf(path, btree);
      const leaves = pages.filter((p) => p.pagetype === 'leaf');
      corruptPage(path, (leaves[Math.floor(leaves.length / 2)] ?? pages[0]!).pageno, pageSize);
      const r = runMainOnce(path);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^DATABASE_PATH=${path} is corrupt \\(.*\\); restore the latest backup with: npm run cli -- db restore <backup file>\\.$`,
        ),
      );
      refusals.push(btree);
    }

    // /healthz while the database can grow no more, then again once it can.
    const tdb = await openTestDb();
    const h = await startProgram({ tdb });
    let requests = 0;
    try {
      const health = () => httpGet(`http://127.0.0.1:${h.port}/healthz`);
      requests++;
      expect((await health()).status).toBe(200);
      const pages = Number(sqliteClient(h.db).pragma('page_count', { simple: true }));
      sqliteClient(h.db).pragma(`max_page_count = ${pages}`);
      requests++;
      const full = await health();
      expect(full.status).toBe(503);
      expect(JSON.parse(full.body)).toMatchObject({
        ok: false,
        reason: `DATABASE_PATH=${tdb.path} is full (database or disk is full)`,
      });
      sqliteClient(h.db).pragma('max_page_count = 1073741823');
      requests++;
      expect((await health()).status).toBe(200);
      requests++;
      const res = await h.slack.viewSubmission(
        submissionPayload(partnerPerson(ORGS[0]!, 1), { website: 'after-full.com' }),
      );
      expect(res.status).toBe(200);
    } finally {
      await h.stop();
      await tdb.cleanup();
    }
    report({
      n: 23,
      name: 'Broken database: zero-byte, bad pages in leads / outbox / an index, full database',
      requests,
      faults: refusals.length + 1,
      inputs: refusals.length,
      checked: `${refusals.length} start-ups refused with one line naming DATABASE_PATH and the restore command (${refusals.join(', ')}); start-up quick_check of ${leads.toLocaleString('en-US')} leads (${check.pages.toLocaleString('en-US')} pages): ${Math.round(check.ms)} ms; /healthz 503 with the reason while the database could not grow, 200 again after`,
      ms: Date.now() - started,
    });
  }, 600_000);
});

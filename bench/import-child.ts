// One CSV import in a process of its own, so its peak resident memory (VmHWM) belongs to that import alone.
//
//   import-child.ts foothold <csv> <db>   Foothold's importAccounts (src/imports/import-accounts.ts)
//   import-child.ts raw <csv> <db>        the baseline: the same file through the same CSV parser, each record
//                                         inserted by one prepared statement, all in one transaction
//   import-child.ts into <csv> <db>       Foothold's importAccounts into an existing database (B7: the bot is
//                                         serving requests on it meanwhile); tells the parent when the write
//                                         phase starts ({ type: 'phase', phase: 'apply', at })
//   import-child.ts preparsed <csv> <db>  for context: the rows parsed into memory first (not timed), then
//                                         only the prepared-statement insert loop in one transaction is timed
//
// Each starts from a fresh database with the real migrations. Reports { ms, rows, hwmMiB } over IPC.

import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { parse } from 'csv-parse';
import { closeDb, openDb, sqliteClient } from '../src/db/connection.ts';
import { importAccounts } from '../src/imports/import-accounts.ts';

function hwmMiB(): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
  return kb / 1024;
}

const INSERT = `INSERT INTO crm_accounts (domain, name, industry, employees, country, revenue, owner_user_id,
  is_customer, has_open_opportunity, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`;

/** Account ID, Account Name, Website, Industry, Employees, Country, Revenue, Owner, Owner Slack ID, Type. */
function rowValues(r: string[], now: number): unknown[] {
  return [
    r[2],
    r[1],
    r[3] || null,
    r[4] ? Number(r[4]) : null,
    r[5] || null,
    r[6] ? Number(r[6]) : null,
    r[8] || null,
    r[9]?.startsWith('Customer') ? 1 : 0,
    now,
  ];
}

async function main(): Promise<void> {
  const [mode, csv, dbPath] = process.argv.slice(2) as [string, string, string];
  const into = mode === 'into';
  if (!into) for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  const db = openDb(dbPath);
  const now = Date.now();
  const c = sqliteClient(db);
  let rows = 0;
  let ms = 0;
  let detail: Record<string, unknown> = {};
  if (mode === 'foothold' || into) {
    const t = performance.now();
    let applying = false;
    const res = await importAccounts(db, csv, {
      now,
      onApplyProgress: () => {
        if (applying) return;
        applying = true;
        process.send?.({ type: 'phase', phase: 'apply', at: Date.now() });
      },
    });
    ms = performance.now() - t;
    rows = res.accepted;
    detail = { inserted: res.inserted, rejected: res.rejected.length, applied: res.applied };
  } else if (mode === 'raw') {
    const t = performance.now();
    const insert = c.prepare(INSERT);
    c.exec('BEGIN IMMEDIATE');
    let header = true;
    for await (const r of createReadStream(csv).pipe(parse({ bom: true, relax_column_count: true }))) {
      if (header) {
        header = false;
        continue;
      }
      insert.run(rowValues(r as string[], now));
      rows++;
    }
    c.exec('COMMIT');
    ms = performance.now() - t;
  } else {
    const records: unknown[][] = [];
    let header = true;
    for await (const r of createReadStream(csv).pipe(parse({ bom: true, relax_column_count: true }))) {
      if (header) {
        header = false;
        continue;
      }
      records.push(rowValues(r as string[], now));
    }
    const insert = c.prepare(INSERT);
    const t = performance.now();
    c.transaction(() => {
      for (const v of records) insert.run(v);
    }).immediate();
    ms = performance.now() - t;
    rows = records.length;
  }
  const stored = (c.prepare('SELECT count(*) AS n FROM crm_accounts').get() as { n: number }).n;
  await closeDb(db);
  if (!into) for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  process.send?.({ type: 'ready', ms, rows, stored, hwmMiB: hwmMiB(), ...detail });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});

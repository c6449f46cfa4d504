// One CRM sync in a process of its own, so its peak resident memory (VmHWM) belongs to that sync alone.
//
//   crm-sync-child.ts foothold <url> <db>  Foothold's crm-sync (src/crm/sync.ts through jsforce): COUNT(),
//                                          queryAll + queryMore pages, each page normalised (registrable
//                                          domain, country, owner) and written with its cursor in one
//                                          transaction, then getDeleted, for accounts and then opportunities
//   crm-sync-child.ts bare <url> <db>      the baseline: fetch() the same token, queryAll and queryMore pages
//                                          and insert every row with a prepared statement, one transaction a page
//
// Both start from a fresh database with the real migrations. Reports { ms, accounts, opportunities, hwmMiB,
// heapMiB } (heapMiB: the peak live V8 heap, after a GC every 5th page).

import { readFileSync, rmSync } from 'node:fs';
import { parseCrmEnv } from '../src/config/env.ts';
import { parseProgramConfig } from '../src/config/program-config.ts';
import { createOwnerResolver } from '../src/crm/owners.ts';
import { createCrmProvider } from '../src/crm/provider.ts';
import { runCrmSync } from '../src/crm/sync.ts';
import { closeDb, openDb, sqliteClient } from '../src/db/connection.ts';

const VERSION = '66.0';

/**
 * Peak V8 heap in use after a full GC (the live set, not garbage awaiting collection), sampled after every
 * 5th page written. The child runs with --expose-gc; a GC costs a few ms, the same for both modes.
 */
let peakHeap = 0;
let pagesSeen = 0;
function sampleHeap(): void {
  pagesSeen += 1;
  if (pagesSeen % 5 !== 0) return;
  (globalThis as { gc?: () => void }).gc?.();
  const h = process.memoryUsage().heapUsed;
  if (h > peakHeap) peakHeap = h;
}

function hwmMiB(): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function bare(
  url: string,
  db: ReturnType<typeof openDb>,
): Promise<{ accounts: number; opportunities: number }> {
  const c = sqliteClient(db);
  const token = (await (
    await fetch(`${url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=sf-client-id&client_secret=sf-client-secret',
    })
  ).json()) as { access_token: string };
  const headers = { authorization: `Bearer ${token.access_token}`, 'sforce-query-options': 'batchSize=2000' };
  const now = Date.now();
  const insertAccount = c.prepare(
    `INSERT OR REPLACE INTO crm_accounts (domain, name, industry, employees, country, revenue, is_customer,
       has_open_opportunity, imported_at, crm_provider, crm_id, owner_email, crm_updated_at, synced_at)
     VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, 'salesforce', ?, ?, ?, ?)`,
  );
  const insertOpp = c.prepare(
    `INSERT OR REPLACE INTO crm_opportunities (crm_provider, crm_id, account_crm_id, name, stage_id, is_closed,
       is_won, amount, close_date, owner_email, crm_created_at, crm_updated_at, synced_at)
     VALUES ('salesforce', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  type Row = Record<string, unknown> & { Owner?: { Email?: string } | null };
  const walk = async (soql: string, apply: (rows: Row[]) => void): Promise<number> => {
    let next: string | undefined = `/services/data/v${VERSION}/queryAll?q=${encodeURIComponent(soql)}`;
    let n = 0;
    while (next) {
      const page = (await (await fetch(`${url}${next}`, { headers })).json()) as {
        records: Row[];
        nextRecordsUrl?: string;
      };
      c.transaction(() => apply(page.records)).immediate();
      sampleHeap();
      n += page.records.length;
      next = page.nextRecordsUrl;
    }
    return n;
  };
  const accounts = await walk(
    'SELECT Id, Name, Website, Industry, NumberOfEmployees, BillingCountry, AnnualRevenue, Type, Owner.Email, SystemModstamp, IsDeleted, MasterRecordId FROM Account ORDER BY SystemModstamp ASC, Id ASC',
    (rows) => {
      for (const r of rows) {
        insertAccount.run(
          String(r.Website),
          r.Name,
          r.Industry ?? null,
          r.NumberOfEmployees ?? null,
          r.BillingCountry ?? null,
          r.AnnualRevenue ?? null,
          now,
          r.Id,
          r.Owner?.Email ?? null,
          Date.parse(String(r.SystemModstamp).replace('+0000', 'Z')),
          now,
        );
      }
    },
  );
  const opportunities = await walk(
    'SELECT Id, AccountId, Name, StageName, IsClosed, IsWon, Amount, CloseDate, Owner.Email, CreatedDate, SystemModstamp, IsDeleted FROM Opportunity ORDER BY SystemModstamp ASC, Id ASC',
    (rows) => {
      for (const r of rows) {
        insertOpp.run(
          r.Id,
          r.AccountId ?? null,
          r.Name,
          r.StageName,
          r.IsClosed ? 1 : 0,
          r.IsWon ? 1 : 0,
          r.Amount ?? null,
          r.CloseDate ?? null,
          r.Owner?.Email ?? null,
          Date.parse(String(r.CreatedDate).replace('+0000', 'Z')),
          Date.parse(String(r.SystemModstamp).replace('+0000', 'Z')),
          now,
        );
      }
    },
  );
  return { accounts, opportunities };
}

async function foothold(
  url: string,
  db: ReturnType<typeof openDb>,
  configPath: string,
): Promise<{ accounts: number; opportunities: number; error: string | null }> {
  const config = parseProgramConfig(JSON.parse(readFileSync(configPath, 'utf8')));
  const crm = config.crm;
  if (!crm) throw new Error('bench config has no crm section');
  const env = parseCrmEnv({
    SALESFORCE_LOGIN_URL: url,
    SALESFORCE_CLIENT_ID: 'sf-client-id',
    SALESFORCE_CLIENT_SECRET: 'sf-client-secret',
    SALESFORCE_API_VERSION: VERSION,
  });
  const provider = createCrmProvider(env, crm);
  const owners = createOwnerResolver({ db, lookupByEmail: null, ttlMs: 86_400_000, now: Date.now });
  const s = await runCrmSync({ db, crm, provider, owners }, { now: Date.now, onPage: sampleHeap });
  return { accounts: s.accounts.read, opportunities: s.opportunities.read, error: s.error?.message ?? null };
}

async function main(): Promise<void> {
  const [mode, url, dbPath, configPath] = process.argv.slice(2) as [string, string, string, string];
  for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  const db = openDb(dbPath);
  const t = performance.now();
  const result =
    mode === 'bare' ? { ...(await bare(url, db)), error: null } : await foothold(url, db, configPath);
  const ms = performance.now() - t;
  const stored = (sqliteClient(db).prepare('SELECT count(*) AS n FROM crm_accounts').get() as { n: number })
    .n;
  await closeDb(db);
  for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
  process.send?.({ type: 'ready', ms, stored, hwmMiB: hwmMiB(), heapMiB: peakHeap / 2 ** 20, ...result });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});

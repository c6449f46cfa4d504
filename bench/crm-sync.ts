// B7: a full CRM sync (PRODUCT.md section 11) of N accounts and N/5 opportunities from the Salesforce stand-in
// (src/dev/crm-stand-ins/salesforce.ts, driven through jsforce), each run in its own process.
//
// Throughput: Foothold's crm-sync beside a bare loop that fetches the same pages (token, queryAll, queryMore
// at batchSize 2000) and inserts the rows with prepared statements, one transaction a page. Records per second
// counts accounts + opportunities.
// Memory: the peak V8 heap of the full-size sync beside a sync of a fifth of it (pages stream, so it stays
// flat), and for context the growth of peak RSS (VmHWM) beside the bare loop's: RSS also holds SQLite's page
// cache (64 MiB at most), which grows with the database file whoever writes it.

import { writeFileSync } from 'node:fs';
import { sfDateTime, startSalesforceStandIn } from '../src/dev/crm-stand-ins/salesforce.ts';
import { type Figure, figure, log, startChild, summarize } from './lib.ts';

export interface CrmSyncBenchOptions {
  accounts: number;
  reps: number;
  dataDir: string;
  /** The program config the Foothold run reads (it gets a Salesforce crm section). */
  program: { raw: Record<string, unknown> };
}

interface SyncRun {
  ms: number;
  accounts: number;
  opportunities: number;
  stored: number;
  hwmMiB: number;
  heapMiB: number;
  error: string | null;
}

const INDUSTRIES = ['Technology', 'Finance', 'Healthcare', 'Retail', 'Manufacturing'];
const COUNTRIES = ['United States', 'Germany', 'GB', 'France', 'Canada'];
const STAGES = ['Prospecting', 'Qualification', 'Proposal/Price Quote', 'Closed Won', 'Closed Lost'];

async function standIn(accounts: number) {
  const sf = await startSalesforceStandIn();
  sf.http.setLogging(false);
  const base = Date.parse('2026-01-01T00:00:00Z');
  const owners = Array.from({ length: 50 }, (_, i) =>
    sf.put('User', { Email: `rep${i}@vendor.example`, IsActive: true }),
  );
  const ids: string[] = [];
  for (let i = 0; i < accounts; i += 1) {
    ids.push(
      sf.put('Account', {
        Name: `Account ${i}`,
        Website: `https://www.account-${i}.com/`,
        Industry: INDUSTRIES[i % INDUSTRIES.length],
        NumberOfEmployees: 10 + (i % 5000),
        BillingCountry: COUNTRIES[i % COUNTRIES.length],
        AnnualRevenue: 100_000 * (i % 97),
        Type: i % 10 === 0 ? 'Customer - Direct' : 'Prospect',
        OwnerId: owners[i % owners.length],
        SystemModstamp: sfDateTime(base + i * 1000),
      }),
    );
  }
  for (let i = 0; i < accounts / 5; i += 1) {
    sf.put('Opportunity', {
      Name: `Opportunity ${i}`,
      AccountId: ids[(i * 5) % ids.length],
      StageName: STAGES[i % STAGES.length],
      Amount: 1000 + i,
      CloseDate: '2026-12-31',
      OwnerId: owners[i % owners.length],
      CreatedDate: sfDateTime(base + i * 1000),
      SystemModstamp: sfDateTime(base + i * 1000),
    });
  }
  return sf;
}

async function runSync(
  mode: 'foothold' | 'bare',
  url: string,
  dir: string,
  configPath: string,
): Promise<SyncRun> {
  const child = await startChild<SyncRun>(
    './crm-sync-child.ts',
    [mode, url, `${dir}/crm-sync-${mode}.db`, configPath],
    {
      timeoutMs: 20 * 60_000,
      execArgv: ['--expose-gc'],
    },
  );
  await child.stop();
  if (child.ready.error) log(`  B7 warning: ${mode} stopped: ${child.ready.error}`);
  return child.ready;
}

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

export async function runCrmSyncBench(
  o: CrmSyncBenchOptions,
): Promise<{ figures: Figure[]; info: Record<string, unknown> }> {
  const configPath = `${o.dataDir}/bench-crm.config.json`;
  writeFileSync(
    configPath,
    JSON.stringify({
      ...o.program.raw,
      crm: {
        provider: 'salesforce',
        bulkThreshold: 10_000_000,
        stages: {
          Prospecting: 'meeting_held',
          Qualification: 'opportunity',
          'Closed Won': 'won',
          'Closed Lost': 'lost',
        },
      },
    }),
  );
  const fifth = Math.round(o.accounts / 5);
  const rps = (r: SyncRun) => (r.accounts + r.opportunities) / (r.ms / 1000);

  const t = performance.now();
  const full = await standIn(o.accounts);
  log(
    `  stand-in with ${label(o.accounts)} accounts and ${label(o.accounts / 5)} opportunities ready in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const foothold: SyncRun[] = [];
  const bare: SyncRun[] = [];
  try {
    for (let i = 0; i < o.reps; i += 1) {
      const order: Array<'foothold' | 'bare'> = i % 2 ? ['bare', 'foothold'] : ['foothold', 'bare'];
      for (const mode of order)
        (mode === 'foothold' ? foothold : bare).push(await runSync(mode, full.url, o.dataDir, configPath));
      log(
        `  crm sync rep ${i + 1}/${o.reps}: Foothold ${(foothold.at(-1)!.ms / 1000).toFixed(1)} s, bare loop ${(bare.at(-1)!.ms / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await full.close();
  }
  const smallStandIn = await standIn(fifth);
  let small: SyncRun;
  let smallBare: SyncRun;
  try {
    small = await runSync('foothold', smallStandIn.url, o.dataDir, configPath);
    smallBare = await runSync('bare', smallStandIn.url, o.dataDir, configPath);
  } finally {
    await smallStandIn.close();
  }
  log(
    `  ${label(fifth)}-account sync: ${(small.ms / 1000).toFixed(1)} s, peak heap ${small.heapMiB.toFixed(0)} MiB, peak RSS ${small.hwmMiB.toFixed(0)} MiB (bare loop ${smallBare.hwmMiB.toFixed(0)} MiB)`,
  );
  const hwmGrowth = (big: SyncRun[], one: SyncRun) => summarize(big.map((r) => r.hwmMiB / one.hwmMiB));
  return {
    figures: [
      figure({
        id: 'B7',
        what: `CRM sync, ${label(o.accounts)} accounts + ${label(o.accounts / 5)} opportunities`,
        unit: 'records/s',
        value: summarize(foothold.map(rps)),
        baseline: summarize(bare.map(rps)),
        baselineName: 'bare fetch + insert loop',
        target: '≥ 0.5× bare loop',
        check: (_v, r) => r >= 0.5,
      }),
      figure({
        id: 'B7',
        what: `CRM sync peak live JS heap, ${label(o.accounts)} vs ${label(fifth)} accounts`,
        unit: 'MiB',
        value: summarize(foothold.map((r) => r.heapMiB)),
        baseline: summarize([small.heapMiB]),
        baselineName: `(${label(fifth)}-account sync)`,
        target: '≤ 1.25× (flat)',
        check: (_v, r) => r <= 1.25,
      }),
      figure({
        id: 'B7',
        what: `CRM sync peak RSS growth, ${label(fifth)} → ${label(o.accounts)} accounts`,
        unit: '×',
        value: hwmGrowth(foothold, small),
        baseline: hwmGrowth(bare, smallBare),
        baselineName: 'bare loop (SQLite page cache grows with the file)',
        target: '(context)',
      }),
    ],
    info: { foothold, bare, fifth: small, fifthBare: smallBare },
  };
}

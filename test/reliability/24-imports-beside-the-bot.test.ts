import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { generatedAccounts } from '../imports/helpers.ts';
import { type BotDatabase, botDatabase, sqliteIntegrity } from './support/bot-database.ts';
import { type BotProcess, REPO_ROOT, startBot } from './support/bot-process.ts';
import { report, size } from './support/figures.ts';
import { ORGS, partnerPerson, programStandIn, writeProgramConfig } from './support/program.ts';
import { submissionPayload, waitUntil } from './support/slack-world.ts';

// Scenario 24 (issue 10, finding 6): `import accounts` runs as its own process beside the running bot while
// partners keep submitting. Every submission is acknowledged and stored while the import writes (the import
// leaves the write lock free between short batches; its slowest ack is reported, the benchmark B7 measures the
// p99); then an import killed with SIGKILL half-way through its writes is named by the next import, and running
// it again completes it: every account once, integrity ok.

let standIn: SlackStandIn;
let dir: string;
let bot: BotProcess | null = null;
let database: BotDatabase | null = null;
beforeAll(async () => {
  standIn = await startSlackStandIn(programStandIn());
  dir = mkdtempSync(join(tmpdir(), 'foothold-import-load-'));
});
afterAll(async () => {
  bot?.kill('SIGKILL');
  await bot?.exited;
  await standIn?.close();
  await database?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function importProcess(csv: string, db: BotDatabase, configPath: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import', 'accounts', csv], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...db.env, FOOTHOLD_CONFIG: configPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, exited };
}

async function importState(
  db: BotDatabase,
): Promise<{ status: string; applied: number; total: number } | null> {
  try {
    const [row] = await db.all<{ status: string; applied: number; total: number }>(
      'select status, rows_applied as applied, rows_total as total from import_runs order by id desc limit 1',
    );
    return row ?? null;
  } catch {
    return null;
  }
}

describe('scenario 24: imports beside the running bot', () => {
  it('submissions are acknowledged while an import writes; an import killed half-way is completed by running it again', async () => {
    const started = Date.now();
    const rows = size(20_000, 250_000);
    const configPath = writeProgramConfig(dir);
    const db = await botDatabase(dir, 'live');
    database = db;
    bot = await startBot({ apiUrl: standIn.apiUrl, database: db.env, configPath });
    const b = bot;
    const people = ORGS.flatMap((o) => [1, 2, 3].map((i) => partnerPerson(o, i)));
    const csv = join(dir, 'accounts.csv');
    writeFileSync(csv, generatedAccounts(rows));

    // ── an import beside a steady stream of submissions ────────────────────────────────────────────────
    const imp = importProcess(csv, db, configPath);
    let done = false;
    void imp.exited.then(() => {
      done = true;
    });
    const acks: number[] = [];
    const acked: string[] = [];
    let duringWrites = 0;
    let requests = 0;
    while (!done) {
      const domain = `load${requests}-imports.com`;
      const t = performance.now();
      requests++;
      const res = await b.slack.viewSubmission(
        submissionPayload(people[requests % people.length]!, { website: domain }),
      );
      acks.push(performance.now() - t);
      expect(res.status).toBe(200);
      if ((res.json as { response_action?: string } | null)?.response_action === 'update') acked.push(domain);
      if ((await importState(db))?.status === 'applying') duringWrites++;
      await new Promise((r) => setTimeout(r, 50));
    }
    const first = await imp.exited;
    expect(first.code, first.out).toBe(0);
    expect(duringWrites).toBeGreaterThan(0);

    // ── an import killed half-way through its writes, then run again ─────────────────────────────────
    const csv2 = join(dir, 'accounts-2.csv');
    writeFileSync(csv2, generatedAccounts(rows).replaceAll('company', 'firm'));
    const killed = importProcess(csv2, db, configPath);
    await waitUntil(
      'the import to write its first batches',
      async () => {
        const s = await importState(db);
        return s !== null && s.status === 'applying' && s.applied > 0;
      },
      300_000,
      20,
    );
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    const cut = await importState(db);
    expect(cut?.applied).toBeLessThan(rows);
    const again = await runCliCaptured(['import', 'accounts', csv2], {
      ...db.env,
      FOOTHOLD_CONFIG: configPath,
    });
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(
      /An earlier accounts import \(started .*\) was interrupted after [\d,]+ of [\d,]+ rows; run that import again/,
    );

    b.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    bot = null;
    const accounts = await db.count('select count(*) as n from crm_accounts');
    const domains = new Set(
      (await db.all<{ domain: string }>('select domain from leads')).map((r) => r.domain),
    );
    // SQLite's file check (PostgreSQL's server owns its pages).
    if (db.engine === 'sqlite') expect(sqliteIntegrity(db)).toBe('ok');
    expect(accounts).toBe(2 * rows);
    expect(acked.filter((d) => !domains.has(d))).toEqual([]);
    const slowest = Math.max(...acks);
    report({
      n: 24,
      name: 'Imports beside the running bot: submissions during a CSV import; an import killed half-way',
      requests,
      faults: 1,
      inputs: 2 * rows,
      checked: `${requests} submissions during a ${rows.toLocaleString('en-US')}-row import in its own process (${duringWrites} while it wrote), all acknowledged and stored, slowest ack ${Math.round(slowest)} ms; an import killed with SIGKILL after ${cut?.applied.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows was named by the next run, which completed it (${accounts.toLocaleString('en-US')} accounts, integrity ok)`,
      ms: Date.now() - started,
    });
  }, 900_000);
});

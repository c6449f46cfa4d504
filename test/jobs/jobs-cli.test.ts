import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { closeDb } from '../../src/db/connection.ts';
import { setRoutingPost } from '../../src/db/stores/lead-store.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { goodSubmission, REP1 } from '../helpers/actors.ts';
import { EXAMPLE_CONFIG_PATH, openTestDb, serviceDeps, type TestDb, testConfig } from '../helpers/db.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';
import { at, MONDAY_10AM } from './helpers.ts';

// `jobs run` and `report`, in-process, against a seeded database file.

class Buffered extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let t: TestDb;
let env: Record<string, string>;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Buffered();
  const stderr = new Buffered();
  const code = await runCli(argv, { stdout, stderr, env, cwd: t.dir, now: () => at('2026-11-23T14:00:00Z') });
  return { code, out: stdout.text, err: stderr.text };
}

beforeEach(async () => {
  t = await openTestDb();
  env = { ...t.env, FOOTHOLD_CONFIG: EXAMPLE_CONFIG_PATH.pathname };
  const deps = await serviceDeps(t.db, testConfig(), () => MONDAY_10AM);
  for (const [i, name] of ['Acme', 'Globex', 'Initech'].entries()) {
    const res = await submitLead(
      deps,
      goodSubmission({ accountName: name, website: `${name.toLowerCase()}.com` }),
    );
    if (res.kind !== 'created') throw new Error('seed');
    await setRoutingPost(t.db, res.leadId, 'C0ROUTING', `1763300000.00000${i}`);
    if (i > 0) await claimLead(deps, { actor: REP1, leadId: res.leadId });
    if (i === 2) await recordOutcome(deps, { actor: REP1, leadId: res.leadId, outcome: 'won' });
  }
  await sqlRun(t.db, "update outbox set status = 'sent'");
  await closeDb(t.db);
});
afterEach(() => t.cleanup());

const pending = async () => {
  const db = await t.reopen();
  try {
    return await sqlAll(
      db,
      "select recipient, delivery_key from outbox where status = 'pending' order by id",
    );
  } finally {
    await closeDb(db);
  }
};

describe('jobs run', () => {
  it('runs the SLA job once at --now and reports what it queued to whom; a second run queues nothing', async () => {
    const first = await cli('jobs', 'run', 'sla', '--now', '2026-11-19T15:30:00Z');
    expect(first.code).toBe(0);
    expect(first.err).toBe('');
    expect(first.out).toMatch(/^sla at 2026-11-19 10:30 EST: 3 messages queued, 0 transitions\./);
    expect(first.out).toContain('U0PAM  reminders  now  1 claim reminder (lead #1)');
    expect(await pending()).toHaveLength(3);

    const second = await cli('jobs', 'run', 'sla', '--now', '2026-11-19T15:30:00Z');
    expect(second.out).toBe('sla at 2026-11-19 10:30 EST: nothing due (or already done for this period).\n');
    expect(await pending()).toHaveLength(3);
  });

  it('--dry-run reports and writes nothing', async () => {
    const dry = await cli('jobs', 'run', 'expiry', '--now', '2027-02-20T15:00:00Z', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('(dry run: nothing was written)');
    expect(dry.out).toContain('lead #1: qualified → expired');
    expect(await pending()).toHaveLength(0);
    const real = await cli('jobs', 'run', 'expiry', '--now', '2027-02-20T15:00:00Z');
    expect(real.out).toContain('2 transitions');
    expect((await pending()).length).toBeGreaterThan(0);
  });

  it('--dry-run prints every message in full, to every recipient, with roles synced from the config first', async () => {
    // A database whose roles were never synced (the bot has not started since the config gained a leader).
    const db = await t.reopen();
    await sqlRun(db, 'delete from person_roles');
    await closeDb(db);
    const dry = await cli('jobs', 'run', 'digest', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(
      /^digest 2026-W48 at 2026-11-23 09:00 EST \(dry run: nothing was written\): 6 messages would be queued/,
    );
    // Each message in full: who, how, when, then the digest as Slack shows it, funnel included.
    const sections = dry.out.split('\n── ').slice(1);
    expect(sections.map((s) => s.split(' ──')[0])).toEqual([
      '#C0LEADERS · digest · posts · now',
      '#C0LEADERS · chart · uploads funnel.png · now',
      '#C0LEADERS · chart · uploads cohort-trend.png · now',
      'DM to U0LEAD · digest · posts · now',
      'DM to U0LEAD · chart · uploads funnel.png · now',
      'DM to U0LEAD · chart · uploads cohort-trend.png · now',
    ]);
    expect(sections[1]).toContain('Funnel, trailing 90 days: EQLs 3, Claimed 2 (67%)');
    for (const section of sections.filter((s) => s.includes('· digest ·'))) {
      expect(section).toContain('FOOTHOLD DIGEST');
      expect(section).toMatch(/Funnel/);
      expect(section).toMatch(/3\* EQLs/);
      expect(section).toMatch(/2\* claimed \(67% of EQLs\)/);
    }
    // Nothing written: no ledger row, no outbox row, and the roles are as they were.
    const after = await t.reopen();
    try {
      const count = async (table: string) =>
        ((await sqlGet(after, `select count(*) as n from ${table}`)) as { n: number }).n;
      expect([await count('person_roles'), await count('job_runs')]).toEqual([0, 0]);
    } finally {
      await closeDb(after);
    }
    expect(await pending()).toHaveLength(0);
  });

  it('runs the digest for the current week, then says it was already sent', async () => {
    const first = await cli('jobs', 'run', 'digest');
    expect(first.out).toMatch(/^digest 2026-W48 at 2026-11-23 09:00 EST: 6 messages queued/);
    expect(first.out).toContain('C0LEADERS  chart  now  funnel.png');
    expect(first.out).toContain('C0LEADERS  digest  now');
    expect(first.out).toContain('U0LEAD  digest  now');
    const second = await cli('jobs', 'run', 'digest');
    expect(second.out).toContain('nothing to do: the digest for 2026-W48 was already sent.');
  });

  it('refuses unknown jobs and bad times with the usage', async () => {
    const bad = await cli('jobs', 'run', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      'unknown job "nope"; jobs: sla, expiry, digest, scorecards, crm-sync, model-fit, insights, overlap-first, partner-scorecards',
    );
    const when = await cli('jobs', 'run', 'sla', '--now', 'tuesday');
    expect(when.code).toBe(2);
    expect(when.err).toContain('--now "tuesday" is not an ISO time');
  });
});

describe('report', () => {
  it('prints the metrics as a table, CSV and JSON, every count with its rate', async () => {
    const table = await cli('report');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/intake\s+qualified\s+3\s+3\s+100\.0%\s+of surfaced/);
    expect(table.out).toMatch(/funnel\s+claimed\s+2\s+3\s+66\.7%\s+of EQLs/);
    expect(table.out).toMatch(/funnel\s+won\s+1\s+3\s+33\.3%\s+of EQLs/);

    const csv = await cli('report', '--format', 'csv', '--since', '2026-11-01');
    expect(csv.out.split('\n')[0]).toBe('section,metric,count,of,rate,note');
    expect(csv.out).toContain('funnel,won,1,3,0.3333,of EQLs');
    expect(csv.out).toContain(
      'partner_northwind,eql,3,3,1.0000,Northwind Consulting; not ranked (below minimum sample)',
    );

    const json = JSON.parse((await cli('report', '--format', 'json')).out) as {
      metrics: { funnel: { eql: number; overall: { won: number } } };
    };
    expect(json.metrics.funnel.eql).toBe(3);
    expect(json.metrics.funnel.overall.won).toBeCloseTo(1 / 3);

    const digest = await cli('report', '--digest');
    expect(digest.code).toBe(0);
    expect(digest.out).toMatch(/^📊 FOOTHOLD DIGEST\n/);
    expect(digest.out).toMatch(/\*Funnel\* · EQL → claimed → opportunity → won/);
    expect(digest.out).toMatch(/\*3\* EQLs/);
    expect(digest.out).toMatch(/\*1\* won/);
    expect(digest.out).toMatch(/Partner leaderboard/);

    const none = await cli('report', '--since', '2026-12-01');
    expect(none.out).toMatch(/intake\s+surfaced\s+0/);
    expect((await cli('report', '--format', 'xml')).code).toBe(2);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, openDb, sqliteClient } from '../../src/db/connection.ts';
import { seedSampleProgram } from '../../src/dev/sample-program.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { EXAMPLE_CONFIG_PATH, testConfig } from '../helpers/db.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// `foothold seed --sample`: a realistic program in an empty database through the real imports and use cases.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-seed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-11-23T14:00:00Z');
const cli = (...argv: string[]) =>
  runCliCaptured(
    argv,
    { DATABASE_PATH: join(dir, 'sample.db'), FOOTHOLD_CONFIG: EXAMPLE_CONFIG_PATH.pathname },
    dir,
    () => NOW,
  );

describe('seed --sample', () => {
  it('fills an empty database with months of leads and outcomes, sends nothing, and refuses to run twice', async () => {
    const res = await cli('seed', '--sample', '--leads', '150', '--months', '4');
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    const m =
      /: ([\d,]+) CRM accounts, ([\d,]+) overlaps, ([\d,]+) leads \((\d+) EQLs, (\d+) candidates; (\d+) won, (\d+) lost\), (\d+) conflicts refused\./.exec(
        res.out,
      );
    expect(m, res.out).not.toBeNull();
    const [accounts, , leads, eqls, candidates, won, lost, conflicts] = (m ?? [])
      .slice(1)
      .map((v) => Number(v.replace(/,/g, '')));
    expect(accounts).toBe(450);
    expect(leads! + conflicts!).toBe(150);
    expect(eqls).toBeGreaterThan(20);
    expect(candidates).toBeGreaterThan(10);
    expect(won! + lost!).toBeGreaterThan(0);

    const db = openDb(join(dir, 'sample.db'), { migrate: false });
    try {
      const q = async (sql: string) => await sqlAll(db, sql);
      // Leads spread over the four months, with the real audit trail; nothing left to send to Slack.
      const span = (await sqlGet(db, 'select min(created_at) as a, max(created_at) as b from leads')) as {
        a: number;
        b: number;
      };
      expect(NOW - span.a).toBeGreaterThan(100 * 86_400_000);
      expect(span.b).toBeLessThanOrEqual(NOW);
      expect(await q("select count(*) as n from outbox where status in ('pending', 'failed')")).toEqual([
        { n: 0 },
      ]);
      expect(
        await q("select count(*) as n from lead_events where type = 'transition' and to_status = 'won'"),
      ).toEqual([{ n: won }]);
      expect(
        ((await q('select count(distinct partner_slug) as n from leads')) as Array<{ n: number }>)[0]?.n,
      ).toBe(2);
      expect(
        (
          (await q("select count(*) as n from leads where attribution = 'influenced'")) as Array<{
            n: number;
          }>
        )[0]?.n,
      ).toBeGreaterThan(0);
    } finally {
      await closeDb(db);
    }

    // The digest over the sample reads as a real program's.
    const digest = await cli('report', '--digest');
    expect(digest.out).toMatch(/\*[\d,]+\* surfaced:/);
    expect(digest.out).toMatch(/Partner leaderboard/);

    const again = await cli('seed', '--sample');
    expect(again.code).toBe(1);
    expect(again.err).toContain(`the database already holds ${leads} leads; a sample goes into an empty one`);
    expect((await cli('seed')).err).toContain('only --sample is supported');
  });
});

describe('seedSampleProgram on a connection that stays open (the playground)', () => {
  it('gives the connection its full fsync back afterwards, also when seeding fails', async () => {
    const db = openDb(join(dir, 'open.db'));
    try {
      const config = testConfig();
      await seedSampleProgram(db, config, { leads: 20, months: 2, now: NOW });
      expect(sqliteClient(db).pragma('synchronous', { simple: true })).toBe(2);
      await expect(seedSampleProgram(db, config, { leads: 20, months: 2, now: NOW })).rejects.toThrow(
        /already holds/,
      );
      const noPartners = { ...config, partners: [] };
      const empty = openDb(join(dir, 'empty.db'));
      try {
        await expect(seedSampleProgram(empty, noPartners, { leads: 5, months: 1, now: NOW })).rejects.toThrow(
          'the config has no partners',
        );
        expect(sqliteClient(empty).pragma('synchronous', { simple: true })).toBe(2);
      } finally {
        await closeDb(empty);
      }
    } finally {
      await closeDb(db);
    }
  });
});

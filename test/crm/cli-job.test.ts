import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { closeDb, openDb } from '../../src/db/connection.ts';
import { type HubSpotStandIn, startHubSpotStandIn } from '../../src/dev/crm-stand-ins/hubspot.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// `foothold crm sync` and `foothold jobs run crm-sync`, in-process, against the HubSpot and Slack stand-ins.

class Buffered extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString('utf8');
    cb();
  }
}

let dir: string;
let hs: HubSpotStandIn;
let slack: SlackStandIn;
let env: Record<string, string>;
const T0 = Date.parse('2026-11-01T00:00:00Z');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-'));
  copyFileSync(
    new URL('../../foothold.config.example.json', import.meta.url),
    join(dir, 'foothold.config.json'),
  );
  hs = await startHubSpotStandIn({
    owners: [
      { id: '1', email: 'rep1@vendor.example' },
      { id: '2', email: 'ghost@vendor.example' },
    ],
  });
  slack = await startSlackStandIn({ users: [{ id: 'U0REP1', email: 'rep1@vendor.example' }] });
  hs.put('companies', { name: 'Acme', domain: 'acme.com', hubspot_owner_id: '1' }, { updatedAt: T0 });
  hs.put('companies', { name: 'Globex', domain: 'globex.com', hubspot_owner_id: '2' }, { updatedAt: T0 + 1 });
  env = {
    HUBSPOT_ACCESS_TOKEN: 'pat-na1-standin-token',
    HUBSPOT_API_URL: hs.url,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_API_URL: slack.apiUrl,
  };
});
afterEach(async () => {
  await hs.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(line: string) {
  const stdout = new Buffered();
  const stderr = new Buffered();
  const code = await runCli(line.split(' '), { stdout, stderr, env, cwd: dir, now: () => Date.now() });
  return { code, out: stdout.text, err: stderr.text };
}

describe('foothold crm sync', () => {
  it('syncs, maps owners through Slack and prints what it did; a dry run writes nothing', async () => {
    const run = await cli('crm sync');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('HubSpot sync (incremental)');
    expect(run.out).toContain(
      'accounts: 2 read in 1 page; wrote 2 new, 0 updated, 0 unchanged, 0 deleted or merged',
    );
    expect(run.out).toContain(
      'owners: 2 emails, 1 matched to Slack users, 1 without a Slack user (2 looked up)',
    );
    expect(run.out).toContain('no Slack user for: ghost@vendor.example');
    const db = openDb(join(dir, 'data/foothold.db'));
    try {
      expect(await sqlAll(db, 'SELECT domain, owner_user_id FROM crm_accounts ORDER BY domain')).toEqual([
        { domain: 'acme.com', owner_user_id: 'U0REP1' },
        { domain: 'globex.com', owner_user_id: null },
      ]);
    } finally {
      await closeDb(db);
    }

    hs.put('companies', { name: 'Initech', domain: 'initech.com' }, { updatedAt: T0 + 5 });
    const dry = await cli('crm sync --dry-run --full');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('HubSpot sync (full, dry run: nothing was written)');
    expect(dry.out).toContain('would write 1 new, 0 updated, 2 unchanged');
    const again = openDb(join(dir, 'data/foothold.db'));
    try {
      expect(await sqlGet(again, 'SELECT count(*) AS n FROM crm_accounts')).toEqual({ n: 2 });
    } finally {
      await closeDb(again);
    }
  });

  it('names the missing variable, and refuses a config without a crm section', async () => {
    delete env.HUBSPOT_ACCESS_TOKEN;
    const missing = await cli('crm sync');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('HUBSPOT_ACCESS_TOKEN: missing; find it at HubSpot');

    const raw = JSON.parse(readFileSync(join(dir, 'foothold.config.json'), 'utf8'));
    delete raw.crm;
    writeFileSync(join(dir, 'foothold.config.json'), JSON.stringify(raw));
    const none = await cli('crm sync');
    expect(none.code).toBe(1);
    expect(none.err).toContain('has no crm section');
  });

  it('exits 1 with the fix when the CRM refuses the token', async () => {
    env.HUBSPOT_ACCESS_TOKEN = 'pat-na1-wrong-token';
    const run = await cli('crm sync');
    expect(run.code).toBe(1);
    expect(run.out).toContain('stopped while syncing accounts: HubSpot');
    expect(run.out).toContain('fix: HUBSPOT_ACCESS_TOKEN was refused');
  });
});

describe('foothold crm stages', () => {
  it("lists the CRM's stages beside the map, and fails on a map entry the CRM does not have", async () => {
    const ok = await cli('crm stages');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('HubSpot has 7 opportunity stages:');
    expect(ok.out).toContain('  closedwon  "Closed Won" [pipeline default]  closed, won  → won');
    expect(ok.out).toContain('  closedlost  "Closed Lost" [pipeline default]  closed, lost  → lost');
    expect(ok.out).toContain('  qualifiedtobuy  "Qualified To Buy" [pipeline default]  open  → opportunity');

    const raw = JSON.parse(readFileSync(join(dir, 'foothold.config.json'), 'utf8'));
    delete raw.crm.stages.contractsent;
    raw.crm.stages.closed_won_typo = 'won';
    writeFileSync(join(dir, 'foothold.config.json'), JSON.stringify(raw));
    const bad = await cli('crm stages');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('Not in crm.stages (synced, never acted on): contractsent');
    expect(bad.err).toContain('crm.stages names stage ids HubSpot does not have: closed_won_typo');
  });
});

describe('jobs run crm-sync', () => {
  it('runs the job like the scheduler and prints its report', async () => {
    const run = await cli('jobs run crm-sync');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^crm-sync at .*:\n {2}HubSpot sync \(incremental\)/);
    expect(run.out).toContain('accounts: 2 read');
  });

  it('previews with --dry-run: the same report, nothing kept', async () => {
    const run = await cli('jobs run crm-sync --dry-run');
    expect(run.code).toBe(0);
    expect(run.out).toContain('accounts: 2 read in 1 page; wrote 2 new');
    const db = openDb(join(dir, 'data/foothold.db'));
    try {
      expect(await sqlGet(db, 'SELECT count(*) AS n FROM crm_accounts')).toEqual({ n: 0 });
      expect(await sqlGet(db, 'SELECT count(*) AS n FROM crm_sync_cursors')).toEqual({ n: 0 });
    } finally {
      await closeDb(db);
    }
  });

  it('skips, saying why, without credentials or without a crm section', async () => {
    delete env.HUBSPOT_ACCESS_TOKEN;
    expect((await cli('jobs run crm-sync')).out).toContain('nothing to do: HUBSPOT_ACCESS_TOKEN is not set.');
    const raw = JSON.parse(readFileSync(join(dir, 'foothold.config.json'), 'utf8'));
    delete raw.crm;
    writeFileSync(join(dir, 'foothold.config.json'), JSON.stringify(raw));
    expect((await cli('jobs run crm-sync')).out).toContain('nothing to do: the config has no crm section.');
  });
});

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { cliSettings } from '../../src/cli/settings.ts';
import type { Command } from '../../src/cli/types.ts';
import { closeDb, openDb } from '../../src/db/connection.ts';
import { crmAccounts, leads, partnerOverlaps } from '../../src/db/schema.ts';
import { sqlRun } from '../helpers/sql.ts';
import { fixture, generatedAccounts } from '../imports/helpers.ts';

class Buffered extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString('utf8');
    cb();
  }
}

let dir: string;
let env: Record<string, string>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-'));
  copyFileSync(
    new URL('../../foothold.config.example.json', import.meta.url),
    join(dir, 'foothold.config.json'),
  );
  env = {};
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(
  line: string | string[],
  registry?: readonly Command[],
): Promise<{ code: number; out: string; err: string }> {
  const argv = Array.isArray(line) ? line : line.split(' ').filter(Boolean);
  const stdout = new Buffered();
  const stderr = new Buffered();
  const code = await runCli(argv, { stdout, stderr, env, cwd: dir, now: () => 1_700_000_000_000 }, registry);
  return { code, out: stdout.text, err: stderr.text };
}

const withDb = async <T>(fn: (db: ReturnType<typeof openDb>) => T): Promise<T> => {
  const db = openDb(join(dir, 'data/foothold.db'));
  try {
    return await fn(db);
  } finally {
    await closeDb(db);
  }
};

describe('settings', () => {
  it('reads DATABASE_PATH and FOOTHOLD_CONFIG with their defaults, relative to cwd', () => {
    expect(cliSettings({}, '/srv/app')).toEqual({
      databasePath: '/srv/app/data/foothold.db',
      configPath: '/srv/app/foothold.config.json',
    });
    expect(
      cliSettings({ DATABASE_PATH: '/var/lib/f.db', FOOTHOLD_CONFIG: 'conf/p.json' }, '/srv/app'),
    ).toEqual({
      databasePath: '/var/lib/f.db',
      configPath: '/srv/app/conf/p.json',
    });
    expect(cliSettings({ DATABASE_PATH: '  ' }, '/srv').databasePath).toBe('/srv/data/foothold.db');
  });
});

describe('usage', () => {
  it('help lists every command and exits 0', async () => {
    const { code, out, err } = await cli('help');
    expect(code).toBe(0);
    expect(err).toBe('');
    for (const name of [
      'config check [file]',
      'db migrate',
      'import accounts <csv> [--skip-invalid]',
      'import overlaps <csv> --partner <slug> [--skip-invalid]',
      'import baselines <csv> [--skip-invalid]',
      'export leads [--out <file>]',
    ]) {
      expect(out).toContain(name);
    }
    expect(out).toContain('Exit codes: 0 ok, 1 rows rejected or input invalid, 2 usage error.');
  });

  it('help <command> and --help show one command', async () => {
    const a = await cli('help import accounts');
    expect(a.code).toBe(0);
    expect(a.out).toMatch(
      /^usage: foothold import accounts <csv> \[--skip-invalid\] \[--rejects <file>\] \[--progress\]\n/,
    );
    const b = await cli('import overlaps --help');
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^usage: foothold import overlaps <csv> --partner <slug>/);
    const group = await cli('help import');
    expect(group.out).toContain('import baselines');
  });

  it('exits 2 with a hint for no command, unknown commands, unknown options and missing arguments', async () => {
    expect(await cli([])).toMatchObject({
      code: 2,
      out: '',
      err: expect.stringContaining('usage: foothold <command>'),
    });
    expect(await cli('frobnicate')).toEqual({
      code: 2,
      out: '',
      err: 'foothold: unknown command "frobnicate"\nRun "foothold help" to see the commands.\n',
    });
    expect((await cli('import stuff x.csv')).err).toContain(
      'unknown command "import stuff"; try one of: import accounts, import overlaps, import baselines',
    );
    const opt = await cli('import accounts a.csv --skip-invalids');
    expect(opt.code).toBe(2);
    expect(opt.err).toContain("Unknown option '--skip-invalids'");
    expect(opt.err).toContain('usage: foothold import accounts <csv> [--skip-invalid]');
    expect(await cli('import accounts')).toMatchObject({
      code: 2,
      err: expect.stringContaining('missing argument <csv>'),
    });
    expect((await cli('db migrate now')).code).toBe(2);
    expect(await cli(`import overlaps ${fixture('northwind-overlaps.csv')}`)).toMatchObject({
      code: 2,
      err: expect.stringContaining('missing --partner <slug>'),
    });
  });

  it('commands are a registry: a new command plugs in without touching runCli', async () => {
    const hello: Command = {
      name: 'jobs run',
      usage: '<job> [--dry-run]',
      summary: 'Run a job',
      options: { 'dry-run': { type: 'boolean' } },
      positionals: { min: 1, max: 1 },
      async run(args, ctx) {
        ctx.out(
          `${args.positionals[0]} dry=${args.values['dry-run'] === true} db=${ctx.settings.databasePath}`,
        );
        return 0;
      },
    };
    env.DATABASE_PATH = '/x/y.db';
    expect(await cli('jobs run digest --dry-run', [hello])).toEqual({
      code: 0,
      out: 'digest dry=true db=/x/y.db\n',
      err: '',
    });
  });
});

describe('config check', () => {
  it('prints an ok summary for the default file', async () => {
    const { code, out } = await cli('config check');
    expect(code).toBe(0);
    expect(out).toMatch(
      /^ok: .*foothold\.config\.json is valid: 2 partners, 2 routing rules, 3 ICP criteria, 1 baseline, time zone America\/New_York\n$/,
    );
  });

  it('uses FOOTHOLD_CONFIG, and prints each problem on its own line with exit 1', async () => {
    const config = JSON.parse(readFileSync(join(dir, 'foothold.config.json'), 'utf8'));
    config.timezone = 'Mars/Base';
    config.routingChannel = 'routing';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(config));
    env.FOOTHOLD_CONFIG = 'bad.json';
    const { code, out, err } = await cli('config check');
    expect(code).toBe(1);
    expect(out).toBe('');
    const lines = err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/bad\.json is not valid:$/);
    expect(lines.slice(1)).toEqual([
      '  - timezone: expected an IANA time zone such as America/New_York',
      expect.stringMatching(/^ {2}- routingChannel: expected a Slack channel id/),
    ]);
  });

  it('reports a missing file', async () => {
    const { code, err } = await cli('config check nope.json');
    expect(code).toBe(1);
    expect(err).toContain('file not found');
  });
});

describe('db migrate', () => {
  it('creates the database, then reports it up to date', async () => {
    const first = await cli('db migrate');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^ok: .*data\/foothold\.db created \(\d+ migrations? applied, \d+ in total\)\n$/,
    );
    expect(existsSync(join(dir, 'data/foothold.db'))).toBe(true);
    const second = await cli('db migrate');
    expect(second.out).toMatch(/is up to date \(0 migrations applied/);
  });
});

describe('import accounts', () => {
  it('imports a CRM export, prints counts and notes, exit 0; re-import is unchanged', async () => {
    const first = await cli(['import', 'accounts', fixture('salesforce-accounts.csv')]);
    expect(first.code).toBe(0);
    expect(first.err).toBe('');
    expect(first.out).toContain('Imported accounts from');
    expect(first.out).toContain('6 rows accepted, 0 rejected; 6 inserted, 0 updated, 0 unchanged.');
    expect(first.out).toContain('Note: 2 owners could not be mapped to a Slack user id');
    const second = await cli(['import', 'accounts', fixture('salesforce-accounts.csv')]);
    expect(second.out).toContain('0 inserted, 0 updated, 6 unchanged.');
    expect(await withDb(async (db) => await db.select().from(crmAccounts))).toHaveLength(6);
  });

  it('rejected rows: nothing imported, each row listed, exit 1', async () => {
    const { code, out, err } = await cli(['import', 'accounts', fixture('accounts-with-errors.csv')]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('Nothing imported from');
    expect(err).toContain('2 rows accepted, 5 rejected.');
    expect(err).toContain(
      '  row 4: country: unknown country "Atlantis" (use a 2-letter ISO code such as US, GB, DE)',
    );
    expect(err).toContain('re-run with --skip-invalid to import the 2 valid rows');
    expect(await withDb(async (db) => await db.select().from(crmAccounts))).toHaveLength(0);
  });

  it('--skip-invalid imports the good rows, lists the bad, exits 1', async () => {
    const { code, err } = await cli([
      'import',
      'accounts',
      fixture('accounts-with-errors.csv'),
      '--skip-invalid',
    ]);
    expect(code).toBe(1);
    expect(err).toContain('2 rows accepted, 5 rejected (skipped); 2 inserted, 0 updated, 0 unchanged.');
    expect(err).toContain('  row 7: has 6 cells');
    expect(await withDb(async (db) => await db.select().from(crmAccounts))).toHaveLength(2);
  });

  it('caps the listing at 50 rows', async () => {
    const lines = ['Name,Website'];
    for (let i = 0; i < 120; i += 1) lines.push(`Bad ${i},`);
    writeFileSync(join(dir, 'bad.csv'), lines.join('\n'));
    const { code, err } = await cli('import accounts bad.csv');
    expect(code).toBe(1);
    expect(err).toContain('0 rows accepted, 120 rejected.');
    expect(err).toContain('  row 51: domain:');
    expect(err).not.toContain('  row 52:');
    expect(err).toContain('  … and 70 more');
    expect(err).toContain('Fix the rejected rows and import again.');
  });

  it('reports repeated domains', async () => {
    writeFileSync(join(dir, 'dupes.csv'), 'Name,Website\nA,a.com\nB,b.com\nA2,www.a.com\n');
    const { code, out } = await cli('import accounts dupes.csv');
    expect(code).toBe(0);
    expect(out).toContain(
      '1 row repeats the domain of an earlier row; the later row is used:\n  row 4 repeats row 2 (a.com)\n',
    );
  });

  it('a missing file exits 1', async () => {
    expect(await cli('import accounts missing.csv')).toMatchObject({
      code: 1,
      err: 'Nothing imported: missing.csv does not exist.\n',
    });
  });

  it('a file-level problem exits 1 even with --skip-invalid', async () => {
    writeFileSync(join(dir, 'x.csv'), 'Name,Industry\nAcme,Software\n');
    const { code, err } = await cli('import accounts x.csv --skip-invalid');
    expect(code).toBe(1);
    expect(err).toContain(
      'Nothing imported: x.csv cannot be imported as a whole.\nProblem:\n  row 1: header row: no column for domain',
    );
  });

  it('handles a 10,000-row file with one bad row', async () => {
    writeFileSync(join(dir, 'big.csv'), generatedAccounts(10_000, { badAt: 5_000 }));
    const { code, err } = await cli('import accounts big.csv');
    expect(code).toBe(1);
    expect(err).toContain('10,000 rows accepted, 1 rejected.');
    expect(err).toContain('  row 5001: domain: "not a website" is not a domain');
  });
});

describe('import overlaps', () => {
  it('syncs partners from the config, then imports', async () => {
    const { code, out } = await cli([
      'import',
      'overlaps',
      fixture('northwind-overlaps.csv'),
      '--partner',
      'northwind',
    ]);
    expect(code).toBe(0);
    expect(out).toContain('Imported overlaps for northwind from');
    expect(out).toContain('4 rows accepted, 0 rejected; 4 inserted');
    expect(await withDb(async (db) => await db.select().from(partnerOverlaps))).toHaveLength(4);
  });

  it('an unknown partner exits 1 with the known partners', async () => {
    const { code, err } = await cli([
      'import',
      'overlaps',
      fixture('northwind-overlaps.csv'),
      '-p',
      'fabrikam',
    ]);
    expect(code).toBe(1);
    expect(err).toBe(
      'foothold import overlaps: unknown partner "fabrikam": known partners are contoso, northwind (partners come from the "partners" list of the config file)\n',
    );
  });

  it('an invalid config exits 1 with its problems', async () => {
    env.FOOTHOLD_CONFIG = 'missing.json';
    const { code, err } = await cli([
      'import',
      'overlaps',
      fixture('northwind-overlaps.csv'),
      '--partner',
      'northwind',
    ]);
    expect(code).toBe(1);
    expect(err).toMatch(/missing\.json is not valid:\n {2}- file not found/);
  });
});

describe('import baselines', () => {
  it('imports counts and rates', async () => {
    expect((await cli(['import', 'baselines', fixture('baselines-counts.csv')])).code).toBe(0);
    const { code, out } = await cli(['import', 'baselines', fixture('baselines-rates.csv')]);
    expect(code).toBe(0);
    expect(out).toContain('3 rows accepted, 0 rejected; 3 inserted');
  });
});

describe('export leads', () => {
  async function seedLead() {
    await withDb(async (db) => {
      await sqlRun(
        db,
        "INSERT INTO partner_orgs (slug, name, manager_user_id, active, updated_at) VALUES ('northwind', 'Northwind', 'U0PAM', 1, 0)",
      );
      await db.insert(leads).values({
        domain: 'acme.com',
        accountName: '@Acme',
        partnerSlug: 'northwind',
        surfacedBy: 'partner',
        submittedByUserId: 'U0P',
        status: 'qualified',
        attribution: 'sourced',
        createdAt: 0,
        updatedAt: 0,
        lastProgressAt: 0,
      });
    });
  }

  it('exits 1 when there is no database', async () => {
    const { code, err } = await cli('export leads');
    expect(code).toBe(1);
    expect(err).toContain('Nothing exported: no database at');
  });

  it('writes CSV to stdout', async () => {
    await seedLead();
    const { code, out, err } = await cli('export leads');
    expect(code).toBe(0);
    expect(err).toBe('');
    const rows = parse(out, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: '1',
      account_name: "'@Acme",
      partner_slug: 'northwind',
      created_at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('writes CSV to --out', async () => {
    await seedLead();
    const { code, out } = await cli('export leads --out exports/leads.csv');
    expect(code).toBe(0);
    expect(out).toBe('Exported 1 lead to exports/leads.csv.\n');
    const rows = parse(readFileSync(join(dir, 'exports/leads.csv')), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows.map((r) => r.domain)).toEqual(['acme.com']);
  });
});

describe('secrets rotate', () => {
  it('needs the new key, and a database', async () => {
    const none = await cli('secrets rotate');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/FOOTHOLD_ENCRYPTION_KEY is not set/);
    env.FOOTHOLD_ENCRYPTION_KEY = 'not-a-key';
    const bad = await cli('secrets rotate');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/FOOTHOLD_ENCRYPTION_KEY: expected 32 random bytes/);
    env.FOOTHOLD_ENCRYPTION_KEY = Buffer.alloc(32, 1).toString('base64');
    env.DATABASE_PATH = join(dir, 'absent.db');
    const absent = await cli('secrets rotate');
    expect(absent.code).toBe(1);
    expect(absent.err).toMatch(/no database at/);
    expect(existsSync(join(dir, 'absent.db'))).toBe(false);
  });

  it('re-encrypts plain-text rows and says so; refuses rows under a key it lacks, changing nothing', async () => {
    env.DATABASE_PATH = join(dir, 'f.db');
    const db = openDb(env.DATABASE_PATH);
    await sqlRun(
      db,
      "insert into slack_installations (install_key, team_id, installation, installed_at) values ('T1', 'T1', ?, 1)",
      JSON.stringify({ team: { id: 'T1' }, bot: { token: 'xoxb-plain-1' } }),
    );
    await closeDb(db);
    env.FOOTHOLD_ENCRYPTION_KEY = Buffer.alloc(32, 1).toString('base64');
    const first = await cli('secrets rotate');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^ok: 1 of 1 installation re-encrypted with key [0-9a-f]{12} \(0 tokens were under the previous key, 1 in plain text\)/,
    );
    env.FOOTHOLD_ENCRYPTION_KEY = Buffer.alloc(32, 2).toString('base64');
    const wrong = await cli('secrets rotate');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(
      /^Nothing changed: tokens of T1 are encrypted with key [0-9a-f]{12}, which is neither/,
    );
  });
});

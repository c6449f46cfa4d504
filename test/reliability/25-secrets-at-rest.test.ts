import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { openDb, sqliteClient } from '../../src/db/connection.ts';
import { slashCommand } from '../../src/dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { installWithCode } from '../helpers/oauth.ts';
import { BOT_TOKEN, type BotProcess, botEnv, freePort, REPO_ROOT, startBot } from './support/bot-process.ts';
import { report, size } from './support/figures.ts';
import { ORGS, partnerPerson, programStandIn, writeProgramConfig } from './support/program.ts';

// Scenario 25 (issue 10, finding 4): installation tokens at rest. The probe found every installed bot token in
// plain text in `slack_installations`, and in OAuth mode a copy of SLACK_BOT_TOKEN beside them. Against the bot
// as its own process: OAuth mode without a key refuses to start (one line naming FOOTHOLD_ENCRYPTION_KEY); the
// first start with a key seals an older version's plain-text rows and drops the copied env token; workspaces
// installed through OAuth work from sealed tokens, and no token's bytes are anywhere in the database files;
// `secrets rotate` moves every row to a new key, after which the old key alone is refused at start-up.

const KEY_1 = Buffer.alloc(32, 0x31).toString('base64');
const KEY_2 = Buffer.alloc(32, 0x32).toString('hex');
const INSTALLS = size(3, 20);
/** The first installs are the program's other partner orgs (whose people can use /eql), then more workspaces. */
const PARTNER_INSTALLS = [ORGS[1], ORGS[2]] as const;
const teamOf = (i: number) => PARTNER_INSTALLS[i]?.teamId ?? `T0NEW${String(i).padStart(3, '0')}`;
const tokenOf = (i: number) => `xoxb-installed-${teamOf(i)}-${'s'.repeat(20)}`;
const OAUTH_ENV = {
  SLACK_CLIENT_ID: '111.222',
  SLACK_CLIENT_SECRET: 'client-secret-for-tests',
  SLACK_STATE_SECRET: 'a-long-state-secret-for-tests',
};

let standIn: SlackStandIn;
let dir: string;
let configPath: string;
const bots: BotProcess[] = [];
beforeAll(async () => {
  standIn = await startSlackStandIn({
    ...programStandIn(),
    tokens: [BOT_TOKEN, { token: 'xoxb-northwind-plain', teamId: 'T0NORTH', userId: 'U0NWBOT' }],
    oauth: {
      clientId: OAUTH_ENV.SLACK_CLIENT_ID,
      clientSecret: OAUTH_ENV.SLACK_CLIENT_SECRET,
      responses: Object.fromEntries(
        Array.from({ length: INSTALLS }, (_, i) => [
          `code-${i}`,
          { access_token: tokenOf(i), team: { id: teamOf(i), name: teamOf(i) }, bot_user_id: `U0B${i}` },
        ]),
      ),
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'foothold-secrets-'));
  configPath = writeProgramConfig(dir);
});
afterAll(async () => {
  for (const b of bots) b.kill('SIGKILL');
  await Promise.all(bots.map((b) => b.exited));
  await standIn?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the bot expecting it to refuse: its exit code and what it printed. */
function refusedStart(
  databasePath: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return freePort().then(
    (port) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
          cwd: REPO_ROOT,
          env: botEnv({ apiUrl: standIn.apiUrl, databasePath, configPath, logLevel: 'silent', env }, port),
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr?.on('data', (c: Buffer) => {
          stderr += c.toString('utf8');
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      }),
  );
}

async function bot(databasePath: string, env: Record<string, string>): Promise<BotProcess> {
  const b = await startBot({ apiUrl: standIn.apiUrl, databasePath, configPath, logLevel: 'info', env });
  bots.push(b);
  return b;
}

function fileBytes(path: string): string {
  const wal = existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`).toString('latin1') : '';
  return readFileSync(path).toString('latin1') + wal;
}

function installationsOf(path: string): Array<{ install_key: string; installation: string }> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('select install_key, installation from slack_installations order by 1').all() as Array<{
      install_key: string;
      installation: string;
    }>;
  } finally {
    db.close();
  }
}

/** `/eql` typed in `teamId`'s own workspace: the token Bolt authorised it with, as Slack saw it. */
async function commandToken(b: BotProcess, teamId: string, userId: string): Promise<string | undefined> {
  const trigger = standIn.issueTriggerId({ userId });
  const seen = standIn.calls().at(-1)?.seq ?? 0;
  const res = await b.slack.command(
    slashCommand({
      command: '/eql',
      userId,
      teamId,
      channelId: 'C0000GENERAL',
      text: '',
      triggerId: trigger,
    }),
  );
  expect(res.status).toBe(200);
  const opened = await standIn
    .waitFor((c) => c.method === 'views.open' && c.seq > seen, 5_000)
    .catch(() => null);
  return opened?.token;
}

async function rotate(
  databasePath: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString('utf8'));
        cb();
      },
    });
  const code = await runCli(['secrets', 'rotate'], {
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
    env: { DATABASE_PATH: databasePath, ...env },
  });
  return { code, out, err };
}

describe('scenario 25: secrets at rest', () => {
  it('seals tokens, drops the copied env token, rotates keys, and refuses what it cannot read', async () => {
    const started = Date.now();
    const path = join(dir, 'secrets.db');
    // An older version's database: Northwind installed (plain text), and the copy of SLACK_BOT_TOKEN it made.
    const old = openDb(path);
    const insert = sqliteClient(old).prepare(
      'insert into slack_installations (install_key, team_id, enterprise_id, bot_user_id, installation, installed_at) values (?, ?, null, ?, ?, 1)',
    );
    const inst = (team: string, token: string) =>
      JSON.stringify({
        team: { id: team },
        user: { id: 'U1' },
        bot: { id: 'B1', userId: 'U0NWBOT', token, scopes: ['commands'] },
        tokenType: 'bot',
        isEnterpriseInstall: false,
        authVersion: 'v2',
      });
    insert.run('T0NORTH', 'T0NORTH', 'U0NWBOT', inst('T0NORTH', 'xoxb-northwind-plain'));
    insert.run('T0VENDOR', 'T0VENDOR', 'U0BOT', inst('T0VENDOR', BOT_TOKEN));
    sqliteClient(old).close();
    expect(fileBytes(path)).toContain('xoxb-northwind-plain');

    // OAuth mode without a key: refused, one line, naming the variable; nothing touched.
    const noKey = await refusedStart(path, OAUTH_ENV);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/FOOTHOLD_ENCRYPTION_KEY: missing/);
    expect(noKey.stderr).not.toMatch(/\n\s+at /);
    expect(fileBytes(path)).toContain('xoxb-northwind-plain');

    // First start with a key: plain-text rows sealed, the env token's copy gone, no token bytes left.
    const b1 = await bot(path, { ...OAUTH_ENV, FOOTHOLD_ENCRYPTION_KEY: KEY_1 });
    const rows = installationsOf(path);
    expect(rows.map((r) => r.install_key)).toEqual(['T0NORTH']);
    expect(rows[0]?.installation).toMatch(/"token":"fhenc:1:/);
    // The partner workspace works from its sealed token, the vendor's from the environment.
    expect(await commandToken(b1, 'T0NORTH', 'U0NWPAT')).toBe('xoxb-northwind-plain');
    expect(await commandToken(b1, 'T0VENDOR', 'U0ADMIN')).toBe(BOT_TOKEN);

    // More workspaces install through OAuth; none of their tokens reach the files in the clear.
    const tokens = ['xoxb-northwind-plain', BOT_TOKEN];
    for (let i = 0; i < INSTALLS; i++) {
      const team = teamOf(i);
      const token = tokenOf(i);
      const page = await installWithCode(`http://127.0.0.1:${b1.port}`, `code-${i}`);
      expect(page.status, page.body).toBe(200);
      tokens.push(token);
      const org = PARTNER_INSTALLS[i];
      if (org) expect(await commandToken(b1, team, partnerPerson(org, 1).userId)).toBe(token);
    }
    expect(installationsOf(path)).toHaveLength(1 + INSTALLS);
    const bytes = fileBytes(path);
    const leaked = tokens.filter((t) => bytes.includes(t));
    expect(leaked).toEqual([]);
    b1.kill('SIGTERM');
    await b1.exited;

    // Rotation: the new key with the old as previous; `secrets rotate`; then the new key alone.
    const rotated = await rotate(path, {
      FOOTHOLD_ENCRYPTION_KEY: KEY_2,
      FOOTHOLD_ENCRYPTION_KEY_PREVIOUS: KEY_1,
    });
    expect(rotated.err).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(
      new RegExp(`^ok: ${1 + INSTALLS} of ${1 + INSTALLS} installations re-encrypted`),
    );
    const b2 = await bot(path, { ...OAUTH_ENV, FOOTHOLD_ENCRYPTION_KEY: KEY_2 });
    expect(await commandToken(b2, 'T0NORTH', 'U0NWPAT')).toBe('xoxb-northwind-plain');
    b2.kill('SIGTERM');
    await b2.exited;
    expect(tokens.filter((t) => fileBytes(path).includes(t))).toEqual([]);

    // The old key alone no longer opens anything: refused with one line saying which setting to add.
    const oldKey = await refusedStart(path, { ...OAUTH_ENV, FOOTHOLD_ENCRYPTION_KEY: KEY_1 });
    expect(oldKey.code).toBe(1);
    expect(oldKey.stderr.trim().split('\n')).toHaveLength(1);
    expect(oldKey.stderr).toMatch(/neither FOOTHOLD_ENCRYPTION_KEY .* nor FOOTHOLD_ENCRYPTION_KEY_PREVIOUS/);

    report({
      n: 25,
      name: 'Secrets at rest: sealed tokens, no copied env token, key rotation',
      requests: 2 * INSTALLS + 5,
      faults: 2,
      inputs: INSTALLS + 2,
      checked: `${INSTALLS} OAuth installs + an older version's plain-text row: every token sealed (AES-256-GCM), none of their bytes in the database or its WAL; the copy of SLACK_BOT_TOKEN removed at the first start with a key; partner workspaces served from sealed tokens, the vendor's from the environment; \`secrets rotate\` re-encrypted ${1 + INSTALLS} rows, after which the old key alone is refused; OAuth without a key refused in one line`,
      ms: Date.now() - started,
    });
  }, 180_000);
});

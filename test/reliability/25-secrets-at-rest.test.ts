import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { closeDb, engineKind, openDatabase } from '../../src/db/connection.ts';
import { slashCommand } from '../../src/dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { installWithCode } from '../helpers/oauth.ts';
import { sqlRun } from '../helpers/sql.ts';
import { type BotDatabase, botDatabase } from './support/bot-database.ts';
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
let database: BotDatabase | null = null;
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
  await database?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the bot expecting it to refuse: its exit code and what it printed. */
function refusedStart(
  db: BotDatabase,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return freePort().then(
    (port) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
          cwd: REPO_ROOT,
          env: botEnv(
            { apiUrl: standIn.apiUrl, database: db.env, configPath, logLevel: 'silent', env },
            port,
          ),
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

async function bot(db: BotDatabase, env: Record<string, string>): Promise<BotProcess> {
  const b = await startBot({ apiUrl: standIn.apiUrl, database: db.env, configPath, logLevel: 'info', env });
  bots.push(b);
  return b;
}

/** Everything the database holds (SQLite: the file and its WAL byte for byte; PostgreSQL: every row as text). */
function fileBytes(db: BotDatabase): Promise<string> {
  return db.contents();
}

function installationsOf(db: BotDatabase): Promise<Array<{ install_key: string; installation: string }>> {
  return db.all('select install_key, installation from slack_installations order by 1');
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
  db: BotDatabase,
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
    env: { ...db.env, ...env },
  });
  return { code, out, err };
}

describe('scenario 25: secrets at rest', () => {
  it('seals tokens, drops the copied env token, rotates keys, and refuses what it cannot read', async () => {
    const started = Date.now();
    const store = await botDatabase(dir, 'secrets');
    database = store;
    // An older version's database: Northwind installed (plain text), and the copy of SLACK_BOT_TOKEN it made.
    const old = await openDatabase({
      databaseUrl: store.env.DATABASE_URL,
      databasePath: store.env.DATABASE_PATH!,
      poolSize: 2,
      statementTimeoutMs: 10_000,
    });
    expect(engineKind(old)).toBe(store.engine);
    const insert = (...params: string[]) =>
      sqlRun(
        old,
        'insert into slack_installations (install_key, team_id, enterprise_id, bot_user_id, installation, installed_at) values (?, ?, null, ?, ?, 1)',
        ...params,
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
    await insert('T0NORTH', 'T0NORTH', 'U0NWBOT', inst('T0NORTH', 'xoxb-northwind-plain'));
    await insert('T0VENDOR', 'T0VENDOR', 'U0BOT', inst('T0VENDOR', BOT_TOKEN));
    await closeDb(old);
    expect(await fileBytes(store)).toContain('xoxb-northwind-plain');

    // OAuth mode without a key: refused, one line, naming the variable; nothing touched.
    const noKey = await refusedStart(store, OAUTH_ENV);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/FOOTHOLD_ENCRYPTION_KEY: missing/);
    expect(noKey.stderr).not.toMatch(/\n\s+at /);
    expect(await fileBytes(store)).toContain('xoxb-northwind-plain');

    // First start with a key: plain-text rows sealed, the env token's copy gone, no token bytes left.
    const b1 = await bot(store, { ...OAUTH_ENV, FOOTHOLD_ENCRYPTION_KEY: KEY_1 });
    const rows = await installationsOf(store);
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
    expect(await installationsOf(store)).toHaveLength(1 + INSTALLS);
    const bytes = await fileBytes(store);
    const leaked = tokens.filter((t) => bytes.includes(t));
    expect(leaked).toEqual([]);
    b1.kill('SIGTERM');
    await b1.exited;

    // Rotation: the new key with the old as previous; `secrets rotate`; then the new key alone.
    const rotated = await rotate(store, {
      FOOTHOLD_ENCRYPTION_KEY: KEY_2,
      FOOTHOLD_ENCRYPTION_KEY_PREVIOUS: KEY_1,
    });
    expect(rotated.err).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(
      new RegExp(`^ok: ${1 + INSTALLS} of ${1 + INSTALLS} installations re-encrypted`),
    );
    const b2 = await bot(store, { ...OAUTH_ENV, FOOTHOLD_ENCRYPTION_KEY: KEY_2 });
    expect(await commandToken(b2, 'T0NORTH', 'U0NWPAT')).toBe('xoxb-northwind-plain');
    b2.kill('SIGTERM');
    await b2.exited;
    const after = await fileBytes(store);
    expect(tokens.filter((t) => after.includes(t))).toEqual([]);

    // The old key alone no longer opens anything: refused with one line saying which setting to add.
    const oldKey = await refusedStart(store, { ...OAUTH_ENV, FOOTHOLD_ENCRYPTION_KEY: KEY_1 });
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

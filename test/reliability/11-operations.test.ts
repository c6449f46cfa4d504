import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { closeDb, type Db, engineKind, openDatabase, openPostgres } from '../../src/db/connection.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { buttons, routingPost } from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';
import { type BotDatabase, botDatabase, sqliteIntegrity } from './support/bot-database.ts';
import { type BotProcess, startBot } from './support/bot-process.ts';
import { FULL, report, size } from './support/figures.ts';
import { CAST, ORGS, partnerPerson, programStandIn, writeProgramConfig } from './support/program.ts';
import {
  deliveryReport,
  pendingCount,
  pool,
  startProgram,
  submissionPayload,
  waitUntil,
} from './support/slack-world.ts';

// The operations the reliability scenarios rely on: `db backup` taken under load and `db restore` of it (the
// restored database is intact, holds everything acknowledged before the backup, and re-sends nothing), and
// `forget contact` (a contact's personal data leaves every table and every kept Slack message; the numbers stay).

class Buffered extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString('utf8');
    cb();
  }
}

async function cli(argv: string[], env: Record<string, string>) {
  const stdout = new Buffered();
  const stderr = new Buffered();
  const code = await runCli(argv, { stdout, stderr, env });
  return { code, out: stdout.text, err: stderr.text };
}

let dir: string;
const databases: BotDatabase[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-ops-'));
});
afterAll(async () => {
  for (const d of databases) await d.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function newDatabase(name: string): Promise<BotDatabase> {
  const d = await botDatabase(dir, name);
  databases.push(d);
  return d;
}

/** A connection to a bot's database from the test (after the bot stopped). */
function connect(d: BotDatabase): Promise<Db> {
  return openDatabase({
    databaseUrl: d.env.DATABASE_URL,
    databasePath: d.env.DATABASE_PATH!,
    migrate: false,
    poolSize: 2,
    statementTimeoutMs: 30_000,
  });
}

/**
 * The domains of the leads in a `db backup` file. SQLite: the file is a database (checked intact first).
 * PostgreSQL: a pg_dump archive, restored with pg_restore into a scratch database (which fails if it is not whole).
 */
async function backupDomains(engine: BotDatabase['engine'], backup: string): Promise<Set<string>> {
  if (engine === 'sqlite') {
    const snap = new Database(backup, { readonly: true });
    try {
      expect(snap.pragma('integrity_check', { simple: true })).toBe('ok');
      return new Set(
        (snap.prepare('select domain from leads').all() as Array<{ domain: string }>).map((r) => r.domain),
      );
    } finally {
      snap.close();
    }
  }
  const scratch = await createTestDatabase({ migrated: false });
  try {
    const r = spawnSync(
      'pg_restore',
      ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${scratch.url}`, backup],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const db = await openPostgres(scratch.url, { migrate: false, poolSize: 1 });
    try {
      return new Set((await sqlAll<{ domain: string }>(db, 'select domain from leads')).map((r) => r.domain));
    } finally {
      await closeDb(db);
    }
  } finally {
    await scratch.drop();
  }
}

describe('db backup and db restore', () => {
  let standIn: SlackStandIn;
  let bot: BotProcess | null = null;
  beforeAll(async () => {
    standIn = await startSlackStandIn(programStandIn());
  });
  afterAll(async () => {
    bot?.kill('SIGKILL');
    await bot?.exited;
    await standIn.close();
  });

  it(
    'restores a backup taken under load: intact, everything acknowledged before it, nothing sent twice',
    async () => {
      const started = Date.now();
      const configPath = writeProgramConfig(dir);
      const live = await newDatabase('live');
      const backup = join(dir, 'backups', 'foothold-backup.db');
      bot = await startBot({ apiUrl: standIn.apiUrl, database: live.env, configPath, logLevel: 'warn' });
      const b = bot;
      const people = ORGS.flatMap((o) => [1, 2, 3, 4].map((i) => partnerPerson(o, i)));
      const total = size(80, 1000);
      const acked = new Map<string, number>();
      let backupStartedAt = 0;
      let backupOut = '';
      const load = pool(
        Array.from({ length: total }, (_, i) => i),
        8,
        async (i) => {
          const domain = `backup${i}-acct.com`;
          const res = await b.slack.viewSubmission(
            submissionPayload(people[i % people.length]!, { website: domain }),
          );
          if ((res.json as { response_action?: string } | null)?.response_action === 'update')
            acked.set(domain, Date.now());
        },
      );
      // Take the backup while submissions pour in and the bot's sender marks messages sent.
      await waitUntil('some load', () => acked.size >= total / 3, 30_000, 5);
      backupStartedAt = Date.now();
      const env = { ...live.env, FOOTHOLD_CONFIG: configPath };
      const made = await cli(['db', 'backup', backup], env);
      const backupEndedAt = Date.now();
      backupOut = made.out;
      expect(made.code, made.err).toBe(0);
      await load;
      b.kill('SIGTERM');
      expect((await b.exited).code).toBe(0);
      bot = null;

      // The backup is a consistent snapshot holding every submission acknowledged before it began.
      const inBackup = await backupDomains(live.engine, backup);
      const before = [...acked].filter(([, at]) => at < backupStartedAt).map(([d]) => d);
      expect(before.filter((d) => !inBackup.has(d))).toEqual([]);
      expect(inBackup.size).toBeLessThan(acked.size);

      // Restore over the live database (the bot is stopped): the current one is kept aside first.
      const restored = await cli(['db', 'restore', backup], env);
      expect(restored.code, restored.err).toBe(0);
      // (SQLite: the file it replaced is kept beside it; PostgreSQL restores in one transaction.)
      if (live.engine === 'sqlite')
        expect(readdirSync(dir).some((f) => f.startsWith('live.db.before-restore-'))).toBe(true);
      const db: Db = await connect(live);
      try {
        if (live.engine === 'sqlite') expect(sqliteIntegrity(live)).toBe('ok');
        expect(((await sqlGet(db, 'select count(*) as n from leads')) as { n: number }).n).toBe(
          inBackup.size,
        );
        // The bot starts on it and drains what was queued at backup time, without posting anything twice.
        bot = await startBot({ apiUrl: standIn.apiUrl, database: live.env, configPath, logLevel: 'warn' });
        await waitUntil(
          'the restored outbox to drain',
          async () => (await pendingCount(db)) === 0,
          FULL ? 300_000 : 60_000,
          100,
        );
        const r = await deliveryReport(db, standIn);
        const lookups = standIn.calls('conversations.history').length;
        report({
          n: 11,
          name: 'Operations: db backup under load, db restore',
          requests: total,
          faults: 0,
          expected: r.expected,
          delivered: r.delivered,
          duplicated: r.duplicated.length,
          checked: `backup taken during ${total} submissions in ${backupEndedAt - backupStartedAt} ms (${backupOut.match(/[\d,]+ leads?, [\d,]+ pages/)?.[0] ?? '?'}); restored: integrity ok, all ${before.length} submissions acknowledged before the backup present; ${restored.out.match(/(\d+) queued message/)?.[1] ?? '?'} queued posts checked against Slack with ${lookups} history look-ups on restart, nothing sent twice`,
          ms: Date.now() - started,
        });
        expect(r.duplicated).toEqual([]);
        expect(r.missing.map((m) => m.key)).toEqual([]);
      } finally {
        bot?.kill('SIGTERM');
        await bot?.exited;
        bot = null;
        await closeDb(db);
      }
    },
    FULL ? 600_000 : 120_000,
  );

  it('refuses to restore something that is not an intact Foothold database, and changes nothing', async () => {
    const target = await newDatabase('target');
    const env = target.env;
    // SQLite: no database file yet; PostgreSQL: a migrated, empty database whose contents must not change.
    const before = target.engine === 'postgres' ? await target.contents() : null;
    const bogus = join(dir, 'bogus.db');
    const other = new Database(bogus);
    other.exec('create table t (x)');
    other.close();
    for (const file of [bogus, join(dir, 'missing.db')]) {
      const res = await cli(['db', 'restore', file], env);
      expect(res.code).toBe(1);
      expect(res.err).toMatch(/not a Foothold database|does not exist|not a pg_dump custom-format file/);
    }
    if (target.file) expect(existsSync(target.file)).toBe(false);
    else expect(await target.contents()).toBe(before);
  });
});

describe('forget contact', () => {
  it('removes the contact’s personal data everywhere, keeps the numbers, and records the deletion', async () => {
    const started = Date.now();
    const h = await startProgram();
    try {
      const email = 'jane.forget@acme-forget.com';
      const contact = {
        contactName: 'Jane Forgetme',
        contactTitle: 'Chief Forgotten Officer',
        contactEmail: email,
      };
      const submit = (who: typeof CAST.pat, fields: Record<string, string>) =>
        h.slack.viewSubmission(submissionPayload(who, fields));
      await submit(CAST.pat, {
        ...contact,
        website: 'forget1.com',
        notes: `Spoke with Jane Forgetme (${email}) twice`,
      });
      await submit(CAST.con, { ...contact, contactEmail: email.toUpperCase(), website: 'forget2.com' });
      await submit(CAST.fab, { website: 'forget3.com', notes: `Cc ${email} on the intro` });
      await submit(CAST.bob, {
        website: 'forget4.com',
        contactName: 'Jane Other',
        contactEmail: 'jane.other@acme.com',
        notes: 'Keep me',
      });
      await h.drain();
      // The motion puts the contact's name in more messages (intro request, intro answered).
      const id1 = (
        (await sqlGet(h.db, "select id from leads where domain = 'forget1.com'")) as { id: number }
      ).id;
      const post = async () => (await routingPost(h, id1))!;
      const { click } = await import('../helpers/slack-actors.ts');
      await click(h, CAST.rep1, ACTIONS.claim, buttons(await post()).get(ACTIONS.claim)!.value, {
        channelId: (await post()).channel,
        messageTs: (await post()).ts,
      });
      await h.drain();
      await click(
        h,
        CAST.rep1,
        ACTIONS.requestIntro,
        buttons(await post()).get(ACTIONS.requestIntro)!.value,
        {
          channelId: (await post()).channel,
          messageTs: (await post()).ts,
        },
      );
      await h.drain();

      const everything = async () => {
        const tables = (
          await sqlAll<{ name: string }>(
            h.db,
            engineKind(h.db) === 'sqlite'
              ? "select name from sqlite_master where type = 'table'"
              : "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
          )
        ).map((t) => t.name);
        const dumps: string[] = [];
        for (const t of tables) dumps.push(JSON.stringify(await sqlAll(h.db, `select * from "${t}"`)));
        return dumps.join('\n');
      };
      const numbers = async () =>
        JSON.stringify([
          await sqlAll(h.db, 'select status, count(*) n from leads group by status order by status'),
          await sqlGet(
            h.db,
            `select count(*) n, sum(strength) s, ${engineKind(h.db) === 'sqlite' ? 'group_concat(last_interaction_on)' : "string_agg(cast(last_interaction_on as text), ',' order by id)"} d from warmth_attestations`,
          ),
          await sqlAll(
            h.db,
            'select gate, outcome, count(*) n from gate_results group by gate, outcome order by gate, outcome',
          ),
          await sqlGet(h.db, "select count(*) n from lead_events where type != 'contact_forgotten'"),
        ]);
      expect(await everything()).toContain('Jane Forgetme');
      expect((await everything()).toLowerCase()).toContain(email);
      const numbersBefore = await numbers();

      const configPath = writeProgramConfig(mkdtempSync(join(dir, 'cfg-')));
      const res = await cli(['forget', 'contact', email, '--by', CAST.admin.userId], {
        ...h.tdb.env,
        FOOTHOLD_CONFIG: configPath,
      });
      expect(res.code, res.err).toBe(0);
      expect(res.out).toMatch(/Forgot the contact on 2 attestations and 3 leads/);

      const after = await everything();
      expect(after).not.toContain('Jane Forgetme');
      expect(after).not.toContain('Chief Forgotten Officer');
      expect(after.toLowerCase()).not.toContain(email);
      expect(after).toContain('Jane Other');
      expect(after).toContain('jane.other@acme.com');
      expect(await numbers()).toBe(numbersBefore);
      const audit = (await sqlGet(
        h.db,
        "select actor_user_id as by, data from lead_events where type = 'contact_forgotten' and lead_id is null",
      )) as { by: string; data: string };
      expect(audit.by).toBe(CAST.admin.userId);
      expect(JSON.parse(audit.data)).toMatchObject({
        attestations: 2,
        emailSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      // The routing post in Slack no longer names her once the bot has sent the update.
      await h.drain();
      expect(JSON.stringify((await post()).blocks)).not.toContain('Jane Forgetme');
      report({
        n: 12,
        name: 'Operations: forget contact',
        requests: 6,
        faults: 0,
        checked: `contact on 2 attestations (two orgs, email in two cases) and mentioned in a third lead: name, title and email gone from every table and every kept Slack message, routing post updated in Slack; counts, strengths, dates, gate outcomes unchanged; audit event with a hash, by ${CAST.admin.userId}; another Jane untouched`,
        ms: Date.now() - started,
      });
    } finally {
      await h.stop();
    }
  });
});

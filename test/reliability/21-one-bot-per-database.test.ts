import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.ts';
import { runMainOnce } from '../helpers/main-process.ts';
import { httpGet } from './support/bot-process.ts';
import { botWorld } from './support/bot-world.ts';
import { report, size } from './support/figures.ts';
import { ORGS, partnerPerson, writeProgramConfig } from './support/program.ts';
import { submissionPayload } from './support/slack-world.ts';

// Scenario 21 (issue 10, finding 1): a second bot on the same SQLite file is refused with one line naming the
// file and the running bot (pid, host, start time) while CLI commands keep working beside it, `db restore`
// refuses too, and after the running bot is killed with SIGKILL the next start is accepted at once (no stale
// lock). Repeated over several kill -9 cycles with submissions in between; nothing acknowledged is lost.

const world = botWorld('onebot');

describe('scenario 21: one bot per database file', () => {
  it('a second bot is refused by name, CLI commands still run, and kill -9 never leaves a stale lock', async () => {
    const started = Date.now();
    const { dir } = world;
    const configPath = writeProgramConfig(dir);
    const path = join(dir, 'live.db');
    const people = ORGS.flatMap((o) => [1, 2].map((i) => partnerPerson(o, i)));
    const cycles = size(1, 6);
    let requests = 0;
    let refusals = 0;
    const acked: string[] = [];
    for (let cycle = 0; cycle < cycles; cycle++) {
      const bot = await world.start({ database: { DATABASE_PATH: path }, configPath });
      for (let i = 0; i < 5; i++) {
        const domain = `c${cycle}-${i}-onebot.com`;
        requests++;
        const res = await bot.slack.viewSubmission(
          submissionPayload(people[(cycle + i) % people.length]!, { website: domain }),
        );
        expect(res.status).toBe(200);
        if ((res.json as { response_action?: string } | null)?.response_action === 'update')
          acked.push(domain);
      }

      // A second bot on the same file: one line naming the file and the running bot, exit 1.
      const second = runMainOnce(path);
      refusals++;
      expect(second.status).toBe(1);
      const lines = second.stderr.trim().split('\n');
      expect(lines, second.stderr).toHaveLength(1);
      expect(lines[0]).toContain(
        `DATABASE_PATH=${path} is in use by a running Foothold bot (pid ${bot.child.pid} on host ${hostname()}, started `,
      );
      // CLI commands run beside it; `db restore` does not.
      const backup = join(dir, `backup-${cycle}.db`);
      const env = { DATABASE_PATH: path, FOOTHOLD_CONFIG: configPath };
      const made = await runCliCaptured(['db', 'backup', backup], env);
      expect(made.code, made.err).toBe(0);
      const restore = await runCliCaptured(['db', 'restore', backup], env);
      refusals++;
      expect(restore.code).not.toBe(0);
      expect(restore.err).toContain(
        `db restore refused: DATABASE_PATH=${path} is in use by a running Foothold bot (pid ${bot.child.pid}`,
      );
      // The first bot is still healthy.
      expect((await httpGet(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);

      bot.kill('SIGKILL');
      expect((await bot.exited).signal).toBe('SIGKILL');
    }
    // After the last kill -9, a new bot starts at once and everything acknowledged is there.
    const last = await world.start({ database: { DATABASE_PATH: path }, configPath });
    expect((await httpGet(`http://127.0.0.1:${last.port}/healthz`)).status).toBe(200);
    last.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    const db = new Database(path, { readonly: true });
    const domains = new Set(
      (db.prepare('select domain from leads').all() as Array<{ domain: string }>).map((r) => r.domain),
    );
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect(acked.filter((d) => !domains.has(d))).toEqual([]);
    report({
      n: 21,
      name: 'One bot per database: a second bot and `db restore` beside a running bot; kill -9 and restart',
      requests,
      faults: cycles,
      inputs: refusals,
      checked: `${refusals} refusals (second bot, db restore), each one line naming DATABASE_PATH and the running bot's pid, host and start time; CLI backups ran beside it; after each of ${cycles} kill -9s the next bot started at once (no stale lock); all ${acked.length} acknowledged submissions stored, integrity ok`,
      ms: Date.now() - started,
    });
  }, 240_000);
});

import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StartupError } from '../../src/app.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorkerThread } from '../../src/worker-thread.ts';
import { botWorld } from '../reliability/support/bot-world.ts';
import { ORGS, partnerPerson, writeProgramConfig } from '../reliability/support/program.ts';
import { submissionPayload, waitUntil } from '../reliability/support/slack-world.ts';

// With FOOTHOLD_WORKER_THREAD=on, `npm start` on SQLite runs the worker role (outbox sender, CRM write-back, jobs)
// in a worker thread beside the web role (src/worker-thread.ts); by default everything runs on one thread. Either
// way every acknowledged submission's messages are delivered, and SIGTERM stops both cleanly.

const world = botWorld('thread');

type LogLine = { level: number; msg: string; thread?: string; role?: string };

async function runOnce(name: string, env: Record<string, string>) {
  const configPath = writeProgramConfig(mkdtempSync(join(world.dir, `${name}-`)));
  const bot = await world.start({
    database: { DATABASE_PATH: join(world.dir, `${name}.db`) },
    configPath,
    env,
  });
  const before = world.standIn.calls('chat.postMessage').length;
  const people = ORGS.flatMap((o) => [1, 2].map((i) => partnerPerson(o, i)));
  for (let i = 0; i < 6; i++) {
    const res = await bot.slack.viewSubmission(
      submissionPayload(people[i % people.length]!, { website: `${name}${i}-acct.com` }),
    );
    expect((res.json as { response_action?: string } | null)?.response_action).toBe('update');
  }
  // Each submission's routing post (and the partner's DM) goes out from the worker role.
  const posted = () =>
    world.standIn
      .calls('chat.postMessage')
      .slice(before)
      .filter((c) => JSON.stringify(c.args).includes(`${name}`)).length;
  await waitUntil('six submissions posted', () => posted() >= 6, 15_000);
  bot.kill('SIGTERM');
  const exit = await bot.exited;
  const logs = bot.stdout.map((l) => JSON.parse(l) as LogLine);
  return { exit, logs, posted: posted() };
}

describe('FOOTHOLD_WORKER_THREAD (npm start on SQLite)', () => {
  it('on: sends from a worker thread, and SIGTERM stops both threads cleanly', async () => {
    const { exit, logs, posted } = await runOnce('threaded', { FOOTHOLD_WORKER_THREAD: 'on' });
    expect(exit.code).toBe(0);
    expect(posted).toBeGreaterThanOrEqual(6);
    expect(
      logs.some((l) => l.thread === 'worker' && l.msg === 'Foothold worker is ready'),
      JSON.stringify(logs.map((l) => [l.msg, l.thread])),
    ).toBe(true);
    expect(logs.find((l) => l.msg === 'Foothold is ready')?.role).toBe('web');
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });

  it('by default both roles run on one thread', async () => {
    const { exit, logs, posted } = await runOnce('single', {});
    expect(exit.code).toBe(0);
    expect(posted).toBeGreaterThanOrEqual(6);
    expect(logs.some((l) => l.thread === 'worker')).toBe(false);
    expect(logs.find((l) => l.msg === 'Foothold is ready')?.role).toBe('web+worker');
  });
});

describe('startWorkerThread', () => {
  it('rejects with the thread’s reason when it cannot start, and leaves nothing running', async () => {
    const saved = process.env.SLACK_BOT_TOKEN;
    // The thread reads its settings from the environment it is given (a copy of this one, taken at start).
    process.env.SLACK_BOT_TOKEN = 'not-a-bot-token';
    const crashes: string[] = [];
    try {
      const err = await startWorkerThread({
        home: { teamIds: [], enterpriseIds: [] },
        logger: createLogger('silent'),
        onCrash: (why) => crashes.push(why),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartupError);
      expect((err as Error).message).toMatch(/SLACK_BOT_TOKEN: expected a bot token starting with xoxb-/);
      // Terminated, not crashed: a failed start is reported once, as the rejection.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(crashes).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.SLACK_BOT_TOKEN;
      else process.env.SLACK_BOT_TOKEN = saved;
    }
  });
});

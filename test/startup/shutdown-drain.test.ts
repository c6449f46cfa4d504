import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpGet } from '../reliability/support/bot-process.ts';
import { botWorld } from '../reliability/support/bot-world.ts';
import { ORGS, partnerPerson, writeProgramConfig } from '../reliability/support/program.ts';
import { submissionPayload } from '../reliability/support/slack-world.ts';

// SHUTDOWN_DRAIN_MS: on SIGTERM the web role answers /healthz with 503 for that long while it keeps serving
// requests, so a load balancer takes it out of rotation before the listener closes.

const world = botWorld('drain');

describe('SHUTDOWN_DRAIN_MS', () => {
  it('fails /healthz at once on SIGTERM, still answers Slack while draining, then exits cleanly', async () => {
    const bot = await world.start({
      database: { DATABASE_PATH: join(world.dir, 'drain.db') },
      configPath: writeProgramConfig(world.dir),
      env: { SHUTDOWN_DRAIN_MS: '1500' },
    });
    expect((await httpGet(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
    const termAt = Date.now();
    bot.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const health = await httpGet(`http://127.0.0.1:${bot.port}/healthz`);
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ ok: false, reason: 'shutting down' });
    const res = await bot.slack.viewSubmission(
      submissionPayload(partnerPerson(ORGS[0]!, 1), { website: 'drained-acct.com' }),
    );
    expect((res.json as { response_action?: string } | null)?.response_action).toBe('update');
    const exit = await bot.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - termAt).toBeGreaterThanOrEqual(1400);
    const logs = bot.stdout.map((l) => JSON.parse(l) as { level: number; msg: string; drainMs?: number });
    expect(logs.find((l) => /draining/.test(l.msg))?.drainMs).toBe(1500);
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});

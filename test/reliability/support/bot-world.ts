import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../../src/dev/slack-stand-in.ts';
import { type BotOptions, type BotProcess, startBot } from './bot-process.ts';
import { programStandIn } from './program.ts';

/** What a file of bot-process scenarios shares: one Slack stand-in, a temp dir, and every bot it started. */
export interface BotWorld {
  readonly standIn: SlackStandIn;
  readonly dir: string;
  /** Starts a bot against the stand-in; it is killed (SIGKILL) after the file if still running. */
  start(opts: Omit<BotOptions, 'apiUrl'>): Promise<BotProcess>;
}

/** Call at the top of a test file: the stand-in and the dir exist from beforeAll to afterAll. */
export function botWorld(prefix: string): BotWorld {
  let standIn: SlackStandIn | undefined;
  let dir: string | undefined;
  const bots: BotProcess[] = [];
  beforeAll(async () => {
    standIn = await startSlackStandIn(programStandIn());
    dir = mkdtempSync(join(tmpdir(), `foothold-${prefix}-`));
  });
  afterAll(async () => {
    for (const b of bots) b.kill('SIGKILL');
    await Promise.all(bots.map((b) => b.exited));
    await standIn?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const needed = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} exists only between beforeAll and afterAll`);
    return value;
  };
  return {
    get standIn() {
      return needed(standIn, 'the Slack stand-in');
    },
    get dir() {
      return needed(dir, 'the temp dir');
    },
    async start(opts) {
      const bot = await startBot({ apiUrl: needed(standIn, 'the Slack stand-in').apiUrl, ...opts });
      bots.push(bot);
      return bot;
    },
  };
}

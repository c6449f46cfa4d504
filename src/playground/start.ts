/**
 * Playground mode: the real bot, the real program config and a real database, talking to the built-in Slack
 * stand-in on loopback, plus a web page that shows the workspace as each person sees it. `npm start` runs
 * this when no Slack settings are set (see `playgroundMode` in src/config/env.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createFoothold, type Foothold } from '../app.ts';
import { type Env, parseEnv } from '../config/env.ts';
import { loadProgramConfig, type ProgramConfig } from '../config/program-config.ts';
import { closeDb, type Db, openDb } from '../db/connection.ts';
import { acquireProcessLock } from '../db/process-lock.ts';
import { leadCount } from '../db/stores/lead-store.ts';
import { EXAMPLE_CONFIG_PATH } from '../dev/demo.ts';
import { createSlackRequester } from '../dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../dev/slack-stand-in.ts';
import { createLogger, type Logger } from '../logger.ts';
import { startPlaygroundServer } from './server.ts';
import { createWorkspace, type Workspace } from './workspace.ts';
import { worldFromConfig } from './world.ts';

export const PLAYGROUND_DATABASE = './data/playground.db';
const LOOPBACK = '127.0.0.1';

export interface PlaygroundOptions {
  config: ProgramConfig;
  databasePath: string;
  /** The page's port (0: any free port). The bot and the stand-in take free loopback ports of their own. */
  port: number;
  logger: Logger;
  /** Other settings the bot reads (e.g. a CRM's credentials); the Slack ones are the playground's own. */
  environment?: Record<string, string | undefined>;
}

export interface Playground {
  /** `http://localhost:PORT/playground` */
  url: string;
  port: number;
  standIn: SlackStandIn;
  foothold: Foothold;
  workspace: Workspace;
  db: Db;
  close(): Promise<void>;
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const { config, logger } = options;
  const world = worldFromConfig(config);
  const standIn = await startSlackStandIn({ ...world.standIn, host: LOOPBACK });
  const cleanups: Array<() => Promise<void> | void> = [() => standIn.close()];
  const close = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    mkdirSync(dirname(resolve(options.databasePath)), { recursive: true });
    // One bot per database file, the playground's included (`db restore` and a second bot are refused).
    const lock = acquireProcessLock(options.databasePath, 'bot');
    cleanups.push(() => lock.release());
    const db = openDb(options.databasePath);
    cleanups.push(() => closeDb(db));
    // A secret for this session only: the page's backend signs every request it sends the bot with it.
    const signingSecret = randomBytes(24).toString('hex');
    const env: Env = {
      ...parseEnv({
        ...options.environment,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_APP_TOKEN: undefined,
        SLACK_CLIENT_ID: undefined,
        SLACK_CLIENT_SECRET: undefined,
        SLACK_STATE_SECRET: undefined,
        SLACK_API_URL: standIn.apiUrl,
        DATABASE_PATH: options.databasePath,
        // The playground always runs on its own SQLite file, whatever DATABASE_URL says.
        DATABASE_URL: undefined,
      }),
      PORT: 0,
    };
    const foothold = createFoothold({ env, config, db, logger, listenHost: LOOPBACK });
    const { port: botPort } = await foothold.start();
    cleanups.push(() => foothold.stop());
    if (!botPort) throw new Error('the bot did not report its HTTP port');
    const slack = createSlackRequester({ baseUrl: `http://${LOOPBACK}:${botPort}`, signingSecret });
    const workspace = createWorkspace({ world, standIn, foothold, slack, db, config });
    await workspace.joinSharedChannels();
    const server = await startPlaygroundServer(workspace, {
      port: options.port,
      onError: (err) => logger.error({ err }, 'playground request failed'),
    });
    cleanups.push(() => server.close());
    return {
      url: `http://localhost:${server.port}/playground`,
      port: server.port,
      standIn,
      foothold,
      workspace,
      db,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * `npm start` without Slack settings: PORT, DATABASE_PATH (default ./data/playground.db, never the real
 * bot's), FOOTHOLD_CONFIG (falling back to the example config, with a note), LOG_LEVEL (default warn) and
 * LOG_FORMAT (default pretty: a person reads this terminal).
 */
export async function runPlayground(
  source: Record<string, string | undefined>,
  out: (line: string) => void,
  /** Tests: a port of 0 (any free port), which PORT refuses. */
  overrides: { port?: number } = {},
): Promise<Playground> {
  const env = parseEnv({
    ...source,
    SLACK_BOT_TOKEN: 'xoxb-playground',
    SLACK_SIGNING_SECRET: 'playground-only',
    DATABASE_PATH: source.DATABASE_PATH?.trim() ? source.DATABASE_PATH : PLAYGROUND_DATABASE,
    LOG_LEVEL: source.LOG_LEVEL?.trim() ? source.LOG_LEVEL : 'warn',
    LOG_FORMAT: source.LOG_FORMAT?.trim() ? source.LOG_FORMAT : 'pretty',
  });
  let configPath = env.FOOTHOLD_CONFIG;
  if (!existsSync(configPath) && !source.FOOTHOLD_CONFIG?.trim()) {
    out(`No ${configPath} yet: the playground uses the example program (foothold.config.example.json).`);
    configPath = EXAMPLE_CONFIG_PATH;
  }
  const config = loadProgramConfig(configPath);
  const logger = createLogger(env.LOG_LEVEL, undefined, { format: env.LOG_FORMAT });
  const playground = await startPlayground({
    config,
    databasePath: env.DATABASE_PATH,
    port: overrides.port ?? env.PORT,
    logger,
    environment: source,
  });
  out(
    `Foothold playground (no Slack settings found): open ${playground.url} — set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to run the real bot.`,
  );
  out(`Program: ${configPath} · database: ${env.DATABASE_PATH} · Ctrl-C to stop.`);
  const leads = await leadCount(playground.db);
  if (leads > 0)
    out(
      `The database holds ${leads} lead(s) from earlier sessions; Slack's side starts empty each time, so their old posts are not shown (/eql status <domain> and App Home still see them).`,
    );
  return playground;
}

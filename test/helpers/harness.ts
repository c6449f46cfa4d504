import { createFoothold, type Foothold } from '../../src/app.ts';
import type { Env } from '../../src/config/env.ts';
import type { ProgramConfig } from '../../src/config/program-config.ts';
import type { CrmProvider } from '../../src/crm/types.ts';
import type { Db } from '../../src/db/connection.ts';
import { keyringFromText } from '../../src/db/secret-box.ts';
import { createSlackRequester, type SlackRequester } from '../../src/dev/slack-client.ts';
import { type SlackStandIn, type StandInOptions, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { openTestDb, type TestDb, testConfig } from './db.ts';

export const SIGNING_SECRET = 'test-signing-secret-8f742231b10e';
export const VENDOR_TEAM = 'T0VENDOR';
/** FOOTHOLD_ENCRYPTION_KEY for tests (32 bytes, base64); every harness gets it unless it sets its own. */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
/** The keyring an OAuth harness seals installation tokens with (for stores and reads made beside the app). */
export const TEST_KEYRING = keyringFromText(TEST_ENCRYPTION_KEY);

export interface Harness {
  standIn: SlackStandIn;
  foothold: Foothold;
  slack: SlackRequester;
  db: Db;
  tdb: TestDb;
  config: ProgramConfig;
  port: number;
  /** Waits until the outbox has nothing due (every queued Slack message delivered or failed). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** The example program's Slack world: internal routing channels, two partner orgs in shared channels. */
export function programStandInOptions(): StandInOptions {
  return {
    team: { id: VENDOR_TEAM, name: 'Vendor', domain: 'vendor' },
    channels: [
      { id: 'C0ROUTING', name: 'eql-routing' },
      { id: 'C0EMEA', name: 'eql-emea' },
      { id: 'C0LEADERS', name: 'partner-leaders' },
      { id: 'C0SHAREDN', name: 'shared-northwind', isExtShared: true, connectedTeamIds: ['T0NORTH'] },
      { id: 'C0SHAREDC', name: 'shared-contoso', isExtShared: true, connectedTeamIds: ['T0CONTOSO'] },
    ],
    users: [
      { id: 'U0NWPAT', teamId: 'T0NORTH', realName: 'Pat Northwind', tz: 'Europe/London' },
      { id: 'U0NWBOB', teamId: 'T0NORTH', realName: 'Bob Northwind', tz: 'Europe/London' },
      { id: 'U0CONPAT', teamId: 'T0CONTOSO', realName: 'Pat Contoso', tz: 'America/Chicago' },
      { id: 'U0STRANGER', teamId: 'T0UNKNOWN', realName: 'Stranger' },
      { id: 'U0REP1', teamId: VENDOR_TEAM, realName: 'Riley Rep', tz: 'America/New_York' },
      { id: 'U0REP2', teamId: VENDOR_TEAM, realName: 'Sam Rep', tz: 'Europe/London' },
      { id: 'U0LEAD', teamId: VENDOR_TEAM, realName: 'Lee Leader', tz: 'America/New_York' },
      { id: 'U0ADMIN', teamId: VENDOR_TEAM, realName: 'Ada Admin', tz: 'America/New_York' },
      { id: 'U0PAM', teamId: VENDOR_TEAM, realName: 'Parker Partner-Manager', tz: 'America/New_York' },
    ],
  };
}

export async function startHarness(
  opts: {
    config?: ProgramConfig;
    standIn?: StandInOptions;
    env?: Partial<Env>;
    now?: () => number;
    tdb?: TestDb;
    /** The CRM the write-backs go to; by default the one the environment's CRM variables reach, if any. */
    crmProvider?: CrmProvider | null;
    /** Where the app logs (default: silent, or FOOTHOLD_TEST_LOG's level on the console). */
    logger?: Logger;
  } = {},
): Promise<Harness> {
  const standIn = await startSlackStandIn(opts.standIn ?? programStandInOptions());
  const tdb = opts.tdb ?? (await openTestDb());
  const config = opts.config ?? testConfig();
  const env: Env = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: standIn.apiUrl,
    PORT: 0,
    // The run's engine: DATABASE_URL on PostgreSQL, DATABASE_PATH (the SQLite file) otherwise.
    ...tdb.env,
    FOOTHOLD_CONFIG: '(test)',
    LOG_LEVEL: 'silent',
    FOOTHOLD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    ...opts.env,
  } as Env;
  const logger = opts.logger ?? createLogger(process.env.FOOTHOLD_TEST_LOG ?? 'silent');
  const foothold = createFoothold({
    env,
    config,
    db: tdb.db,
    logger,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.crmProvider !== undefined ? { crmProvider: opts.crmProvider } : {}),
  });
  const { port } = await foothold.start();
  if (!port) throw new Error('the app did not report its port');
  const slack = createSlackRequester({ baseUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET });
  return {
    standIn,
    foothold,
    slack,
    db: tdb.db,
    tdb,
    config,
    port,
    async drain() {
      await foothold.sender.drain({ untilEmpty: true, timeoutMs: 15_000 });
    },
    async stop() {
      await foothold.stop();
      await standIn.close();
      if (!opts.tdb) await tdb.cleanup();
    },
  };
}

import type { Server } from 'node:http';
import { App, type CustomRoute } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { type Env, missingCrmEnv } from './config/env.ts';
import type { ProgramConfig } from './config/program-config.ts';
import { createCrmProvider } from './crm/provider.ts';
import type { CrmProvider } from './crm/types.ts';
import { createWriteBackSender, type WriteBackSender } from './crm/write-back-sender.ts';
import type { Db } from './db/connection.ts';
import { botTokenForTeam, createInstallationStore } from './db/stores/installation-store.ts';
import { syncProgram } from './db/stores/lead-store.ts';
import { JOBS } from './jobs/index.ts';
import { createScheduler, type Scheduler } from './jobs/scheduler.ts';
import { createTimeZoneLookup } from './jobs/time-zones.ts';
import type { ListenerDeps } from './listeners/deps.ts';
import { registerListeners } from './listeners/index.ts';
import { boltLogger, type Logger } from './logger.ts';
import type { ServiceDeps } from './services/context.ts';
import { createHomeRefresher } from './slack/home-publisher.ts';
import { createOutboxSender, type OutboxSender } from './slack/outbox-sender.ts';

// Assembles the running bot: Bolt (HTTP or Socket Mode, single token or OAuth installs), the listeners,
// the outbox sender and the start-up checks. Everything it needs is passed in, so tests run the real thing.

/** Bot scopes the manifest requests; also the OAuth install flow's scopes. Keep the two in step. */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'im:write',
  'users:read',
  'channels:read',
  'groups:read',
  'pins:write',
  // Read back the app's own recent posts: after a timeout or a crash the sender looks for its delivery key in
  // the message metadata before posting again, so a message is never sent twice.
  'channels:history',
  'groups:history',
  'im:history',
] as const;

export interface FootholdOptions {
  env: Env;
  config: ProgramConfig;
  db: Db;
  logger: Logger;
  now?: () => number;
  /**
   * The CRM write-backs go through (tests pass a provider on a stand-in); by default the configured CRM's,
   * built from the environment when its credentials are set.
   */
  crmProvider?: CrmProvider | null;
}

export interface Foothold {
  app: App;
  sender: OutboxSender;
  /** Delivers CRM write-backs (null without a CRM, with write-back off, or without CRM credentials). */
  crmWriteBack: WriteBackSender | null;
  deps: ListenerDeps;
  /** The scheduled jobs (src/jobs), running from start() to stop(). */
  scheduler: Scheduler;
  /** Verifies the routing channels, starts listening and sending. Resolves once `/healthz` answers 200. */
  start(): Promise<{ port: number | null }>;
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

export function createFoothold(options: FootholdOptions): Foothold {
  const { env, config, db, logger } = options;
  const now = options.now ?? Date.now;
  const slackApiUrl = env.SLACK_API_URL;
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const oauth = Boolean(env.SLACK_CLIENT_ID);
  let ready = false;

  // The sender's own clients: it handles retries and Retry-After itself, so the SDK must not retry too
  // (an SDK retry after a timeout is how a message gets posted twice).
  const senderClientOptions = {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    // The sender logs each failure itself, once, with context; the SDK's own warnings would go to the
    // console outside the JSON log.
    logger: boltLogger(logger.child({ component: 'web-api' }, { level: 'error' })),
  };
  const defaultClient = env.SLACK_BOT_TOKEN ? new WebClient(env.SLACK_BOT_TOKEN, senderClientOptions) : null;
  const teamClients = new Map<string, WebClient>();
  const clientFor = (teamId: string | null): WebClient => {
    if (teamId) {
      const token = botTokenForTeam(db, teamId);
      if (token) {
        let c = teamClients.get(token);
        if (!c) {
          c = new WebClient(token, senderClientOptions);
          teamClients.set(token, c);
        }
        return c;
      }
    }
    if (!defaultClient) throw new Error(`no bot token for team ${teamId ?? '(default)'}`);
    return defaultClient;
  };

  const sender = createOutboxSender({ db, clientFor, logger: logger.child({ component: 'outbox' }), now });
  const services: ServiceDeps = { db, config, now, homeTeamIds: [] };
  const crmWriteBack = createCrmWriteBack(options, () => sender.kick());
  const homeRefresher = createHomeRefresher({
    services,
    clientFor,
    logger: logger.child({ component: 'home' }),
  });

  const scheduler = createScheduler({
    jobs: JOBS,
    deps: {
      services,
      timeZones: createTimeZoneLookup({
        db,
        usersInfo: defaultClient
          ? (user) => defaultClient.users.info({ user }).then((r) => ({ tz: r.user?.tz }))
          : null,
        logger,
      }),
    },
    config,
    now,
    logger: logger.child({ component: 'jobs' }),
    afterRun: () => {
      sender.kick();
      crmWriteBack?.kick();
    },
  });

  const healthz: CustomRoute = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: ready }));
    },
  };

  const installationStore = oauth ? createInstallationStore(db, now) : undefined;
  const app = new App({
    logger: boltLogger(logger),
    ...(slackApiUrl ? { clientOptions: { slackApiUrl } } : {}),
    ...(socketMode
      ? { socketMode: true, appToken: env.SLACK_APP_TOKEN }
      : { signingSecret: env.SLACK_SIGNING_SECRET ?? '', customRoutes: [healthz] }),
    ...(oauth
      ? {
          clientId: env.SLACK_CLIENT_ID,
          clientSecret: env.SLACK_CLIENT_SECRET,
          stateSecret: env.SLACK_STATE_SECRET,
          scopes: [...BOT_SCOPES],
          installationStore,
          installerOptions: {
            directInstall: true,
            ...(slackApiUrl ? { clientOptions: { slackApiUrl } } : {}),
          },
        }
      : { token: env.SLACK_BOT_TOKEN }),
  });

  const deps: ListenerDeps = {
    services,
    logger,
    afterCommit(userIds = []) {
      sender.kick();
      crmWriteBack?.kick();
      homeRefresher.refresh(userIds);
    },
    homeRefresher,
    botUserId: null,
  };
  registerListeners(app, deps);

  app.error(async (error) => {
    logger.error(
      { err: error, code: (error as { code?: string }).code },
      'unhandled error in a Slack listener',
    );
  });

  return {
    app,
    sender,
    crmWriteBack,
    deps,
    scheduler,
    async start() {
      syncProgram(db, config, now());
      if (!defaultClient)
        throw new StartupError(
          'SLACK_BOT_TOKEN is required for the vendor workspace (the routing channel lives there).',
        );
      const auth = await defaultClient.auth
        .test()
        .catch((err: { data?: { error?: string }; message: string }) => {
          throw new StartupError(
            `Slack rejected SLACK_BOT_TOKEN (${err.data?.error ?? err.message}). Check the token under OAuth & Permissions.`,
          );
        });
      if (auth.team_id) services.homeTeamIds = [auth.team_id];
      deps.botUserId = auth.user_id ?? null;
      if (oauth && auth.team_id && installationStore && !botTokenForTeam(db, auth.team_id)) {
        // The vendor's own workspace keeps working from SLACK_BOT_TOKEN alongside partner installs.
        await installationStore.storeInstallation({
          team: { id: auth.team_id, name: auth.team ?? undefined },
          enterprise: undefined,
          user: { id: auth.user_id ?? '', token: undefined, scopes: undefined },
          bot: {
            id: auth.bot_id ?? '',
            userId: auth.user_id ?? '',
            token: env.SLACK_BOT_TOKEN ?? '',
            scopes: [...BOT_SCOPES],
          },
          tokenType: 'bot',
          isEnterpriseInstall: false,
          appId: undefined,
          authVersion: 'v2',
        });
      }
      await assertRoutingChannelsInternal(defaultClient, config);
      const started = (await (socketMode ? app.start() : app.start(env.PORT))) as unknown;
      const server = started as Server | undefined;
      const address = !socketMode && server && typeof server.address === 'function' ? server.address() : null;
      sender.start();
      crmWriteBack?.start();
      scheduler.start();
      ready = true;
      logger.info({ mode: socketMode ? 'socket' : 'http', oauth, team: auth.team_id }, 'Foothold is ready');
      return { port: address && typeof address === 'object' ? address.port : null };
    },
    async stop() {
      ready = false;
      await scheduler.stop();
      await app.stop();
      await sender.stop();
      await crmWriteBack?.stop();
      homeRefresher.stop();
    },
  };
}

/**
 * The CRM write-back sender, beside the Slack outbox sender. Without the CRM's credentials in the environment
 * the write-backs stay queued (and a warning says which variable is missing) until the bot restarts with them.
 */
function createCrmWriteBack(options: FootholdOptions, kickSlack: () => void): WriteBackSender | null {
  const { config, env, db, logger } = options;
  const crm = config.crm;
  if (!crm?.writeBack.enabled) return null;
  let provider = options.crmProvider ?? null;
  if (options.crmProvider === undefined) {
    const missing = missingCrmEnv(env, crm.provider);
    if (missing.length > 0) {
      logger.warn({ missing }, 'CRM write-backs stay queued: the CRM credentials are not set');
      return null;
    }
    provider = createCrmProvider(env, crm);
  }
  if (!provider) return null;
  return createWriteBackSender({
    db,
    provider,
    logger: logger.child({ component: 'crm-write-back' }),
    ...(options.now ? { now: options.now } : {}),
    onSlackQueued: kickSlack,
  });
}

/**
 * Partners must never see the internal routing posts, so every routing channel has to be internal. A channel
 * we cannot inspect is refused too: "probably internal" is not good enough.
 */
export async function assertRoutingChannelsInternal(client: WebClient, config: ProgramConfig): Promise<void> {
  const channels = [...new Set([config.routingChannel, ...config.routing.map((r) => r.channel)])];
  const problems: string[] = [];
  for (const channel of channels) {
    try {
      const info = await client.conversations.info({ channel });
      const c = info.channel as { is_ext_shared?: boolean; is_shared?: boolean; name?: string } | undefined;
      if (c?.is_ext_shared) {
        problems.push(
          `${channel} (#${c.name ?? '?'}) is shared with another organisation; routing posts must stay internal`,
        );
      }
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      problems.push(
        `${channel}: cannot check it (${code}); invite the bot to the channel, and for a private channel make sure the app has groups:read`,
      );
    }
  }
  if (problems.length) {
    throw new StartupError(
      `Foothold will not start with these routing channels:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

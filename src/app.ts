import { createServer, type Server } from 'node:http';
import { App, type CustomRoute } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Env } from './config/env.ts';
import type { ProgramConfig } from './config/program-config.ts';
import { crmJobDeps } from './crm/job-deps.ts';
import type { CrmProvider } from './crm/types.ts';
import { createWriteBackSender, type WriteBackSender } from './crm/write-back-sender.ts';
import { type Db, engineKind, sqliteClient } from './db/connection.ts';
import { probeDatabaseWritable, type WriteProbeOptions } from './db/health.ts';
import { keyringFromText } from './db/secret-box.ts';
import {
  forgetCopiedBotToken,
  installationKeyCensus,
  sealPlaintextInstallations,
} from './db/stores/installation-keys.ts';
import { clientTokenFor, createInstallationStore } from './db/stores/installation-store.ts';
import { createOAuthStateStore } from './db/stores/oauth-state-store.ts';
import { outboxHealth } from './db/stores/outbox-store.ts';
import { syncProgram } from './db/stores/program-store.ts';
import { createDeliveryRoutes } from './delivery/delivery-routes.ts';
import { createHomeRefresher, type Door } from './delivery/home-publisher.ts';
import { createOutboxSender, type OutboxSender } from './delivery/outbox-sender.ts';
import { JOBS } from './jobs/index.ts';
import { createScheduler, type Scheduler } from './jobs/scheduler.ts';
import { createTimeZoneLookup } from './jobs/time-zones.ts';
import type { ListenerDeps } from './listeners/deps.ts';
import { registerListeners } from './listeners/index.ts';
import { type HttpShutdown, hardenHttpServer, httpServerOptions } from './listeners/receiver-guard.ts';
import { boltLogger, type Logger } from './logger.ts';
import { type HomeIdentity, withHomeInstallation } from './oauth/home-installation.ts';
import { installFailureHandler } from './oauth/install-pages.ts';
import { internalChannels, recordChannelState } from './services/channel-watch.ts';
import type { ServiceDeps } from './services/context.ts';
import { type ChannelVerdict, type ConversationFacts, channelVerdict } from './slack/channel-state.ts';

// Assembles the running bot: Bolt (HTTP or Socket Mode, single token or OAuth installs), the listeners,
// the outbox sender and the start-up checks. Everything it needs is passed in, so tests run the real thing.
//
// Roles (PRODUCT.md section 13): `web` serves Slack (the listeners, HTTP or Socket Mode) and `/healthz`;
// `worker` runs the outbox sender, the CRM write-back sender and the scheduled jobs. `npm start` runs both in
// one process; on PostgreSQL any number of each may run apart (`foothold web`, `foothold worker`).

/**
 * Bot scopes the manifest requests; also the OAuth install flow's scopes (what a partner's workspace grants).
 * Keep the two in step; README "What the manifest asks for" gives each one's reason.
 */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'im:write',
  'users:read',
  'channels:read',
  'groups:read',
  'pins:write',
  // CRM owners are emails: users.lookupByEmail maps them to Slack users for routing (section 11).
  'users:read.email',
  // Upload chart PNGs (funnel, cohort trend, conversion by warmth) to the digest and the monthly insight
  // messages: files.getUploadURLExternal + files.completeUploadExternal. Off with `charts.enabled: false`.
  'files:write',
] as const;

/**
 * Optional, for the vendor's own workspace only (`manifest.with-history.json`): after a post went unconfirmed
 * (a timeout, a crash mid-call) the sender reads back the bot's recent posts in the program's internal
 * channels and in its own DMs (whose Messages tab is read-only) to find its delivery key, so the message is not
 * posted twice. It never reads a channel shared with a partner. Without them, such a post is sent again: a
 * duplicate at worst, never a loss. Partner installs never ask for them.
 */
export const HISTORY_SCOPES = ['channels:history', 'groups:history', 'im:history'] as const;

/** What a process runs: the Slack listeners (`web`), the senders and the jobs (`worker`), or both. */
export interface FootholdRoles {
  web: boolean;
  worker: boolean;
}

export const BOTH_ROLES: FootholdRoles = { web: true, worker: true };

/** `web`, `worker` or `web+worker`, for the logs. */
export function rolesName(roles: FootholdRoles): string {
  return [roles.web ? 'web' : '', roles.worker ? 'worker' : ''].filter(Boolean).join('+') || 'none';
}

export interface FootholdOptions {
  env: Env;
  config: ProgramConfig;
  db: Db;
  logger: Logger;
  now?: () => number;
  /** HTTP mode: the interface to listen on (default: all). The playground keeps the bot on 127.0.0.1. */
  listenHost?: string;
  /**
   * The CRM write-backs go through (tests pass a provider on a stand-in); by default the configured CRM's,
   * built from the environment when its credentials are set.
   */
  crmProvider?: CrmProvider | null;
  /** The database file, for `/healthz`'s write probe (free disk space; omitted: only the write is tried). */
  databasePath?: string;
  /** Test seam for the write probe (free disk space). */
  writeProbe?: WriteProbeOptions;
  /**
   * What this process runs (default both, as `npm start`). A worker alone serves `/healthz` on
   * WORKER_HEALTH_PORT when it is set, and nothing else over HTTP.
   */
  roles?: FootholdRoles;
  /**
   * A web role whose worker runs elsewhere in this process (a worker thread, see src/worker-thread.ts): called
   * after every commit, so that worker sends at once instead of at its next poll.
   */
  kickWorker?: () => void;
  /**
   * A worker thread started by a web role that has already checked the deployment (secrets at rest, the
   * program, the bot token, the routing channels): the vendor's home, as that role's auth.test found it.
   * start() then skips those checks.
   */
  checkedHome?: HomeIds;
  /** Runs in start() once the deployment is checked (homeIds() is known), before the web role listens. */
  beforeListen?: () => Promise<void>;
}

/** The vendor's own workspace and organisation (auth.test): everyone in them is internal. */
export interface HomeIds {
  teamIds: string[];
  enterpriseIds: string[];
}

export interface Foothold {
  /** Bolt (built in every role; started only with the web role). */
  app: App;
  roles: FootholdRoles;
  sender: OutboxSender;
  /** Delivers CRM write-backs (null without the worker role, a CRM, write-back on, or CRM credentials). */
  crmWriteBack: WriteBackSender | null;
  deps: ListenerDeps;
  /** The scheduled jobs (src/jobs), running from start() to stop(). */
  scheduler: Scheduler;
  /**
   * Verifies the routing channels, then starts what the roles run: listening (web), sending and the jobs
   * (worker). Resolves once `/healthz` answers 200, with the HTTP port (in Socket Mode, the port of the
   * health-check server; a worker alone: its WORKER_HEALTH_PORT server, or null).
   */
  start(): Promise<{ port: number | null }>;
  stop(): Promise<void>;
  /** The vendor's home as start() found it (for a worker thread's `checkedHome`). */
  homeIds(): HomeIds;
  /** `/healthz` answers 503 ("shutting down") from now on, while requests are still served (SHUTDOWN_DRAIN_MS). */
  beginDrain(): void;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

export function createFoothold(options: FootholdOptions): Foothold {
  const { env, config, db, logger } = options;
  const roles = options.roles ?? BOTH_ROLES;
  if (!roles.web && !roles.worker)
    throw new StartupError('a Foothold process needs the web role, the worker role or both');
  const now = options.now ?? Date.now;
  const slackApiUrl = env.SLACK_API_URL;
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const oauth = Boolean(env.SLACK_CLIENT_ID);
  // Seals installation tokens at rest (src/db/secret-box.ts); null when FOOTHOLD_ENCRYPTION_KEY is not set.
  const keyring = keyringFromText(env.FOOTHOLD_ENCRYPTION_KEY, env.FOOTHOLD_ENCRYPTION_KEY_PREVIOUS);
  let home: HomeIdentity | null = null;
  let ready = false;
  let draining = false;

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
  const clientOfToken = (token: string): WebClient => {
    let c = teamClients.get(token);
    if (!c) {
      // Rotated tokens leave old clients behind: past this many, the cache starts over.
      if (teamClients.size >= 500) teamClients.clear();
      c = new WebClient(token, senderClientOptions);
      teamClients.set(token, c);
    }
    return c;
  };
  // The client of a person's own installation (their workspace's, else their organisation's org-wide one);
  // the vendor's client when none installed Foothold. App Home uses it; see clientTokenFor.
  const installationClient = async (doors: ReadonlyArray<Door | null | undefined>): Promise<WebClient> => {
    for (const door of doors) {
      const token = door ? await clientTokenFor(db, door, keyring) : null;
      if (token) return clientOfToken(token);
    }
    if (!defaultClient) throw new Error('no bot token for the vendor workspace');
    return defaultClient;
  };

  const services: ServiceDeps = { db, config, now, homeTeamIds: [], homeEnterpriseIds: [] };
  // The outbox's doors: the same lookup and client cache as App Home, resolved for every attempt.
  const routes = createDeliveryRoutes({
    db,
    vendorClient: defaultClient,
    clientOfToken,
    keyring,
    isHome: (teamId, enterpriseId) =>
      (teamId != null && (services.homeTeamIds ?? []).includes(teamId)) ||
      (enterpriseId != null && (services.homeEnterpriseIds ?? []).includes(enterpriseId)),
  });
  const lookUpChannels = new Set(internalChannels(config));
  const sender = createOutboxSender({
    db,
    routeFor: routes.routeFor,
    // Only where every message is internal or the bot's own: never a channel shared with a partner.
    mayLookUp: ({ channel, dm, route }) => route.vendor && (dm || lookUpChannels.has(channel)),
    logger: logger.child({ component: 'outbox' }),
    now,
  });
  const homeRefresher = createHomeRefresher({
    services,
    clientFor: installationClient,
    logger: logger.child({ component: 'home' }),
  });

  // CRM sync (section 11): only with a `crm` section and its credentials; otherwise the job reports why it skips.
  const crm = crmJobDeps(env, config, defaultClient);
  if (config.crm && !crm.deps) {
    logger.warn(
      { problems: 'problems' in crm ? crm.problems : [] },
      'crm section set but CRM credentials missing; crm-sync will skip',
    );
  }
  // Write-backs go through the same provider as the sync (one HubSpot client per process, FACTS §H1).
  const crmWriteBack = roles.worker
    ? createCrmWriteBack(options, crm.deps?.provider ?? null, () => sender.kick())
    : null;
  const scheduler = createScheduler({
    jobs: JOBS,
    deps: {
      ...(crm.deps ? { crm: crm.deps } : {}),
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

  const databasePath =
    options.databasePath ?? (engineKind(db) === 'sqlite' ? sqliteClient(db).name : 'DATABASE_URL');
  const healthz: CustomRoute = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      void (async () => {
        // Ready, and the database can be written right now (SQLite: a full disk or a read-only file fails it;
        // PostgreSQL: the server answers `select 1` within 2 s and is not a read-only standby). The outbox's
        // backlog and failures ride along, so a monitor sees deliveries falling behind even while the process
        // itself is healthy.
        const probe = draining
          ? { ok: false, reason: 'shutting down' }
          : ready
            ? await probeDatabaseWritable(db, databasePath, options.writeProbe)
            : { ok: false, reason: 'starting up or shutting down' };
        let outbox: Awaited<ReturnType<typeof outboxHealth>> | null = null;
        // (On PostgreSQL a server that did not answer the probe is not asked again.)
        if (probe.ok || engineKind(db) === 'sqlite') {
          try {
            outbox = await outboxHealth(db, now());
          } catch (err) {
            logger.warn({ err }, '/healthz could not read the outbox');
          }
        }
        const body = {
          ok: probe.ok,
          ...(probe.ok ? {} : { reason: probe.reason }),
          role: rolesName(roles),
          ...(outbox ? { outbox } : {}),
        };
        res.writeHead(probe.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      })().catch((err: unknown) => {
        logger.error({ err }, '/healthz failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, reason: 'health check failed' }));
      });
    },
  };

  const installationStore = oauth
    ? withHomeInstallation(createInstallationStore(db, now, keyring), () => home)
    : undefined;
  const app = new App({
    logger: boltLogger(logger),
    // Bolt would otherwise call auth.test in its constructor, and a failure there (Slack unreachable, a bad
    // token) surfaces as an unhandled rejection with a stack trace. start() checks the token first and says
    // what is wrong in one line, then initialises Bolt.
    deferInitialization: true,
    ...(slackApiUrl ? { clientOptions: { slackApiUrl } } : {}),
    // `/healthz` in both modes: in Socket Mode, Bolt serves custom routes on its own HTTP server at
    // installerOptions.port (we give it PORT).
    customRoutes: [healthz],
    ...(socketMode
      ? { socketMode: true, appToken: env.SLACK_APP_TOKEN }
      : { signingSecret: env.SLACK_SIGNING_SECRET ?? '' }),
    installerOptions: {
      ...(socketMode ? { port: env.PORT } : {}),
      ...(oauth
        ? {
            directInstall: true,
            // Single-use states in the database, and a page that explains any failure (issue 10, finding 7).
            stateVerification: true,
            stateStore: createOAuthStateStore(db, env.SLACK_STATE_SECRET ?? '', now),
            callbackOptions: { failure: installFailureHandler(logger.child({ component: 'oauth' })) },
            ...(slackApiUrl ? { clientOptions: { slackApiUrl } } : {}),
          }
        : {}),
    },
    ...(oauth
      ? {
          clientId: env.SLACK_CLIENT_ID,
          clientSecret: env.SLACK_CLIENT_SECRET,
          stateSecret: env.SLACK_STATE_SECRET,
          scopes: [...BOT_SCOPES],
          installationStore,
        }
      : { token: env.SLACK_BOT_TOKEN }),
  });

  /**
   * Refuses to start when installation tokens cannot be read or kept sealed (one line naming the setting), and
   * seals tokens an older version stored in plain text (idempotent).
   */
  async function checkSecretsAtRest(): Promise<void> {
    if (oauth && !keyring) {
      throw new StartupError(
        'FOOTHOLD_ENCRYPTION_KEY is required with the OAuth install flow (it encrypts the installed workspaces’ tokens); generate one with `openssl rand -base64 32`.',
      );
    }
    const census = await installationKeyCensus(db, keyring);
    if (census.unknown.length > 0) {
      const keys = [...new Set(census.unknown.map((u) => u.keyId))].join(', ');
      const teams = [...new Set(census.unknown.map((u) => u.installKey))].join(', ');
      throw new StartupError(
        keyring
          ? `slack_installations: tokens of ${teams} are encrypted with key ${keys}, which is neither FOOTHOLD_ENCRYPTION_KEY (${keyring.current.id}) nor FOOTHOLD_ENCRYPTION_KEY_PREVIOUS; set FOOTHOLD_ENCRYPTION_KEY_PREVIOUS to the key they were encrypted with.`
          : `slack_installations: tokens of ${teams} are encrypted (key ${keys}) but FOOTHOLD_ENCRYPTION_KEY is not set; set it to the key they were encrypted with.`,
      );
    }
    if (keyring && census.plain > 0) {
      const sealed = await sealPlaintextInstallations(db, keyring);
      logger.info(
        { installations: sealed },
        'encrypted installation tokens stored in plain text by an older version',
      );
    }
  }

  const deps: ListenerDeps = {
    services,
    logger,
    afterCommit(userIds = []) {
      // A worker in this process sends at once; a worker elsewhere finds the rows within its poll (1 s).
      if (roles.worker) {
        sender.kick();
        crmWriteBack?.kick();
      } else options.kickWorker?.();
      homeRefresher.refresh(userIds);
    },
    homeRefresher,
    botUserId: null,
    ...(installationStore ? { installationStore } : {}),
  };
  // Work a request started goes on after Slack has its answer (Bolt acknowledges first, or the 3 seconds ran
  // out): stop() waits for it before the database closes under it.
  const inFlight = new Set<Promise<unknown>>();
  if (roles.web) {
    app.use(async ({ next }) => {
      const work = next();
      inFlight.add(work);
      try {
        await work;
      } finally {
        inFlight.delete(work);
      }
    });
    registerListeners(app, deps);
  }

  app.error(async (error) => {
    logger.error(
      { err: error, code: (error as { code?: string }).code },
      'unhandled error in a Slack listener',
    );
  });

  /** A worker without the web role serves `/healthz` on WORKER_HEALTH_PORT (when set) on a plain HTTP server. */
  let workerHealthServer: Server | null = null;
  let httpShutdown: HttpShutdown | null = null;
  async function startWorkerHealth(): Promise<number | null> {
    const port = env.WORKER_HEALTH_PORT;
    if (roles.web || port === undefined) return null;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === healthz.path && (req.method === 'GET' || req.method === 'HEAD')) {
        healthz.handler(req as Parameters<CustomRoute['handler']>[0], res);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
    workerHealthServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenProblem(err, port) ?? err));
      server.listen(port, options.listenHost, () => resolve());
    });
    const address = server.address();
    return address && typeof address === 'object' ? address.port : port;
  }

  async function startWorker(): Promise<void> {
    sender.start();
    crmWriteBack?.start();
    await scheduler.start();
  }

  return {
    app,
    roles,
    sender,
    crmWriteBack,
    deps,
    scheduler,
    beginDrain() {
      draining = true;
    },
    homeIds: () => ({
      teamIds: [...(services.homeTeamIds ?? [])],
      enterpriseIds: [...(services.homeEnterpriseIds ?? [])],
    }),
    async start() {
      if (options.checkedHome && !roles.web) {
        services.homeTeamIds = [...options.checkedHome.teamIds];
        services.homeEnterpriseIds = [...options.checkedHome.enterpriseIds];
        await startWorker();
        ready = true;
        logger.info({ role: rolesName(roles) }, 'Foothold worker is ready');
        return { port: null };
      }
      await checkSecretsAtRest();
      await syncProgram(db, config, now());
      if (!defaultClient)
        throw new StartupError(
          'SLACK_BOT_TOKEN is required for the vendor workspace (the routing channel lives there).',
        );
      const auth = await defaultClient.auth.test().catch((err: unknown) => {
        throw new StartupError(authTestProblem(err, slackApiUrl));
      });
      if (auth.team_id) services.homeTeamIds = [auth.team_id];
      // On Enterprise Grid the vendor's whole organisation is home, whichever of its workspaces people sit in.
      if (auth.enterprise_id) services.homeEnterpriseIds = [auth.enterprise_id];
      for (const problem of homeConflicts(config, services)) logger.warn({ problem }, problem);
      deps.botUserId = auth.user_id ?? null;
      // An org-wide vendor token (Grid) is keyed by the organisation, as Bolt keys org-wide installs.
      const orgWide = auth.is_enterprise_install === true && Boolean(auth.enterprise_id);
      const homeKey = orgWide ? auth.enterprise_id : auth.team_id;
      if (homeKey && env.SLACK_BOT_TOKEN) {
        // The vendor's own workspace keeps working from SLACK_BOT_TOKEN alongside partner installs, served
        // from the environment (src/oauth/home-installation.ts); older versions stored a copy in the table.
        if (await forgetCopiedBotToken(db, keyring, homeKey, env.SLACK_BOT_TOKEN)) {
          logger.info({ key: homeKey }, 'removed the copy of SLACK_BOT_TOKEN an older version stored');
        }
        home = {
          teamId: auth.team_id ?? null,
          enterpriseId: auth.enterprise_id ?? null,
          orgWide,
          teamName: auth.team,
          botId: auth.bot_id ?? '',
          botUserId: auth.user_id ?? '',
          token: env.SLACK_BOT_TOKEN,
          scopes: BOT_SCOPES,
        };
      }
      const verdicts = await assertRoutingChannelsInternal(defaultClient, config);
      // What Slack says now is the truth: a channel fixed while Foothold was stopped resumes, an archived one
      // is held (and admins told), each only if it changed.
      for (const v of verdicts) {
        const res = await recordChannelState(services, { ...v, source: 'startup' });
        if (res.changed)
          logger.warn(
            { channel: v.channelId, from: res.before, to: v.state },
            'routing channel state changed',
          );
      }
      // A worker thread starts here, so that `/healthz` answers 200 only once the whole process runs.
      await options.beforeListen?.();
      let port: number | null = null;
      if (roles.web) {
        await app.init();
        const listen = options.listenHost ? { port: env.PORT, host: options.listenHost } : env.PORT;
        const started = (await (socketMode ? app.start() : app.start(listen, httpServerOptions())).catch(
          (err: unknown) => {
            throw listenProblem(err, env.PORT) ?? err;
          },
        )) as unknown;
        const server = started as Server | undefined;
        if (!socketMode && server) httpShutdown = hardenHttpServer(server);
        const address =
          !socketMode && server && typeof server.address === 'function' ? server.address() : null;
        const healthPort = socketMode ? await socketModeHealthPort(app) : null;
        if (healthPort)
          logger.info({ port: healthPort }, `health check on http://localhost:${healthPort}/healthz`);
        port = address && typeof address === 'object' ? address.port : healthPort;
      } else {
        port = await startWorkerHealth();
        if (port) logger.info({ port }, `worker health check on http://localhost:${port}/healthz`);
      }
      if (roles.worker) await startWorker();
      ready = true;
      logger.info(
        { role: rolesName(roles), mode: socketMode ? 'socket' : 'http', oauth, team: auth.team_id },
        'Foothold is ready',
      );
      return { port };
    },
    async stop() {
      ready = false;
      if (roles.worker) await scheduler.stop();
      httpShutdown?.closeKeptAliveConnections();
      if (roles.web) {
        await app.stop();
        // Listener work still running (at most STOP_WAIT_MS: a request that waited longer is given up on).
        const pending = [...inFlight].map((p) => p.catch(() => undefined));
        if (pending.length > 0) {
          await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
        }
      }
      const health = workerHealthServer;
      workerHealthServer = null;
      if (health) await new Promise<void>((resolve) => health.close(() => resolve()));
      if (roles.worker) {
        await sender.stop();
        await crmWriteBack?.stop();
      }
      homeRefresher.stop();
    },
  };
}

/** How long stop() waits for listener work still running after its request was answered. */
const STOP_WAIT_MS = 10_000;

/** Partner registrations that name the vendor's own workspace or organisation: home wins, so they do nothing. */
export function homeConflicts(
  config: ProgramConfig,
  home: Pick<ServiceDeps, 'homeTeamIds' | 'homeEnterpriseIds'>,
): string[] {
  const homeIds = new Set([...(home.homeTeamIds ?? []), ...(home.homeEnterpriseIds ?? [])]);
  return config.partners.flatMap((p) =>
    p.teamIds
      .filter((id) => homeIds.has(id))
      .map(
        (id) =>
          `partners[${p.slug}].teamIds lists ${id}, the vendor's own workspace or organisation: its people stay internal, never ${p.name}`,
      ),
  );
}

/**
 * The CRM write-back sender, beside the Slack outbox sender. Without the CRM's credentials in the environment
 * the write-backs stay queued (and a warning says which variable is missing) until the bot restarts with them.
 */
function createCrmWriteBack(
  options: FootholdOptions,
  syncProvider: (() => CrmProvider) | null,
  kickSlack: () => void,
): WriteBackSender | null {
  const { config, db, logger } = options;
  const crm = config.crm;
  if (!crm?.writeBack.enabled) return null;
  let provider = options.crmProvider ?? null;
  if (options.crmProvider === undefined) {
    if (!syncProvider) {
      logger.warn('CRM write-backs stay queued: the CRM credentials are not set');
      return null;
    }
    provider = syncProvider();
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
 * Why `auth.test` failed, in one line: Slack refused the token, Slack answered with an HTTP error, or Slack
 * could not be reached at all (offline, DNS, proxy, a wrong SLACK_API_URL). Only the first is the token's fault.
 */
export function authTestProblem(err: unknown, slackApiUrl: string | undefined): string {
  const e = err as {
    code?: string;
    data?: { error?: string };
    statusCode?: number;
    original?: unknown;
    message?: string;
  };
  const where = slackApiUrl ? `SLACK_API_URL (${slackApiUrl})` : 'https://slack.com/api/';
  if (e.code === 'slack_webapi_platform_error') {
    return `Slack rejected SLACK_BOT_TOKEN (${e.data?.error ?? 'unknown error'}). Check the token under OAuth & Permissions.`;
  }
  if (e.code === 'slack_webapi_http_error') {
    return `Slack answered HTTP ${e.statusCode ?? '?'} at ${where} when checking SLACK_BOT_TOKEN; try again in a minute${slackApiUrl ? ', and check that SLACK_API_URL points at the Slack Web API' : ''}.`;
  }
  const original = e.original as { code?: string; cause?: { code?: string }; message?: string } | undefined;
  const cause = original?.code ?? original?.cause?.code ?? original?.message ?? e.message ?? String(err);
  return `Slack could not be reached at ${where} (${cause}). Check the network, proxy and DNS${slackApiUrl ? ', and SLACK_API_URL' : ''}; the token was not checked.`;
}

/** The port Socket Mode's health-check server listens on, once it is listening (null if it has none). */
async function socketModeHealthPort(app: App): Promise<number | null> {
  const receiver = (app as unknown as { receiver?: { httpServer?: Server } }).receiver;
  const server = receiver?.httpServer;
  if (!server) return null;
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  return address && typeof address === 'object' ? address.port : null;
}

/** A port that is taken or forbidden is one line naming PORT, not a stack trace. */
export function listenProblem(err: unknown, port: number): StartupError | null {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `Port ${port} is already in use by another program; stop it, or set PORT to a free port.`,
    );
  if (code === 'EACCES')
    return new StartupError(`Port ${port} needs privileges this user lacks; set PORT to 1024 or above.`);
  return null;
}

/**
 * Partners must never see the internal routing posts, so every routing channel (and the digest channel) has to
 * be internal: not shared with another organisation, and no invitation to share it pending (once accepted,
 * the other organisation reads its history). A channel we cannot inspect is refused too: "probably internal"
 * is not good enough. Returns what Slack said about each channel (an archived one is held, not refused).
 */
export async function assertRoutingChannelsInternal(
  client: WebClient,
  config: ProgramConfig,
): Promise<Array<{ channelId: string } & ChannelVerdict>> {
  const problems: string[] = [];
  const verdicts: Array<{ channelId: string } & ChannelVerdict> = [];
  for (const channel of internalChannels(config)) {
    try {
      const info = await client.conversations.info({ channel });
      const c = (info.channel ?? {}) as ConversationFacts;
      const verdict = channelVerdict(c);
      if (verdict.state === 'shared' || verdict.state === 'pending_share') {
        problems.push(`${channel} (#${c.name ?? '?'}): ${verdict.detail}; routing posts must stay internal`);
      }
      verdicts.push({ channelId: channel, ...verdict });
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
  return verdicts;
}

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BOTH_ROLES,
  createFoothold,
  type Foothold,
  type FootholdRoles,
  listenProblem,
  rolesName,
  StartupError,
} from './app.ts';
import { asksForVersion, loadDotEnv, versionLine } from './config/dotenv.ts';
import {
  databaseOptions,
  deploymentSecrets,
  type Env,
  EnvError,
  parseEnv,
  playgroundMode,
} from './config/env.ts';
import { ConfigError, loadProgramConfig, type ProgramConfig } from './config/program-config.ts';
import { closeDb, type Db, openDatabase } from './db/connection.ts';
import { checkDatabaseAtStartup, databaseStartupLine } from './db/health.ts';
import { acquireProcessLock, DatabaseLockedError, type ProcessLock } from './db/process-lock.ts';
import { createLogger, type Logger } from './logger.ts';
import { startWorkerThread, type WorkerThread } from './worker-thread.ts';

// `npm start`: settings from the environment, the program from FOOTHOLD_CONFIG, the database migrated, then
// Slack. Any problem stops start-up with a message that says what to fix. `foothold web` and `foothold worker`
// (src/cli/commands/serve.ts) run the same start-up with one role each.

/** Where start-up problems are written (the process's stderr; the CLI passes its own). */
export interface ServeIo {
  env: Readonly<Record<string, string | undefined>>;
  stderr: { write(text: string): unknown };
}

/**
 * Why these roles may not run apart on this engine: one process per SQLite file (the process lock), so the web
 * and worker roles only run apart on PostgreSQL. Null when they may.
 */
export function splitRolesProblem(roles: FootholdRoles, databaseUrl: string | undefined): string | null {
  if (databaseUrl || (roles.web && roles.worker)) return null;
  const role = roles.web ? 'web' : 'worker';
  return `foothold ${role} runs ${roles.web ? 'only the Slack listeners (the outbox sender and the jobs run in `foothold worker`)' : 'only the outbox sender and the jobs (the Slack listeners run in `foothold web`)'}, and on SQLite (DATABASE_PATH) one process owns the database file, so the two cannot run apart. Run both in one process with \`npm start\`, or set DATABASE_URL to a PostgreSQL database to run web and worker separately.`;
}

/**
 * Starts Foothold with `roles` and runs it until SIGTERM or SIGINT (then the process exits). Resolves to the
 * exit code when start-up fails, after writing one line that says what to fix.
 */
export async function serve(roles: FootholdRoles, io: ServeIo): Promise<number> {
  const fail = (line: string) => {
    io.stderr.write(`${line}\n`);
    return 1;
  };
  let env: ReturnType<typeof parseEnv>;
  let config: ReturnType<typeof loadProgramConfig>;
  try {
    env = parseEnv(io.env);
    config = loadProgramConfig(env.FOOTHOLD_CONFIG);
  } catch (err) {
    if (err instanceof EnvError || err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  const split = splitRolesProblem(roles, env.DATABASE_URL);
  if (split) return fail(split);
  // The deployment's own secrets are scrubbed from every log line by value, whatever logs them.
  const logger = createLogger(env.LOG_LEVEL, undefined, {
    format: env.LOG_FORMAT,
    secrets: deploymentSecrets(env),
  });
  const postgres = Boolean(env.DATABASE_URL);
  // SQLite: one bot per database file (taken before anything reads or migrates it), then the file's own checks.
  // Every problem here is one line naming DATABASE_PATH, like the environment's. PostgreSQL: any number of
  // instances; migrations run under an advisory lock (src/db/migrate-postgres.ts).
  let lock: ProcessLock | null = null;
  let db: Db;
  if (!postgres) {
    try {
      lock = acquireProcessLock(env.DATABASE_PATH, 'bot');
    } catch (err) {
      return fail(
        err instanceof DatabaseLockedError ? err.message : databaseStartupLine(err, env.DATABASE_PATH),
      );
    }
  }
  try {
    db = await openDatabase({
      ...databaseOptions(env),
      onWarning: (line) => logger.warn(line),
      applicationName: `foothold ${rolesName(roles)}`,
    });
    if (!postgres) {
      const check = checkDatabaseAtStartup(db, env.DATABASE_PATH);
      logger.info({ ...check, ms: Math.round(check.ms) }, 'database checked');
    } else {
      logger.info({ engine: 'postgres', poolSize: env.DATABASE_POOL_SIZE }, 'database migrated');
    }
  } catch (err) {
    lock?.release();
    return fail(postgres ? postgresStartupLine(err) : databaseStartupLine(err, env.DATABASE_PATH));
  }
  let stopping = false;
  let running: RunningFoothold;
  try {
    running = await startFoothold({
      env,
      config,
      db,
      logger,
      roles,
      onCrash: () => void shutdown('worker thread', 1),
    });
    if (running.port && roles.web)
      logger.info({ port: running.port }, `listening on http://localhost:${running.port}/slack/events`);
  } catch (err) {
    if (err instanceof StartupError) {
      await closeDb(db);
      lock?.release();
      return fail(err.message);
    }
    throw err;
  }
  async function shutdown(signal: string, code = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    const drainMs = roles.web && code === 0 ? env.SHUTDOWN_DRAIN_MS : 0;
    const force = setTimeout(() => process.exit(1), 10_000 + drainMs).unref();
    try {
      if (drainMs > 0) {
        // The load balancer sees /healthz fail and stops sending; requests that still come are served.
        logger.info({ signal, drainMs }, 'shutting down: draining (/healthz answers 503)');
        running.foothold.beginDrain();
        await new Promise((resolve) => setTimeout(resolve, drainMs));
      }
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      await running.stop();
    } finally {
      await closeDb(db).catch(() => undefined);
      lock?.release();
      clearTimeout(force);
      process.exit(code);
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Runs until a signal ends the process.
  return new Promise<number>(() => {});
}

export interface RunningFoothold {
  foothold: Foothold;
  /** The HTTP port (see Foothold.start). */
  port: number | null;
  /** Stops the roles (the worker thread last, once the listeners no longer queue anything). */
  stop(): Promise<void>;
}

/**
 * Starts the roles on an open database. On SQLite with both roles and FOOTHOLD_WORKER_THREAD=on, the worker role
 * runs in a worker thread (src/worker-thread.ts); `onCrash` is called if that thread
 * ends on its own. A StartupError leaves nothing running.
 */
export async function startFoothold(options: {
  env: Env;
  config: ProgramConfig;
  db: Db;
  logger: Logger;
  roles: FootholdRoles;
  onCrash: (why: string) => void;
}): Promise<RunningFoothold> {
  const { env, roles, logger } = options;
  const postgres = Boolean(env.DATABASE_URL);
  const threaded = !postgres && roles.web && roles.worker && env.FOOTHOLD_WORKER_THREAD;
  // Set by beforeListen (inside start()), so read through the holder: TypeScript cannot see the assignment.
  const worker: { thread: WorkerThread | null } = { thread: null };
  const foothold: Foothold = createFoothold({
    env,
    config: options.config,
    db: options.db,
    logger,
    roles: threaded ? { web: true, worker: false } : roles,
    ...(threaded
      ? {
          kickWorker: () => worker.thread?.kick(),
          beforeListen: async () => {
            worker.thread = await startWorkerThread({
              home: foothold.homeIds(),
              logger,
              onCrash: (why) => {
                logger.fatal(
                  { why },
                  'the worker thread stopped: exiting so that the supervisor restarts Foothold',
                );
                options.onCrash(why);
              },
            }).catch((err: unknown) => {
              throw err instanceof StartupError
                ? err
                : new StartupError(`the worker thread did not start: ${String(err)}`);
            });
          },
        }
      : {}),
    ...(postgres ? {} : { databasePath: env.DATABASE_PATH }),
  });
  let port: number | null;
  try {
    ({ port } = await foothold.start());
  } catch (err) {
    await worker.thread?.stop();
    throw err;
  }
  // What was committed while the thread started.
  worker.thread?.kick();
  return {
    foothold,
    port,
    async stop() {
      try {
        await foothold.stop();
      } finally {
        await worker.thread?.stop();
      }
    },
  };
}

/** One line for a PostgreSQL start-up failure: never the URL itself (it holds the password). */
function postgresStartupLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const detail = (e.message ?? String(err)).split('\n')[0];
  return `DATABASE_URL: could not open the PostgreSQL database (${e.code ? `${e.code}: ` : ''}${detail}); check the host, port, database name, user and password, and that the server accepts connections from here.`;
}

async function main(): Promise<void> {
  if (asksForVersion(process.argv.slice(2))) {
    process.stdout.write(`${versionLine()}\n`);
    return;
  }
  loadDotEnv();
  if (playgroundMode(process.env)) {
    await playground();
    return;
  }
  const code = await serve(BOTH_ROLES, { env: process.env, stderr: process.stderr });
  process.exit(code);
}

/** No Slack settings at all: the playground (src/playground) instead of an env error. */
async function playground(): Promise<void> {
  try {
    // Loaded only here: the real bot never loads the stand-in or the page.
    const { runPlayground } = await import('./playground/start.ts');
    const pg = await runPlayground(process.env, (line) => process.stdout.write(`${line}\n`));
    const stop = () => {
      const force = setTimeout(() => process.exit(1), 10_000).unref();
      void pg.close().finally(() => {
        clearTimeout(force);
        process.exit(0);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (err) {
    const port = Number(process.env.PORT) || 3000;
    const known =
      err instanceof EnvError ||
      err instanceof ConfigError ||
      err instanceof StartupError ||
      err instanceof DatabaseLockedError
        ? err
        : listenProblem(err, port);
    if (!known) throw err;
    process.stderr.write(`${known.message}\n`);
    process.exit(1);
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`Foothold crashed during start-up: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

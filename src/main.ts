import { createFoothold, listenProblem, StartupError } from './app.ts';
import { asksForVersion, loadDotEnv, versionLine } from './config/dotenv.ts';
import { EnvError, parseEnv, playgroundMode } from './config/env.ts';
import { ConfigError, loadProgramConfig } from './config/program-config.ts';
import { closeDb, type Db, openDb } from './db/connection.ts';
import { checkDatabaseAtStartup, databaseStartupLine } from './db/health.ts';
import { acquireProcessLock, DatabaseLockedError, type ProcessLock } from './db/process-lock.ts';
import { createLogger } from './logger.ts';

// `npm start`: settings from the environment, the program from FOOTHOLD_CONFIG, the database migrated, then
// Slack. Any problem stops start-up with a message that says what to fix.

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
  let env: ReturnType<typeof parseEnv>;
  let config: ReturnType<typeof loadProgramConfig>;
  try {
    env = parseEnv(process.env);
    config = loadProgramConfig(env.FOOTHOLD_CONFIG);
  } catch (err) {
    if (err instanceof EnvError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // The deployment's own secrets are scrubbed from every log line by value, whatever logs them.
  const logger = createLogger(env.LOG_LEVEL, undefined, {
    format: env.LOG_FORMAT,
    secrets: [
      env.SLACK_BOT_TOKEN,
      env.SLACK_SIGNING_SECRET,
      env.SLACK_APP_TOKEN,
      env.SLACK_CLIENT_SECRET,
      env.SLACK_STATE_SECRET,
      env.FOOTHOLD_ENCRYPTION_KEY,
      env.FOOTHOLD_ENCRYPTION_KEY_PREVIOUS,
    ],
  });
  // One bot per database file (taken before anything reads or migrates it), then the file's own checks. Every
  // problem here is one line naming DATABASE_PATH, like the environment's.
  let lock: ProcessLock;
  let db: Db;
  try {
    lock = acquireProcessLock(env.DATABASE_PATH, 'bot');
  } catch (err) {
    process.stderr.write(
      `${err instanceof DatabaseLockedError ? err.message : databaseStartupLine(err, env.DATABASE_PATH)}\n`,
    );
    process.exit(1);
  }
  try {
    db = openDb(env.DATABASE_PATH, { onWarning: (line) => logger.warn(line) });
    const check = checkDatabaseAtStartup(db, env.DATABASE_PATH);
    logger.info({ ...check, ms: Math.round(check.ms) }, 'database checked');
  } catch (err) {
    process.stderr.write(`${databaseStartupLine(err, env.DATABASE_PATH)}\n`);
    lock.release();
    process.exit(1);
  }
  const foothold = createFoothold({ env, config, db, logger, databasePath: env.DATABASE_PATH });
  try {
    const { port } = await foothold.start();
    if (port) logger.info({ port }, `listening on http://localhost:${port}/slack/events`);
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`${err.message}\n`);
      closeDb(db);
      lock.release();
      process.exit(1);
    }
    throw err;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await foothold.stop();
    } finally {
      closeDb(db);
      lock.release();
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
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

main().catch((err: unknown) => {
  process.stderr.write(`Foothold crashed during start-up: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

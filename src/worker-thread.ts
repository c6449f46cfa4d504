import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createFoothold, type Foothold, type HomeIds, StartupError } from './app.ts';
import { deploymentSecrets, parseEnv } from './config/env.ts';
import { loadProgramConfig } from './config/program-config.ts';
import { closeDb, type Db, openDb } from './db/connection.ts';
import { createLogger, type Logger } from './logger.ts';

// With FOOTHOLD_WORKER_THREAD=on, `npm start` on SQLite runs the worker role (outbox sender, CRM write-back,
// scheduled jobs) in a worker thread beside the web role, so sending Slack messages, writing back to the CRM and
// rendering digests never hold up an acknowledgement (they take about half the CPU a submission costs). It is
// off by default: a second isolate costs ~45 MiB, and on two cores shared with the load it did not raise B2. The thread opens its own
// connection to the same file (SQLite's locks arbitrate the writes, its busy timeout waits for the other
// connection's transaction) inside the one process that holds the file's process lock. Both sides of the
// protocol are here: the host (the web role's process) and the thread's entry.

/** Messages from the host to the thread. */
type ToThread = 'kick' | 'stop';
/** Messages from the thread to the host. */
type FromThread = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'stopped' };

interface ThreadData {
  footholdWorkerThread: true;
  home: HomeIds;
}

export interface WorkerThread {
  /** Something was committed: send it now (coalesced to one message per turn of the event loop). */
  kick(): void;
  /** Stops the thread's sender and jobs (waiting for messages being sent) and closes its connection. */
  stop(): Promise<void>;
}

/** How long stop() waits for the thread to finish its sends before terminating it. */
const STOP_WAIT_MS = 10_000;

/**
 * Starts the worker role in a thread and resolves once it is sending; rejects with a StartupError when it cannot
 * start. `onCrash` is called if the thread ends on its own later (the process should then exit: a web role
 * without its worker would queue messages nobody sends).
 */
export function startWorkerThread(options: {
  home: HomeIds;
  logger: Logger;
  onCrash: (why: string) => void;
}): Promise<WorkerThread> {
  const data = { footholdWorkerThread: true, home: options.home } satisfies ThreadData;
  const worker = import.meta.url.endsWith('.ts')
    ? // Run from the TypeScript sources (development, tests), the thread needs tsx's loader too: module hooks
      // registered in this thread do not reach a worker on Node 20 (nor does `--import tsx` in its execArgv).
      new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`,
        { eval: true, workerData: data },
      )
    : new Worker(new URL(import.meta.url), { workerData: data });
  let stopping = false;
  let kickQueued = false;
  // Done once the thread has stopped its work and closed its connection: it is then terminated, since what
  // else keeps its event loop alive (kept-alive HTTPS sockets to Slack) holds nothing that matters.
  const stopped = new Promise<void>((resolve) => {
    worker.on('message', (m: FromThread) => {
      if (m.type === 'stopped') void worker.terminate().then(() => resolve());
    });
    worker.on('exit', () => resolve());
  });
  const handle: WorkerThread = {
    kick() {
      if (kickQueued || stopping) return;
      kickQueued = true;
      queueMicrotask(() => {
        kickQueued = false;
        worker.postMessage('kick' satisfies ToThread);
      });
    },
    async stop() {
      if (stopping) return stopped;
      stopping = true;
      worker.postMessage('stop' satisfies ToThread);
      const timer = setTimeout(() => void worker.terminate(), STOP_WAIT_MS);
      await stopped;
      clearTimeout(timer);
    },
  };
  return new Promise<WorkerThread>((resolve, reject) => {
    let started = false;
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') {
        started = true;
        resolve(handle);
      } else if (m.type === 'failed') {
        // Whatever the thread had started goes with it.
        stopping = true;
        void worker.terminate();
        reject(new StartupError(m.message));
      }
    });
    worker.on('error', (err) => {
      if (started) return options.logger.error({ err }, 'the worker thread failed');
      stopping = true;
      void worker.terminate();
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!started) reject(new StartupError(`the worker thread exited during start-up (code ${code})`));
      else if (!stopping) options.onCrash(`the worker thread exited (code ${code})`);
    });
  });
}

/** The thread's entry: the worker role on its own connection, with the home the web role checked. */
async function runThread(data: ThreadData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const send = (m: FromThread) => port.postMessage(m);
  let db: Db | null = null;
  let foothold: Foothold | null = null;
  // Stops what started (waiting for messages being sent) and closes the connection: on `stop`, or a failed start.
  const close = async (onError: (err: unknown) => void) => {
    await foothold?.stop().catch(onError);
    if (db) await closeDb(db).catch(() => undefined);
  };
  try {
    const env = parseEnv(process.env);
    const config = loadProgramConfig(env.FOOTHOLD_CONFIG);
    const logger = createLogger(env.LOG_LEVEL, undefined, {
      format: env.LOG_FORMAT,
      secrets: deploymentSecrets(env),
    }).child({ thread: 'worker' });
    // The web role migrated and checked the file before starting this thread.
    db = openDb(env.DATABASE_PATH, { migrate: false, groupWait: false });
    const running = createFoothold({
      env,
      config,
      db,
      logger,
      roles: { web: false, worker: true },
      checkedHome: data.home,
      databasePath: env.DATABASE_PATH,
    });
    foothold = running;
    await running.start();
    port.on('message', (m: ToThread) => {
      if (m === 'kick') {
        running.sender.kick();
        running.crmWriteBack?.kick();
      } else if (m === 'stop') {
        void close((err) => logger.error({ err }, 'the worker thread did not stop cleanly')).finally(() => {
          send({ type: 'stopped' });
          port.close();
        });
      }
    });
    send({ type: 'ready' });
  } catch (err) {
    await close(() => undefined);
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    port.close();
  }
}

if (!isMainThread && (workerData as Partial<ThreadData> | null)?.footholdWorkerThread) {
  void runThread(workerData as ThreadData);
}

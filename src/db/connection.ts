import { AsyncResource } from 'node:async_hooks';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import {
  driverError,
  engineOf,
  type GroupMember,
  type Handle,
  newSqliteEngine,
  registerEngine,
  throwDriverErrors,
} from './engine.ts';
import { createPrivateFile, databaseModeWarnings } from './file-modes.ts';
import { migratePostgres } from './migrate-postgres.ts';
import * as schema from './schema.ts';

export type { EngineKind, Handle } from './engine.ts';
export { affected, driverError, engineKind, one } from './engine.ts';

/** An open database, either engine: pass it to the stores, or to `transaction()` for a unit of work. */
export type Db = Handle;
/** The handle a `transaction()` callback receives (the same type: stores take either). */
export type Tx = Handle;

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations/sqlite');

export interface OpenDbOptions {
  /** Apply pending migrations (start-up and `db migrate` do; tools that only read may not). */
  migrate?: boolean;
  /**
   * Told, one line each, when the database file, its -wal/-shm or its folder are open to other users (the bot
   * logs them; CLI commands print them). Default: ignored.
   */
  onWarning?: (line: string) => void;
  /**
   * Whether a commit group under load may wait a turn of the event loop for more members (default true). A
   * second connection to a file another thread also writes (the worker thread) turns it off: there the wait
   * would hold the write lock while the other thread's BEGIN sleeps in SQLite's busy handler.
   */
  groupWait?: boolean;
}

/** One line naming DATABASE_PATH, what is wrong with it and how to restore it (start-up prints it as is). */
export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

export const RESTORE_HINT = 'restore the latest backup with: npm run cli -- db restore <backup file>';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * What must hold before SQLite may open an existing file: not empty (SQLite would silently start a fresh
 * database in it) and a SQLite header (page size a power of two in 512..65536).
 */
function assertSqliteHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0)
    throw new DatabaseFileError(
      `DATABASE_PATH=${path} is an empty file (0 bytes), not a Foothold database; ${RESTORE_HINT} (or remove the file to start a new, empty database).`,
    );
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let read = 0;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const pageSize = read >= 18 ? header.readUInt16BE(16) : 0;
  const validPageSize = pageSize === 1 || (pageSize >= 512 && (pageSize & (pageSize - 1)) === 0);
  if (read < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC || !validPageSize)
    throw new DatabaseFileError(
      `DATABASE_PATH=${path} is not a SQLite database (its header is damaged or it is another kind of file); ${RESTORE_HINT}.`,
    );
}

/**
 * Opens the SQLite file with the settings every connection needs: WAL so readers never block the writer,
 * foreign keys enforced, full fsync on commit, and a busy timeout so a second process (a CLI import while
 * the bot runs) waits for the write lock instead of failing at once.
 */
export function openDb(path: string, options: OpenDbOptions = {}): Db {
  if (path !== ':memory:') {
    // The folder is created 0700 and a new file 0600 before SQLite opens it (SQLite gives -wal and -shm the
    // database file's mode); an existing one is checked before SQLite could mistake it for a new database.
    for (const line of databaseModeWarnings(path)) options.onWarning?.(line);
    if (existsSync(path)) assertSqliteHeader(resolve(path));
    else createPrivateFile(path);
  }
  const client = new Database(path);
  client.pragma('journal_mode = WAL');
  client.pragma('foreign_keys = ON');
  client.pragma('busy_timeout = 5000');
  // better-sqlite3 builds with WAL's synchronous default at NORMAL, which survives a crash but can drop the
  // last commits on a power cut; an acknowledged click must survive both.
  client.pragma('synchronous = FULL');
  // A 64 MiB page cache (better-sqlite3's default is 16 MB): the digest reads 90 days of leads, and with a
  // million leads the default cache made it re-read the same pages. Memory is taken only as pages are read.
  client.pragma('cache_size = -65536');
  const db = drizzle({ client, schema });
  if (options.migrate ?? true) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  registerEngine(db, newSqliteEngine(client, { groupWait: options.groupWait ?? true }));
  return db;
}

export interface PostgresOptions {
  /** Connections per process (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** Any statement running longer is cancelled by the server (DATABASE_STATEMENT_TIMEOUT_MS; 0 = none). */
  statementTimeoutMs?: number;
  /** Apply pending migrations (under an advisory lock: several instances starting at once migrate once). */
  migrate?: boolean;
  /** Named in pg_stat_activity (`foothold web`, `foothold worker`…). */
  applicationName?: string;
}

// int8 (bigint: times in milliseconds, ids, counts) comes back from pg as a string by default; Foothold's values
// are all below 2^53, and the stores expect numbers, as better-sqlite3 gives them. drizzle's node-postgres session
// passes its own type parsers with every query (falling back to pg's global ones), so a pool-level parser would
// be ignored: the parser is set on pg's global registry, once, when this module loads.
const INT8_OID = 20;
pg.types.setTypeParser(INT8_OID, (value: string) => Number(value));

/** Opens a PostgreSQL database (a pool) and applies pending migrations. */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  const timeout = options.statementTimeoutMs ?? 15_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'foothold',
    ...(timeout > 0 ? { statement_timeout: timeout } : {}),
  });
  // An idle client losing its connection (a failover, a restart) must not crash the process: the pool drops it.
  pool.on('error', () => {});
  try {
    if (options.migrate ?? true) await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const db = drizzlePostgres({ client: pool, schema }) as unknown as Db;
  // A query awaited outside transaction() throws pg's error (its code, no SQL or parameters in its message).
  throwDriverErrors(db);
  registerEngine(db, { kind: 'postgres', pool, inTransaction: false, root: db });
  return db;
}

export interface OpenDatabaseOptions extends OpenDbOptions, PostgresOptions {
  /** postgres://… selects PostgreSQL; otherwise the SQLite file at `databasePath`. */
  databaseUrl?: string | undefined;
  databasePath: string;
}

/** The engine the settings choose: DATABASE_URL (PostgreSQL) or the SQLite file at DATABASE_PATH. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Db> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options)
    : openDb(options.databasePath, options);
}

export async function closeDb(db: Db): Promise<void> {
  const engine = engineOf(db);
  if (engine.kind === 'sqlite') {
    if (engine.client.open) engine.client.close();
  } else if (!engine.inTransaction && !engine.pool.ended) {
    await engine.pool.end();
  }
}

/** The better-sqlite3 connection behind a SQLite handle, for what only SQLite has (backup, pragmas, the file). */
export function sqliteClient(db: Db): Database.Database {
  const engine = engineOf(db);
  if (engine.kind !== 'sqlite') throw new Error('this operation needs the SQLite engine (DATABASE_PATH)');
  return engine.client;
}

/** The pg pool behind a PostgreSQL handle. */
export function postgresPool(db: Db): pg.Pool {
  const engine = engineOf(db);
  if (engine.kind !== 'postgres')
    throw new Error('this operation needs the PostgreSQL engine (DATABASE_URL)');
  return engine.pool;
}

export interface TransactionOptions {
  /**
   * PostgreSQL isolation. Default `read committed`, with the invariants held by the statements themselves, as the
   * stores write them: a state change is one guarded `UPDATE … WHERE status = … [AND version = …]` (the row lock
   * makes a second writer re-check, so first click wins), inserts that must happen once have a unique key
   * (`ON CONFLICT DO NOTHING`), the outbox claim locks rows (`FOR UPDATE SKIP LOCKED`), and a check-then-insert
   * takes `lockFor()` first (one open lead per account). `serializable` was the first design: under load from
   * several web instances PostgreSQL aborted almost one transaction in two as a serialization conflict between
   * unrelated submissions (scenario 27: 4,350 rollbacks for 4,806 commits), so acks missed Slack's 3 seconds.
   * A transaction the server still aborts (a deadlock, or a serialization failure at `serializable`) is run again,
   * so a callback only touches the database.
   */
  isolation?: 'serializable' | 'read committed';
}

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 30;

/**
 * Runs `fn` as one transaction: everything it writes commits together or not at all. On SQLite it takes the
 * write lock up front (BEGIN IMMEDIATE) and transactions in this process queue for the one connection; on
 * PostgreSQL it runs on a pooled connection. Called inside another transaction, it nests as a savepoint.
 */
export async function transaction<T>(
  db: Db,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const engine = engineOf(db);
  try {
    return await (engine.kind === 'sqlite'
      ? sqliteTransaction(db, engine, fn)
      : postgresTransaction(db, engine, fn, options));
  } catch (err) {
    throw driverError(err);
  }
}

type SqliteEngine = Extract<ReturnType<typeof engineOf>, { kind: 'sqlite' }>;
type PostgresEngine = Extract<ReturnType<typeof engineOf>, { kind: 'postgres' }>;

async function sqliteTransaction<T>(db: Db, engine: SqliteEngine, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const { client } = engine;
  const ctx = engine.depth.getStore();
  // Nested only when called from the member running now (a promise a finished member left behind queues anew).
  if (ctx && ctx.member === engine.current) {
    if (!client.inTransaction) throw new GroupLost();
    const name = `foothold_sp_${++engine.savepoints}`;
    client.exec(`SAVEPOINT ${name}`);
    try {
      const result = await engine.depth.run({ member: ctx.member, depth: ctx.depth + 1 }, () => fn(db));
      client.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      if (client.inTransaction) client.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw err;
    }
  }
  const calledAt = performance.now();
  engine.busy = calledAt - engine.lastCallAt < BUSY_GAP_MS;
  engine.lastCallAt = calledAt;
  return new Promise<T>((resolve, reject) => {
    const member: GroupMember = {
      run: async () => undefined,
      resolve: resolve as (v: unknown) => void,
      reject,
    };
    // Bound here, so the callback runs in its caller's async context (request ids in logs), not the drainer's.
    member.run = AsyncResource.bind(() => engine.depth.run({ member, depth: 0 }, () => fn(db)));
    engine.waiting.push(member);
    if (!engine.draining) void drainGroups(engine);
  });
}

/** SQLite rolled the whole transaction back (disk full, I/O error): nothing of the group was committed. */
class GroupLost extends Error {
  override name = 'GroupLost';
  constructor() {
    super('the transaction was rolled back by SQLite (disk full or I/O error); nothing was committed');
  }
}

/**
 * Group commit. SQLite has one writer, and a durable COMMIT (synchronous=FULL) costs an fsync, which blocks the
 * event loop (~0.2 ms on a local SSD, far more on network disks). Transactions queued while one runs share the
 * next BEGIN IMMEDIATE … COMMIT: each runs alone, in turn, inside its own savepoint, so one that fails rolls back
 * only its own writes and its caller gets its error at once; the others' callers get their results when the
 * group has committed, so an acknowledgement still follows a durable commit. A group closes when nobody is waiting,
 * or at GROUP_MAX_MEMBERS or GROUP_MAX_MS (a bound on how long a member's result waits for the fsync). Under no
 * contention a group is one transaction, as before.
 */
async function drainGroups(engine: SqliteEngine): Promise<void> {
  engine.draining = true;
  try {
    while (engine.waiting.length > 0) await runGroup(engine);
  } catch (err) {
    // Nothing runGroup does is expected to throw; if it does, no caller is left waiting forever.
    for (const member of engine.waiting.splice(0)) member.reject(err);
  } finally {
    engine.draining = false;
  }
}

const GROUP_MAX_MEMBERS = 64;
/** Transactions called closer together than this mean load: worth waiting a turn for company. */
const BUSY_GAP_MS = 5;
// The real one, taken when this module loads: a test's fake timers must not hold a commit back.
const realSetImmediate = globalThis.setImmediate;
const yieldToIo = () => new Promise<void>((resolve) => realSetImmediate(resolve));
const GROUP_MAX_MS = 15;

interface Settled {
  member: GroupMember;
  value: unknown;
}

/**
 * Commit groups open on this thread's connections, each with a promise of its end. A group holds its file's write
 * lock across turns of the event loop; another connection of this thread to the same file (a CLI command run
 * in-process beside the bot, in tests and tools) waiting for that lock in SQLite's busy handler would block the
 * thread, so the group could never finish. It waits here instead, without blocking.
 */
const openGroups = new Map<SqliteEngine, Promise<void>>();

async function runGroup(engine: SqliteEngine): Promise<void> {
  for (let other = otherOpenGroup(engine); other; other = otherOpenGroup(engine)) await other;
  let endGroup!: () => void;
  openGroups.set(
    engine,
    new Promise<void>((resolve) => {
      endGroup = resolve;
    }),
  );
  try {
    await runGroupOpen(engine);
  } finally {
    engine.current = null;
    openGroups.delete(engine);
    endGroup();
  }
}

/**
 * An open group on the same file, unless this very call comes from inside one of its members (waiting would then
 * be a deadlock: that member waits for us; SQLite's busy timeout ends it instead, as it always did).
 */
function otherOpenGroup(engine: SqliteEngine): Promise<void> | undefined {
  if (engine.file === null) return undefined;
  for (const [e, done] of openGroups) {
    if (e === engine || e.file !== engine.file) continue;
    if (e.current && e.depth.getStore()?.member === e.current) return undefined;
    return done;
  }
  return undefined;
}

async function runGroupOpen(engine: SqliteEngine): Promise<void> {
  const { client } = engine;
  try {
    client.exec('BEGIN IMMEDIATE');
  } catch (err) {
    // Another process holds the write lock past busy_timeout: the transaction at the head of the queue fails.
    engine.waiting.shift()?.reject(err);
    return;
  }
  const done: Settled[] = [];
  const started = performance.now();
  const open = () => done.length < GROUP_MAX_MEMBERS && performance.now() - started < GROUP_MAX_MS;
  try {
    while (open()) {
      // A use case's callback usually finishes within one turn of the event loop (better-sqlite3 is synchronous),
      // so nobody is waiting yet. Under load (transactions arriving less than BUSY_GAP_MS apart), let the
      // requests that have arrived meanwhile run up to their own transaction() before committing, turn after
      // turn while turns bring new members (up to GROUP_MAX_MS). Otherwise commit at once: an idle bot never
      // holds the write lock across a turn of the event loop.
      if (engine.waiting.length === 0) {
        if (!engine.groupWait || !engine.busy) break;
        await yieldToIo();
      }
      const member = engine.waiting.shift();
      if (!member) break;
      // Something outside transaction() may have failed during the wait and taken the transaction with it: a
      // SAVEPOINT now would quietly start a new one that the member's RELEASE commits on its own.
      if (!client.inTransaction) {
        engine.waiting.unshift(member);
        throw new GroupLost();
      }
      engine.current = member;
      const value = await runMember(client, member);
      engine.current = null;
      if (value !== FAILED) done.push({ member, value });
      // An error that SQLite answers by rolling the whole transaction back (disk full, I/O error) took the
      // group's earlier members' writes with it.
      if (!client.inTransaction) throw new GroupLost();
    }
    client.exec('COMMIT');
  } catch (err) {
    engine.current = null;
    if (client.open && client.inTransaction) {
      try {
        client.exec('ROLLBACK');
      } catch {
        // The connection is gone; nothing was committed either way.
      }
    }
    for (const { member } of done) member.reject(err);
    return;
  }
  for (const { member, value } of done) member.resolve(value);
}

const FAILED = Symbol('failed');
const MEMBER_SAVEPOINT = 'foothold_member';

/** Runs one member in its savepoint; resolves to its value, or FAILED once its writes are undone and it is told. */
async function runMember(client: Database.Database, member: GroupMember): Promise<unknown> {
  try {
    client.exec(`SAVEPOINT ${MEMBER_SAVEPOINT}`);
  } catch (err) {
    member.reject(err);
    throw err;
  }
  try {
    const value = await member.run();
    client.exec(`RELEASE ${MEMBER_SAVEPOINT}`);
    return value;
  } catch (err) {
    member.reject(err);
    // Undo its writes; if that fails too (the transaction is gone), the group fails as a whole.
    if (client.inTransaction) client.exec(`ROLLBACK TO ${MEMBER_SAVEPOINT}; RELEASE ${MEMBER_SAVEPOINT}`);
    return FAILED;
  }
}

async function postgresTransaction<T>(
  db: Db,
  engine: PostgresEngine,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  type PgTransactional = {
    transaction<R>(cb: (tx: object) => Promise<R>, config?: { isolationLevel?: string }): Promise<R>;
  };
  const run = (cb: (tx: object) => Promise<T>, config?: { isolationLevel?: string }) =>
    (db as unknown as PgTransactional).transaction(cb, config);
  const inner = (tx: object) => {
    registerEngine(tx, { ...engine, inTransaction: true });
    // A transaction runs on a session of its own: its queries throw the driver's error too, inside the callback.
    throwDriverErrors(tx);
    return fn(tx as Tx);
  };
  if (engine.inTransaction) return run(inner);
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(inner, { isolationLevel: options.isolation ?? 'read committed' });
    } catch (err) {
      const code = (driverError(err) as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw err;
      // Back off with jitter so the transactions that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt)));
    }
  }
}

/**
 * Holds `key` until the transaction ends, for a check-then-write that must not interleave with another
 * transaction's (two submissions for one account must see each other's lead). PostgreSQL: a transaction-scoped
 * advisory lock; SQLite: nothing to do, its transactions already run one at a time. Call it inside
 * `transaction()`, before the check.
 */
export async function lockFor(tx: Tx, key: string): Promise<void> {
  const engine = engineOf(tx);
  if (engine.kind !== 'postgres') return;
  await (tx as unknown as { execute(q: SQL): Promise<unknown> })
    .execute(
      sql`SELECT pg_advisory_xact_lock(cast(${KEY_LOCK_SPACE} as integer), hashtext(cast(${key} as text)))`,
    )
    .catch((err: unknown) => {
      throw driverError(err);
    });
}

/** The first key of `lockFor`'s two-int advisory locks (the outbox lanes, jobs and migrations use others). */
const KEY_LOCK_SPACE = 5_110_403;

class Rollback extends Error {}

/**
 * Runs `fn` inside a transaction that is always rolled back: a preview (`jobs run --dry-run`) executes the
 * real code, transactions and all (they nest as savepoints), and leaves the database exactly as it was.
 */
export async function withRollback<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let result: { value: T } | null = null;
  try {
    await transaction(db, async (tx) => {
      result = { value: await fn(tx) };
      throw new Rollback('preview: rolled back');
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  if (!result) throw new Error('preview produced no result');
  return (result as { value: T }).value;
}

/** Bulk writes that can be redone from scratch (a sample program) skip the per-commit fsync (SQLite only). */
export function relaxDurability(db: Db): void {
  const engine = engineOf(db);
  if (engine.kind === 'sqlite') engine.client.pragma('synchronous = OFF');
}

/** Back to the full fsync on commit that every acknowledged action needs (see openDb). */
export function restoreDurability(db: Db): void {
  const engine = engineOf(db);
  if (engine.kind === 'sqlite') engine.client.pragma('synchronous = FULL');
}

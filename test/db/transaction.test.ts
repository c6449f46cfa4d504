import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteClient, transaction, withRollback } from '../../src/db/connection.ts';
import { enqueue } from '../../src/db/stores/outbox-store.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { sqlAll } from '../helpers/sql.ts';

// transaction() on both engines: all or nothing, nesting as savepoints, previews that leave nothing. On SQLite,
// transactions queued behind one another share a commit (group commit); each still succeeds or fails alone, and
// a caller hears of success only once the commit is durable.

const T0 = Date.parse('2026-11-16T15:00:00Z');
const fresh = databasePerTest();

const dm = (key: string) => ({
  deliveryKey: key,
  recipient: `U0${key.toUpperCase()}`,
  method: 'chat.postMessage',
  payload: { channel: `U0${key.toUpperCase()}`, text: key },
});

async function keys(db: Parameters<typeof sqlAll>[0]): Promise<string[]> {
  const rows = await sqlAll<{ k: string }>(db, 'select delivery_key as k from outbox order by delivery_key');
  return rows.map((r) => r.k);
}

describe('transaction()', () => {
  it('commits everything the callback wrote, or nothing when it throws', async () => {
    const t = await fresh();
    await transaction(t.db, async (tx) => {
      await enqueue(tx, [dm('a')], T0);
      await enqueue(tx, [dm('b')], T0);
    });
    await expect(
      transaction(t.db, async (tx) => {
        await enqueue(tx, [dm('c')], T0);
        throw new Error('use case refused');
      }),
    ).rejects.toThrow('use case refused');
    expect(await keys(t.db)).toEqual(['a', 'b']);
  });

  it('nests as a savepoint: an inner failure rolls back only the inner writes', async () => {
    const t = await fresh();
    await transaction(t.db, async (tx) => {
      await enqueue(tx, [dm('outer')], T0);
      await transaction(tx, async (inner) => {
        await enqueue(inner, [dm('inner')], T0);
        throw new Error('inner failed');
      }).catch(() => {});
      await transaction(tx, async (inner) => enqueue(inner, [dm('kept')], T0));
    });
    expect(await keys(t.db)).toEqual(['kept', 'outer']);
  });

  it('withRollback returns the preview and leaves the database as it was', async () => {
    const t = await fresh();
    const preview = await withRollback(t.db, async (tx) => {
      await enqueue(tx, [dm('preview')], T0);
      return 'would queue one DM';
    });
    expect(preview).toBe('would queue one DM');
    expect(await keys(t.db)).toEqual([]);
  });

  it('runs the callback in its caller’s async context', async () => {
    const t = await fresh();
    const requestId = new AsyncLocalStorage<string>();
    const seen = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((id) =>
        requestId.run(id, () =>
          transaction(t.db, async (tx) => {
            await enqueue(tx, [dm(id)], T0);
            await Promise.resolve();
            return requestId.getStore();
          }),
        ),
      ),
    );
    expect(seen).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('concurrent transactions each succeed or fail alone', async () => {
    const t = await fresh();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        transaction(t.db, async (tx) => {
          await enqueue(tx, [dm(`k${String(i).padStart(2, '0')}`)], T0);
          if (i % 4 === 3) throw new Error(`refused ${i}`);
          return i;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(
      Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? 'rejected' : 'fulfilled')),
    );
    expect(await keys(t.db)).toEqual(
      ['00', '01', '02', '04', '05', '06', '08', '09', '10'].map((n) => `k${n}`),
    );
  });
});

describe('group commit (SQLite)', () => {
  it('shares one COMMIT among transactions queued together, and resolves each only once it is durable', async (ctx) => {
    const t = await fresh();
    if (t.engine !== 'sqlite') return ctx.skip();
    const client = sqliteClient(t.db);
    const exec = client.exec.bind(client);
    let commits = 0;
    client.exec = (source: string) => {
      if (source === 'COMMIT') commits++;
      return exec(source);
    };
    // A second connection, as another process would read the file: it sees only committed rows.
    const reader = new Database(t.path, { readonly: true });
    try {
      const visibleAtResolve = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          transaction(t.db, async (tx) => {
            await enqueue(tx, [dm(`g${i}`)], T0);
          }).then(
            () =>
              (
                reader.prepare('select count(*) as n from outbox where delivery_key = ?').get(`g${i}`) as {
                  n: number;
                }
              ).n,
          ),
        ),
      );
      expect(visibleAtResolve).toEqual(Array.from({ length: 20 }, () => 1));
      expect(commits).toBeGreaterThanOrEqual(1);
      expect(commits).toBeLessThan(20);
    } finally {
      reader.close();
      client.exec = exec;
    }
  });

  it('a failure that rolls the whole transaction back fails every member of its group', async (ctx) => {
    const t = await fresh();
    if (t.engine !== 'sqlite') return ctx.skip();
    const client = sqliteClient(t.db);
    const outcomes = await Promise.allSettled([
      transaction(t.db, async (tx) => enqueue(tx, [dm('before')], T0)),
      transaction(t.db, async (tx) => {
        await enqueue(tx, [dm('breaker')], T0);
        // What SQLite does on a disk-full or I/O error: the whole transaction is gone.
        client.exec('ROLLBACK');
      }),
      transaction(t.db, async (tx) => enqueue(tx, [dm('after')], T0)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(await keys(t.db)).toEqual(['after']);
  });

  it('a second connection on the same file in this thread waits for an open group instead of blocking on it', async (ctx) => {
    const t = await fresh();
    if (t.engine !== 'sqlite') return ctx.skip();
    const second = await t.reopen();
    // Transactions close together make the first connection's group wait a turn for company, holding the
    // write lock; the second connection's BEGIN IMMEDIATE would otherwise spin in SQLite's busy handler on this
    // very thread until busy_timeout (5 s) and fail with "database is locked".
    const first = Array.from({ length: 10 }, (_, i) =>
      transaction(t.db, async (tx) => enqueue(tx, [dm(`a${i}`)], T0)),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const other = transaction(second, async (tx) => enqueue(tx, [dm('b0')], T0));
    await Promise.all([...first, other]);
    expect(await keys(t.db)).toHaveLength(11);
  });

  it('a transaction a finished member left behind queues anew instead of nesting in whoever runs then', async (ctx) => {
    const t = await fresh();
    if (t.engine !== 'sqlite') return ctx.skip();
    let leftBehind: Promise<unknown> = Promise.resolve();
    const a = transaction(t.db, async (tx) => {
      await enqueue(tx, [dm('a')], T0);
      // Not awaited: it runs while the next member holds the connection.
      leftBehind = new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
        transaction(t.db, async (later) => enqueue(later, [dm('c')], T0)),
      );
    });
    const b = transaction(t.db, async (tx) => {
      await enqueue(tx, [dm('b')], T0);
      await new Promise((resolve) => setTimeout(resolve, 30));
      throw new Error('b refused');
    });
    await a;
    await expect(b).rejects.toThrow('b refused');
    await leftBehind;
    // Nested into b's savepoint, c would have been rolled back with b although its caller heard of success.
    expect(await keys(t.db)).toEqual(['a', 'c']);
  });

  it('a transaction lost while the group waits for company fails the group, and the next member starts afresh', async (ctx) => {
    const t = await fresh();
    if (t.engine !== 'sqlite') return ctx.skip();
    const client = sqliteClient(t.db);
    let later: Promise<unknown> = Promise.resolve();
    // Two calls close together: after the second, the group waits a turn for company.
    const first = transaction(t.db, async (tx) => enqueue(tx, [dm('a')], T0));
    const second = transaction(t.db, async (tx) => {
      await enqueue(tx, [dm('b')], T0);
      setImmediate(() => {
        // During that turn, something outside transaction() fails and SQLite rolls the whole transaction back;
        // then a new transaction arrives.
        client.exec('ROLLBACK');
        later = transaction(t.db, async (tx2) => enqueue(tx2, [dm('c')], T0));
      });
    });
    const outcomes = await Promise.allSettled([first, second]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/rolled back by SQLite/);
    await later;
    // Not a SAVEPOINT opening a transaction of its own: c ran in a new group and committed; a and b are gone.
    expect(await keys(t.db)).toEqual(['c']);
  });
});

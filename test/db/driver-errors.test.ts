import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type EngineKind, transaction } from '../../src/db/connection.ts';
import { channelStates } from '../../src/db/schema.ts';
import { testEngine } from '../helpers/db.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { catchError } from '../helpers/errors.ts';

// A query awaited on the root handle, outside transaction(), throws the driver's own error on both engines: its
// code is there for the caller to check (a unique violation), and its message names neither the SQL nor the
// values (which may be people's data, and would reach the logs). drizzle's node-postgres session wraps pg's error
// in a DrizzleQueryError whose message is the SQL and its parameters; openPostgres unwraps it (throwDriverErrors).

const fresh = databasePerTest();

const UNIQUE_VIOLATION: Record<EngineKind, string> = {
  sqlite: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  postgres: '23505',
};

const SECRET = 'C0SECRETVALUE';

type DriverError = Error & { code?: unknown };

function expectNoSql(err: Error): void {
  expect(err.constructor.name).not.toBe('DrizzleQueryError');
  expect(err.message).not.toMatch(/failed query|insert into|select|params:/i);
}

describe('driver errors outside transactions', () => {
  it('a unique violation through a builder on the root handle carries the driver code and no SQL', async () => {
    const { db } = await fresh();
    const row = {
      channelId: SECRET,
      state: 'internal' as const,
      detail: 'Sam <sam@example.com>',
      changedAt: 1,
    };
    await db.insert(channelStates).values(row);
    const err: DriverError = await catchError(() => db.insert(channelStates).values(row), Error);
    expect(err.code).toBe(UNIQUE_VIOLATION[testEngine()]);
    expect(err.message).toMatch(/unique|primary key/i);
    expectNoSql(err);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain('sam@example.com');
  });

  it('inside a transaction callback the same', async () => {
    const { db } = await fresh();
    const row = { channelId: SECRET, state: 'internal' as const, changedAt: 1 };
    await db.insert(channelStates).values(row);
    let inside: DriverError | null = null;
    await transaction(db, async (tx) => {
      inside = await catchError(() => tx.insert(channelStates).values(row), Error);
      throw new Error('rolled back');
    }).catch(() => {});
    const err = inside as DriverError | null;
    expect(err?.code).toBe(UNIQUE_VIOLATION[testEngine()]);
    expectNoSql(err as DriverError);
    expect(err?.message).not.toContain(SECRET);
  });

  it.runIf(testEngine() === 'postgres')(
    'a failing read through a builder on the root handle carries the driver code and no SQL',
    async () => {
      const { db } = await fresh();
      await db.insert(channelStates).values({ channelId: 'C1', state: 'internal', changedAt: 1 });
      // PostgreSQL refuses to cast the text (SQLite would read it as 0); its message quotes the text, as pg does.
      const err: DriverError = await catchError(
        () => db.select({ n: sql<number>`cast(${'twelve'} as integer)` }).from(channelStates),
        Error,
      );
      expect(err.code).toBe('22P02');
      expectNoSql(err);
    },
  );
});

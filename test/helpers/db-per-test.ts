import { afterEach } from 'vitest';
import { openTestDb, type TestDb } from './db.ts';

/** Call at the top of a test file: returns an opener of fresh databases on the run's engine, each removed after its test. */
export function databasePerTest(): () => Promise<TestDb> {
  const opened: TestDb[] = [];
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.cleanup();
  });
  return async () => {
    const db = await openTestDb();
    opened.push(db);
    return db;
  };
}

import { describe, expect, it } from 'vitest';
import { lockFor, transaction } from '../../src/db/connection.ts';
import { enqueue } from '../../src/db/stores/outbox-store.ts';
import { testEngine } from '../helpers/db.ts';
import { databasePerTest } from '../helpers/db-per-test.ts';
import { sqlAll } from '../helpers/sql.ts';

// A lane's rows must become visible in id order: otherwise a sender could deliver a later DM while an earlier
// one, in a transaction not yet committed, waits. Two transactions queue a DM to the same person; the first holds
// its transaction open. The second must not commit before it (on PostgreSQL the lane lock makes it wait; on
// SQLite there is one writer), so the ids are in commit order.

const T0 = Date.parse('2026-11-16T15:00:00Z');
const fresh = databasePerTest();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('outbox lanes across concurrent transactions', () => {
  it('a second transaction queueing into a lane commits after the first one, with the higher id', async () => {
    const t = await fresh();
    const other = t.engine === 'postgres' ? await t.reopen() : t.db;
    const commits: string[] = [];
    const dm = (key: string) => ({
      deliveryKey: key,
      recipient: 'U0PARTNER1',
      method: 'chat.postMessage',
      payload: { channel: 'U0PARTNER1', text: key },
    });
    const first = transaction(t.db, async (tx) => {
      await enqueue(tx, [dm('first')], T0);
      await sleep(300);
    }).then(() => commits.push('first'));
    await sleep(50);
    const second = transaction(other, async (tx) => {
      await enqueue(tx, [dm('second')], T0);
    }).then(() => commits.push('second'));
    await Promise.all([first, second]);
    expect(commits).toEqual(['first', 'second']);
    const rows = (await sqlAll(t.db, 'select delivery_key as k from outbox order by id')) as Array<{
      k: string;
    }>;
    expect(rows.map((r) => r.k)).toEqual(['first', 'second']);
  });

  // SQLite has one writer: its transactions always queue, so this is PostgreSQL's alone.
  it.runIf(testEngine() === 'postgres')(
    'transactions queueing into different lanes do not wait for each other',
    async () => {
      const t = await fresh();
      const other = await t.reopen();
      const commits: string[] = [];
      const first = transaction(t.db, async (tx) => {
        await enqueue(
          tx,
          [{ deliveryKey: 'a', recipient: 'U0AAA', method: 'chat.postMessage', payload: {} }],
          T0,
        );
        await sleep(300);
      }).then(() => commits.push('first'));
      await sleep(50);
      const second = transaction(other, async (tx) => {
        await enqueue(
          tx,
          [{ deliveryKey: 'b', recipient: 'U0BBB', method: 'chat.postMessage', payload: {} }],
          T0,
        );
      }).then(() => commits.push('second'));
      await Promise.all([first, second]);
      expect(commits).toEqual(['second', 'first']);
    },
  );

  it.runIf(testEngine() === 'postgres')(
    'lockFor makes a second transaction on the same key wait for the first to commit, and no other key',
    async () => {
      const t = await fresh();
      const other = await t.reopen();
      const third = await t.reopen();
      const commits: string[] = [];
      const first = transaction(t.db, async (tx) => {
        await lockFor(tx, 'account:acme.com');
        await sleep(300);
      }).then(() => commits.push('first'));
      await sleep(50);
      const sameKey = transaction(other, async (tx) => {
        await lockFor(tx, 'account:acme.com');
      }).then(() => commits.push('same key'));
      const otherKey = transaction(third, async (tx) => {
        await lockFor(tx, 'account:globex.com');
      }).then(() => commits.push('other key'));
      await Promise.all([first, sameKey, otherKey]);
      expect(commits).toEqual(['other key', 'first', 'same key']);
    },
  );
});

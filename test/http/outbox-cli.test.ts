import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NORTHWIND } from '../helpers/actors.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { EXAMPLE_CONFIG_PATH } from '../helpers/db.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { flagAccount } from '../helpers/slack-actors.ts';
import { sqlAll } from '../helpers/sql.ts';

// `foothold outbox list|retry|discard` against the running bot's database: a delivery that failed for good is
// shown with its error, sent again once the cause is fixed, or set aside with a reason (issue 14).

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const cli = (...argv: string[]) =>
  runCliCaptured(argv, { ...h.tdb.env, FOOTHOLD_CONFIG: EXAMPLE_CONFIG_PATH.pathname }, h.tdb.dir);

const rows = async () =>
  (await sqlAll(h.db, 'select id, recipient, status, last_error as error from outbox order by id')) as Array<{
    id: number;
    recipient: string;
    status: string;
    error: string | null;
  }>;

describe('outbox list | retry | discard', () => {
  it('shows a failed delivery, sends it again once fixed, or discards it with a reason in the history', async () => {
    // The bot was removed from the routing channel: the routing post fails for good.
    h.standIn.fail('chat.postMessage', { kind: 'slack_error', error: 'not_in_channel' }, { times: 1 });
    await flagAccount(h, NORTHWIND, {}, 'acme.com');
    await h.drain();
    const failed = (await rows()).filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    const id = failed[0]!.id;

    const list = await cli('outbox', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      new RegExp(`^#${id} {2}failed {4}chat\\.postMessage → C0ROUTING lead #1 {2}\\S+ {2}queued `),
    );
    expect(list.out).toContain('not_in_channel');
    expect((await cli('outbox', 'list', '--status', 'pending')).out).toBe('Nothing here.\n');

    // Fixed (the bot is back in the channel): retry, and the running bot delivers it once.
    const retry = await cli('outbox', 'retry', `#${id}`, '--by', 'U0ADMIN');
    expect(retry).toMatchObject({ code: 0, out: `Queued again: #${id}.\n` });
    h.foothold.sender.kick();
    await h.drain();
    expect((await rows()).find((r) => r.id === id)?.status).toBe('sent');
    expect(h.standIn.messagesTo('C0ROUTING').filter((m) => m.method === 'chat.postMessage')).toHaveLength(1);
    const again = await cli('outbox', 'retry', String(id));
    expect(again.code).toBe(1);
    expect(again.err).toBe(`#${id} not queued again: already sent.\n`);

    // A second failure is discarded instead: it is never sent, and the lead's history says who and why.
    h.standIn.fail('chat.postMessage', { kind: 'slack_error', error: 'channel_not_found' }, { times: 5 });
    await flagAccount(h, NORTHWIND, { website: 'globex.com', accountName: 'Globex' }, 'globex.com');
    await h.drain();
    const second = (await rows()).filter((r) => r.status === 'failed');
    expect(second.length).toBeGreaterThanOrEqual(1);
    const ids = second.map((r) => String(r.id));
    expect((await cli('outbox', 'discard', ...ids)).err).toContain('--reason is required');
    const discard = await cli(
      'outbox',
      'discard',
      ...ids,
      '--reason',
      'channel archived; lead handled by phone',
      '--by',
      'U0ADMIN',
    );
    expect(discard.code).toBe(0);
    expect((await rows()).filter((r) => ids.includes(String(r.id))).map((r) => r.status)).toEqual(
      ids.map(() => 'discarded'),
    );
    const history = await cli('history', 'globex.com');
    expect(history.out).toMatch(
      /U0ADMIN +a message to C0ROUTING was discarded by an operator {2}\(channel archived; lead handled by phone\)/,
    );
    expect((await cli('outbox', 'list', '--status', 'discarded')).out).toContain(
      'discarded: channel archived',
    );
  });
});

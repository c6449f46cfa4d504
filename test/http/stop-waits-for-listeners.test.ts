import { afterEach, describe, expect, it } from 'vitest';
import { closeDb, type Db } from '../../src/db/connection.ts';
import { eventEnvelope } from '../../src/dev/slack-client.ts';
import { createLogger } from '../../src/logger.ts';
import { type Harness, startHarness, VENDOR_TEAM } from '../helpers/harness.ts';
import { JsonLines } from '../helpers/logs.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// A shutdown (a deploy, a rolling restart) while a listener is still working after its request was answered.
// Bolt acknowledges an event at once and runs its listener afterwards, so the 200 reaches Slack while the work
// goes on: here, `channel_archive` for the routing channel, whose listener asks Slack (conversations.info, which
// the stand-in holds back) and then records the channel as held, with its audit event and the admins' DMs.
// createFoothold().stop() waits for that work (up to 10 s) before it returns and the caller closes the database,
// as main.ts does; without the wait the listener would find the database closed and the hold would be lost.

const ROUTING = 'C0ROUTING';
/** How long the stand-in holds conversations.info: far longer than stop() takes without the wait. */
const SLACK_ANSWERS_AFTER_MS = 1500;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function until(what: string, fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function channelState(db: Db): Promise<string | undefined> {
  const row = await sqlGet<{ state: string }>(
    db,
    'select state from channel_states where channel_id = ?',
    ROUTING,
  );
  return row?.state;
}

describe('stop() during listener work after its ack', () => {
  it('waits for the work to finish before the database closes', async () => {
    const log = new JsonLines();
    const h: Harness = await startHarness({ logger: createLogger('info', log) });
    // The harness's stop() would close the app's database; this test closes it itself, as main.ts does.
    cleanups.push(async () => {
      await h.standIn.close();
      await h.tdb.cleanup();
    });
    // A second connection to the same database, to look at it once the app's is closed.
    const look = await h.tdb.reopen();

    h.standIn.addChannel({ id: ROUTING, name: 'eql-routing', isArchived: true });
    h.standIn.fail('conversations.info', { kind: 'delay', ms: SLACK_ANSWERS_AFTER_MS });
    const archived = eventEnvelope(
      { type: 'channel_archive', channel: ROUTING, user: 'U0ADMIN' },
      { teamId: VENDOR_TEAM },
    );
    expect((await h.slack.event(archived)).status).toBe(200);

    // Acknowledged, and the listener is waiting for Slack's answer: nothing is recorded yet.
    await until('the listener to ask Slack', () =>
      h.standIn.calls().some((c) => c.method === 'conversations.info' && c.args.channel === ROUTING),
    );
    expect(await channelState(look)).toBeUndefined();

    await h.foothold.stop();
    await closeDb(h.db);

    // The listener's work is all there: the channel held, its audit event, a DM queued for the admin, its log line.
    expect(await channelState(look)).toBe('archived');
    expect(await sqlGet(look, "select count(*) as n from lead_events where type = 'channel_held'")).toEqual({
      n: 1,
    });
    const dms = await sqlAll<{ payload: string }>(
      look,
      "select payload from outbox where recipient = 'U0ADMIN' and status = 'pending'",
    );
    expect(dms.some((d) => d.payload.includes(`<#${ROUTING}>`))).toBe(true);
    expect(log.lines.map((l) => l.msg)).toContain(
      'routing channel is no longer internal; posting there is held and admins were told',
    );
    // ...and nothing failed under it (a closed database would show as an error from the listener).
    expect(log.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});

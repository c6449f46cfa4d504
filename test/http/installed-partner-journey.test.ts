import { afterEach, describe, expect, it } from 'vitest';
import { createInstallationStore } from '../../src/db/stores/installation-store.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { type Harness, programStandInOptions, startHarness, TEST_KEYRING } from '../helpers/harness.ts';
import { buttons, click, flagAccount, type Person, routingPost } from '../helpers/slack-actors.ts';
import { sqlGet } from '../helpers/sql.ts';

// Issue 9, item 3 (the journey): a partner whose workspace installed Foothold hears every message through
// their own installation's token; routing posts and internal people through the vendor's; and once the
// installation is gone, never through its token again.

const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const REP1: Person = { userId: 'U0REP1', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const NORTHWIND_TOKEN = 'xoxb-northwind-installed';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('a partner whose workspace installed Foothold', () => {
  it('hears every message through its installation, and never through it once it is uninstalled', async () => {
    const standIn = programStandInOptions();
    standIn.tokens = [
      'xoxb-test',
      { token: NORTHWIND_TOKEN, teamId: 'T0NORTH', userId: 'U0NWBOT', botId: 'B0NWBOT' },
    ];
    const h: Harness = await startHarness({ standIn });
    cleanups.push(() => h.stop());
    const store = createInstallationStore(h.db, Date.now, TEST_KEYRING);
    await store.storeInstallation({
      team: { id: 'T0NORTH', name: 'Northwind' },
      enterprise: undefined,
      user: { id: 'U0NWPAT', token: undefined, scopes: undefined },
      bot: { id: 'B0NWBOT', userId: 'U0NWBOT', token: NORTHWIND_TOKEN, scopes: ['chat:write', 'im:write'] },
      tokenType: 'bot',
      isEnterpriseInstall: false,
      appId: 'A0FOOTHOLD',
      authVersion: 'v2',
    });

    // Flag → EQL → claim → intro requested → the partner answers from the DM.
    await flagAccount(h, PAT, { accountName: 'Door Co', website: 'door-co.com' });
    await h.drain();
    const leadId = (
      (await sqlGet(h.db, "select id from leads where domain = 'door-co.com'")) as { id: number }
    ).id;
    for (const step of [ACTIONS.claim, ACTIONS.requestIntro]) {
      const post = (await routingPost(h, leadId))!;
      const b = buttons(post).get(step)!;
      await click(h, REP1, step, b.value, { channelId: post.channel, messageTs: post.ts });
      await h.drain();
    }
    const introDm = h.standIn
      .messagesTo(PAT.userId)
      .filter((m) => buttons(m).has(ACTIONS.introMade))
      .at(-1)!;
    await click(h, PAT, ACTIONS.introMade, buttons(introDm).get(ACTIONS.introMade)!.value, {
      channelId: introDm.channel,
      messageTs: introDm.ts,
    });
    await h.drain();

    const toPat = h.standIn.messagesTo(PAT.userId).filter((m) => m.method !== 'chat.postEphemeral');
    expect(toPat.length).toBeGreaterThanOrEqual(3);
    expect(new Set(toPat.map((m) => m.call.token))).toEqual(new Set([NORTHWIND_TOKEN]));
    // The vendor's side stays on the vendor's token: the routing channel and the rep's DMs.
    expect(new Set(h.standIn.messagesTo('C0ROUTING').map((m) => m.call.token))).toEqual(
      new Set(['xoxb-test']),
    );
    expect(new Set(h.standIn.messagesTo(REP1.userId).map((m) => m.call.token))).toEqual(
      new Set(['xoxb-test']),
    );

    // Northwind uninstalls: what Pat hears next comes through the channel the vendor shares with them.
    await store.deleteInstallation?.({
      teamId: 'T0NORTH',
      isEnterpriseInstall: false,
      enterpriseId: undefined,
    });
    const from = h.standIn.calls().at(-1)?.seq ?? 0;
    const post = (await routingPost(h, leadId))!;
    await click(h, REP1, ACTIONS.meetingHeld, buttons(post).get(ACTIONS.meetingHeld)!.value, {
      channelId: post.channel,
      messageTs: post.ts,
    });
    await h.drain();
    const after = h.standIn.calls().filter((c) => c.seq > from);
    expect(after.filter((c) => c.token === NORTHWIND_TOKEN)).toEqual([]);
    expect(
      h.standIn.messagesTo(PAT.userId).filter((m) => m.call.seq > from && m.method === 'chat.postMessage')
        .length,
    ).toBeGreaterThan(0);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stateValue } from '../../src/dev/slack-client.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { CONTOSO, LEADER, NORTHWIND, REP1 } from '../helpers/actors.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import {
  allText,
  buttons,
  click,
  command,
  lastModal,
  modalCount,
  type Person,
  routingPost,
  submissionValues,
  submitModal,
} from '../helpers/slack-actors.ts';
import { sqlGet } from '../helpers/sql.ts';

// A leader overrides first-to-register attribution from the routing post, over HTTP through the stand-in.

const PAT: Person = NORTHWIND;
const CON: Person = CONTOSO;
const LEAD: Person = LEADER;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

async function flag(who: Person): Promise<void> {
  const before = modalCount(h, who.userId);
  await command(h, who, 'acme.com');
  const modal = await lastModal(h, who.userId, before);
  const ack = await submitModal(h, who, modal, submissionValues({}));
  expect(ack.status).toBe(200);
  await h.drain();
}

const dmsTo = (userId: string) => h.standIn.messagesTo(userId).filter((m) => m.method === 'chat.postMessage');

describe('changing credit from the routing post', () => {
  it('lets a leader move credit to the corroborating partner; a rep is refused; both partners hear', async () => {
    await flag(PAT);
    const { id } = (await sqlGet(h.db, 'select min(id) as id from leads')) as { id: number };
    // A single partner: there is no credit to move, so no button.
    expect(buttons(await routingPost(h, id)).has(ACTIONS.changeCredit)).toBe(false);

    await flag(CON);
    const post = await routingPost(h, id);
    const change = buttons(post).get(ACTIONS.changeCredit);
    expect(change).toBeDefined();
    const where = { channelId: post!.channel, messageTs: post!.ts };

    // A rep sees the button but is told, privately, that only leaders can change credit.
    const repModals = modalCount(h, REP1.userId);
    await click(h, REP1, ACTIONS.changeCredit, change!.value, where);
    await h.standIn.waitFor(
      () => h.standIn.calls('chat.postEphemeral').some((c) => c.args.user === REP1.userId),
      2000,
    );
    expect(modalCount(h, REP1.userId)).toBe(repModals);
    const refusal = h.standIn.calls('chat.postEphemeral').find((c) => c.args.user === REP1.userId);
    expect(String(refusal?.args.text)).toContain('Only program leaders');

    // The leader's modal offers exactly the other partner that flagged the account.
    await click(h, LEAD, ACTIONS.changeCredit, change!.value, where);
    const modal = await lastModal(h, LEAD.userId);
    expect(modal.callbackId).toBe('change_credit');
    const select = JSON.stringify(modal.history.at(-1));
    expect(select).toContain('"value":"contoso"');
    expect(select).not.toContain('"value":"northwind"');

    // No reason: the field error comes back on the reason input, nothing changes.
    const empty = await submitModal(h, LEAD, modal, {
      credit_partner: { credit_partner: stateValue.select('contoso') },
      credit_reason: { credit_reason: stateValue.text(null) },
    });
    expect(empty.json).toMatchObject({
      response_action: 'errors',
      errors: { credit_reason: expect.any(String) },
    });

    const ok = await submitModal(h, LEAD, modal, {
      credit_partner: { credit_partner: stateValue.select('contoso') },
      credit_reason: { credit_reason: stateValue.text('Contoso ran the workshop that opened the deal') },
    });
    expect(ok.status).toBe(200);
    await h.drain();

    const credited = await sqlGet(h.db, 'select credited_partner_slug as c from leads where id = ?', id);
    expect(credited).toEqual({ c: 'contoso' });
    const updated = allText((await routingPost(h, id))?.blocks);
    expect(updated).toContain('credit changed by a leader');
    expect(updated).toMatch(/first registered by Northwind/);

    const conDm = allText(dmsTo(CON.userId).at(-1));
    const patDm = allText(dmsTo(PAT.userId).at(-1));
    expect(conDm).toContain('credited your organisation');
    expect(patDm).toContain('no longer counts towards our partnership');
    expect(conDm).not.toMatch(/Northwind|workshop/);
    expect(patDm).not.toMatch(/Contoso|workshop/);
  });
});

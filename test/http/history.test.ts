import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stateValue } from '../../src/dev/slack-client.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { CONTOSO, LEADER, NORTHWIND, REP1 } from '../helpers/actors.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { EXAMPLE_CONFIG_PATH } from '../helpers/db.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import {
  allText,
  buttons,
  click,
  flagAccount,
  lastModal,
  modalCount,
  type Person,
  routingPost,
  submitModal,
} from '../helpers/slack-actors.ts';
import { sqlGet } from '../helpers/sql.ts';

// The audit log, readable: the routing post's History button (the vendor team only) and `foothold history`.

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

async function flag(who: Person): Promise<void> {
  await flagAccount(h, who, {}, 'acme.com');
  await h.drain();
}

const cli = (...argv: string[]) =>
  runCliCaptured(argv, { ...h.tdb.env, FOOTHOLD_CONFIG: EXAMPLE_CONFIG_PATH.pathname }, h.tdb.dir);

describe('a lead’s history', () => {
  it('History shows the vendor team who did what and why, newest first; a partner is refused', async () => {
    await flag(NORTHWIND);
    await flag(CONTOSO);
    const { id } = (await sqlGet(h.db, 'select min(id) as id from leads')) as { id: number };
    const where = async () => ({
      channelId: (await routingPost(h, id))!.channel,
      messageTs: (await routingPost(h, id))!.ts,
    });
    await click(
      h,
      REP1,
      ACTIONS.claim,
      buttons(await routingPost(h, id)).get(ACTIONS.claim)!.value,
      await where(),
    );
    await h.drain();
    // A leader moves the credit with a written reason: the reason is in the history, for the vendor team.
    await click(
      h,
      LEADER,
      ACTIONS.changeCredit,
      buttons(await routingPost(h, id)).get(ACTIONS.changeCredit)!.value,
      await where(),
    );
    const credit = await lastModal(h, LEADER.userId);
    await submitModal(h, LEADER, credit, {
      credit_partner: { credit_partner: stateValue.select('contoso') },
      credit_reason: { credit_reason: stateValue.text('Contoso <!channel> ran the workshop') },
    });
    await h.drain();

    const history = buttons(await routingPost(h, id)).get(ACTIONS.history);
    expect(history?.text).toBe('History');
    const before = modalCount(h, REP1.userId);
    await click(h, REP1, ACTIONS.history, history!.value, await where());
    const modal = await lastModal(h, REP1.userId, before);
    expect(modal.callbackId).toBe('lead_history');
    const text = allText(modal.history.at(-1));
    // Newest first: the credit change, the claim, the corroboration, the qualification.
    const order = [
      'credit moved from northwind to contoso',
      'Qualified (EQL) → Claimed',
      'corroborated by contoso',
    ];
    const at = order.map((s) => text.indexOf(s));
    expect(
      at.every((i) => i >= 0),
      text,
    ).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(text).toContain(`<@${LEADER.userId}>`);
    expect(text).toContain(`<@${REP1.userId}>`);
    expect(text).toContain('Contoso &lt;!channel&gt; ran the workshop');
    expect(text).not.toContain('<!channel>');
    expect(text).toMatch(/<!date\^\d+\^\{date_short\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>/);
    expect(text).toContain(`foothold history ${id}`);

    // A partner who clicks (or forges) the button is told privately and sees no history.
    const patModals = modalCount(h, NORTHWIND.userId);
    await click(h, NORTHWIND, ACTIONS.history, history!.value, { channelId: 'C0SHAREDN' });
    await h.standIn.waitFor(
      () => h.standIn.calls('chat.postEphemeral').some((c) => c.args.user === NORTHWIND.userId),
      2000,
    );
    expect(modalCount(h, NORTHWIND.userId)).toBe(patModals);
    const refusal = h.standIn
      .calls('chat.postEphemeral')
      .filter((c) => c.args.user === NORTHWIND.userId)
      .at(-1);
    expect(String(refusal?.args.text)).toContain("A lead's audit history is for the vendor team");

    // The same history on the command line, by domain or by lead id, oldest first.
    const byDomain = await cli('history', 'https://www.acme.com/pricing');
    expect(byDomain.code).toBe(0);
    const lines = byDomain.out.split('\n');
    expect(lines[0]).toBe('History of acme.com: 2 leads, 5 events');
    expect(lines[1]).toMatch(new RegExp(`^ {2}#${id} Acme .* · Northwind Consulting · Claimed$`));
    expect(lines[2]).toMatch(
      new RegExp(`^ {2}#${id + 1} Acme .* · Contoso .* · Merged, corroborates #${id}$`),
    );
    const events = lines.slice(4).filter(Boolean);
    expect(events).toHaveLength(5);
    expect(events[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\S+ {2}#${id} +U0NWPAT +Surfaced → Qualified \\(EQL\\)$`,
      ),
    );
    expect(events.at(-1)).toMatch(
      /U0LEAD +credit moved from northwind to contoso {2}\(Contoso <!channel> ran the workshop\)$/,
    );
    const json = JSON.parse((await cli('history', `#${id}`, '--format', 'json')).out) as {
      domain: string;
      lines: Array<{ what: string; actorUserId: string | null }>;
    };
    expect(json.domain).toBe('acme.com');
    expect(json.lines.map((l) => l.what)).toContain('Qualified (EQL) → Claimed');
    const missing = await cli('history', '999999');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('There is no lead #999999.');
    const nonsense = await cli('history', 'not a domain');
    expect(nonsense.code).toBe(1);
    expect(nonsense.err).toContain('"not a domain" is neither a lead id (such as 12) nor a domain');
  });
});

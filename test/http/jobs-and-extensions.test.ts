import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { goodSubmission } from '../helpers/actors.ts';
import { testClock } from '../helpers/db.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { allText, buttons, click, command, type Person, routingPost } from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// The jobs and extensions through the real app: Slack requests signed and sent over HTTP, messages going
// out through the outbox to the local Slack stand-in (which answers users.info with each person's zone).

const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const REP1: Person = { userId: 'U0REP1', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const REP2: Person = { userId: 'U0REP2', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };
const LEAD: Person = { userId: 'U0LEAD', teamId: 'T0VENDOR', channelId: 'C0ROUTING' };

const DAY = 86_400_000;
// Today at 15:00 UTC (daytime in London and New York), so warmth dates relative to the real clock hold.
const TODAY_1500 = (() => {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 15);
})();

let h: Harness;
const clock = testClock(TODAY_1500);
beforeEach(async () => {
  clock.set(TODAY_1500);
  h = await startHarness({ now: clock.now });
});
afterEach(async () => {
  await h.stop();
});

function dmsTo(userId: string) {
  return h.standIn.messagesTo(userId).filter((m) => m.method === 'chat.postMessage');
}
async function status(id: number): Promise<string> {
  return ((await sqlGet(h.db, 'select status from leads where id = ?', id)) as { status: string }).status;
}
async function seedClaimed(): Promise<number> {
  const services = h.foothold.deps.services;
  const res = await submitLead(
    services,
    goodSubmission({
      warmth: {
        strength: 4,
        contactName: 'Jane Doe',
        contactTitle: 'CTO',
        contactEmail: null,
        lastInteractionOn: new Date(clock.now() - 10 * DAY).toISOString().slice(0, 10),
        willingToIntroduce: true,
      },
    }),
  );
  if (res.kind !== 'created') throw new Error('seed failed');
  await claimLead(services, { actor: REP1, leadId: res.leadId });
  return res.leadId;
}

describe('the scheduler', () => {
  it('starts with the app, in the program time zone, with every job', () => {
    expect(h.foothold.scheduler.schedules()).toEqual([
      { job: 'sla', cron: '*/15 * * * *' },
      { job: 'expiry', cron: '5 * * * *' },
      { job: 'digest', cron: '0 9 * * 1' },
      { job: 'scorecards', cron: '0 9 1 * *' },
      { job: 'crm-sync', cron: '*/15 * * * *' },
      { job: 'model-fit', cron: '30 2 * * *' },
      { job: 'insights', cron: '0 9 1 * *' },
      { job: 'overlap-first', cron: '0 10 * * 1' },
      { job: 'partner-scorecards', cron: '0 10 1 * *' },
    ]);
  });
});

describe('/eql digest', () => {
  it('shows a leader the digest with rates, ephemerally and within limits', async () => {
    await seedClaimed();
    await h.drain();
    const { res } = await command(h, LEAD, 'digest');
    const json = res.json as { response_type: string; blocks: unknown[] };
    expect(json.response_type).toBe('ephemeral');
    expect(checkMessageBlocks(json.blocks)).toEqual([]);
    const text = allText(json);
    expect(text).toMatch(/\*1\* claimed \(100% of EQLs\)/);
    expect(text).toContain('Do EQLs convert better?');
    expect(text).toContain('Partner leaderboard');
  });

  it('refuses partners and reps', async () => {
    const partner = allText((await command(h, PAT, 'digest')).res.json);
    expect(partner).not.toContain('Partner leaderboard');
    expect(partner).toMatch(/vendor team/i);
    expect(allText((await command(h, REP1, 'digest')).res.json)).toMatch(/Only program leaders/);
  });
});

describe('expiry and extensions over HTTP', () => {
  it('expires a lead, the partner asks for more time from the DM, the owner grants it', async () => {
    const id = await seedClaimed();
    await h.drain();

    clock.set(TODAY_1500 + 91 * DAY);
    const run = await h.foothold.scheduler.run('expiry');
    expect(run.transitions).toEqual([{ leadId: id, from: 'claimed', to: 'expired' }]);
    await h.drain();
    expect(await status(id)).toBe('expired');
    expect(allText((await routingPost(h, id))?.blocks)).toContain('Expired');

    // The partner's DM: expired, with Request extension.
    const expiredDm = dmsTo(PAT.userId).find((m) => buttons(m).has(ACTIONS.requestExtension));
    expect(expiredDm).toBeDefined();
    expect(allText(expiredDm)).toContain('has expired');
    const ask = await click(
      h,
      PAT,
      ACTIONS.requestExtension,
      buttons(expiredDm).get(ACTIONS.requestExtension)!.value,
      {
        channelId: expiredDm!.channel,
      },
    );
    expect(ask.res.status).toBe(200);
    await h.drain();
    // The owner is asked, with Grant extension; the partner hears it was passed on.
    const request = dmsTo(REP1.userId).find((m) => allText(m).includes('asks for more time'));
    expect(request).toBeDefined();
    expect(allText(dmsTo(PAT.userId))).toContain('asked');

    // Someone else's rep cannot grant it.
    const grant = buttons(request).get(ACTIONS.grantExtension)!;
    await click(h, REP2, ACTIONS.grantExtension, grant.value, { channelId: request!.channel });
    await h.standIn.waitFor(
      () => h.standIn.calls('chat.postEphemeral').some((c) => c.args.user === REP2.userId),
      2000,
    );
    expect(await status(id)).toBe('expired');

    await click(h, REP1, ACTIONS.grantExtension, grant.value, { channelId: request!.channel });
    expect(await status(id)).toBe('claimed');
    await h.drain();
    expect(allText(dmsTo(PAT.userId).at(-1))).toContain('has more time');
    expect(allText((await routingPost(h, id))?.blocks)).toContain('Claimed');
    const events = await sqlAll(
      h.db,
      "select type, actor_user_id as actor from lead_events where lead_id = ? and type like 'extension%' order by id",
      id,
    );
    expect(events).toEqual([
      { type: 'extension_requested', actor: PAT.userId },
      { type: 'extension_granted', actor: REP1.userId },
    ]);
    // Time zones came from users.info and were cached.
    const pat = (await sqlGet(h.db, "select time_zone as tz from people where user_id = 'U0NWPAT'")) as {
      tz: string;
    };
    expect(pat.tz).toBe('Europe/London');
  });
});

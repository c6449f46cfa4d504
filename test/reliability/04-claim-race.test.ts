import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockAction } from '../../src/dev/slack-client.ts';
import { ACTIONS, encodeLeadRef } from '../../src/slack/ids.ts';
import type { Harness } from '../helpers/harness.ts';
import { sqlGet } from '../helpers/sql.ts';
import { report, size } from './support/figures.ts';
import { CAST, RACE_REPS } from './support/program.ts';
import { startProgram, submit, waitUntil } from './support/slack-world.ts';

// Scenario 4: 50 reps click Claim on the same EQL at the same moment. One becomes the owner, the other 49
// are each told, privately, who owns it; the lead changes once.

const LEADS = size(2, 10);

let h: Harness;
beforeAll(async () => {
  h = await startProgram();
});
afterAll(async () => {
  await h?.stop();
});

describe('scenario 4: claim race', () => {
  it('gives one owner and tells the other 49 who it is, every time', async () => {
    const started = Date.now();
    let requests = 0;
    for (let n = 0; n < LEADS; n++) {
      const domain = `race${n}-acct.com`;
      const res = await submit(h.slack, CAST.pat, { accountName: `Race ${n}`, website: domain });
      requests++;
      expect(res.status).toBe(200);
      const lead = (await sqlGet(h.db, 'select id, version, status from leads where domain = ?', domain)) as {
        id: number;
        version: number;
        status: string;
      };
      expect(lead.status).toBe('qualified');
      const value = encodeLeadRef({ leadId: lead.id, version: lead.version });
      const payloads = RACE_REPS.map((userId) =>
        blockAction({
          user: { id: userId, team_id: 'T0VENDOR' },
          teamId: 'T0VENDOR',
          actionId: ACTIONS.claim,
          value,
          channelId: 'C0ROUTING',
          triggerId: h.standIn.issueTriggerId({ userId }),
        }),
      );
      const ephemeralsBefore = h.standIn.calls('chat.postEphemeral').length;
      const eventsBefore = ((await sqlGet(h.db, 'select count(*) as n from lead_events')) as { n: number }).n;
      const answers = await Promise.all(payloads.map((p) => h.slack.action(p)));
      requests += answers.length;
      expect(answers.map((a) => a.status)).toEqual(RACE_REPS.map(() => 200));
      const row = (await sqlGet(
        h.db,
        'select owner_user_id as owner, status from leads where id = ?',
        lead.id,
      )) as {
        owner: string;
        status: string;
      };
      expect(row.status).toBe('claimed');
      expect(RACE_REPS).toContain(row.owner);
      const eventsAfter = ((await sqlGet(h.db, 'select count(*) as n from lead_events')) as { n: number }).n;
      expect(eventsAfter - eventsBefore).toBe(1);
      // The other 49 are told who owns it, privately, once each.
      await waitUntil(
        '49 refusals',
        () => h.standIn.calls('chat.postEphemeral').length - ephemeralsBefore >= RACE_REPS.length - 1,
        10_000,
      );
      const told = h.standIn.calls('chat.postEphemeral').slice(ephemeralsBefore);
      const losers = RACE_REPS.filter((r) => r !== row.owner);
      expect(told.map((c) => String(c.args.user)).sort()).toEqual([...losers].sort());
      for (const c of told) expect(String(c.args.text)).toContain(`<@${row.owner}>`);
    }
    report({
      n: 4,
      name: 'Claim race (50 reps click Claim at once)',
      requests,
      faults: 0,
      inputs: LEADS * RACE_REPS.length,
      checked: `${LEADS} EQL(s) × 50 simultaneous clicks: one owner and one audit event each; the other 49 told privately who owns it`,
      ms: Date.now() - started,
    });
  });
});

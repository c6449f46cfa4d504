import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockAction,
  eventEnvelope,
  type SlackPayload,
  stateValue,
  viewSubmission,
} from '../../src/dev/slack-client.ts';
import type { ViewRecord } from '../../src/dev/slack-stand-in.ts';
import { ACTIONS, encodeLeadRef } from '../../src/slack/ids.ts';
import type { Harness } from '../helpers/harness.ts';
import { buttons, lastModal, modalCount, type Person, submissionValues } from '../helpers/slack-actors.ts';
import { sqlGet } from '../helpers/sql.ts';
import { report, size } from './support/figures.ts';
import { CAST } from './support/program.ts';
import { deliveryReport, startProgram, submissionPayload, waitUntil } from './support/slack-world.ts';

// Scenario 3: Slack retries events (X-Slack-Retry-Num 1–3), people double-click buttons and double-submit
// modals, proxies replay requests. Each distinct request has one effect: one state change, one audit event,
// one set of Slack messages.

const ROUNDS = size(1, 5);

let h: Harness;
let requests = 0;
let duplicates = 0;
let inputs = 0;
beforeAll(async () => {
  h = await startProgram();
});
afterAll(async () => {
  await h?.stop();
});

interface Effects {
  leads: number;
  events: number;
  outbox: number;
  attestations: number;
  versions: number;
}
async function effects(): Promise<Effects> {
  const q = async (sql: string) => ((await sqlGet(h.db, sql)) as { n: number }).n;
  return {
    leads: await q('select count(*) as n from leads'),
    events: await q('select count(*) as n from lead_events'),
    outbox: await q('select count(*) as n from outbox'),
    attestations: await q('select count(*) as n from warmth_attestations'),
    versions: await q('select coalesce(sum(version), 0) as n from leads'),
  };
}

/** Sends the same signed payload `times` times (half at once, half one after another) and returns the acks. */
async function deliverRepeatedly(send: () => Promise<{ status: number; json: unknown }>, times: number) {
  const first = await Promise.all([send(), send()]);
  const rest = [];
  for (let i = 2; i < times; i++) rest.push(await send());
  requests += times;
  duplicates += times - 1;
  inputs++;
  const all = [...first, ...rest];
  for (const r of all) expect(r.status).toBe(200);
  return all;
}

/** What one delivery of the same action changes, measured on a twin lead that gets it once. */
async function once(run: () => Promise<unknown>): Promise<Effects> {
  const before = await effects();
  await run();
  await h.drain();
  const after = await effects();
  return {
    leads: after.leads - before.leads,
    events: after.events - before.events,
    outbox: after.outbox - before.outbox,
    attestations: after.attestations - before.attestations,
    versions: after.versions - before.versions,
  };
}

function action(
  who: Person,
  actionId: string,
  value: string,
  channelId: string,
  messageTs?: string,
): SlackPayload {
  return blockAction({
    ...(messageTs ? { messageTs } : {}),
    user: { id: who.userId, team_id: who.teamId },
    teamId: 'T0VENDOR',
    actionId,
    value,
    channelId,
    triggerId: h.standIn.issueTriggerId({ userId: who.userId }),
  });
}

async function leadRow(domain: string) {
  return (await sqlGet(h.db, 'select id, version, status from leads where domain = ?', domain)) as {
    id: number;
    version: number;
    status: string;
  };
}

async function openModal(
  who: Person,
  actionId: string,
  value: string,
  channelId: string,
): Promise<ViewRecord> {
  const before = modalCount(h, who.userId);
  const res = await h.slack.action(action(who, actionId, value, channelId));
  requests++;
  expect(res.status).toBe(200);
  return lastModal(h, who.userId, before);
}

function modalSubmission(who: Person, modal: ViewRecord, values: Record<string, Record<string, unknown>>) {
  return viewSubmission({
    user: { id: who.userId, team_id: who.teamId },
    teamId: 'T0VENDOR',
    view: modal.payload,
    callbackId: modal.callbackId,
    privateMetadata: String(modal.payload.private_metadata ?? ''),
    values: values as never,
  });
}

describe('scenario 3: retries and double clicks', () => {
  it('gives each retried event, repeated button payload and resubmitted modal one effect', async () => {
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      // ── events: Slack's retries (X-Slack-Retry-Num 1–3) of one event ──────────────────────────────
      const join = eventEnvelope(
        {
          type: 'member_joined_channel',
          user: h.standIn.bot.userId,
          channel: 'C0SHAREDF',
          channel_type: 'C',
          team: 'T0VENDOR',
        },
        { teamId: 'T0VENDOR' },
      );
      const home = eventEnvelope(
        { type: 'app_home_opened', user: CAST.fab.userId, tab: 'home', channel: 'D0FAB' },
        { teamId: 'T0VENDOR' },
      );
      for (const envelope of [join, home]) {
        const publishesBefore = h.standIn.calls('views.publish').length;
        for (let retry = 0; retry <= 3; retry++) {
          const res = await h.slack.event(
            envelope,
            retry ? { retryNum: retry, retryReason: 'http_timeout' } : {},
          );
          expect(res.status).toBe(200);
        }
        requests += 4;
        duplicates += 3;
        inputs++;
        await h.drain();
        if (envelope === home) {
          // The Home is published once; give any repeat time to show up before counting.
          await waitUntil('App Home', () => h.standIn.calls('views.publish').length > publishesBefore, 5000);
          await new Promise((r) => setTimeout(r, 300));
          expect(h.standIn.calls('views.publish').length - publishesBefore).toBe(1);
        }
      }
      expect(h.standIn.messagesTo('C0SHAREDF').filter((m) => m.method === 'chat.postMessage')).toHaveLength(
        1,
      );
      expect(h.standIn.pins('C0SHAREDF')).toHaveLength(1);

      // ── the same modal submitted twice ───────────────────────────────────────────────────────────
      const domain = `retry${round}-acct.com`;
      const payload = submissionPayload(CAST.pat, { accountName: 'Retry Co', website: domain });
      const before = await effects();
      await deliverRepeatedly(() => h.slack.viewSubmission(payload), 3);
      await h.drain();
      const after = await effects();
      const twin = await once(() =>
        h.slack.viewSubmission(submissionPayload(CAST.pat, { website: `twin${round}-acct.com` })),
      );
      expect(after.leads - before.leads).toBe(1);
      expect(after.events - before.events).toBe(twin.events);
      expect(after.outbox - before.outbox).toBe(twin.outbox + (round === 0 ? 1 : 0)); // + Pat's first-time primer
      const lead = await leadRow(domain);
      expect(lead.status).toBe('qualified');
      const channel = 'C0ROUTING';

      // ── the same button payload twice: claim, then each outcome button ────────────────────────────
      for (const step of [ACTIONS.claim, ACTIONS.requestIntro]) {
        const current = await leadRow(domain);
        const p = action(
          CAST.rep1,
          step,
          encodeLeadRef({ leadId: current.id, version: current.version }),
          channel,
        );
        const b = await effects();
        await deliverRepeatedly(() => h.slack.action(p), 3);
        await h.drain();
        const a = await effects();
        expect(a.events - b.events, `${step}: one audit event`).toBe(1);
        expect(a.versions - b.versions, `${step}: one change`).toBe(1);
      }
      // The partner answers the intro request twice.
      const introDm = h.standIn
        .messagesTo(CAST.pat.userId)
        .filter((m) => buttons(m).has(ACTIONS.introMade))
        .at(-1);
      expect(introDm).toBeDefined();
      {
        const p = action(
          CAST.pat,
          ACTIONS.introMade,
          buttons(introDm).get(ACTIONS.introMade)!.value,
          introDm!.channel,
          introDm!.ts,
        );
        const b = await effects();
        await deliverRepeatedly(() => h.slack.action(p), 2);
        await h.drain();
        expect((await effects()).events - b.events, 'intro answer: one audit event').toBe(1);
      }
      for (const step of [ACTIONS.meetingHeld, ACTIONS.opportunity]) {
        const current = await leadRow(domain);
        const p = action(
          CAST.rep1,
          step,
          encodeLeadRef({ leadId: current.id, version: current.version }),
          channel,
        );
        const b = await effects();
        await deliverRepeatedly(() => h.slack.action(p), 2);
        await h.drain();
        expect((await effects()).events - b.events, `${step}: one audit event`).toBe(1);
      }

      // ── modals opened from buttons, submitted twice: lost reason, reassign ────────────────────────
      {
        const current = await leadRow(domain);
        const modal = await openModal(
          CAST.leader,
          ACTIONS.reassign,
          encodeLeadRef({ leadId: current.id, version: current.version }),
          channel,
        );
        const p = modalSubmission(CAST.leader, modal, {
          new_owner: { new_owner: stateValue.user(CAST.rep2.userId) },
          reassign_reason: { reassign_reason: stateValue.text('Rep 2 covers this territory now') },
        });
        const b = await effects();
        await deliverRepeatedly(() => h.slack.viewSubmission(p), 2);
        await h.drain();
        expect((await effects()).events - b.events, 'reassign: one audit event').toBe(1);
      }
      {
        const current = await leadRow(domain);
        const modal = await openModal(
          CAST.rep2,
          ACTIONS.lost,
          encodeLeadRef({ leadId: current.id, version: current.version }),
          channel,
        );
        const code = h.foothold.deps.services.config.reasons.lost[0]!.code;
        const p = modalSubmission(CAST.rep2, modal, {
          reason_code: { reason_code: stateValue.select(code) },
          reason_text: { reason_text: stateValue.text('Went with a competitor') },
        });
        const b = await effects();
        await deliverRepeatedly(() => h.slack.viewSubmission(p), 3);
        await h.drain();
        expect((await effects()).events - b.events, 'lost: one audit event').toBe(1);
        expect((await leadRow(domain)).status).toBe('lost');
      }

      // ── a rep flags an account, the partner attests twice (same modal) ────────────────────────────
      {
        const repDomain = `attest${round}-acct.com`;
        const res = await h.slack.viewSubmission(
          viewSubmission({
            user: { id: CAST.rep1.userId, team_id: CAST.rep1.teamId },
            teamId: 'T0VENDOR',
            callbackId: 'submit_lead',
            privateMetadata: JSON.stringify({ channelId: 'C0ROUTING' }),
            values: submissionValues({ website: repDomain, partner: 'northwind' }) as never,
          }),
        );
        requests++;
        expect(res.status).toBe(200);
        await h.drain();
        const repLead = await leadRow(repDomain);
        expect(repLead.status).toBe('awaiting_attestation');
        // The request goes to the people Foothold knows at the partner, else its shared channel.
        const request = [...h.standIn.messagesTo(CAST.pat.userId), ...h.standIn.messagesTo('C0SHAREDN')]
          .filter((m) => buttons(m).has(ACTIONS.attestOpen))
          .at(-1);
        expect(request).toBeDefined();
        const modal = await openModal(
          CAST.pat,
          ACTIONS.attestOpen,
          buttons(request).get(ACTIONS.attestOpen)!.value,
          request!.channel,
        );
        const p = modalSubmission(CAST.pat, modal, submissionValues({}));
        const b = await effects();
        await deliverRepeatedly(() => h.slack.viewSubmission(p), 3);
        await h.drain();
        const a = await effects();
        expect(a.attestations - b.attestations, 'attestation: stored once').toBe(1);
        expect(a.events - b.events, 'attestation: one audit event').toBe(1);
        expect((await leadRow(repDomain)).status).toBe('qualified');
      }
    }
    await h.drain();
    const r = await deliveryReport(h.db, h.standIn);
    expect(r.duplicated).toEqual([]);
    expect(r.missing.map((m) => m.key)).toEqual([]);
    report({
      n: 3,
      name: 'Retries and double clicks (event retries 1–3, repeated button payloads, resubmitted modals)',
      requests,
      faults: duplicates,
      expected: r.expected,
      delivered: r.delivered,
      duplicated: r.duplicated.length,
      inputs,
      checked: `${ROUNDS} round(s): 2 events × 4 deliveries, 6 buttons and 4 modals each delivered 2–3 times; one audit event and one state change per distinct request`,
      ms: Date.now() - started,
    });
  });
});

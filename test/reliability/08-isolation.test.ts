import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateValue } from '../../src/dev/slack-client.ts';
import type { RecordedCall } from '../../src/dev/slack-stand-in.ts';
import { JOBS } from '../../src/jobs/index.ts';
import { createTimeZoneLookup } from '../../src/jobs/time-zones.ts';
import { ACTIONS, CALLBACKS } from '../../src/slack/ids.ts';
import { testConfig } from '../helpers/db.ts';
import type { Harness } from '../helpers/harness.ts';
import {
  buttons,
  lastModal,
  modalCount,
  type Person,
  routingPost,
  submissionValues,
} from '../helpers/slack-actors.ts';
import {
  ENVELOPE_LABEL,
  ENVELOPES,
  type EnvelopeWorld,
  eqlCommand,
  events,
  WORLDS,
} from '../helpers/slack-payloads.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';
import { FULL, report, size } from './support/figures.ts';
import { CAST, ORGS, type Org, partnerPerson, programJson, programStandIn } from './support/program.ts';
import { startProgram, submissionPayload, waitUntil } from './support/slack-world.ts';

// Scenario 8: a whole program with three partner orgs (submissions, corroborations, a CRM conflict,
// rep-surfaced leads and attestations, claims, intros, outcomes, reassignment, extensions, reminder and expiry
// jobs, App Homes, commands), then a scan of every Slack call and every ack: nothing shown to one org's
// people names another org, another org's lead or person, or the internal routing channels. The program runs
// once in each of the four envelopes Slack wraps requests in (test/helpers/slack-payloads.ts).

const PEOPLE_PER_ORG = size(2, 6);
const ACCOUNTS_PER_PERSON = size(2, 5);
const DAY = 86_400_000;

let h: Harness;
let world: EnvelopeWorld;
let requests = 0;
const acks: Array<{ who: Person; json: unknown; typed?: string }> = [];
/** Figures of the envelopes run so far (the report after the last one covers all four). */
const runs: Array<{ envelope: string; leads: number; surfaces: number; leaks: number }> = [];
let firstStarted = 0;

/** `/eql <text>` as Slack sends it in this envelope. */
function command(_h: Harness, who: Person, text: string) {
  return eqlCommand(world, h, who, text).then((res) => ({ res }));
}

const people = new Map<string, Org>(); // partner user id → org
const orgOfPerson = (userId: string): Org | null => people.get(userId) ?? null;
for (const org of ORGS) for (let i = 1; i <= 6; i++) people.set(partnerPerson(org, i).userId, org);
people.set(CAST.pat.userId, ORGS[0]!);
people.set(CAST.bob.userId, ORGS[0]!);
people.set(CAST.con.userId, ORGS[1]!);
people.set(CAST.fab.userId, ORGS[2]!);
const orgOfChannel = (c: string): Org | null => ORGS.find((o) => o.channelId === c) ?? null;

/** `typed`: what the person typed themselves, which an answer may echo back to them. */
async function send(who: Person, p: Promise<{ status: number; json: unknown }>, typed?: string) {
  const res = await p;
  requests++;
  expect(res.status).toBe(200);
  acks.push({ who, json: res.json, ...(typed ? { typed } : {}) });
  return res;
}
function click(who: Person, actionId: string, value: string, channelId: string, messageTs?: string) {
  return send(
    who,
    h.slack.action(
      world.action(who, {
        actionId,
        value,
        channelId,
        ...(messageTs ? { messageTs } : {}),
        triggerId: h.standIn.issueTriggerId({ userId: who.userId }),
      }),
    ),
  );
}
async function viaModal(
  who: Person,
  actionId: string,
  value: string,
  channelId: string,
  values: Record<string, Record<string, unknown>>,
  messageTs?: string,
) {
  const before = modalCount(h, who.userId);
  await click(who, actionId, value, channelId, messageTs);
  const modal = await lastModal(h, who.userId, before);
  return send(
    who,
    h.slack.viewSubmission(
      world.viewSubmission(who, {
        view: modal.payload,
        callbackId: modal.callbackId,
        privateMetadata: String(modal.payload.private_metadata ?? ''),
        values: values as never,
      }),
    ),
  );
}
describe.each(ENVELOPES)('scenario 8: partner isolation, %s envelope', (envelope) => {
  beforeAll(async () => {
    world = WORLDS[envelope];
    acks.length = 0;
    h = await startProgram({
      // Issue 13: partner rewards on, so awards, approvals and the partners' reward DMs and App Homes are scanned.
      config: world.config(
        testConfig((raw) =>
          Object.assign(raw, programJson(), {
            rewards: {
              currency: 'USD',
              rules: [
                { on: 'opportunity', points: 10 },
                { on: 'won', amount: 300 },
              ],
            },
          }),
        ),
      ),
      standIn: world.standIn(programStandIn()),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });
  it(
    `never shows one org’s people another org, its leads or people, or the internal routing channels (${ENVELOPE_LABEL[envelope]})`,
    async () => {
      const started = Date.now();
      if (!firstStarted) firstStarted = started;
      // The CRM knows one account is a customer already: flagging it is a conflict.
      await sqlRun(
        h.db,
        "insert into crm_accounts (domain, name, is_customer, has_open_opportunity, imported_at) values ('iso-customer.com', 'Existing Customer Inc', true, false, 0)",
      );
      await send(
        CAST.admin,
        command(h, CAST.admin, 'setup').then((r) => r.res),
      );

      // ── every org's people flag accounts: own accounts, a shared one, a cold one, the CRM customer ────
      const orgPeople = new Map(
        ORGS.map((o) => [o.slug, Array.from({ length: PEOPLE_PER_ORG }, (_, i) => partnerPerson(o, i + 1))]),
      );
      for (let n = 0; n < ACCOUNTS_PER_PERSON; n++) {
        for (const org of ORGS) {
          for (const [i, who] of (orgPeople.get(org.slug) ?? []).entries()) {
            const tag = `${org.slug}-${i}-${n}`;
            await send(
              who,
              h.slack.viewSubmission(
                world.wrapInteraction(
                  who,
                  submissionPayload(who, {
                    accountName: `${org.name.split(' ')[0]} Account ${tag}`,
                    website: `iso-${tag}.com`,
                    country: n % 2 ? 'GB' : 'US',
                    strength: n === 1 && i === 0 ? '2' : '4',
                    need: `Need of ${tag}`,
                    notes: `Notes of ${tag}`,
                    contactName: `Contact ${tag}`,
                  }),
                ),
              ),
            );
          }
          // The same account, from every org in turn: the first registers it, the others corroborate.
          const first = orgPeople.get(org.slug)?.[0] as Person;
          await send(
            first,
            h.slack.viewSubmission(
              world.wrapInteraction(
                first,
                submissionPayload(first, {
                  accountName: `${org.name.split(' ')[0]} name for Shared ${n}`,
                  website: `iso-shared${n}.com`,
                }),
              ),
            ),
          );
          await send(
            first,
            h.slack.viewSubmission(
              world.wrapInteraction(
                first,
                submissionPayload(first, {
                  accountName: 'Existing Customer Inc',
                  website: 'iso-customer.com',
                }),
              ),
            ),
          );
        }
      }
      // ── reps surface accounts for each org; each org attests its own ──────────────────────────────
      for (const org of ORGS) {
        const domain = `iso-rep-${org.slug}.com`;
        await send(
          CAST.rep1,
          h.slack.viewSubmission(
            world.viewSubmission(CAST.rep1, {
              callbackId: CALLBACKS.submitLead,
              privateMetadata: '{}',
              values: submissionValues({
                accountName: `Rep-surfaced for ${org.slug}`,
                website: domain,
                partner: org.slug,
              }) as never,
            }),
          ),
        );
      }
      await h.drain();
      for (const org of ORGS) {
        const who = orgPeople.get(org.slug)?.[0] as Person;
        const request = [...h.standIn.messagesTo(org.channelId), ...h.standIn.messagesTo(who.userId)]
          .filter((m) => buttons(m).has(ACTIONS.attestOpen))
          .at(-1);
        expect(request, `attestation request for ${org.slug}`).toBeDefined();
        await viaModal(
          who,
          ACTIONS.attestOpen,
          buttons(request).get(ACTIONS.attestOpen)!.value,
          request!.channel,
          submissionValues({}),
        );
      }
      await h.drain();

      // ── the motion on every qualified lead: claim, then a different path for each ─────────────────
      const qualified = (await sqlAll(
        h.db,
        "select id, route_channel as channel from leads where status = 'qualified' order by id",
      )) as Array<{ id: number; channel: string }>;
      let corroboratorIntros = 0;
      const answeredIntroDms = new Set<string>();
      for (const [k, l] of qualified.entries()) {
        const rep = l.channel === 'C0EMEA' ? CAST.rep2 : CAST.rep1;
        const post = async () => (await routingPost(h, l.id))!;
        await click(
          rep,
          ACTIONS.claim,
          buttons(await post()).get(ACTIONS.claim)!.value,
          (await post()).channel,
          (await post()).ts,
        );
        await h.drain();
        // Issue 13: the owner asks each corroborating partner for an intro; it answers from its own DM.
        const corroborating = (
          ((await post()).blocks ?? []) as Array<{ accessory?: { action_id?: string; value?: string } }>
        )
          .map((b) => b.accessory)
          .filter((x) => x?.action_id === ACTIONS.requestCorroboratorIntro)
          .map((x) => x!.value!);
        for (const value of corroborating) {
          await click(
            rep,
            ACTIONS.requestCorroboratorIntro,
            value,
            (await post()).channel,
            (await post()).ts,
          );
          corroboratorIntros++;
        }
        await h.drain();
        for (const [userId, org] of people) {
          for (const dm of h.standIn.messagesTo(userId).filter((m) => buttons(m).has(ACTIONS.introMade))) {
            if (answeredIntroDms.has(`${dm.channel}:${dm.ts}`)) continue;
            answeredIntroDms.add(`${dm.channel}:${dm.ts}`);
            const id = answeredIntroDms.size % 2 ? ACTIONS.introMade : ACTIONS.introDeclined;
            await click(
              { userId, teamId: org.teamId, channelId: dm.channel },
              id,
              buttons(dm).get(id)!.value,
              dm.channel,
              dm.ts,
            );
          }
        }
        await h.drain();
        const path = k % 5;
        if (path === 0 || path === 1) {
          await click(
            rep,
            ACTIONS.requestIntro,
            buttons(await post()).get(ACTIONS.requestIntro)!.value,
            (await post()).channel,
            (await post()).ts,
          );
          await h.drain();
          const partner = (await sqlGet(
            h.db,
            'select submitted_by_user_id as u from leads where id = ?',
            l.id,
          )) as { u: string };
          const dm = h.standIn
            .messagesTo(partner.u)
            .filter((m) => buttons(m).has(ACTIONS.introMade))
            .at(-1);
          if (dm) {
            const who = {
              userId: partner.u,
              teamId: orgOfPerson(partner.u)?.teamId ?? 'T0X',
              channelId: dm.channel,
            };
            const id = path === 0 ? ACTIONS.introMade : ACTIONS.introDeclined;
            await click(who, id, buttons(dm).get(id)!.value, dm.channel, dm.ts);
            await h.drain();
          }
          for (const step of [ACTIONS.meetingHeld, ACTIONS.opportunity, ACTIONS.won]) {
            if (path === 1 && step === ACTIONS.won) break;
            await click(
              rep,
              step,
              buttons(await post()).get(step)!.value,
              (await post()).channel,
              (await post()).ts,
            );
            await h.drain();
          }
        } else if (path === 2) {
          await viaModal(
            rep,
            ACTIONS.lost,
            buttons(await post()).get(ACTIONS.lost)!.value,
            (await post()).channel,
            {
              reason_code: {
                reason_code: stateValue.select(h.foothold.deps.services.config.reasons.lost[0]!.code),
              },
              reason_text: { reason_text: stateValue.text('Internal: chose a competitor') },
            },
          );
        } else if (path === 3) {
          await viaModal(
            CAST.leader,
            ACTIONS.disqualify,
            buttons(await post()).get(ACTIONS.disqualify)!.value,
            (await post()).channel,
            {
              reason_code: {
                reason_code: stateValue.select(h.foothold.deps.services.config.reasons.disqualify[0]!.code),
              },
              reason_text: { reason_text: stateValue.text('Internal: not a fit') },
            },
          );
        } else {
          await viaModal(
            CAST.leader,
            ACTIONS.reassign,
            buttons(await post()).get(ACTIONS.reassign)!.value,
            (await post()).channel,
            {
              new_owner: {
                new_owner: stateValue.user(rep === CAST.rep1 ? CAST.rep2.userId : CAST.rep1.userId),
              },
              reassign_reason: { reassign_reason: stateValue.text('Internal: territory change') },
            },
          );
        }
        await h.drain();
      }

      expect(corroboratorIntros).toBeGreaterThan(0);

      // ── a leader moves the credit on each shared account to a corroborating org ─────────────────
      const shared = (await sqlAll(
        h.db,
        "select l.id, min(c.partner_slug) as slug from leads l join corroborations c on c.lead_id = l.id where l.domain like 'iso-shared%' group by l.id",
      )) as Array<{ id: number; slug: string }>;
      expect(shared.length).toBeGreaterThan(0);
      for (const { id, slug } of shared) {
        const post = (await routingPost(h, id))!;
        await viaModal(
          CAST.leader,
          ACTIONS.changeCredit,
          buttons(post).get(ACTIONS.changeCredit)!.value,
          post.channel,
          {
            credit_partner: { credit_partner: stateValue.select(slug) },
            credit_reason: { credit_reason: stateValue.text('Internal: their workshop opened the deal') },
          },
        );
        await h.drain();
      }
      expect(
        await sqlGet(h.db, 'select count(*) as n from leads where credited_partner_slug is not null'),
      ).toEqual({ n: shared.length });

      // ── issue 13: each org's imported overlaps (fitting CRM accounts), asked about by the weekly job ─
      for (const org of ORGS) {
        for (let n = 0; n < 3; n++) {
          const domain = `iso-ov-${org.slug}-${n}.com`;
          await sqlRun(
            h.db,
            "insert into crm_accounts (domain, name, industry, employees, country, imported_at) values (?, ?, 'software', 900, 'US', 0)",
            domain,
            `Overlap ${org.slug} ${n}`,
          );
          await sqlRun(
            h.db,
            "insert into partner_overlaps (partner_slug, domain, relationship, imported_at) values (?, ?, 'customer', 0)",
            org.slug,
            domain,
          );
        }
      }
      // ── time passes: reminders, escalations, expiry warnings and expiries go out ─────────────────
      const timeZones = createTimeZoneLookup({ db: h.db, usersInfo: null });
      for (const days of [2, 20, 85, 95]) {
        const at = Date.now() + days * DAY;
        for (const job of JOBS)
          await job.run({ services: { ...h.foothold.deps.services, now: () => at }, timeZones }, at, {});
      }
      await sqlRun(h.db, "update outbox set not_before = 0 where status = 'pending'");
      await h.drain();
      // Partners ask for more time on what expired or is about to; owners grant it.
      for (const org of ORGS) {
        const who = orgPeople.get(org.slug)?.[0] as Person;
        const dm = h.standIn
          .messagesTo(who.userId)
          .filter((m) => buttons(m).has(ACTIONS.requestExtension))
          .at(-1);
        if (dm)
          await click(
            { ...who, channelId: dm.channel },
            ACTIONS.requestExtension,
            buttons(dm).get(ACTIONS.requestExtension)!.value,
            dm.channel,
            dm.ts,
          );
      }
      await h.drain();

      // ── issue 13: partners answer the overlap questions; the leader decides every reward ─────────
      for (const org of ORGS) {
        const who = orgPeople.get(org.slug)?.[0] as Person;
        const ask = h.standIn
          .messagesTo(who.userId)
          .filter((m) => buttons(m).has(ACTIONS.overlapSnooze))
          .at(0);
        expect(ask, `overlap-first ask for ${org.slug}`).toBeDefined();
        const values = (
          (ask!.blocks ?? []) as Array<{
            type: string;
            elements?: Array<{ action_id: string; value: string }>;
          }>
        )
          .filter((b) => b.type === 'actions')
          .map((b) => b.elements ?? []);
        const answer = [ACTIONS.overlapSnooze, ACTIONS.overlapUnknown, ACTIONS.overlapKnown];
        for (const [n, els] of values.entries()) {
          const el = els.find((e) => e.action_id === answer[n % 3]);
          if (el)
            await click({ ...who, channelId: ask!.channel }, el.action_id, el.value, ask!.channel, ask!.ts);
        }
      }
      await h.drain();
      const rewardAsks = h.standIn
        .messagesTo(CAST.leader.userId)
        .filter((m) => buttons(m).has(ACTIONS.rewardApprove));
      expect(rewardAsks.length).toBeGreaterThan(0);
      for (const [n, m] of rewardAsks.entries()) {
        if (n % 3 === 2) {
          await viaModal(
            CAST.leader,
            ACTIONS.rewardReject,
            buttons(m).get(ACTIONS.rewardReject)!.value,
            m.channel,
            {
              reject_reason: { reject_reason: stateValue.text('Internal: paid through another programme') },
            },
            m.ts,
          );
        } else
          await click(
            CAST.leader,
            ACTIONS.rewardApprove,
            buttons(m).get(ACTIONS.rewardApprove)!.value,
            m.channel,
            m.ts,
          );
      }
      await h.drain();
      // A month later, each partner's own scorecard DM goes out again with the rewards decided.
      for (const job of JOBS.filter((j) => j.name === 'partner-scorecards')) {
        const at = Date.now() + 40 * DAY;
        await job.run({ services: { ...h.foothold.deps.services, now: () => at }, timeZones }, at, {});
      }
      await sqlRun(h.db, "update outbox set not_before = 0 where status = 'pending'");
      await h.drain();
      const decided = (await sqlAll(
        h.db,
        'select status, count(*) as n from reward_awards group by status order by status',
      )) as Array<{ status: string; n: number }>;
      const answeredAsks = (await sqlGet(
        h.db,
        "select count(*) as n from overlap_asks where status <> 'asked'",
      )) as { n: number };
      expect(answeredAsks.n).toBeGreaterThanOrEqual(ORGS.length);

      // ── what each person looks at ─────────────────────────────────────────────────────────────────
      const everyone: Person[] = [
        ...ORGS.flatMap((o) => orgPeople.get(o.slug) ?? []),
        CAST.rep1,
        CAST.rep2,
        CAST.leader,
      ];
      for (const who of everyone) {
        await send(
          who,
          command(h, who, 'mine').then((r) => r.res),
        );
        for (const d of [
          'iso-shared0.com',
          'iso-customer.com',
          `iso-rep-${ORGS[0]!.slug}.com`,
          `iso-${ORGS[1]!.slug}-0-0.com`,
        ])
          await send(
            who,
            command(h, who, `status ${d}`).then((r) => r.res),
            d,
          );
        await send(who, h.slack.event(world.event(events.appHomeOpened(who.userId), who)));
      }
      await waitUntil('App Homes', () => h.standIn.calls('views.publish').length >= everyone.length, 5000);
      await h.drain();

      // ── the scan ──────────────────────────────────────────────────────────────────────────────────
      const leads = (await sqlAll(
        h.db,
        'select partner_slug as slug, account_name as name, domain from leads',
      )) as Array<{
        slug: string;
        name: string;
        domain: string;
      }>;
      const forbiddenFor = (org: Org): string[] => {
        const own = new Set(leads.filter((l) => l.slug === org.slug).flatMap((l) => [l.name, l.domain]));
        return [
          ...ORGS.filter((o) => o !== org).map((o) => o.name),
          ...leads
            .filter((l) => l.slug !== org.slug)
            .flatMap((l) => [l.name, l.domain])
            .filter((s) => !own.has(s)),
          ...[...people].filter(([, o]) => o !== org).map(([u]) => u),
          'C0ROUTING',
          'C0EMEA',
          'C0LEADERS',
          'eql-routing',
          'eql-emea',
        ];
      };
      const audienceOf = (call: RecordedCall): Org | null => {
        const args = call.args;
        if (call.method === 'chat.postEphemeral') return orgOfPerson(String(args.user));
        if (call.method === 'chat.postMessage' || call.method === 'chat.update') {
          const ch = String(args.channel ?? '');
          const dmUser = [...people.keys()].find((u) => h.standIn.dmChannelFor(u) === ch) ?? ch;
          return orgOfChannel(ch) ?? orgOfPerson(dmUser);
        }
        if (call.method === 'views.publish') return orgOfPerson(String(args.user_id));
        if (call.method === 'views.open' || call.method === 'views.update' || call.method === 'views.push') {
          const id = (call.response?.view as { id?: string } | undefined)?.id;
          const v = id ? h.standIn.view(id) : undefined;
          return v ? orgOfPerson(v.userId) : null;
        }
        return null;
      };
      const leaks: string[] = [];
      let partnerSurfaces = 0;
      const scan = (org: Org, what: string, payload: unknown, typed?: string) => {
        partnerSurfaces++;
        const text = JSON.stringify(payload);
        for (const f of forbiddenFor(org))
          if (f !== typed && text.includes(f)) leaks.push(`${what} shown to ${org.slug} contains “${f}”`);
      };
      for (const call of h.standIn.calls()) {
        if (call.response?.ok !== true) continue;
        const org = audienceOf(call);
        if (org)
          scan(org, `${call.method} #${call.seq}`, {
            text: call.args.text,
            blocks: call.args.blocks,
            view: call.args.view,
          });
      }
      for (const { who, json, typed } of acks) {
        const org = orgOfPerson(who.userId);
        if (org && json) scan(org, `ack to ${who.userId}`, json, typed);
      }
      const statuses = await sqlAll(
        h.db,
        'select status, count(*) as n from leads group by status order by status',
      );
      runs.push({ envelope, leads: leads.length, surfaces: partnerSurfaces, leaks: leaks.length });
      const sum = (k: 'leads' | 'surfaces' | 'leaks') => runs.reduce((n, r) => n + r[k], 0);
      report({
        n: 8,
        name: 'Partner isolation (three partner orgs, a whole scripted program, in 4 Slack envelopes)',
        requests,
        faults: 0,
        inputs: sum('leads'),
        checked: `${runs.length} envelope${runs.length === 1 ? '' : 's'} (${runs.map((r) => r.envelope).join(', ')}), ${sum('leads')} leads (last: issue 13: ${corroboratorIntros} corroborator intros, ${answeredAsks.n} overlap answers, rewards ${decided.map((d) => `${d.n} ${d.status}`).join(', ')}; ${(statuses as Array<{ status: string; n: number }>).map((s) => `${s.n} ${s.status}`).join(', ')}); ${sum('surfaces')} messages, views and acks shown to partner people scanned for other orgs' names, leads and people and the routing channels: ${sum('leaks')} found`,
        ms: Date.now() - firstStarted,
      });
      // Everything the program queued reached Slack: a message Slack refuses is one nobody sees.
      const failed = await sqlAll(
        h.db,
        "select delivery_key as key, last_error as error from outbox where status = 'failed'",
      );
      expect(leaks).toEqual([]);
      expect(failed).toEqual([]);
      expect(partnerSurfaces).toBeGreaterThan(50);
    },
    FULL ? 600_000 : 90_000,
  );
});

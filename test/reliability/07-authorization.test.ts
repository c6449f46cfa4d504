import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAsk } from '../../src/db/stores/overlap-store.ts';
import { stateValue } from '../../src/dev/slack-client.ts';
import { encodeMeta } from '../../src/listeners/payloads.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { syncCrmOutcomes } from '../../src/services/crm-outcomes.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import {
  ACTIONS,
  CALLBACKS,
  encodeCorroboratorRef,
  encodeIdRef,
  encodeLeadRef,
  encodeLinkChoice,
} from '../../src/slack/ids.ts';
import { testConfig } from '../helpers/db.ts';
import type { Harness } from '../helpers/harness.ts';
import { type Person, recentDate, submissionValues } from '../helpers/slack-actors.ts';
import {
  ENVELOPE_LABEL,
  ENVELOPES,
  type Envelope,
  type EnvelopeWorld,
  eqlCommand,
  events,
  WORLDS,
} from '../helpers/slack-payloads.ts';
import { sqlGet, sqlRun } from '../helpers/sql.ts';
import { FULL, report } from './support/figures.ts';
import { CAST, programJson, programStandIn } from './support/program.ts';
import { startProgram, waitUntil } from './support/slack-world.ts';

// Scenario 7: every door (slash command, shortcut, button, modal submission, App Home) × every kind of actor,
// over HTTP, against PRODUCT.md's "Who may do what". A modal submission is also forged by people who could
// never have opened the modal. Allowed: the change happens (or the modal opens, or the lead is shown).
// Refused: nothing changes and the person is told why, privately. The matrix runs in each of the four
// envelopes Slack wraps requests in (plain workspace, Slack Connect, Grid workspace install, Grid org-wide
// install; test/helpers/slack-payloads.ts): Grid partners registered by organisation id, the vendor's home its
// organisation. At CI size the Slack Connect envelope runs every cell and the other three every door for three
// kinds of actor (the partner of the lead's org, the unregistered org and one more in turn).

const ACTORS = {
  'partner, lead’s org': CAST.pat,
  'partner, other org': CAST.con,
  'unregistered org': CAST.stranger,
  rep: { userId: 'U0RACE01', teamId: 'T0VENDOR', channelId: 'C0ROUTING' },
  'non-owner rep': CAST.rep2,
  'owner rep': CAST.rep1,
  leader: CAST.leader,
  admin: CAST.admin,
} satisfies Record<string, Person>;
type Kind = keyof typeof ACTORS;
const KINDS = Object.keys(ACTORS) as Kind[];

/** change: the action happened · open: its modal opened · show/hide: the lead is (not) in what they see ·
 * redirect: allowed, and told how to do it instead · refuse: nothing happened, told why · na: not applicable. */
type Outcome = 'change' | 'open' | 'show' | 'hide' | 'redirect' | 'refuse' | 'na';

/** Builds a row: `yes` for the listed kinds, `refuse` for everyone else. */
function row(yes: Outcome, who: Kind[], others: Partial<Record<Kind, Outcome>> = {}): Record<Kind, Outcome> {
  return Object.fromEntries(KINDS.map((k) => [k, others[k] ?? (who.includes(k) ? yes : 'refuse')])) as Record<
    Kind,
    Outcome
  >;
}
const EVERYONE_REGISTERED: Kind[] = KINDS.filter((k) => k !== 'unregistered org');
const INTERNAL: Kind[] = ['rep', 'non-owner rep', 'owner rep', 'leader', 'admin'];
const OWNER_AND_UP: Kind[] = ['owner rep', 'leader', 'admin'];
const LEADERS: Kind[] = ['leader', 'admin'];

type State =
  | 'none'
  | 'qualified'
  | 'qualified-gb'
  | 'claimed'
  | 'intro'
  | 'awaiting'
  | 'corroborated'
  | 'crm-choices'
  | 'rewarded'
  | 'overlap';
interface Lead {
  id: number;
  domain: string;
  accountName: string;
  version: number;
}
interface Door {
  name: string;
  /** PRODUCT.md's row. */
  action: string;
  state: State;
  expected: Record<Kind, Outcome>;
  run(who: Person, lead: Lead): Promise<{ ack: unknown }>;
}

let h: Harness;
let world: EnvelopeWorld;
let seq = 0;
let requests = 0;

const services = () => h.foothold.deps.services;
const svcActor = (p: Person) => world.serviceActor(p);

async function leadOf(id: number, domain: string): Promise<Lead> {
  const r = (await sqlGet(h.db, 'select version, account_name as name from leads where id = ?', id)) as {
    version: number;
    name: string;
  };
  return { id, domain, accountName: r.name, version: r.version };
}

/** A fresh lead in the state a door needs, made through the use cases (the door itself is tested over HTTP). */
async function setup(state: State): Promise<Lead> {
  const domain = `authz${++seq}-acct.com`;
  if (state === 'none') return { id: 0, domain, accountName: `Authz ${seq}`, version: 0 };
  if (state === 'overlap') {
    // Issue 13: an imported overlap of Northwind's that fits, asked about by the weekly job.
    await sqlRun(
      h.db,
      "insert into crm_accounts (domain, name, industry, employees, country, imported_at) values (?, ?, 'software', 900, 'US', 0)",
      domain,
      `Authz ${seq} overlap`,
    );
    await sqlRun(
      h.db,
      "insert into partner_overlaps (partner_slug, domain, relationship, imported_at) values ('northwind', ?, 'customer', 0)",
      domain,
    );
    await recordAsk(h.db, { partnerSlug: 'northwind', domain, batchKey: 'authz', at: Date.now() });
    return { id: 0, domain, accountName: `Authz ${seq} overlap`, version: 0 };
  }
  const warmth = {
    strength: 4,
    contactName: 'Jane Doe',
    contactTitle: 'CTO',
    contactEmail: null,
    lastInteractionOn: recentDate(),
    willingToIntroduce: true,
  };
  const base = {
    accountName: `Authz ${seq} Ltd`,
    website: domain,
    relationship: 'prospect' as const,
    need: null,
    notes: null,
    firmographics: { industry: 'software', employees: 1200, country: state === 'qualified-gb' ? 'GB' : 'US' },
  };
  if (state === 'awaiting') {
    const res = await submitLead(services(), {
      ...base,
      actor: svcActor(CAST.rep1),
      warmth: null,
      partnerSlug: 'northwind',
    });
    if (res.kind !== 'created') throw new Error(res.kind);
    return leadOf(res.leadId, domain);
  }
  const res = await submitLead(services(), { ...base, actor: svcActor(CAST.pat), warmth });
  if (res.kind !== 'created' || res.status !== 'qualified') throw new Error(`setup: ${res.kind}`);
  if (state === 'qualified' || state === 'qualified-gb') return leadOf(res.leadId, domain);
  await claimLead(services(), { actor: svcActor(CAST.rep1), leadId: res.leadId });
  if (state === 'intro')
    await recordOutcome(services(), {
      actor: svcActor(CAST.rep1),
      leadId: res.leadId,
      outcome: 'intro_requested',
    });
  if (state === 'crm-choices') {
    // Two deals opened on the account after the claim (as a CRM sync stores them): the owner must pick.
    const crm = services().config.crm;
    if (!crm) throw new Error('setup: the program config has no crm section');
    const at = Date.now() + 60_000;
    for (const n of [1, 2]) {
      await sqlRun(
        h.db,
        `insert into crm_opportunities (crm_provider, crm_id, account_domain, name, stage_id, crm_created_at, crm_updated_at, synced_at)
           values (?, ?, ?, ?, 'appointmentscheduled', ?, ?, ?)`,
        crm.provider,
        `deal-${seq}-${n}`,
        domain,
        `Deal ${n}`,
        at + n,
        at,
        at,
      );
    }
    if ((await syncCrmOutcomes(services())).asked !== 1) throw new Error('setup: no Link opportunity choice');
  }
  if (state === 'rewarded')
    await recordOutcome(services(), {
      actor: svcActor(CAST.rep1),
      leadId: res.leadId,
      outcome: 'opportunity',
    });
  if (state === 'corroborated') {
    // A third org flags the same account, so there is credit to move (and neither actor org holds it).
    const other = await submitLead(services(), { ...base, actor: svcActor(CAST.fab), warmth });
    if (other.kind !== 'corroborated') throw new Error(`setup: ${other.kind}`);
  }
  return leadOf(res.leadId, domain);
}

async function leadState(id: number): Promise<string> {
  return JSON.stringify([
    await sqlGet(
      h.db,
      'select status, owner_user_id, version, intro_status, extension_days from leads where id = ?',
      id,
    ),
    await sqlGet(h.db, 'select count(*) as n from lead_events where lead_id = ?', id),
  ]);
}
async function programState(): Promise<string> {
  return JSON.stringify(
    await sqlGet(
      h.db,
      "select (select count(*) from leads) as leads, (select count(*) from outbox where lead_id is null) as notices, (select count(*) from channel_cards) as cards, (select count(*) from overlap_asks where status <> 'asked') as answered",
    ),
  );
}

function click(who: Person, actionId: string, value: string) {
  requests++;
  return h.slack
    .action(
      world.action(who, {
        actionId,
        value,
        channelId: who.channelId ?? 'C0GENERAL',
        triggerId: h.standIn.issueTriggerId({ userId: who.userId }),
      }),
    )
    .then((r) => ({ ack: r.json }));
}
/** The routing post's Link opportunity select, as Slack sends a static_select pick. */
function pickOpportunity(who: Person, lead: Lead, opportunityId: string) {
  requests++;
  const value = encodeLinkChoice({ leadId: lead.id, version: lead.version, opportunityId });
  return h.slack
    .action(
      world.action(who, {
        actionId: ACTIONS.linkOpportunity,
        actionType: 'static_select',
        blockId: 'crm_link',
        action: { selected_option: { text: { type: 'plain_text', text: 'Deal 1' }, value } },
        channelId: who.channelId ?? 'C0GENERAL',
        triggerId: h.standIn.issueTriggerId({ userId: who.userId }),
      }),
    )
    .then((r) => ({ ack: r.json }));
}
function cmd(who: Person, text: string) {
  requests++;
  return eqlCommand(world, h, who, text).then((r) => ({ ack: r.json }));
}
/** A modal submission as Slack would send it, whether or not this person could have opened the modal. */
function submitView(
  who: Person,
  callbackId: string,
  lead: Lead,
  values: Record<string, Record<string, unknown>>,
  meta?: Parameters<typeof encodeMeta>[0],
) {
  requests++;
  return h.slack
    .viewSubmission(
      world.viewSubmission(who, {
        callbackId,
        privateMetadata: encodeMeta(
          meta ??
            (lead.id
              ? { channelId: who.channelId ?? null, leadId: lead.id, version: lead.version }
              : { channelId: who.channelId ?? null }),
        ),
        values: values as never,
      }),
    )
    .then((r) => ({ ack: r.json }));
}
const ref = (lead: Lead) => encodeLeadRef({ leadId: lead.id, version: lead.version });
const askIdOf = async (domain: string) =>
  ((await sqlGet(h.db, 'select id from overlap_asks where domain = ?', domain)) as { id: number }).id;
const awardIdOf = async (leadId: number) =>
  ((await sqlGet(h.db, 'select id from reward_awards where lead_id = ?', leadId)) as { id: number }).id;
const config = () => services().config;

const DOORS: Door[] = [
  // ── flag an account ────────────────────────────────────────────────────────────────────────────
  {
    name: '/eql',
    action: 'flag',
    state: 'none',
    expected: row('open', EVERYONE_REGISTERED),
    run: (w) => cmd(w, ''),
  },
  {
    name: '/eql acme.com',
    action: 'flag',
    state: 'none',
    expected: row('open', EVERYONE_REGISTERED),
    run: (w, l) => cmd(w, l.domain),
  },
  {
    name: 'Flag as EQL (shortcut)',
    action: 'flag',
    state: 'none',
    expected: row('open', EVERYONE_REGISTERED),
    run: (w) => {
      requests++;
      return h.slack
        .shortcut(
          world.messageShortcut(w, {
            callbackId: CALLBACKS.flagAsEql,
            channel: w.channelId ?? 'C0GENERAL',
            message: { ts: '1700000000.000100', text: 'Acme wants a partner portal' },
            triggerId: h.standIn.issueTriggerId({ userId: w.userId }),
          }),
        )
        .then((r) => ({ ack: r.json }));
    },
  },
  {
    name: 'Flag an account (card)',
    action: 'flag',
    state: 'none',
    expected: row('open', EVERYONE_REGISTERED),
    run: (w) => click(w, ACTIONS.flagAccount, 'flag'),
  },
  {
    name: 'Flag an account (App Home)',
    action: 'flag',
    state: 'none',
    expected: row('open', EVERYONE_REGISTERED),
    run: (w) => click(w, ACTIONS.homeFlag, 'flag'),
  },
  {
    name: 'submit_lead (modal)',
    action: 'flag',
    state: 'none',
    expected: row('change', EVERYONE_REGISTERED),
    run: (w, l) =>
      // The modal a partner gets asks for warmth; a rep's names the partner org instead.
      submitView(
        w,
        CALLBACKS.submitLead,
        l,
        submissionValues(
          w.teamId === 'T0VENDOR' ? { website: l.domain, partner: 'northwind' } : { website: l.domain },
        ),
      ),
  },
  // ── see a lead ─────────────────────────────────────────────────────────────────────────────────
  {
    name: '/eql status <domain>',
    action: 'see',
    state: 'claimed',
    expected: row('show', [...INTERNAL, 'partner, lead’s org'], { 'partner, other org': 'hide' }),
    run: (w, l) => cmd(w, `status ${l.domain}`),
  },
  {
    name: '/eql mine',
    action: 'see',
    state: 'claimed',
    expected: row('hide', EVERYONE_REGISTERED, { 'partner, lead’s org': 'show', 'owner rep': 'show' }),
    run: (w) => cmd(w, 'mine'),
  },
  {
    name: 'App Home',
    action: 'see',
    state: 'claimed',
    expected: row('hide', KINDS, {
      'partner, lead’s org': 'show',
      'owner rep': 'show',
      leader: 'show',
      admin: 'show',
    }),
    run: async (w) => {
      requests++;
      const before = h.standIn.calls('views.publish').length;
      await h.slack.event(world.event(events.appHomeOpened(w.userId), w));
      await waitUntil('App Home', () => h.standIn.calls('views.publish').length > before, 3000, 5);
      return { ack: h.standIn.calls('views.publish').at(-1)?.args.view };
    },
  },
  // ── reports and setup ──────────────────────────────────────────────────────────────────────────
  {
    name: '/eql digest',
    action: 'digest, reports',
    state: 'none',
    expected: row('show', LEADERS),
    run: (w) => cmd(w, 'digest'),
  },
  {
    name: '/eql setup',
    action: '/eql setup',
    state: 'none',
    expected: row('change', ['admin']),
    run: (w) => cmd(w, 'setup'),
  },
  // ── claim ──────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'Claim',
    action: 'claim',
    state: 'qualified',
    expected: row('change', ['rep', 'non-owner rep', 'leader', 'admin'], { 'owner rep': 'na' }),
    run: (w, l) => click(w, ACTIONS.claim, ref(l)),
  },
  {
    name: 'Claim (route with a rep pool)',
    action: 'claim',
    state: 'qualified-gb',
    // U0REP2 is the GB route's pool; the other rep is not in it.
    expected: row('change', ['non-owner rep', 'leader', 'admin'], { 'owner rep': 'na' }),
    run: (w, l) => click(w, ACTIONS.claim, ref(l)),
  },
  // ── the motion ─────────────────────────────────────────────────────────────────────────────────
  ...(
    [
      ['Request intro', ACTIONS.requestIntro],
      ['Meeting held', ACTIONS.meetingHeld],
      ['Opportunity', ACTIONS.opportunity],
      ['Won', ACTIONS.won],
    ] as const
  ).map(
    ([name, id]): Door => ({
      name,
      action: 'request intro, meeting, opportunity, won, lost, disqualify',
      state: 'claimed',
      expected: row('change', OWNER_AND_UP),
      run: (w, l) => click(w, id, ref(l)),
    }),
  ),
  {
    name: 'Link opportunity (select)',
    action: 'request intro, meeting, opportunity, won, lost, disqualify',
    state: 'crm-choices',
    expected: row('change', OWNER_AND_UP),
    run: (w, l) => pickOpportunity(w, l, `deal-${seq}-1`),
  },
  {
    name: 'Lost (button)',
    action: 'request intro, meeting, opportunity, won, lost, disqualify',
    state: 'claimed',
    expected: row('open', OWNER_AND_UP),
    run: (w, l) => click(w, ACTIONS.lost, ref(l)),
  },
  {
    name: 'lost_reason (modal)',
    action: 'request intro, meeting, opportunity, won, lost, disqualify',
    state: 'claimed',
    expected: row('change', OWNER_AND_UP),
    run: (w, l) =>
      submitView(w, CALLBACKS.lostReason, l, {
        reason_code: { reason_code: stateValue.select(config().reasons.lost[0]!.code) },
        reason_text: { reason_text: stateValue.text('Budget went elsewhere') },
      }),
  },
  {
    name: 'Disqualify (button)',
    action: 'request intro, meeting, opportunity, won, lost, disqualify',
    state: 'claimed',
    expected: row('open', OWNER_AND_UP),
    run: (w, l) => click(w, ACTIONS.disqualify, ref(l)),
  },
  {
    name: 'disqualify_reason (modal)',
    action: 'request intro, meeting, opportunity, won, lost, disqualify',
    state: 'claimed',
    expected: row('change', OWNER_AND_UP),
    run: (w, l) =>
      submitView(w, CALLBACKS.disqualifyReason, l, {
        reason_code: { reason_code: stateValue.select(config().reasons.disqualify[0]!.code) },
        reason_text: { reason_text: stateValue.text(null) },
      }),
  },
  // ── reassign ───────────────────────────────────────────────────────────────────────────────────
  {
    name: 'Reassign (button)',
    action: 'reassign, override attribution',
    state: 'claimed',
    expected: row('open', LEADERS),
    run: (w, l) => click(w, ACTIONS.reassign, ref(l)),
  },
  {
    name: 'reassign (modal)',
    action: 'reassign, override attribution',
    state: 'claimed',
    expected: row('change', LEADERS),
    run: (w, l) =>
      submitView(w, CALLBACKS.reassign, l, {
        new_owner: { new_owner: stateValue.user(CAST.rep2.userId) },
        reassign_reason: { reassign_reason: stateValue.text('Territory change') },
      }),
  },
  {
    name: 'Change credit (button)',
    action: 'reassign, override attribution',
    state: 'corroborated',
    expected: row('open', LEADERS),
    run: (w, l) => click(w, ACTIONS.changeCredit, ref(l)),
  },
  {
    name: 'change_credit (modal)',
    action: 'reassign, override attribution',
    state: 'corroborated',
    expected: row('change', LEADERS),
    run: (w, l) =>
      submitView(w, CALLBACKS.changeCredit, l, {
        credit_partner: { credit_partner: stateValue.select('fabrikam') },
        credit_reason: { credit_reason: stateValue.text('Fabrikam ran the workshop') },
      }),
  },
  // ── the partner's side ─────────────────────────────────────────────────────────────────────────
  {
    name: 'Intro made',
    action: 'attest warmth, answer an intro request',
    state: 'intro',
    expected: row('change', ['partner, lead’s org']),
    run: (w, l) => click(w, ACTIONS.introMade, ref(l)),
  },
  {
    name: 'Can’t introduce',
    action: 'attest warmth, answer an intro request',
    state: 'intro',
    expected: row('change', ['partner, lead’s org']),
    run: (w, l) => click(w, ACTIONS.introDeclined, ref(l)),
  },
  {
    name: 'Attest (button)',
    action: 'attest warmth, answer an intro request',
    state: 'awaiting',
    expected: row('open', ['partner, lead’s org']),
    run: (w, l) => click(w, ACTIONS.attestOpen, ref(l)),
  },
  {
    name: 'attest (modal)',
    action: 'attest warmth, answer an intro request',
    state: 'awaiting',
    expected: row('change', ['partner, lead’s org']),
    run: (w, l) => submitView(w, CALLBACKS.attest, l, submissionValues({})),
  },
  // ── issue 13: corroborator intros, overlap-first answers, reward approval ──────────────────────
  {
    name: 'Request intro (corroborating partner)',
    action: 'request intro, meeting, opportunity, won, lost, disqualify',
    state: 'corroborated',
    expected: row('change', OWNER_AND_UP),
    run: (w, l) =>
      click(
        w,
        ACTIONS.requestCorroboratorIntro,
        encodeCorroboratorRef({ leadId: l.id, version: l.version, partnerSlug: 'fabrikam' }),
      ),
  },
  ...(
    [
      ['Overlap: not now', ACTIONS.overlapSnooze],
      ['Overlap: we don’t know them', ACTIONS.overlapUnknown],
    ] as const
  ).map(
    ([name, id]): Door => ({
      name,
      action: 'attest warmth, answer an intro request',
      state: 'overlap',
      expected: row('change', ['partner, lead’s org']),
      run: async (w, l) => click(w, id, encodeIdRef(await askIdOf(l.domain))),
    }),
  ),
  {
    name: 'Overlap: we know them',
    action: 'attest warmth, answer an intro request',
    state: 'overlap',
    // Opens the submission form at once; the answer is recorded right after.
    expected: row('open', ['partner, lead’s org']),
    run: async (w, l) => click(w, ACTIONS.overlapKnown, encodeIdRef(await askIdOf(l.domain))),
  },
  {
    name: 'Approve reward',
    action: 'approve a partner reward',
    state: 'rewarded',
    expected: row('change', LEADERS),
    run: async (w, l) => click(w, ACTIONS.rewardApprove, encodeIdRef(await awardIdOf(l.id))),
  },
  {
    name: 'Reject reward (button)',
    action: 'approve a partner reward',
    state: 'rewarded',
    expected: row('open', LEADERS),
    run: async (w, l) => click(w, ACTIONS.rewardReject, encodeIdRef(await awardIdOf(l.id))),
  },
  {
    name: 'reject_reward (modal)',
    action: 'approve a partner reward',
    state: 'rewarded',
    expected: row('change', LEADERS),
    run: async (w, l) =>
      submitView(
        w,
        CALLBACKS.rejectReward,
        l,
        { reject_reason: { reject_reason: stateValue.text('Paid through another programme') } },
        { channelId: w.channelId ?? null, awardId: await awardIdOf(l.id) },
      ),
  },
  // ── extensions ─────────────────────────────────────────────────────────────────────────────────
  {
    name: 'Request extension',
    action: 'request an extension',
    state: 'claimed',
    // Those who can grant it are told to grant it themselves.
    expected: row('change', ['partner, lead’s org'], {
      'owner rep': 'redirect',
      leader: 'redirect',
      admin: 'redirect',
    }),
    run: (w, l) => click(w, ACTIONS.requestExtension, ref(l)),
  },
  {
    name: 'Grant extension',
    action: 'grant an extension',
    state: 'claimed',
    expected: row('change', OWNER_AND_UP),
    run: (w, l) => click(w, ACTIONS.grantExtension, ref(l)),
  },
  // ── the audit log (not a row of PRODUCT.md's table: it holds internal reasons) ──────────────────
  {
    name: 'History (button)',
    action: 'see a lead',
    state: 'claimed',
    expected: row('open', INTERNAL),
    run: (w, l) => click(w, ACTIONS.history, ref(l)),
  },
];

/** Waits until the state a door can change has stayed the same for 150 ms (at most 3 s). */
async function quiet(lead: Lead): Promise<void> {
  const state = async () => `${lead.id ? await leadState(lead.id) : ''}${await programState()}`;
  const deadline = Date.now() + 3000;
  let last = await state();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    const now = await state();
    if (now === last) return;
    last = now;
  }
}

/** What happened, as far as the person and the database can tell. */
async function observe(door: Door, who: Person, lead: Lead): Promise<Outcome> {
  const stateBefore = lead.id ? await leadState(lead.id) : await programState();
  const opensBefore = h.standIn.calls('views.open').filter((c) => c.response?.ok).length;
  const tellings = () =>
    h.standIn
      .calls()
      .filter(
        (c) =>
          (c.method === 'chat.postEphemeral' && c.args.user === who.userId) ||
          (c.method === 'chat.postMessage' && c.args.channel === who.userId && !c.args.metadata),
      );
  const told = () => tellings().length;
  const toldBefore = told();
  const { ack } = await door.run(who, lead);
  lastAck = ack;
  const text = JSON.stringify(ack ?? '');
  const changed = (lead.id ? await leadState(lead.id) : await programState()) !== stateBefore;
  if (changed) return 'change';
  const opened = async () => {
    await waitUntil(
      'a modal',
      () => h.standIn.calls('views.open').filter((c) => c.response?.ok).length > opensBefore,
      500,
      5,
    ).catch(() => undefined);
    return h.standIn.calls('views.open').filter((c) => c.response?.ok).length > opensBefore;
  };
  if (door.expected[kindOf(who)] === 'open' && (await opened())) {
    // A door may record something right after opening its modal (Overlap "We know them" records the answer):
    // let that land before the next cell measures its own effect.
    await quiet(lead);
    return 'open';
  }
  // Shown means the lead itself (its account name) is in what they see, not just the domain they typed.
  if (door.action === 'see')
    return text.includes(lead.accountName) ? 'show' : text.includes('registered') ? 'refuse' : 'hide';
  if (door.name === '/eql digest' && /%/.test(text) && !/only program leaders/i.test(text)) return 'show';
  // Refused (or redirected): the person must be told why, privately.
  const inAck = /"response_action":"errors"|Not saved|"response_type":"ephemeral"/.test(text);
  if (!inAck)
    await waitUntil('a private explanation', () => told() > toldBefore, 1500, 5).catch(() => undefined);
  if (!inAck && told() === toldBefore) return 'na';
  lastSaid = `${text} ${String(tellings().at(-1)?.args.text ?? '')}`;
  if (/grant the extension yourself/i.test(lastSaid)) return 'redirect';
  return 'refuse';
}
let lastAck: unknown;
let lastSaid = '';
const kindOf = (p: Person) => KINDS.find((k) => ACTORS[k] === p) as Kind;

/** Which kinds of actor a door is tried with in an envelope (all of them at full size and in the primary one). */
function kindsFor(envelope: Envelope, doorIndex: number): Kind[] {
  if (FULL || envelope === PRIMARY) return KINDS;
  const rest = KINDS.filter((k) => k !== 'partner, lead’s org' && k !== 'unregistered org');
  return ['partner, lead’s org', 'unregistered org', rest[doorIndex % rest.length] as Kind];
}
const PRIMARY: Envelope = 'connect';

type Result = { envelope: Envelope; door: string; kind: Kind; expected: Outcome; actual: Outcome };
const results: Result[] = [];
let started = 0;

const mark: Record<Outcome, string> = {
  change: 'yes',
  open: 'opens',
  show: 'shown',
  hide: 'not shown',
  redirect: 'told how',
  refuse: 'refused',
  na: '—',
};

afterAll(() => {
  if (results.length === 0) return;
  const primary = results.filter((r) => r.envelope === PRIMARY);
  const table = [
    `| door | ${KINDS.join(' | ')} |`,
    `|---|${KINDS.map(() => '---').join('|')}|`,
    ...DOORS.map(
      (d) =>
        `| ${d.name} | ${KINDS.map((k) => {
          const r = primary.find((x) => x.door === d.name && x.kind === k);
          return r && r.actual !== r.expected
            ? `**${mark[r.actual]} (expected ${mark[r.expected]})**`
            : mark[d.expected[k]];
        }).join(' | ')} |`,
    ),
  ].join('\n');
  const tested = results.filter((r) => r.expected !== 'na');
  const perEnvelope = ENVELOPES.map((e) => {
    const cells = tested.filter((r) => r.envelope === e);
    const off = cells.filter((r) => r.actual !== r.expected).length;
    return `${e} ${cells.length} cells${off ? ` (${off} differ)` : ''}`;
  }).join(', ');
  report({
    n: 7,
    name: 'Authorization matrix (every command, button and modal × 8 kinds of actor × 4 Slack envelopes)',
    requests,
    faults: tested.filter((r) => r.expected === 'refuse').length,
    inputs: tested.length,
    checked: `${DOORS.length} doors × ${KINDS.length} actors over HTTP in four envelopes (${perEnvelope}), ${tested.filter((r) => r.actual !== r.expected).length} differ from PRODUCT.md; refusals change nothing and are explained privately; forged modal submissions refused`,
    appendix: `### Authorization matrix (scenario 7, Slack Connect envelope; the same in the other three)\n\n${table}`,
    ms: Date.now() - started,
  });
});

describe.each(ENVELOPES)('scenario 7: authorization matrix, %s envelope', (envelope) => {
  beforeAll(async () => {
    if (!started) started = Date.now();
    world = WORLDS[envelope];
    h = await startProgram({
      // Issue 13: a reward rule, so a lead reaching opportunity has an award for the approval doors.
      config: world.config(
        testConfig((raw) =>
          Object.assign(raw, programJson(), {
            rewards: { currency: 'USD', rules: [{ on: 'opportunity', points: 5 }] },
          }),
        ),
      ),
      standIn: world.standIn(programStandIn()),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it(`matches PRODUCT.md for every door and every kind of actor (${ENVELOPE_LABEL[envelope]})`, async () => {
    const mine: Result[] = [];
    for (const [i, door] of DOORS.entries()) {
      for (const kind of kindsFor(envelope, i)) {
        const expected = door.expected[kind];
        if (expected === 'na') {
          mine.push({ envelope, door: door.name, kind, expected, actual: 'na' });
          continue;
        }
        const lead = await setup(door.state);
        const actual = await observe(door, ACTORS[kind], lead);
        if (process.env.DBG && actual !== expected)
          console.log(envelope, door.name, kind, actual, lastSaid, JSON.stringify(lastAck).slice(0, 800));
        mine.push({ envelope, door: door.name, kind, expected, actual });
      }
    }
    results.push(...mine);
    expect(mine.filter((r) => r.expected !== r.actual)).toEqual([]);
  }, 180_000);
});

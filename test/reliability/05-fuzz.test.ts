import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockAction, messageShortcut, slashCommand, viewSubmission } from '../../src/dev/slack-client.ts';
import { ACTIONS, CALLBACKS, encodeLeadRef } from '../../src/slack/ids.ts';
import type { Harness } from '../helpers/harness.ts';
import { submissionValues } from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';
import { httpGet } from './support/bot-process.ts';
import { FULL, report, size } from './support/figures.ts';
import { CAST } from './support/program.ts';
import { startProgram, submit } from './support/slack-world.ts';

// Scenario 5: signed requests with generated garbage: malformed JSON, wrong types, missing fields, huge and
// unicode strings, control and bidi characters, for the slash command, every button and every modal. The bot
// never answers 5xx, never crashes, and no invalid input changes anything.

const RUNS = size(800, 10_000);

let h: Harness;
const lead = { qualified: 0, claimed: 0, awaiting: 0 };
beforeAll(async () => {
  h = await startProgram();
  const id = async (domain: string) =>
    (
      (await sqlGet(
        h.db,
        "select id from leads where domain = ? and status <> 'merged' order by id limit 1",
        domain,
      )) as { id: number }
    ).id;
  await submit(h.slack, CAST.pat, { website: 'fuzz-qualified.com' });
  await submit(h.slack, CAST.pat, { website: 'fuzz-claimed.com' });
  lead.qualified = await id('fuzz-qualified.com');
  lead.claimed = await id('fuzz-claimed.com');
  await h.slack.action(
    blockAction({
      user: { id: CAST.rep1.userId, team_id: 'T0VENDOR' },
      actionId: ACTIONS.claim,
      value: encodeLeadRef({ leadId: lead.claimed, version: 1 }),
      channelId: 'C0ROUTING',
    }),
  );
  await h.slack.viewSubmission(
    viewSubmission({
      user: { id: CAST.rep1.userId, team_id: 'T0VENDOR' },
      callbackId: CALLBACKS.submitLead,
      privateMetadata: '{}',
      values: submissionValues({ website: 'fuzz-awaiting.com', partner: 'northwind' }) as never,
    }),
  );
  lead.awaiting = await id('fuzz-awaiting.com');
  await h.drain();
});
afterAll(async () => {
  await h?.stop();
});

/** What a rejected payload must leave unchanged (rows listed in order, so it reads the same on both engines). */
async function snapshot(): Promise<string> {
  const q = (sql: string) => sqlAll(h.db, sql);
  return JSON.stringify([
    await q('select id, version, status from leads order by id'),
    await q('select count(*) as n from lead_events'),
    await q('select count(*) as n from warmth_attestations'),
    await q('select count(*) as n from outbox'),
    await q('select user_id from people order by user_id'),
    await q('select count(*) as n from corroborations'),
    await q('select count(*) as n from channel_cards'),
  ]);
}

// ─── generators ──────────────────────────────────────────────────────────────────────────────────────

const CONTROL_AND_BIDI = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u200f',
  '\ufeff',
  '\ud800',
  '\udfff',
];
const nasty: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom(...CONTROL_AND_BIDI, 'a', ' ', '<', '>', '&', '"', '\\'),
    maxLength: 60,
  }),
  fc.constantFrom(
    '<!channel>',
    '<!here|here>',
    '<@U0LEAD>',
    '<#C0ROUTING>',
    '<https://evil.example|click>',
    "'; DROP TABLE leads; --",
    '__proto__',
    'constructor',
    '{"leadId":999999,"version":1}',
    'null',
    '💥'.repeat(2000),
    'x'.repeat(5000),
    'ℌ𝔢𝔩𝔩𝔬 ﷽ ⸻ 👩🏽‍🚀',
  ),
);
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, nasty, { maxKeys: 3 }),
  nasty,
);

/** People who may not change anything about the leads the fuzz can reach, and made-up people. */
const outsider = fc.oneof(
  fc.constantFrom(CAST.con, CAST.fab, CAST.stranger, CAST.nobody),
  fc.record({
    userId: fc.oneof(
      fc.stringMatching(/^U[A-Z0-9]{3,10}$/),
      nasty.map((s) => s.slice(0, 30)),
    ),
    teamId: fc.oneof(
      fc.stringMatching(/^T[A-Z0-9]{3,10}$/),
      nasty.map((s) => s.slice(0, 30)),
    ),
    channelId: fc.oneof(
      fc.stringMatching(/^C[A-Z0-9]{3,10}$/),
      nasty.map((s) => s.slice(0, 30)),
    ),
  }),
);
/** Anyone, including people allowed to act, for inputs that can never be valid. */
const anyone = fc.oneof(outsider, fc.constantFrom(CAST.pat, CAST.rep1, CAST.rep2, CAST.leader));

/** Numbers are moved far past the leads that exist, so that no generated reference is a real lead. */
const notALead = (v: unknown) => (typeof v === 'number' ? v + 1_000_000 : v);
const leadRef = fc.oneof(
  nasty,
  fc.constantFrom(999_999, 0, -1).map((leadId) => encodeLeadRef({ leadId, version: 1 })),
  fc
    .record({ leadId: wrongType, version: wrongType })
    .map((r) => JSON.stringify({ ...r, leadId: notALead(r.leadId) })),
);
/** A reference to a real lead: only sent by outsiders, who may not act on it. */
const realRef = fc
  .constantFrom('qualified', 'claimed', 'awaiting')
  .map((k) => encodeLeadRef({ leadId: lead[k as keyof typeof lead], version: 2 }));

/** Randomly deletes, retypes or replaces a few fields of a payload, at any depth. */
function mutate(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const paths: string[][] = [];
  const walk = (o: unknown, path: string[]) => {
    if (o === null || typeof o !== 'object' || path.length > 4) return;
    for (const [k, v] of Object.entries(o)) {
      paths.push([...path, k]);
      walk(v, [...path, k]);
    }
  };
  walk(base, []);
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    op: fc.constantFrom('delete', 'retype', 'nasty'),
    value: wrongType,
    text: nasty,
  });
  return fc.array(edit, { minLength: 0, maxLength: 3 }).map((edits) => {
    const copy = structuredClone(base);
    for (const e of edits) {
      let o: Record<string, unknown> = copy;
      for (const k of e.path.slice(0, -1)) {
        const next = o[k];
        if (next === null || typeof next !== 'object') return copy;
        o = next as Record<string, unknown>;
      }
      const last = e.path.at(-1) as string;
      if (e.op === 'delete') delete o[last];
      else o[last] = e.op === 'retype' ? e.value : e.text;
    }
    return copy;
  });
}

type Req = { kind: string; payload?: unknown; send: () => Promise<{ status: number }> };

const command: fc.Arbitrary<Req> = fc
  .record({
    who: fc.oneof(outsider, fc.constantFrom(CAST.pat, CAST.rep1, CAST.leader)),
    text: fc.oneof(
      nasty,
      fc
        .constantFrom('status', 'mine', 'digest', 'setup', 'help')
        .chain((w) => nasty.map((t) => `${w} ${t}`)),
    ),
    drop: fc.subarray(['user_id', 'team_id', 'channel_id', 'trigger_id', 'text', 'command']),
  })
  .map(({ who, text, drop }) => {
    const fields = slashCommand({
      command: '/eql',
      userId: who.userId,
      teamId: who.teamId,
      channelId: who.channelId ?? 'C0GENERAL',
      text,
    });
    for (const d of drop) if (d !== 'command') delete fields[d];
    return { kind: 'command', payload: fields, send: () => h.slack.command(fields) };
  });

const LEAD_BUTTONS = [
  ACTIONS.claim,
  ACTIONS.requestIntro,
  ACTIONS.meetingHeld,
  ACTIONS.opportunity,
  ACTIONS.won,
  ACTIONS.lost,
  ACTIONS.disqualify,
  ACTIONS.reassign,
  ACTIONS.changeCredit,
  ACTIONS.introMade,
  ACTIONS.introDeclined,
  ACTIONS.attestOpen,
];

const action: fc.Arbitrary<Req> = fc
  .oneof(
    fc.record({ who: anyone, id: fc.constantFrom(...LEAD_BUTTONS), value: leadRef }),
    fc.record({ who: outsider, id: fc.constantFrom(...LEAD_BUTTONS), value: realRef }),
    fc.record({ who: outsider, id: fc.constantFrom(ACTIONS.flagAccount, ACTIONS.homeFlag), value: nasty }),
  )
  .chain(({ who, id, value }) =>
    mutate(
      blockAction({
        user: { id: who.userId, team_id: who.teamId },
        actionId: id,
        value,
        channelId: who.channelId ?? 'C0GENERAL',
      }),
    ),
  )
  .map((payload) => ({ kind: 'action', payload, send: () => h.slack.action(payload) }));

const CALLBACK_IDS = [
  CALLBACKS.submitLead,
  CALLBACKS.attest,
  CALLBACKS.disqualifyReason,
  CALLBACKS.lostReason,
  CALLBACKS.reassign,
  CALLBACKS.changeCredit,
];

const values = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'account_name',
      'website',
      'strength',
      'reason_code',
      'new_owner',
      'partner',
      'credit_partner',
    ),
    nasty,
  ),
  fc.dictionary(
    nasty,
    fc.oneof(wrongType, fc.record({ type: nasty, value: wrongType, selected_option: wrongType })),
  ),
  { maxKeys: 4 },
);
/** The flag modal, filled in validly except for a website that can never be a domain. */
const badWebsite = nasty.map((s) => `${s.replace(/\./g, '')} no dot`);
const meta = fc.oneof(
  nasty,
  fc
    .record({
      leadId: fc.oneof(wrongType.map(notALead), fc.constantFrom(999_999, 0, -1)),
      channelId: wrongType,
    })
    .map((m) => JSON.stringify(m)),
);

const view: fc.Arbitrary<Req> = fc
  .oneof(
    fc.record({ who: anyone, callback: fc.constantFrom(...CALLBACK_IDS), meta, values }),
    fc.record({
      who: anyone,
      callback: fc.constant(CALLBACKS.submitLead),
      meta,
      values: fc
        .record({
          website: badWebsite,
          accountName: nasty,
          notes: nasty,
          need: nasty,
          partner: fc.option(nasty, { nil: null }),
        })
        .map((f) => submissionValues(f)),
    }),
    fc.record({
      who: outsider,
      callback: fc.constantFrom(
        CALLBACKS.attest,
        CALLBACKS.lostReason,
        CALLBACKS.disqualifyReason,
        CALLBACKS.reassign,
      ),
      meta: fc
        .constantFrom('qualified', 'claimed', 'awaiting')
        .map((k) => JSON.stringify({ leadId: lead[k as keyof typeof lead], version: 2 })),
      values: fc.constant(submissionValues({}) as Record<string, Record<string, unknown>>),
    }),
  )
  .chain(({ who, callback, meta: m, values: v }) =>
    mutate(
      viewSubmission({
        user: { id: who.userId, team_id: who.teamId },
        callbackId: callback,
        privateMetadata: m,
        values: v as never,
      }),
    ),
  )
  .map((payload) => ({ kind: 'view', payload, send: () => h.slack.viewSubmission(payload) }));

const shortcut: fc.Arbitrary<Req> = fc
  .record({ who: outsider, text: nasty })
  .chain(({ who, text }) =>
    mutate(
      messageShortcut({
        user: { id: who.userId, team_id: who.teamId },
        callbackId: CALLBACKS.flagAsEql,
        channel: 'C0SHAREDN',
        message: { ts: '1700000000.000100', text },
      }),
    ),
  )
  .map((payload) => ({ kind: 'shortcut', payload, send: () => h.slack.shortcut(payload) }));

const FORM = 'application/x-www-form-urlencoded';
/** Form-encodes any string (lone surrogates become U+FFFD, as a browser would send them). */
const formValue = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
const raw: fc.Arbitrary<Req> = fc
  .oneof(
    nasty.map((s) => ({ body: `payload=${formValue(`{${s}`)}`, type: FORM })),
    wrongType.map((v) => ({
      body: `payload=${formValue(JSON.stringify(v) ?? 'undefined')}`,
      type: FORM,
    })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ body: JSON.stringify(v), type: 'application/json' })),
    nasty.map((s) => ({
      body: s,
      type: fc.sample(fc.constantFrom(FORM, 'application/json', 'text/plain', ''), 1)[0] ?? FORM,
    })),
    fc.constantFrom(
      { body: `payload=${'%7B'.repeat(50_000)}`, type: FORM },
      {
        body: `payload=${formValue(JSON.stringify({ type: 'block_actions', actions: 'x'.repeat(200_000) }))}`,
        type: FORM,
      },
      { body: 'payload=', type: FORM },
      { body: '', type: FORM },
      { body: '{"type":"event_callback","event":null}', type: 'application/json' },
      { body: '{"type":"url_verification"}', type: 'application/json' },
    ),
  )
  .map(({ body, type }) => ({
    kind: 'raw',
    payload: { body: body.slice(0, 500), type },
    send: () => h.slack.raw(body, type ? { 'content-type': type } : {}),
  }));

const anyRequest = fc.oneof(
  { arbitrary: command, weight: 2 },
  { arbitrary: action, weight: 4 },
  { arbitrary: view, weight: 4 },
  { arbitrary: shortcut, weight: 1 },
  { arbitrary: raw, weight: 2 },
);

describe('scenario 5: fuzzing', () => {
  it(
    'never answers 5xx, never crashes, and changes nothing for invalid input',
    async () => {
      const started = Date.now();
      const before = await snapshot();
      const counts: Record<string, number> = {};
      const statuses: Record<number, number> = {};
      const seed = Number(process.env.FOOTHOLD_RELIABILITY_SEED ?? Date.now() % 1_000_000);
      await fc.assert(
        fc.asyncProperty(anyRequest, async (req) => {
          // Slack gives up after 3 s; an answer later than that (or never) is a failure too.
          const res = await Promise.race([
            req.send(),
            new Promise<{ status: number }>((resolve) => setTimeout(() => resolve({ status: 599 }), 5000)),
          ]);
          counts[req.kind] = (counts[req.kind] ?? 0) + 1;
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          expect(
            res.status,
            `${req.kind} answered ${res.status === 599 ? 'nothing within 5 s' : res.status}`,
          ).toBeLessThan(500);
          const after = await snapshot();
          if (after !== before) throw new Error(`${req.kind} changed the database:\n${before}\n${after}`);
        }),
        { numRuns: RUNS, seed, endOnFailure: true },
      );
      // Still alive and still working.
      expect((await httpGet(`http://127.0.0.1:${h.port}/healthz`)).status).toBe(200);
      const ok = await submit(h.slack, CAST.pat, { website: 'after-fuzz.com' });
      expect((ok.json as { response_action?: string }).response_action).toBe('update');
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      report({
        n: 5,
        name: 'Fuzzing (fast-check: malformed JSON, wrong types, missing fields, huge/unicode/control/bidi strings)',
        requests: total,
        faults: total,
        inputs: total,
        checked: `seed ${seed}; ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}; answers ${Object.entries(statuses)
          .map(([k, v]) => `${k}×${v}`)
          .join(' ')}; no 5xx, no state change, still healthy`,
        ms: Date.now() - started,
      });
    },
    FULL ? 900_000 : 90_000,
  );
});

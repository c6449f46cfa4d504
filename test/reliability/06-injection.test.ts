import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessageBlocks, checkView, formatViolation } from '../../src/dev/block-kit-limits.ts';
import {
  blockAction,
  eventEnvelope,
  messageShortcut,
  stateValue,
  viewSubmission,
} from '../../src/dev/slack-client.ts';
import type { ViewRecord } from '../../src/dev/slack-stand-in.ts';
import { ACTIONS, CALLBACKS } from '../../src/slack/ids.ts';
import type { Harness } from '../helpers/harness.ts';
import {
  buttons,
  command,
  lastModal,
  modalCount,
  type Person,
  routingPost,
  type SubmissionFields,
  submissionValues,
} from '../helpers/slack-actors.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';
import { report } from './support/figures.ts';
import { CAST } from './support/program.ts';
import { startProgram, submissionPayload } from './support/slack-world.ts';

// Scenario 6: mentions, broadcasts, channel links, disguised links, markdown, SQL and maximum-length text in
// every free-text input, through the whole life of leads. Every Slack surface (messages, updates, ephemerals,
// modals, App Home, and the acks themselves) shows them as inert text and stays within Block Kit's limits.

/** Everything someone could type to ping, link, disguise or break out. */
const HOSTILE =
  '<!channel> <!here> <!everyone> <@U0VICTIM> <#C0SECRET> <!subteam^S0EVIL> <https://evil.example|click here> ' +
  '*bold* _it_ ~gone~ `code` ```fence``` > quote [click](https://evil.example) ' +
  "'; DROP TABLE leads; -- \u202Eevil\u202C \u0000\u0007 &amp; &lt;!channel&gt; ";
/** Exactly `n` characters of hostile text. */
const fill = (n: number) => HOSTILE.repeat(Math.ceil(n / HOSTILE.length)).slice(0, n);

/** Raw control sequences Slack would act on: none may reach any surface. */
const FORBIDDEN = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0VICTIM>',
  '<#C0SECRET>',
  '<!subteam',
  '<https://evil',
  '\u202E',
  '\u0000',
  '\u0007',
];

/** Keys whose values Slack never renders as mrkdwn: what people typed, shown back in an input, or ids. */
const NOT_RENDERED = new Set([
  'initial_value',
  'value',
  'private_metadata',
  'action_id',
  'block_id',
  'callback_id',
]);

function findRaw(x: unknown, path: string, out: string[]): void {
  if (typeof x === 'string') {
    for (const f of FORBIDDEN) if (x.includes(f)) out.push(`${path} contains ${JSON.stringify(f)}`);
    return;
  }
  if (Array.isArray(x)) {
    for (const [i, v] of x.entries()) findRaw(v, `${path}/${i}`, out);
  } else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) if (!NOT_RENDERED.has(k)) findRaw(v, `${path}/${k}`, out);
  }
}

let h: Harness;
let requests = 0;
let inputs = 0;
const acks: Array<{ what: string; json: unknown }> = [];
beforeAll(async () => {
  h = await startProgram();
});
afterAll(async () => {
  await h?.stop();
});

async function send<T extends { status: number; json: unknown }>(what: string, p: Promise<T>): Promise<T> {
  const res = await p;
  requests++;
  expect(res.status, what).toBe(200);
  acks.push({ what, json: res.json });
  return res;
}

/** The account's live lead (a corroboration by another org leaves a merged row with the same domain). */
async function leadId(domain: string): Promise<number> {
  const sql = "select id from leads where domain = ? and status <> 'merged' order by id limit 1";
  return ((await sqlGet(h.db, sql, domain)) as { id: number }).id;
}

async function clickOn(who: Person, actionId: string, value: string, channelId: string, messageTs?: string) {
  return send(
    `click ${actionId}`,
    h.slack.action(
      blockAction({
        user: { id: who.userId, team_id: who.teamId },
        teamId: 'T0VENDOR',
        actionId,
        value,
        channelId,
        ...(messageTs ? { messageTs } : {}),
        triggerId: h.standIn.issueTriggerId({ userId: who.userId }),
      }),
    ),
  );
}

async function modalFrom(
  who: Person,
  actionId: string,
  value: string,
  channelId: string,
): Promise<ViewRecord> {
  const before = modalCount(h, who.userId);
  await clickOn(who, actionId, value, channelId);
  return lastModal(h, who.userId, before);
}

async function submitView(who: Person, modal: ViewRecord, values: Record<string, Record<string, unknown>>) {
  inputs += Object.keys(values).length;
  return send(
    `submit ${modal.callbackId}`,
    h.slack.viewSubmission(
      viewSubmission({
        user: { id: who.userId, team_id: who.teamId },
        teamId: 'T0VENDOR',
        view: modal.payload,
        callbackId: modal.callbackId,
        privateMetadata: String(modal.payload.private_metadata ?? ''),
        values: values as never,
      }),
    ),
  );
}

const hostileFields = (website: string): SubmissionFields => ({
  accountName: fill(120),
  website,
  contactName: fill(120),
  contactTitle: fill(120),
  need: fill(2000),
  notes: fill(2000),
  industry: fill(80),
});

describe('scenario 6: injection', () => {
  it('shows hostile text as inert text on every surface, within Block Kit limits', async () => {
    const started = Date.now();

    // Commands echo what was typed.
    for (const text of [
      fill(200),
      `status ${fill(300)}`,
      `status ${HOSTILE}.com`,
      'mine',
      'status inject1.com',
    ]) {
      await send(
        'command',
        command(h, CAST.pat, text).then((r) => r.res),
      );
      await send(
        'command',
        command(h, CAST.rep1, text).then((r) => r.res),
      );
      inputs += 2;
    }

    // A partner flags accounts with every free-text field full of hostile text: an EQL, a candidate (hostile
    // industry and country in the fit reasons), a corroboration by another org.
    for (const [who, fields] of [
      [CAST.pat, hostileFields('inject1.com')],
      [CAST.pat, { ...hostileFields('inject2.com'), country: fill(56), strength: '2' }],
      [CAST.con, hostileFields('inject1.com')],
      [CAST.fab, { ...hostileFields('inject3.com'), country: 'GB' }],
    ] as Array<[Person, SubmissionFields]>) {
      await send('submit_lead', h.slack.viewSubmission(submissionPayload(who, fields)));
      inputs += 8;
    }
    // 3,000 characters in every text input: refused with field errors, nothing stored.
    const before = await sqlGet(h.db, 'select count(*) as n from leads');
    const huge = await send(
      'submit_lead 3000',
      h.slack.viewSubmission(
        submissionPayload(CAST.pat, {
          accountName: fill(3000),
          website: fill(3000),
          contactName: fill(3000),
          contactTitle: fill(3000),
          contactEmail: fill(3000),
          need: fill(3000),
          notes: fill(3000),
          industry: fill(3000),
          employees: fill(3000),
          country: fill(3000),
        }),
      ),
    );
    inputs += 10;
    expect((huge.json as { response_action?: string }).response_action).toBe('errors');
    expect(await sqlGet(h.db, 'select count(*) as n from leads')).toEqual(before);

    // A rep flags an account for Northwind; Northwind attests with hostile contact details.
    await send(
      'rep submit_lead',
      h.slack.viewSubmission(
        viewSubmission({
          user: { id: CAST.rep1.userId, team_id: CAST.rep1.teamId },
          teamId: 'T0VENDOR',
          callbackId: CALLBACKS.submitLead,
          privateMetadata: '{}',
          values: submissionValues({ ...hostileFields('inject4.com'), partner: 'northwind' }) as never,
        }),
      ),
    );
    await h.drain();
    // The request goes to the partner's shared channel or to the people Foothold knows there.
    const request = [...h.standIn.messagesTo('C0SHAREDN'), ...h.standIn.messagesTo(CAST.pat.userId)]
      .filter((m) => buttons(m).has(ACTIONS.attestOpen))
      .at(-1);
    expect(request).toBeDefined();
    const attest = await modalFrom(
      CAST.pat,
      ACTIONS.attestOpen,
      buttons(request).get(ACTIONS.attestOpen)!.value,
      request!.channel,
    );
    await submitView(CAST.pat, attest, submissionValues({ contactName: fill(120), contactTitle: fill(120) }));

    // The motion: claim, intro request and answer, reassign with a hostile reason, lost with hostile details.
    await h.drain();
    const id1 = await leadId('inject1.com');
    const post = async () => (await routingPost(h, id1))!;
    await clickOn(
      CAST.rep1,
      ACTIONS.claim,
      buttons(await post()).get(ACTIONS.claim)!.value,
      (await post()).channel,
      (await post()).ts,
    );
    await h.drain();
    await clickOn(
      CAST.rep1,
      ACTIONS.requestIntro,
      buttons(await post()).get(ACTIONS.requestIntro)!.value,
      (await post()).channel,
      (await post()).ts,
    );
    await h.drain();
    const introDm = h.standIn
      .messagesTo(CAST.pat.userId)
      .filter((m) => buttons(m).has(ACTIONS.introMade))
      .at(-1);
    await clickOn(
      CAST.pat,
      ACTIONS.introMade,
      buttons(introDm).get(ACTIONS.introMade)!.value,
      introDm!.channel,
      introDm!.ts,
    );
    await h.drain();
    const reassign = await modalFrom(
      CAST.leader,
      ACTIONS.reassign,
      buttons(await post()).get(ACTIONS.reassign)!.value,
      (await post()).channel,
    );
    await submitView(CAST.leader, reassign, {
      new_owner: { new_owner: stateValue.user(CAST.rep2.userId) },
      reassign_reason: { reassign_reason: stateValue.text(fill(1000)) },
    });
    await h.drain();
    const lost = await modalFrom(
      CAST.rep2,
      ACTIONS.lost,
      buttons(await post()).get(ACTIONS.lost)!.value,
      (await post()).channel,
    );
    await submitView(CAST.rep2, lost, {
      reason_code: { reason_code: stateValue.select(h.foothold.deps.services.config.reasons.lost[0]!.code) },
      reason_text: { reason_text: stateValue.text(fill(1000)) },
    });
    await h.drain();
    // Disqualify the GB lead (a pool route) with hostile details.
    const id3 = await leadId('inject3.com');
    const post3 = (await routingPost(h, id3))!;
    const dq = await modalFrom(
      CAST.leader,
      ACTIONS.disqualify,
      buttons(post3).get(ACTIONS.disqualify)!.value,
      post3.channel,
    );
    await submitView(CAST.leader, dq, {
      reason_code: {
        reason_code: stateValue.select(h.foothold.deps.services.config.reasons.disqualify[0]!.code),
      },
      reason_text: { reason_text: stateValue.text(fill(1000)) },
    });
    await h.drain();

    // The message shortcut on a hostile message, and everyone's App Home and lists.
    const ts = h.standIn.addMessage({ channel: 'C0SHAREDN', text: fill(3000), user: CAST.pat.userId });
    await send(
      'shortcut',
      h.slack.shortcut(
        messageShortcut({
          user: { id: CAST.pat.userId, team_id: CAST.pat.teamId },
          teamId: 'T0VENDOR',
          callbackId: CALLBACKS.flagAsEql,
          channel: 'C0SHAREDN',
          message: { ts, text: fill(3000) },
          triggerId: h.standIn.issueTriggerId({ userId: CAST.pat.userId }),
        }),
      ),
    );
    inputs++;
    for (const who of [CAST.pat, CAST.con, CAST.fab, CAST.rep1, CAST.rep2, CAST.leader]) {
      await send(
        'app_home_opened',
        h.slack.event(
          eventEnvelope(
            { type: 'app_home_opened', user: who.userId, tab: 'home', channel: 'D0HOME' },
            { teamId: 'T0VENDOR' },
          ),
        ),
      );
      await send(
        'command mine',
        command(h, who, 'mine').then((r) => r.res),
      );
      await send(
        'command status',
        command(h, who, 'status inject1.com').then((r) => r.res),
      );
    }
    await send(
      'command digest',
      command(h, CAST.leader, 'digest').then((r) => r.res),
    );
    await h.drain();
    await h.standIn.waitFor((c) => c.method === 'views.publish' && c.args.user_id === CAST.leader.userId);

    // ── the scan ──────────────────────────────────────────────────────────────────────────────────
    const problems: string[] = [];
    let surfaces = 0;
    const shown = [
      'chat.postMessage',
      'chat.update',
      'chat.postEphemeral',
      'views.open',
      'views.update',
      'views.push',
      'views.publish',
    ];
    for (const call of h.standIn.calls()) {
      if (!shown.includes(call.method)) continue;
      surfaces++;
      if (call.response?.ok !== true)
        problems.push(`${call.method} refused by Slack: ${JSON.stringify(call.response).slice(0, 300)}`);
      findRaw(call.args, call.method, problems);
    }
    for (const { what, json } of acks) {
      if (!json) continue;
      surfaces++;
      findRaw(json, `ack of ${what}`, problems);
      const j = json as {
        response_action?: string;
        view?: unknown;
        blocks?: unknown;
        text?: string;
        errors?: Record<string, string>;
      };
      if (j.view)
        problems.push(...checkView(j.view, 'modal').map((v) => `ack of ${what}: ${formatViolation(v)}`));
      if (j.blocks)
        problems.push(
          ...(checkMessageBlocks(j.blocks) ?? ['not blocks']).map(
            (v) => `ack of ${what}: ${typeof v === 'string' ? v : formatViolation(v)}`,
          ),
        );
      if (typeof j.text === 'string' && j.text.length > 4000)
        problems.push(`ack of ${what}: text of ${j.text.length} characters`);
      for (const [block, msg] of Object.entries(j.errors ?? {}))
        if (msg.length > 2000) problems.push(`ack of ${what}: error on ${block} of ${msg.length} characters`);
    }
    // The hostile text really was shown (escaped), not dropped.
    const routing = JSON.stringify(h.standIn.messagesTo('C0ROUTING'));
    expect(routing).toContain('&lt;!channel&gt;');
    const outbox = await sqlAll(h.db, 'select status, count(*) as n from outbox group by status');
    report({
      n: 6,
      name: 'Injection (mentions, broadcasts, links, markdown, SQL, control/bidi, 3,000-character fields)',
      requests,
      faults: 0,
      inputs,
      checked: `${surfaces} Slack surfaces scanned (messages, updates, ephemerals, modals, App Homes, acks): no raw <!channel>/<!here>/<@…>/<#…>/<url|…>/bidi/control text, all within Block Kit limits; outbox ${JSON.stringify(outbox)}`,
      ms: Date.now() - started,
    });
    expect(problems).toEqual([]);
    expect(outbox).toEqual([{ status: 'sent', n: expect.any(Number) }]);
  });
});

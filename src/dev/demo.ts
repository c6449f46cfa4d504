/**
 * `npm run demo`: the whole product in a terminal, no Slack workspace needed. Starts the real bot against
 * the local Slack stand-in (loopback only, a temp SQLite file, the example program config), plays a short
 * scripted story with signed requests, and prints every message, modal and DM as readable text.
 *
 * Exits 0 after cleaning up; on any unexpected answer it says what went wrong and exits 1.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createFoothold, type Foothold } from '../app.ts';
import type { Env } from '../config/env.ts';
import { loadProgramConfig, type ProgramConfig } from '../config/program-config.ts';
import { closeDb, type Db, openDb, sqliteClient } from '../db/connection.ts';
import { createLogger } from '../logger.ts';
import { ACTIONS } from '../slack/ids.ts';
import {
  type Names,
  renderAck,
  renderBlock,
  renderCall,
  type TextStyle,
  titleLine,
} from '../slack/render-text.ts';
import {
  blockAction,
  createSlackRequester,
  type SlackRequester,
  type SlackRequestResult,
  slashCommand,
  stateValue,
  viewSubmission,
} from './slack-client.ts';
import {
  type RecordedCall,
  type SlackStandIn,
  type StandInOptions,
  startSlackStandIn,
  type ViewRecord,
} from './slack-stand-in.ts';

export const EXAMPLE_CONFIG_PATH = fileURLToPath(
  new URL('../../foothold.config.example.json', import.meta.url),
);

const SIGNING_SECRET = 'demo-signing-secret-5d1c9e0a';
const VENDOR_TEAM = 'T0VENDOR';

export interface DemoOptions {
  /** Receives the transcript, one line at a time (default: stdout). */
  out?: (line: string) => void;
  /** ANSI colours (default: only when stdout is a TTY and `out` is the default). */
  color?: boolean;
  /** Called once the stand-in is up, before the story: tests use it to inject Slack faults. */
  prepare?: (standIn: SlackStandIn) => void;
  /** Keep the demo's database (in this folder, created if needed) instead of deleting it at the end. */
  keep?: string;
}

/** Something in the story did not go as scripted: the demo stops and says what. */
export class DemoError extends Error {
  override name = 'DemoError';
}

// ---------------------------------------------------------------------------------------------
// The cast
// ---------------------------------------------------------------------------------------------

interface Person {
  userId: string;
  teamId: string;
  /** Where they usually type `/eql`. */
  channelId: string;
  name: string;
  short: string;
}

const PAT: Person = {
  userId: 'U0NWPAT',
  teamId: 'T0NORTH',
  channelId: 'C0SHAREDN',
  name: 'Pat Northwind',
  short: 'Pat',
};
const CHRIS: Person = {
  userId: 'U0CONCHRIS',
  teamId: 'T0CONTOSO',
  channelId: 'C0SHAREDC',
  name: 'Chris Contoso',
  short: 'Chris',
};
const RILEY: Person = {
  userId: 'U0REP1',
  teamId: VENDOR_TEAM,
  channelId: 'C0ROUTING',
  name: 'Riley Rep',
  short: 'Riley',
};
const SAM: Person = {
  userId: 'U0REP2',
  teamId: VENDOR_TEAM,
  channelId: 'C0ROUTING',
  name: 'Sam Rep',
  short: 'Sam',
};
const LEE: Person = {
  userId: 'U0LEAD',
  teamId: VENDOR_TEAM,
  channelId: 'C0LEADERS',
  name: 'Lee Leader',
  short: 'Lee',
};
const ADA: Person = {
  userId: 'U0ADMIN',
  teamId: VENDOR_TEAM,
  channelId: 'C0ADMIN',
  name: 'Ada Admin',
  short: 'Ada',
};
const PARKER: Person = {
  userId: 'U0PAM',
  teamId: VENDOR_TEAM,
  channelId: 'C0ROUTING',
  name: 'Parker Partner-Manager',
  short: 'Parker',
};
const CAST = [PAT, CHRIS, RILEY, SAM, LEE, ADA, PARKER];

/** The example program's Slack world: internal routing channels, two partner orgs in shared channels. */
export function demoStandInOptions(): StandInOptions {
  return {
    team: { id: VENDOR_TEAM, name: 'Vendor', domain: 'vendor' },
    channels: [
      { id: 'C0ROUTING', name: 'eql-routing' },
      { id: 'C0EMEA', name: 'eql-emea' },
      { id: 'C0LEADERS', name: 'partner-leaders' },
      { id: 'C0ADMIN', name: 'foothold-admin' },
      { id: 'C0SHAREDN', name: 'shared-northwind', isExtShared: true, connectedTeamIds: ['T0NORTH'] },
      { id: 'C0SHAREDC', name: 'shared-contoso', isExtShared: true, connectedTeamIds: ['T0CONTOSO'] },
    ],
    users: [
      { id: PAT.userId, teamId: PAT.teamId, realName: PAT.name, tz: 'Europe/London' },
      { id: CHRIS.userId, teamId: CHRIS.teamId, realName: CHRIS.name, tz: 'America/Chicago' },
      { id: RILEY.userId, teamId: VENDOR_TEAM, realName: RILEY.name, tz: 'America/New_York' },
      { id: SAM.userId, teamId: VENDOR_TEAM, realName: SAM.name, tz: 'Europe/London' },
      { id: LEE.userId, teamId: VENDOR_TEAM, realName: LEE.name, tz: 'America/New_York' },
      { id: ADA.userId, teamId: VENDOR_TEAM, realName: ADA.name, tz: 'America/New_York' },
      { id: PARKER.userId, teamId: VENDOR_TEAM, realName: PARKER.name, tz: 'America/New_York' },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// What a person types into the submission modal
// ---------------------------------------------------------------------------------------------

interface Submission {
  accountName: string;
  website: string;
  relationship?: 'customer' | 'prospect' | 'open_opportunity';
  strength?: string;
  contactName?: string;
  contactTitle?: string;
  lastInteractionOn?: string;
  willing?: 'yes' | 'no';
  need?: string;
  notes?: string;
  industry?: string;
  employees?: string;
  country?: string;
}

/** Days ago, as a calendar date in the program's time zone (inside the default 90-day warmth window). */
function daysAgo(days: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(Date.now() - days * 86_400_000));
}

function submissionValues(f: Submission, timeZone: string) {
  return {
    account_name: { account_name: stateValue.text(f.accountName) },
    website: { website: stateValue.text(f.website) },
    relationship: { relationship: stateValue.select(f.relationship ?? 'prospect') },
    strength: { strength: stateValue.select(f.strength ?? '4') },
    contact_name: { contact_name: stateValue.text(f.contactName ?? 'Jane Doe') },
    contact_title: { contact_title: stateValue.text(f.contactTitle ?? 'VP Engineering') },
    contact_email: { contact_email: stateValue.text(null) },
    last_interaction_on: {
      last_interaction_on: stateValue.date(f.lastInteractionOn ?? daysAgo(10, timeZone)),
    },
    willing_to_introduce: { willing_to_introduce: stateValue.radio(f.willing ?? 'yes') },
    need: { need: stateValue.text(f.need ?? null) },
    notes: { notes: stateValue.text(f.notes ?? null) },
    industry: { industry: stateValue.text(f.industry ?? 'software') },
    employees: { employees: stateValue.text(f.employees ?? '1200') },
    country: { country: stateValue.text(f.country ?? 'US') },
  };
}

// ---------------------------------------------------------------------------------------------
// The stage: bot + stand-in + people
// ---------------------------------------------------------------------------------------------

interface LeadRow {
  id: number;
  status: string;
  owner: string | null;
  channel: string | null;
  ts: string | null;
}

class Stage {
  private cursor = 0;
  private readonly seenModals = new Set<string>();
  /** Rendered blocks of every message posted so far, so an update shows only what changed. */
  private readonly posted = new Map<string, string[]>();
  readonly names: Names & {
    users: Record<string, string>;
    orgs: Record<string, string>;
    channels: Record<string, string>;
    dms: Record<string, string>;
    views: Record<string, string>;
  };

  constructor(
    readonly standIn: SlackStandIn,
    readonly foothold: Foothold,
    readonly slack: SlackRequester,
    readonly db: Db,
    readonly config: ProgramConfig,
    private readonly print: (text: string) => void,
    private readonly style: TextStyle,
  ) {
    const orgByTeam = new Map<string, string>();
    for (const p of config.partners) for (const t of p.teamIds ?? []) orgByTeam.set(t, p.name);
    this.names = { users: {}, orgs: {}, channels: {}, dms: {}, views: {} };
    for (const p of CAST) {
      this.names.users[p.userId] = p.name;
      const org = orgByTeam.get(p.teamId);
      if (org) this.names.orgs[p.userId] = org;
      this.names.dms[standIn.dmChannelFor(p.userId)] = p.userId;
    }
    for (const c of demoStandInOptions().channels ?? []) if (c.name) this.names.channels[c.id] = c.name;
  }

  narrate(line: string): void {
    this.print('');
    this.print(this.style.color ? `\x1b[1;33m▶ ${line}\x1b[0m` : `▶ ${line}`);
  }

  note(line: string): void {
    this.print(this.style.color ? `\x1b[2m  ${line}\x1b[0m` : `  ${line}`);
  }

  private expectOk(res: SlackRequestResult, what: string): void {
    if (res.status !== 200) {
      throw new DemoError(`${what}: the app answered HTTP ${res.status} ${res.body.slice(0, 300)}`);
    }
  }

  /** Prints what the app answered on the request itself (an ephemeral reply, a modal's next screen). */
  showAck(res: SlackRequestResult, who: Person, channelId: string | null): void {
    const text = renderAck(res.json, { userId: who.userId, channelId }, this.names, this.style);
    if (text) this.print(text);
  }

  async command(who: Person, text: string, channelId = who.channelId): Promise<SlackRequestResult> {
    const trigger = this.standIn.issueTriggerId({ userId: who.userId });
    const res = await this.slack.command(
      slashCommand({
        command: '/eql',
        userId: who.userId,
        teamId: who.teamId,
        channelId,
        text,
        triggerId: trigger,
      }),
    );
    this.expectOk(res, `/eql ${text} by ${who.name}`);
    return res;
  }

  async click(
    who: Person,
    actionId: string,
    value: string,
    where: { channelId: string; messageTs?: string },
  ): Promise<SlackRequestResult> {
    const trigger = this.standIn.issueTriggerId({ userId: who.userId });
    const res = await this.slack.action(
      blockAction({
        user: { id: who.userId, team_id: who.teamId },
        teamId: VENDOR_TEAM,
        actionId,
        value,
        channelId: where.channelId,
        ...(where.messageTs ? { messageTs: where.messageTs } : {}),
        triggerId: trigger,
      }),
    );
    this.expectOk(res, `${who.name} clicking ${actionId}`);
    return res;
  }

  modalCount(userId: string): number {
    return this.standIn.views().filter((v) => v.type === 'modal' && v.userId === userId).length;
  }

  /** The modal that opened for a person after `before` modals; `views.open` runs alongside the ack. */
  async modalFor(who: Person, before: number): Promise<ViewRecord> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const views = this.standIn.views().filter((v) => v.type === 'modal' && v.userId === who.userId);
      if (views.length > before) return views.at(-1)!;
      if (Date.now() > deadline) {
        const failed = this.standIn
          .calls('views.open')
          .filter((c) => c.response?.ok === false)
          .map((c) => c.response?.error)
          .join(', ');
        throw new DemoError(
          `no modal opened for ${who.name}${failed ? ` (views.open answered: ${failed})` : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async submit(who: Person, view: ViewRecord, values: Record<string, unknown>): Promise<SlackRequestResult> {
    const res = await this.slack.viewSubmission(
      viewSubmission({
        user: { id: who.userId, team_id: who.teamId },
        teamId: VENDOR_TEAM,
        view: view.payload,
        callbackId: view.callbackId,
        privateMetadata: String(view.payload.private_metadata ?? ''),
        values: values as never,
      }),
    );
    this.expectOk(res, `${who.name} submitting the modal`);
    const action = (res.json as { response_action?: string } | null)?.response_action;
    if (action === 'errors') {
      this.showAck(res, who, null);
      throw new DemoError(`the modal refused ${who.name}'s submission: ${JSON.stringify(res.json)}`);
    }
    return res;
  }

  /** Waits until the outbox has nothing due, then prints every Slack call made since the last time. */
  async flush(): Promise<void> {
    const stats = await this.foothold.sender.drain({ untilEmpty: true, timeoutMs: 15_000 });
    if (stats.failed > 0) throw new DemoError(`${stats.failed} outbox message(s) could not be delivered`);
    this.showNewCalls();
  }

  showNewCalls(): void {
    for (const v of this.standIn.views()) this.names.views[v.id] = v.userId;
    const calls = this.standIn.calls().filter((c) => c.seq > this.cursor);
    for (const call of calls) {
      this.cursor = Math.max(this.cursor, call.seq);
      const text = this.renderOne(call);
      if (text) this.print(text);
    }
  }

  private renderOne(call: RecordedCall): string | null {
    if (call.method === 'views.publish') return null; // App Home refreshes: quiet in the transcript
    if ((call.method === 'chat.postMessage' || call.method === 'chat.update') && call.response?.ok) {
      const text = renderCall(call, this.names, this.style);
      if (!text) return null;
      const blocks = Array.isArray(call.args.blocks) ? call.args.blocks : [];
      const parts = blocks.map((b) => renderBlock(b, this.names, this.style)).filter((t) => t !== '');
      const channel = String(call.response.channel ?? call.args.channel ?? '');
      const key = `${channel}:${String(call.response.ts ?? call.args.ts ?? '')}`;
      const before = this.posted.get(key);
      this.posted.set(key, parts);
      if (call.method === 'chat.postMessage' || !before || parts.length === 0) return text;
      const title = text.split('\n')[0] ?? '';
      return [title, ...changedBlocks(before, parts, this.style).map((t) => indentLines(t, '  '))].join('\n');
    }
    if (call.method === 'views.open' && call.response?.ok) {
      const callbackId = String((call.args.view as { callback_id?: string } | undefined)?.callback_id ?? '');
      const viewId = (call.response.view as { id?: string } | undefined)?.id ?? '';
      const owner = this.names.users[this.names.views[viewId] ?? ''] ?? 'someone';
      if (this.seenModals.has(callbackId)) {
        return `${titleLine(`modal opened for ${owner}`, this.style)}\n  (the same form as above)`;
      }
      this.seenModals.add(callbackId);
    }
    return renderCall(call, this.names, this.style);
  }

  /** Waits (briefly) for a direct Slack call the app makes right after its ack, e.g. a private refusal. */
  async waitForCall(predicate: (c: RecordedCall) => boolean, what: string): Promise<RecordedCall> {
    try {
      return await this.standIn.waitFor(predicate, 3000);
    } catch {
      throw new DemoError(`expected ${what}, but it never arrived`);
    }
  }

  lead(domain: string): LeadRow {
    // The demo always runs on its own SQLite file.
    const row = sqliteClient(this.db)
      .prepare(
        `select id, status, owner_user_id as owner, routing_post_channel as channel, routing_post_ts as ts
         from leads where domain = ? order by id limit 1`,
      )
      .get(domain) as LeadRow | undefined;
    if (!row) throw new DemoError(`no lead was stored for ${domain}`);
    return row;
  }

  /** The routing post of a lead as it stands now, and the value of one of its buttons. */
  routingButton(domain: string, actionId: string): { value: string; channel: string; ts: string } {
    const lead = this.lead(domain);
    if (!lead.channel || !lead.ts)
      throw new DemoError(`${domain} has no routing post (status ${lead.status})`);
    const msg = this.standIn.message(lead.channel, lead.ts);
    const value = buttonValue(msg?.blocks, actionId);
    if (value === null) {
      throw new DemoError(`the routing post for ${domain} has no ${actionId} button (status ${lead.status})`);
    }
    return { value, channel: lead.channel, ts: lead.ts };
  }

  /** The newest DM to a person carrying a button with this action id. */
  dmButton(who: Person, actionId: string): { value: string; channel: string; ts: string } {
    const dms = this.standIn.messagesTo(who.userId).filter((m) => m.method === 'chat.postMessage');
    for (const m of dms.reverse()) {
      const value = buttonValue(m.blocks, actionId);
      if (value !== null) return { value, channel: m.channel, ts: m.ts };
    }
    throw new DemoError(`${who.name} got no DM with a ${actionId} button`);
  }

  /** `/eql [text]`, the modal, then the submission: the whole flagging flow. */
  async flag(who: Person, f: Submission, door: 'command' | 'card' = 'command'): Promise<void> {
    const before = this.modalCount(who.userId);
    if (door === 'command') {
      const res = await this.command(who, f.website);
      this.showAck(res, who, who.channelId);
    } else {
      const card = this.standIn
        .messagesTo(who.channelId)
        .find((m) => m.method === 'chat.postMessage' && buttonValue(m.blocks, ACTIONS.flagAccount) !== null);
      if (!card) throw new DemoError(`no “Flag an account” card in #${this.names.channels[who.channelId]}`);
      await this.click(who, ACTIONS.flagAccount, buttonValue(card.blocks, ACTIONS.flagAccount) ?? '', {
        channelId: who.channelId,
        messageTs: card.ts,
      });
    }
    const modal = await this.modalFor(who, before);
    this.showNewCalls();
    this.note(
      `${who.short} fills in: ${f.accountName} · ${f.website} · ${f.relationship ?? 'prospect'} · strength ${f.strength ?? '4'} · ` +
        `${f.industry ?? 'software'}, ${f.employees ?? '1200'} employees, ${f.country ?? 'US'} — and clicks Submit`,
    );
    const ack = await this.submit(who, modal, submissionValues(f, this.config.timezone));
    this.showAck(ack, who, null);
    await this.flush();
  }
}

/**
 * The parts of an updated message worth reading again: the first block (the header, which carries the
 * status) and every block that reads differently from the previous version, then how many were left out.
 * Works on rendered blocks, so a button's new version number alone does not count as a change.
 */
export function changedBlocks(
  before: readonly string[],
  after: readonly string[],
  style: TextStyle = {},
): string[] {
  const pool = new Map<string, number>();
  for (const b of before) pool.set(b, (pool.get(b) ?? 0) + 1);
  const kept: string[] = [];
  let skipped = 0;
  after.forEach((text, i) => {
    const left = pool.get(text) ?? 0;
    if (left > 0) pool.set(text, left - 1);
    if (i === 0 || left === 0) kept.push(text);
    else skipped++;
  });
  if (skipped > 0) {
    const note = `(${skipped} unchanged block${skipped === 1 ? '' : 's'} not repeated)`;
    kept.push(style.color ? `\x1b[2m${note}\x1b[0m` : note);
  }
  return kept;
}

function indentLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l ? prefix + l : l))
    .join('\n');
}

function buttonValue(blocks: unknown[] | undefined, actionId: string): string | null {
  for (const b of (blocks ?? []) as Array<{ elements?: unknown[]; accessory?: unknown }>) {
    const els = [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])] as Array<{
      type?: string;
      action_id?: string;
      value?: string;
    }>;
    for (const e of els) if (e.type === 'button' && e.action_id === actionId) return e.value ?? '';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------

async function playStory(s: Stage): Promise<void> {
  s.narrate('Ada Admin runs /eql setup: Foothold pins a “Flag an account” card in each shared channel');
  s.showAck(await s.command(ADA, 'setup'), ADA, ADA.channelId);
  await s.flush();

  s.narrate('Pat at Northwind flags acme.com with /eql (in #shared-northwind)');
  await s.flag(PAT, {
    accountName: 'Acme Corp',
    website: 'acme.com',
    relationship: 'customer',
    strength: '4',
    contactName: 'Jane Doe',
    contactTitle: 'VP Engineering',
    need: 'Replacing their partner portal this quarter',
  });
  const acme = s.lead('acme.com');
  if (acme.status !== 'qualified') throw new DemoError(`acme.com should be an EQL, it is ${acme.status}`);

  s.narrate('Pat flags a cold account: initech.com, relationship strength 2 (occasional contact)');
  await s.flag(PAT, {
    accountName: 'Initech',
    website: 'initech.com',
    strength: '2',
    contactName: 'Bill Lumbergh',
    contactTitle: 'Director of IT',
  });

  s.narrate(
    'Chris at Contoso (no app installed) clicks the pinned card and flags a poor fit: a 20-person retailer in France',
  );
  await s.flag(
    CHRIS,
    {
      accountName: 'Boulangerie Martin',
      website: 'boulangerie-martin.fr',
      strength: '5',
      contactName: 'Marie Martin',
      contactTitle: 'Owner',
      industry: 'retail',
      employees: '20',
      country: 'FR',
    },
    'card',
  );

  s.narrate('Riley and Sam click Claim on the Acme routing post at the same moment');
  const claim = s.routingButton('acme.com', ACTIONS.claim);
  await Promise.all(
    [RILEY, SAM].map((rep) =>
      s.click(rep, ACTIONS.claim, claim.value, { channelId: claim.channel, messageTs: claim.ts }),
    ),
  );
  const ownerId = s.lead('acme.com').owner;
  const owner = ownerId === RILEY.userId ? RILEY : ownerId === SAM.userId ? SAM : null;
  if (!owner)
    throw new DemoError(`acme.com should have one of the reps as owner, it has ${ownerId ?? 'nobody'}`);
  const other = owner === RILEY ? SAM : RILEY;
  await s.waitForCall(
    (c) => c.method === 'chat.postEphemeral' && c.args.user === other.userId,
    `a private note to ${other.name} saying who owns Acme`,
  );
  await s.flush();
  s.note(`→ ${owner.name} owns Acme; ${other.name} was told privately.`);

  s.narrate(`${owner.short} clicks Request intro`);
  const intro = s.routingButton('acme.com', ACTIONS.requestIntro);
  await s.click(owner, ACTIONS.requestIntro, intro.value, { channelId: intro.channel, messageTs: intro.ts });
  await s.flush();

  s.narrate('Pat clicks “Intro made” in the DM');
  const made = s.dmButton(PAT, ACTIONS.introMade);
  await s.click(PAT, ACTIONS.introMade, made.value, { channelId: made.channel, messageTs: made.ts });
  await s.flush();

  const steps: Array<[string, string]> = [
    [ACTIONS.meetingHeld, `${owner.short} clicks Meeting held`],
    [ACTIONS.opportunity, `${owner.short} clicks Opportunity`],
    [ACTIONS.won, `${owner.short} clicks Won (and confirms “Mark as won?”)`],
  ];
  for (const [actionId, line] of steps) {
    s.narrate(line);
    const b = s.routingButton('acme.com', actionId);
    await s.click(owner, actionId, b.value, { channelId: b.channel, messageTs: b.ts });
    await s.flush();
  }
  const won = s.lead('acme.com');
  if (won.status !== 'won') throw new DemoError(`acme.com should be won, it is ${won.status}`);

  s.narrate('Chris at Contoso flags globex.com');
  await s.flag(
    CHRIS,
    {
      accountName: 'Globex',
      website: 'globex.com',
      relationship: 'open_opportunity',
      strength: '4',
      contactName: 'Hank Scorpio',
      contactTitle: 'CEO',
      industry: 'fintech',
      employees: '900',
    },
    'card',
  );

  s.narrate('Then Pat at Northwind flags globex.com too: a second partner corroborates the lead');
  await s.flag(PAT, {
    accountName: 'Globex Corporation',
    website: 'https://www.globex.com/',
    relationship: 'customer',
    strength: '3',
    contactName: 'Frank Grimes',
    contactTitle: 'Head of Ops',
    industry: 'fintech',
    employees: '900',
  });

  s.narrate('Lee Leader moves the credit for Globex to Northwind, which ran the discovery workshop');
  const credit = s.routingButton('globex.com', ACTIONS.changeCredit);
  const beforeCredit = s.modalCount(LEE.userId);
  await s.click(LEE, ACTIONS.changeCredit, credit.value, { channelId: credit.channel, messageTs: credit.ts });
  await s.submit(LEE, await s.modalFor(LEE, beforeCredit), {
    credit_partner: { credit_partner: stateValue.select('northwind') },
    credit_reason: { credit_reason: stateValue.text('Northwind ran the discovery workshop with Globex') },
  });
  await s.flush();

  s.narrate('Lee Leader runs /eql digest');
  s.showAck(await s.command(LEE, 'digest'), LEE, LEE.channelId);
  await s.flush();
}

// ---------------------------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------------------------

export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const started = performance.now();
  const useStdout = options.out === undefined;
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const style: TextStyle = {
    color: options.color ?? (useStdout && process.stdout.isTTY === true),
    width: 100,
  };
  const print = (text: string) => {
    for (const line of text.split('\n')) out(line);
  };

  const config = loadProgramConfig(EXAMPLE_CONFIG_PATH);
  const dir = options.keep ? resolve(options.keep) : mkdtempSync(join(tmpdir(), 'foothold-demo-'));
  if (options.keep) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (existsSync(join(dir, 'foothold.db')))
      throw new DemoError(`${join(dir, 'foothold.db')} already exists; pick an empty folder for --keep`);
  }
  let standIn: SlackStandIn | null = null;
  let foothold: Foothold | null = null;
  let db: Db | null = null;
  try {
    standIn = await startSlackStandIn({ ...demoStandInOptions(), host: '127.0.0.1' });
    db = openDb(join(dir, 'foothold.db'));
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standIn.apiUrl,
      PORT: 0,
      DATABASE_PATH: join(dir, 'foothold.db'),
      FOOTHOLD_CONFIG: EXAMPLE_CONFIG_PATH,
      LOG_LEVEL: 'silent',
    } as Env;
    foothold = createFoothold({ env, config, db, logger: createLogger('silent') });
    const { port } = await foothold.start();
    if (!port) throw new DemoError('the bot did not report its HTTP port');
    const slack = createSlackRequester({
      baseUrl: `http://127.0.0.1:${port}`,
      signingSecret: SIGNING_SECRET,
    });

    print(style.color ? '\x1b[1mFoothold demo\x1b[0m' : 'Foothold demo');
    print(
      [
        `The real bot on http://127.0.0.1:${port}, talking to a local Slack stand-in; nothing leaves this machine.`,
        'Program: foothold.config.example.json. Cast:',
        '  Pat Northwind (Northwind Consulting) and Chris Contoso (Contoso Systems): partners in shared channels',
        '  Riley Rep and Sam Rep: sellers · Lee Leader: sales leader · Ada Admin · Parker Partner-Manager',
      ].join('\n'),
    );
    options.prepare?.(standIn);
    const stage = new Stage(standIn, foothold, slack, db, config, print, style);
    await playStory(stage);
    print('');
    print(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    if (options.keep) {
      const path = join(dir, 'foothold.db');
      print(`The database is kept at ${path}. Look around with:`);
      print(`  DATABASE_PATH=${path} FOOTHOLD_CONFIG=${EXAMPLE_CONFIG_PATH} npm run cli -- report --digest`);
      print(`  DATABASE_PATH=${path} FOOTHOLD_CONFIG=${EXAMPLE_CONFIG_PATH} npm run cli -- history acme.com`);
    }
  } finally {
    if (foothold) await foothold.stop().catch(() => undefined);
    if (standIn) await standIn.close().catch(() => undefined);
    if (db) await closeDb(db);
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const { values } = parseArgs({ options: { keep: { type: 'string' } }, strict: true });
  runDemo(values.keep ? { keep: values.keep } : {}).then(
    () => process.exit(0),
    (err: unknown) => {
      const message = err instanceof DemoError ? err.message : ((err as Error).stack ?? String(err));
      process.stderr.write(`\nThe demo stopped: ${message}\n`);
      process.exit(1);
    },
  );
}

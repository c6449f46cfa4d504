/**
 * The playground's backend: what each person sees (channels, DMs, App Home, their open modal) read from the
 * Slack stand-in's record, and what they do (slash commands, clicks, modal submissions) sent to the real bot
 * as signed Slack requests, exactly as Slack would send them.
 */
import type { Foothold } from '../app.ts';
import type { ProgramConfig } from '../config/program-config.ts';
import type { Db } from '../db/connection.ts';
import { leadCount } from '../db/stores/lead-store.ts';
import { seedSampleProgram } from '../dev/sample-program.ts';
import {
  blockAction,
  eventEnvelope,
  messageShortcut,
  type SlackRequester,
  type SlackRequestResult,
  slashCommand,
  viewSubmission,
} from '../dev/slack-client.ts';
import type { SlackStandIn } from '../dev/slack-stand-in.ts';
import { JOBS } from '../jobs/index.ts';
import { CALLBACKS } from '../slack/ids.ts';
import { escapeHtml, type HtmlNames, messageHtml, modalHtml, type RenderContext } from './render-html.ts';
import { type FormValues, viewStateValues } from './view-state.ts';
import { channelsFor, KIND_LABEL, type Person, VENDOR_TEAM, type World } from './world.ts';

/** Where a person is looking: a channel id, their DM with Foothold, or their App Home. */
export type Where = string;

export interface WorkspaceDeps {
  world: World;
  standIn: SlackStandIn;
  foothold: Foothold;
  slack: SlackRequester;
  db: Db;
  config: ProgramConfig;
}

interface LocalReply {
  userId: string;
  channel: string;
  ts: string;
  text?: unknown;
  blocks?: unknown;
}

interface Entry {
  channel: string;
  ts: string;
  threadTs?: string;
  text?: unknown;
  blocks?: unknown;
  ephemeral: boolean;
  /** A person's own message (typed in the composer), by user id; else Foothold's. */
  author?: string;
  /** A file Foothold shared here (a chart): shown inline from the page's server. */
  file?: { id: string; title: string; alt: string };
}

function fileHtml(f: { id: string; title: string; alt: string }): string {
  return `<figure class="bk-image"><div class="bk-image-title">${escapeHtml(f.title)}</div><img class="bk-img" src="/playground/files/${encodeURIComponent(f.id)}" alt="${escapeHtml(f.alt)}"></figure>`;
}

/** Slack escapes `& < >` in what people type; the renderer shows them back as typed. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export class PlaygroundError extends Error {
  override name = 'PlaygroundError';
}

export function createWorkspace(deps: WorkspaceDeps) {
  const { world, standIn, foothold, slack, db, config } = deps;
  const people = new Map(world.people.map((p) => [p.userId, p]));
  const local: LocalReply[] = [];
  /** What people typed that was not a slash command: their own messages, in the stand-in's history. */
  const said: Array<{ userId: string; channel: string; ts: string }> = [];
  /** A modal the bot replaced with `response_action: update`: shown instead of the stand-in's copy. */
  const replaced = new Map<string, { hash: string; view: Record<string, unknown>; seq: number }>();
  let localSeq = 0;
  let tsCounter = 0;

  const names: HtmlNames = {
    users: Object.fromEntries((world.standIn.users ?? []).map((u) => [u.id, u.realName ?? u.id])),
    channels: Object.fromEntries(world.channels.map((c) => [c.id, c.name])),
  };
  const ctx: RenderContext = {
    names,
    people: world.people.map((p) => ({ id: p.userId, name: p.name })),
  };

  function person(userId: string): Person {
    const p = people.get(userId);
    if (!p) throw new PlaygroundError(`nobody called ${userId} in this playground`);
    return p;
  }

  function channelOf(p: Person, where: Where): string {
    if (where === 'dm' || where === 'home') return standIn.dmChannelFor(p.userId);
    if (!channelsFor(world, p).some((c) => c.id === where))
      throw new PlaygroundError(`${p.name} is not in that channel`);
    return where;
  }

  function nowTs(): string {
    const ms = Date.now();
    return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + (++tsCounter % 1000)).padStart(6, '0')}`;
  }

  /** The messages in a channel as `viewer` sees them, oldest first (their own ephemerals included). */
  function timeline(channel: string, viewer: string): Entry[] {
    const out: Entry[] = [];
    const dmUser = standIn.dmChannelFor(viewer) === channel ? viewer : null;
    for (const call of standIn.calls()) {
      const r = call.response;
      if (!r?.ok) continue;
      if (call.method === 'chat.postMessage') {
        if (String(r.channel ?? '') !== channel) continue;
        const ts = String(r.ts ?? '');
        const m = standIn.message(channel, ts);
        if (!m) continue;
        out.push({
          channel,
          ts,
          ...(m.threadTs ? { threadTs: m.threadTs } : {}),
          text: m.text,
          blocks: m.blocks,
          ephemeral: false,
        });
      } else if (call.method === 'chat.postEphemeral' && call.args.user === viewer) {
        const target = String(call.args.channel ?? '');
        const resolved = /^[UW]/.test(target) ? standIn.dmChannelFor(target) : target;
        if (resolved !== channel && !(dmUser && target === dmUser)) continue;
        out.push({
          channel,
          ts: String(r.message_ts ?? ''),
          text: call.args.text,
          blocks: call.args.blocks,
          ephemeral: true,
        });
      }
    }
    for (const call of standIn.calls('files.completeUploadExternal')) {
      if (!call.response?.ok) continue;
      const ts = (call.at / 1000).toFixed(6);
      const listed = (call.response.files as Array<{ id?: string }> | undefined) ?? [];
      for (const f of standIn.files()) {
        if (f.channel !== channel || !f.completed || !listed.some((x) => x.id === f.id)) continue;
        out.push({
          channel,
          ts,
          ...(f.threadTs ? { threadTs: f.threadTs } : {}),
          ...(f.initialComment ? { text: f.initialComment } : {}),
          ephemeral: false,
          file: { id: f.id, title: f.title ?? f.filename, alt: f.altText ?? f.title ?? f.filename },
        });
      }
    }
    for (const m of said) {
      if (m.channel !== channel) continue;
      const stored = standIn.message(channel, m.ts);
      if (stored) out.push({ channel, ts: m.ts, text: stored.text, ephemeral: false, author: m.userId });
    }
    for (const l of local) {
      if (l.userId === viewer && l.channel === channel)
        out.push({ channel, ts: l.ts, text: l.text, blocks: l.blocks, ephemeral: true });
    }
    return out.sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  function entryHtml(e: Entry): string {
    const time = new Date(Number(e.ts) * 1000).toLocaleTimeString('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      timeZone: config.timezone,
    });
    const pinned =
      !e.ephemeral && standIn.pins(e.channel).includes(e.ts) ? ' <span class="pin">📌 pinned</span>' : '';
    const note = e.ephemeral ? ' <span class="only-you">Only visible to you</span>' : '';
    const thread = e.threadTs && e.threadTs !== e.ts ? ' <span class="thread">↳ reply in thread</span>' : '';
    const who = e.author
      ? `<b>${escapeHtml(names.users?.[e.author] ?? e.author)}</b>`
      : '<b>Foothold</b> <span class="app">APP</span>';
    // Slack's message shortcut, on people's messages: "Flag as EQL" opens the form with the message linked.
    const shortcut = e.author
      ? ' <button type="button" class="shortcut" data-shortcut="flag_as_eql" title="Message shortcut">⋯ Flag as EQL</button>'
      : '';
    return `<div class="msg${e.ephemeral ? ' ephemeral' : ''}${thread ? ' reply' : ''}" data-channel="${escapeHtml(e.channel)}" data-ts="${escapeHtml(e.ts)}"${e.ephemeral ? ' data-ephemeral="1"' : ''}><div class="meta">${who} <span class="time">${escapeHtml(time)}</span>${thread}${pinned}${note}${shortcut}</div><div class="body">${messageHtml(e, ctx)}${e.file ? fileHtml(e.file) : ''}</div></div>`;
  }

  /** The open modal on top of a person's stack, as the page shows it. */
  function topModal(userId: string) {
    const top = standIn.viewStack(userId).at(-1);
    if (top?.state !== 'open') return null;
    const over = replaced.get(top.id);
    if (over && over.hash !== top.hash) replaced.delete(top.id);
    const shown = replaced.get(top.id);
    const view = shown?.view ?? top.history.at(-1) ?? top.payload;
    return {
      record: top,
      view,
      key: `${top.id}:${top.hash}:${shown?.seq ?? 0}`,
    };
  }

  async function state(asUser: string, where: Where) {
    const me = person(asUser);
    const channels = channelsFor(world, me);
    const version = `${standIn.calls().length}.${localSeq}`;
    let title: string;
    let html: string;
    if (where === 'home') {
      title = 'App Home';
      const home = standIn.homeView(asUser);
      html = home
        ? `<div class="surface" data-view-id="${escapeHtml(home.id)}">${messageHtml({ blocks: (home.history.at(-1) ?? home.payload).blocks }, ctx)}</div>`
        : '<p class="empty">Opening App Home…</p>';
    } else {
      const channel = channelOf(me, where);
      title = where === 'dm' ? 'Foothold (direct messages)' : `# ${names.channels?.[channel] ?? channel}`;
      const entries = timeline(channel, asUser);
      html = entries.length
        ? entries.map(entryHtml).join('')
        : '<p class="empty">Nothing here yet. Type <code>/eql help</code> below to start.</p>';
    }
    const modal = topModal(asUser);
    return {
      version,
      me: { id: me.userId, name: me.name, kind: me.kind, label: KIND_LABEL[me.kind] },
      people: world.people.map((p) => ({
        id: p.userId,
        name: p.name,
        kind: p.kind,
        label: p.partner ? `${KIND_LABEL[p.kind]} · ${p.partner.name}` : KIND_LABEL[p.kind],
      })),
      channels: channels.map((c) => ({ id: c.id, name: c.name, kind: c.kind })),
      where,
      title,
      html,
      modal: modal
        ? {
            viewId: modal.record.id,
            key: modal.key,
            html: modalHtml(modal.view, { ...ctx, viewId: modal.record.id }),
          }
        : null,
      empty: (await leadCount(db)) === 0,
      jobs: JOBS.map((j) => ({ name: j.name, description: j.description })),
    };
  }

  /** The cast for the "You are" picker, and where each person starts (their shared or routing channel). */
  function cast() {
    return {
      people: world.people.map((p) => ({ id: p.userId, name: p.name, kind: p.kind })),
      defaultWhere: Object.fromEntries(
        world.people.map((p) => [p.userId, channelsFor(world, p)[0]?.id ?? 'dm']),
      ),
    };
  }

  function addLocal(userId: string, channel: string, ack: unknown): void {
    if (typeof ack !== 'object' || ack === null) return;
    const a = ack as { text?: unknown; blocks?: unknown };
    if (a.text === undefined && a.blocks === undefined) return;
    local.push({ userId, channel, ts: nowTs(), text: a.text, blocks: a.blocks });
    localSeq++;
  }

  function checkOk(res: SlackRequestResult, what: string): void {
    if (res.status !== 200)
      throw new PlaygroundError(`${what}: Foothold answered HTTP ${res.status} ${res.body.slice(0, 200)}`);
  }

  async function command(asUser: string, where: Where, typed: string) {
    const me = person(asUser);
    const channel = channelOf(me, where);
    const m = typed.trim().match(/^\/(\S+)\s*([\s\S]*)$/);
    if (!m) {
      // Plain text is the person's own message in the channel (Flag as EQL works on it).
      const ts = standIn.addMessage({ channel, text: escapeMrkdwn(typed.trim()), user: me.userId });
      said.push({ userId: me.userId, channel, ts });
      localSeq++;
      return { ok: true };
    }
    if (m[1] !== 'eql') {
      local.push({
        userId: asUser,
        channel,
        ts: nowTs(),
        text: 'The playground knows one slash command: `/eql` (try `/eql help`).',
      });
      localSeq++;
      return { ok: true };
    }
    const res = await slack.command(
      slashCommand({
        command: '/eql',
        userId: me.userId,
        userName: me.name.toLowerCase().replace(/\s+/g, '.'),
        teamId: me.teamId,
        channelId: channel,
        channelName: where === 'dm' ? 'directmessage' : (names.channels?.[channel] ?? channel),
        text: m[2] ?? '',
        triggerId: standIn.issueTriggerId({ userId: me.userId }),
      }),
    );
    checkOk(res, `/eql ${m[2] ?? ''}`);
    addLocal(asUser, channel, res.json);
    return { ok: true };
  }

  interface ActionInput {
    actionId: string;
    blockId: string;
    type: string;
    value?: string;
    /** Selected option value / user id for selects. */
    selected?: string;
    selectedLabel?: string;
    channel?: string;
    ts?: string;
    ephemeral?: boolean;
    viewId?: string;
    form?: FormValues;
  }

  async function action(asUser: string, input: ActionInput) {
    const me = person(asUser);
    const extra: Record<string, unknown> = {};
    if (input.type === 'static_select' || input.type === 'overflow' || input.type === 'external_select') {
      extra.selected_option = {
        text: { type: 'plain_text', text: input.selectedLabel ?? input.selected ?? '', emoji: true },
        value: input.selected ?? '',
      };
    } else if (input.type === 'users_select') {
      extra.selected_user = input.selected ?? null;
    }
    const base = {
      user: { id: me.userId, team_id: me.teamId },
      teamId: VENDOR_TEAM,
      actionId: input.actionId,
      blockId: input.blockId,
      actionType: input.type,
      ...(input.value !== undefined && input.type === 'button' ? { value: input.value } : {}),
      action: extra,
    };
    let payload: Record<string, unknown>;
    if (input.viewId) {
      const view = standIn.view(input.viewId);
      if (!view || view.userId !== asUser) throw new PlaygroundError('that view is not open for you');
      payload = blockAction({
        ...base,
        view: view.payload,
        stateValues: viewStateValues(view.history.at(-1) ?? view.payload, input.form ?? {}) as never,
        triggerId: standIn.issueTriggerId({ userId: me.userId, viewId: view.id }),
      });
    } else {
      const channel = input.channel ?? '';
      const ts = input.ts ?? '';
      const stored = input.ephemeral ? undefined : standIn.message(channel, ts);
      if (!input.ephemeral && !stored) throw new PlaygroundError('that message is gone');
      payload = blockAction({
        ...base,
        channelId: channel,
        channelName: names.channels?.[channel] ?? (channel.startsWith('D') ? 'directmessage' : channel),
        messageTs: ts,
        triggerId: standIn.issueTriggerId({ userId: me.userId }),
        ...(input.ephemeral
          ? { container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: true } }
          : {
              message: {
                type: 'message',
                user: standIn.bot.userId,
                bot_id: standIn.bot.botId,
                app_id: standIn.bot.appId,
                text: stored?.text ?? '',
                ts,
                team: VENDOR_TEAM,
                blocks: stored?.blocks ?? [],
              },
            }),
      });
    }
    const res = await slack.action(payload);
    checkOk(res, `clicking ${input.actionId}`);
    return { ok: true };
  }

  /** "Flag as EQL" (the message shortcut) on a person's message. */
  async function shortcut(asUser: string, channel: string, ts: string) {
    const me = person(asUser);
    const stored = standIn.message(channel, ts);
    if (!stored) throw new PlaygroundError('that message is gone');
    const res = await slack.shortcut(
      messageShortcut({
        user: { id: me.userId, team_id: me.teamId },
        teamId: me.teamId,
        callbackId: CALLBACKS.flagAsEql,
        channel: { id: channel, name: names.channels?.[channel] ?? channel },
        message: { ts, text: stored.text ?? '', user: stored.user ?? '' },
        triggerId: standIn.issueTriggerId({ userId: me.userId }),
      }),
    );
    checkOk(res, 'Flag as EQL');
    return { ok: true };
  }

  async function submit(asUser: string, viewId: string, form: FormValues) {
    const me = person(asUser);
    const rec = standIn.view(viewId);
    if (!rec || rec.userId !== asUser || rec.state !== 'open')
      throw new PlaygroundError('that form is no longer open');
    const shown = replaced.get(viewId)?.view ?? rec.history.at(-1) ?? rec.payload;
    const res = await slack.viewSubmission(
      viewSubmission({
        user: { id: me.userId, team_id: me.teamId },
        teamId: VENDOR_TEAM,
        view: { ...rec.payload, blocks: shown.blocks ?? [] },
        callbackId: String(shown.callback_id ?? rec.callbackId),
        privateMetadata: String(shown.private_metadata ?? rec.payload.private_metadata ?? ''),
        values: viewStateValues(shown, form) as never,
      }),
    );
    checkOk(res, 'submitting the form');
    const ack = (res.json ?? {}) as {
      response_action?: string;
      errors?: Record<string, string>;
      view?: unknown;
    };
    if (ack.response_action === 'errors') return { ok: true, errors: ack.errors ?? {} };
    if (ack.response_action === 'update' && ack.view && typeof ack.view === 'object') {
      replaced.set(viewId, { hash: rec.hash, view: ack.view as Record<string, unknown>, seq: ++localSeq });
      return { ok: true };
    }
    // An empty ack closes this view; `clear` closes the whole stack.
    standIn.closeView(ack.response_action === 'clear' ? rec.rootViewId : viewId);
    localSeq++;
    return { ok: true };
  }

  function close(asUser: string, viewId: string) {
    const rec = standIn.view(viewId);
    if (rec && rec.userId === asUser) standIn.closeView(viewId);
    localSeq++;
    return { ok: true };
  }

  async function openHome(asUser: string) {
    const me = person(asUser);
    const res = await slack.event(
      eventEnvelope(
        {
          type: 'app_home_opened',
          user: me.userId,
          channel: standIn.dmChannelFor(me.userId),
          tab: 'home',
        },
        { teamId: VENDOR_TEAM },
      ),
    );
    checkOk(res, 'opening App Home');
    return { ok: true };
  }

  async function runJob(name: string) {
    if (!JOBS.some((j) => j.name === name)) throw new PlaygroundError(`no job called ${name}`);
    const summary = await foothold.scheduler.run(name);
    foothold.sender.kick();
    const text = summary.skipped
      ? `${name}: nothing to do (${summary.skipped})`
      : `${name}${summary.period ? ` for ${summary.period}` : ''}: ${summary.queued.length} message(s) queued, ${summary.transitions.length} lead(s) changed status`;
    return { ok: true, text };
  }

  async function seed() {
    const stats = await seedSampleProgram(db, config, { leads: 200, months: 6, now: Date.now() }).catch(
      (err: unknown) => {
        throw new PlaygroundError(err instanceof Error ? err.message : String(err));
      },
    );
    localSeq++;
    return {
      ok: true,
      text: `Sample program loaded: ${stats.leads} leads (${stats.eqls} EQLs, ${stats.won} won, ${stats.lost} lost) over 6 months, ${stats.accounts} CRM accounts. Open App Home or run the digest to see it.`,
    };
  }

  /** Sends the join event for each shared channel, so the "Flag an account" card goes up as in Slack. */
  async function joinSharedChannels() {
    for (const c of world.channels.filter((x) => x.kind === 'shared')) {
      await slack.event(
        eventEnvelope(
          {
            type: 'member_joined_channel',
            user: standIn.bot.userId,
            channel: c.id,
            channel_type: 'C',
            team: VENDOR_TEAM,
          },
          { teamId: VENDOR_TEAM, isExtSharedChannel: true },
        ),
      );
    }
  }

  /** A completed upload's bytes, for the page to show (PNG charts; anything else as a download). */
  function file(id: string): { bytes: Buffer; type: string; name: string } | null {
    const f = standIn.files().find((x) => x.id === id);
    if (!f?.completed || !f.bytes) return null;
    const type = /\.png$/i.test(f.filename) ? 'image/png' : 'application/octet-stream';
    return { bytes: f.bytes, type, name: f.filename };
  }

  return {
    file,
    people: cast,
    state,
    command,
    action,
    shortcut,
    submit,
    close,
    openHome,
    runJob,
    seed,
    joinSharedChannels,
  };
}

export type Workspace = ReturnType<typeof createWorkspace>;

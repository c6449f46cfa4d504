/**
 * Renders Block Kit (messages, modals, App Home) and recorded Slack stand-in calls as readable terminal
 * text, for `npm run demo`, `jobs run --dry-run`, `report --digest` and the playground's HTML renderer.
 * Pure functions: no I/O, no clock. Colours are ANSI escapes and only appear when `style.color` is true (the
 * caller decides, usually `process.stdout.isTTY`).
 */

/** Who and where the Slack ids are, so mentions and titles read as names. */
export interface Names {
  /** User id → the person's name (`U0NWPAT` → `Pat Northwind`). */
  users?: Readonly<Record<string, string>>;
  /** User id → their organisation, shown in DM titles (`Northwind Consulting`). */
  orgs?: Readonly<Record<string, string>>;
  /** Channel id → channel name without `#`. */
  channels?: Readonly<Record<string, string>>;
  /** DM channel id (`D…`) → the user id on the other end. */
  dms?: Readonly<Record<string, string>>;
  /** View id → the user the view belongs to. */
  views?: Readonly<Record<string, string>>;
}

export interface TextStyle {
  /** ANSI colours and bold (default false). */
  color?: boolean;
  /** Line width used for dividers and two-column fields (default 100). */
  width?: number;
}

/** The parts of a stand-in `RecordedCall` the renderer reads. */
export interface CallLike {
  method: string;
  args: Record<string, unknown>;
  response?: ({ ok: boolean; error?: string } & Record<string, unknown>) | null;
}

export type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const ANSI = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  italic: '\x1b[3m',
  green: '\x1b[32m',
  red: '\x1b[31m',
  cyan: '\x1b[36m',
  yellow: '\x1b[33m',
  reset: '\x1b[0m',
} as const;

function paint(style: TextStyle, code: keyof typeof ANSI, s: string): string {
  return style.color && s ? `${ANSI[code]}${s}${ANSI.reset}` : s;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Text of a `plain_text` or `mrkdwn` object, or a plain string. */
function textOf(v: unknown): { text: string; type: 'plain_text' | 'mrkdwn' } | null {
  if (typeof v === 'string') return { text: v, type: 'plain_text' };
  if (!isObj(v) || typeof v.text !== 'string') return null;
  return { text: v.text, type: v.type === 'mrkdwn' ? 'mrkdwn' : 'plain_text' };
}

/** Display width, roughly: one column per code point (good enough for a terminal transcript). */
function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes take no columns.
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l.length > 0 ? prefix + l : l))
    .join('\n');
}

/** `&lt; &gt; &amp;` back to characters, for display only. */
export function unescapeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function userName(id: string, names: Names, label?: string): string {
  return names.users?.[id] ?? label ?? id;
}

function channelName(id: string, names: Names, label?: string): string {
  return names.channels?.[id] ?? label ?? id;
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/**
 * Slack mrkdwn, lightly converted for a terminal: mentions and channel links become names, links show
 * their label and address, entities are unescaped. `*bold*` stays (in colour it becomes real bold).
 */
export function renderMrkdwn(text: string, names: Names = {}, style: TextStyle = {}): string {
  let out = text.replace(/<([^<>\n]*)>/g, (_whole, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
    if (target.startsWith('@')) return `@${userName(target.slice(1), names, label)}`;
    if (target.startsWith('#')) return `#${channelName(target.slice(1), names, label)}`;
    if (target.startsWith('!')) {
      const special = target.slice(1);
      if (special.startsWith('subteam^')) return label ?? '@group';
      if (special.startsWith('date^')) return label ?? special.split('^')[1] ?? '';
      return `@${special}`;
    }
    if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
    return label && label !== target ? `${label} (${target})` : target;
  });
  if (style.color) {
    out = out
      .replace(
        /(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/gm,
        (_m, pre: string, t: string) => `${pre}${paint(style, 'bold', t)}`,
      )
      .replace(
        /(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/gm,
        (_m, pre: string, t: string) => `${pre}${paint(style, 'italic', t)}`,
      );
  }
  return unescapeEntities(out);
}

function renderTextObject(v: unknown, names: Names, style: TextStyle): string {
  const t = textOf(v);
  if (!t) return '';
  return t.type === 'mrkdwn' ? renderMrkdwn(t.text, names, style) : unescapeEntities(t.text);
}

// ---------------------------------------------------------------------------------------------
// Elements
// ---------------------------------------------------------------------------------------------

/** An element's options, flattened out of option groups. */
export function optionsOf(el: Obj): Obj[] {
  const direct = arr(el.options).filter(isObj);
  if (direct.length > 0) return direct;
  return arr(el.option_groups)
    .filter(isObj)
    .flatMap((g) => arr(g.options).filter(isObj));
}

function optionLabel(o: unknown, names: Names, style: TextStyle): string {
  return isObj(o) ? renderTextObject(o.text, names, style) : '';
}

/** One interactive element, inline: `[ Claim ]`, `[ Choose… ▾ ]`, `(•) Yes  ( ) No`. */
export function renderElement(el: unknown, names: Names = {}, style: TextStyle = {}): string {
  if (!isObj(el)) return '';
  const type = str(el.type) ?? '';
  switch (type) {
    case 'button': {
      const label = `[ ${renderTextObject(el.text, names, style)} ]`;
      if (el.style === 'primary') return paint(style, 'green', label);
      if (el.style === 'danger') return paint(style, 'red', label);
      return label;
    }
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select': {
      const chosen =
        (el.initial_option ? optionLabel(el.initial_option, names, style) : '') ||
        (typeof el.initial_user === 'string' ? `@${userName(el.initial_user, names)}` : '') ||
        (typeof el.initial_channel === 'string' ? `#${channelName(el.initial_channel, names)}` : '') ||
        (typeof el.initial_conversation === 'string'
          ? `#${channelName(el.initial_conversation, names)}`
          : '');
      const placeholder = renderTextObject(el.placeholder, names, style) || 'Choose…';
      const box = `[ ${chosen || placeholder} ▾ ]`;
      const opts = optionsOf(el).map((o) => optionLabel(o, names, style));
      return opts.length > 0 && !chosen ? `${box}  ${paint(style, 'dim', `(${opts.join(' | ')})`)}` : box;
    }
    case 'multi_static_select':
    case 'multi_users_select':
    case 'multi_external_select':
    case 'multi_conversations_select':
    case 'multi_channels_select': {
      const chosen = arr(el.initial_options).map((o) => optionLabel(o, names, style));
      const placeholder = renderTextObject(el.placeholder, names, style) || 'Choose…';
      return `[ ${chosen.length > 0 ? chosen.join(', ') : placeholder} ▾▾ ]`;
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const initial = new Set(
        [el.initial_option, ...arr(el.initial_options)].filter(isObj).map((o) => String(o.value)),
      );
      const [on, off] = type === 'radio_buttons' ? ['(•)', '( )'] : ['[x]', '[ ]'];
      return optionsOf(el)
        .map((o) => `${initial.has(String(o.value)) ? on : off} ${optionLabel(o, names, style)}`)
        .join('  ');
    }
    case 'datepicker':
      return `[ 📅 ${str(el.initial_date) ?? (renderTextObject(el.placeholder, names, style) || 'pick a date')} ]`;
    case 'timepicker':
      return `[ 🕑 ${str(el.initial_time) ?? 'pick a time'} ]`;
    case 'datetimepicker':
      return '[ 📅 pick a date and time ]';
    case 'overflow':
      return '[ ⋯ ]';
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input': {
      const initial = str(el.initial_value);
      if (initial) return `${unescapeEntities(initial)}____`;
      const placeholder = renderTextObject(el.placeholder, names, style);
      return placeholder ? `________ ${paint(style, 'dim', `(${placeholder})`)}` : '________';
    }
    case 'image':
      return `[image: ${str(el.alt_text) ?? ''}]`;
    case 'workflow_button':
      return `[ ${renderTextObject(el.text, names, style)} ]`;
    default:
      return `[${type || 'element'}]`;
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------------

function renderFields(fieldsRaw: unknown[], names: Names, style: TextStyle): string {
  const fields = fieldsRaw.map((f) => renderTextObject(f, names, style));
  const width = style.width ?? 100;
  const col = Math.floor(width / 2) - 2;
  const fits = fields.every((f) => f.split('\n').every((l) => visibleLength(l) <= col));
  if (!fits) return fields.map((f) => indent(f, '  ').replace(/^ {2}/, '• ')).join('\n');
  const rows: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const left = (fields[i] ?? '').split('\n');
    const right = (fields[i + 1] ?? '').split('\n');
    const height = Math.max(left.length, right.length);
    for (let r = 0; r < height; r++) {
      const line = `${padEnd(left[r] ?? '', col)}  ${right[r] ?? ''}`.trimEnd();
      rows.push(line);
    }
  }
  return rows.join('\n');
}

function renderRichText(el: unknown, names: Names): string {
  if (!isObj(el)) return '';
  switch (el.type) {
    case 'text':
      return str(el.text) ?? '';
    case 'link':
      return str(el.text) ? `${el.text} (${str(el.url) ?? ''})` : (str(el.url) ?? '');
    case 'user':
      return `@${userName(str(el.user_id) ?? '', names)}`;
    case 'channel':
      return `#${channelName(str(el.channel_id) ?? '', names)}`;
    case 'emoji':
      return `:${str(el.name) ?? ''}:`;
    case 'broadcast':
      return `@${str(el.range) ?? 'here'}`;
    case 'rich_text_list':
      return arr(el.elements)
        .map((e) => `• ${renderRichText(e, names)}`)
        .join('\n');
    case 'rich_text_preformatted':
    case 'rich_text_quote':
    case 'rich_text_section':
      return arr(el.elements)
        .map((e) => renderRichText(e, names))
        .join('');
    default:
      return '';
  }
}

/** One block as text (possibly several lines). */
export function renderBlock(block: unknown, names: Names = {}, style: TextStyle = {}): string {
  if (!isObj(block)) return '';
  switch (block.type) {
    case 'header': {
      const text = renderTextObject(block.text, names, style).toUpperCase();
      return `${paint(style, 'bold', text)}\n${'═'.repeat(Math.max(3, visibleLength(text)))}`;
    }
    case 'section': {
      const parts: string[] = [];
      const text = renderTextObject(block.text, names, style);
      if (text) parts.push(text);
      const fields = arr(block.fields);
      if (fields.length > 0) parts.push(renderFields(fields, names, style));
      let out = parts.join('\n');
      if (block.accessory) {
        const acc = renderElement(block.accessory, names, style);
        out = out.includes('\n') || visibleLength(out) > 60 ? `${out}\n${acc}` : `${out}   ${acc}`;
      }
      return out;
    }
    case 'context': {
      const parts = arr(block.elements)
        .map((e) => (isObj(e) && e.type === 'image' ? '' : renderTextObject(e, names, style)))
        .filter((t) => t.length > 0);
      if (parts.length === 0) return '';
      const joined = parts.join('  ');
      const oneLine = !joined.includes('\n') && visibleLength(joined) <= (style.width ?? 100) - 4;
      return (oneLine ? [joined] : parts.flatMap((p) => p.split('\n')))
        .map((l) => paint(style, 'dim', `  · ${l}`))
        .join('\n');
    }
    case 'actions':
      return arr(block.elements)
        .map((e) => renderElement(e, names, style))
        .join('  ');
    case 'input': {
      const label = renderTextObject(block.label, names, style);
      const optional = block.optional === true ? paint(style, 'dim', ' (optional)') : '';
      const lines = [`${label}: ${renderElement(block.element, names, style)}${optional}`];
      const hint = renderTextObject(block.hint, names, style);
      if (hint) lines.push(paint(style, 'dim', `    ${hint}`));
      return lines.join('\n');
    }
    case 'divider':
      return paint(style, 'dim', '─'.repeat(Math.min(40, style.width ?? 100)));
    case 'image': {
      const title = renderTextObject(block.title, names, style);
      return `[image: ${title || str(block.alt_text) || ''}]`;
    }
    case 'rich_text':
      return arr(block.elements)
        .map((e) => renderRichText(e, names))
        .join('\n');
    case 'markdown':
      return str(block.text) ?? '';
    case 'file':
      return '[file]';
    case 'video':
      return `[video: ${renderTextObject(block.title, names, style)}]`;
    default:
      return `[${String(block.type ?? 'block')}]`;
  }
}

/** A list of blocks, one after another; blank-line separated where it helps reading. */
export function renderBlocks(blocks: unknown, names: Names = {}, style: TextStyle = {}): string {
  const out: string[] = [];
  for (const b of arr(blocks)) {
    const text = renderBlock(b, names, style);
    if (text === '') continue;
    out.push(text);
  }
  return out.join('\n');
}

/** A modal or App Home: title, blocks, then the modal's own buttons. */
export function renderView(view: unknown, names: Names = {}, style: TextStyle = {}): string {
  if (!isObj(view)) return '';
  const isHome = view.type === 'home';
  const title = isHome ? 'App Home' : renderTextObject(view.title, names, style) || 'Modal';
  const lines = [paint(style, 'bold', `┃ ${title}`), renderBlocks(view.blocks, names, style)];
  if (!isHome) {
    const close = renderTextObject(view.close, names, style) || 'Cancel';
    const submit = renderTextObject(view.submit, names, style);
    lines.push(submit ? `[ ${close} ]  ${paint(style, 'green', `[ ${submit} ]`)}` : `[ ${close} ]`);
  }
  return lines.filter((l) => l !== '').join('\n');
}

/** A message's body: its blocks, or its text when it has none. */
export function renderMessage(
  msg: { text?: unknown; blocks?: unknown },
  names: Names = {},
  style: TextStyle = {},
): string {
  const blocks = arr(msg.blocks);
  if (blocks.length > 0) return renderBlocks(blocks, names, style);
  return typeof msg.text === 'string' ? renderMrkdwn(msg.text, names, style) : '';
}

// ---------------------------------------------------------------------------------------------
// Calls and answers
// ---------------------------------------------------------------------------------------------

/** `── title ──` */
export function titleLine(title: string, style: TextStyle = {}): string {
  return paint(style, 'cyan', `── ${title} ──`);
}

function personLabel(userId: string, names: Names): string {
  const name = userName(userId, names);
  const org = names.orgs?.[userId];
  return org ? `${name} (${org})` : name;
}

function where(channel: string, names: Names): { dmUser?: string; label: string } {
  if (/^[UW][A-Z0-9]+$/.test(channel))
    return { dmUser: channel, label: `DM to ${personLabel(channel, names)}` };
  const dmUser = names.dms?.[channel];
  if (dmUser) return { dmUser, label: `DM to ${personLabel(dmUser, names)}` };
  if (channel.startsWith('D')) return { label: `DM ${channel}` };
  return { label: `#${channelName(channel, names)}` };
}

function block(title: string, body: string, style: TextStyle): string {
  return body ? `${titleLine(title, style)}\n${indent(body, '  ')}` : titleLine(title, style);
}

/**
 * One recorded Slack Web API call as a titled block, or null for calls a reader does not need to see
 * (auth.test, users.info, conversations.open, …).
 */
export function renderCall(call: CallLike, names: Names = {}, style: TextStyle = {}): string | null {
  const args = call.args;
  const res = call.response ?? null;
  const failed = res !== null && res.ok === false;
  const failure = failed ? `\n${paint(style, 'red', `  ✗ Slack answered: ${res?.error ?? 'error'}`)}` : '';
  const channel = str(res?.channel) ?? str(args.channel) ?? '';
  switch (call.method) {
    case 'chat.postMessage': {
      const w = where(channel, names);
      const thread = str(args.thread_ts) ? ' (reply in thread)' : '';
      const title = w.dmUser
        ? `${w.label}${thread}`
        : `${w.label}: ${thread ? 'reply in thread' : 'new post'}`;
      return block(title, renderMessage(args, names, style), style) + failure;
    }
    case 'chat.update': {
      const w = where(channel, names);
      const title = w.dmUser ? `${w.label} (updated)` : `${w.label}: post updated`;
      return block(title, renderMessage(args, names, style), style) + failure;
    }
    case 'chat.postEphemeral': {
      const user = str(args.user) ?? '';
      const w = where(channel, names);
      const title = `ephemeral to ${userName(user, names)} ${w.dmUser ? 'in their DM' : `in ${w.label}`}`;
      return block(title, renderMessage(args, names, style), style) + failure;
    }
    case 'views.open':
    case 'views.push':
    case 'views.update': {
      const view = isObj(args.view) ? args.view : {};
      const viewId = isObj(res?.view) ? str(res.view.id) : str(args.view_id);
      const owner = viewId ? names.views?.[viewId] : undefined;
      const verb = { 'views.open': 'opened', 'views.push': 'pushed', 'views.update': 'updated' }[call.method];
      const title = `modal ${verb}${owner ? ` for ${userName(owner, names)}` : ''}`;
      return block(title, renderView(view, names, style), style) + failure;
    }
    case 'views.publish': {
      const user = str(args.user_id) ?? '';
      return (
        block(`App Home for ${userName(user, names)}`, renderView(args.view, names, style), style) + failure
      );
    }
    case 'pins.add':
      return titleLine(`📌 pinned in #${channelName(channel, names)}`, style) + failure;
    case 'reactions.add':
      return (
        titleLine(`:${str(args.name) ?? ''}: reaction in #${channelName(channel, names)}`, style) + failure
      );
    default:
      return null;
  }
}

/**
 * What the app answered on the HTTP request itself: a slash command's ephemeral reply, or a modal
 * submission's `response_action`. Null for an empty ack.
 */
export function renderAck(
  ack: unknown,
  context: { userId: string; channelId?: string | null },
  names: Names = {},
  style: TextStyle = {},
): string | null {
  if (!isObj(ack)) return null;
  const action = str(ack.response_action);
  if (action === 'update' || action === 'push') {
    return block(`modal answer (${action})`, renderView(ack.view, names, style), style);
  }
  if (action === 'errors') {
    const errors = isObj(ack.errors) ? ack.errors : {};
    const body = Object.entries(errors)
      .map(([field, msg]) => paint(style, 'red', `✗ ${field}: ${String(msg)}`))
      .join('\n');
    return block('modal answer (errors)', body, style);
  }
  if (action === 'clear') return titleLine('modal answer (clear: the modal closes)', style);
  if (ack.text === undefined && ack.blocks === undefined) return null;
  const where =
    context.channelId && !context.channelId.startsWith('D')
      ? ` in #${channelName(context.channelId, names)}`
      : '';
  return block(
    `ephemeral to ${userName(context.userId, names)}${where}`,
    renderMessage(ack, names, style),
    style,
  );
}

/**
 * Block Kit as HTML, for the playground page (the terminal twin is src/dev/render-text.ts). Pure functions:
 * no I/O, no clock. Every piece of text is escaped; the only markup is what this module writes itself.
 * Interactive elements carry `data-*` attributes the page's script reads (action id, block id, value), so a
 * click becomes the `block_actions` payload Slack would send.
 */
import { arr, isObj, type Obj, optionsOf, str } from '../slack/render-text.ts';

/** Who and where the Slack ids are, so mentions read as names. */
export interface HtmlNames {
  users?: Readonly<Record<string, string>>;
  channels?: Readonly<Record<string, string>>;
}

export interface RenderContext {
  names?: HtmlNames;
  /** People offered by `users_select` (id and name). */
  people?: ReadonlyArray<{ id: string; name: string }>;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Slack's own `&lt; &gt; &amp;` back to characters (before escaping again for HTML). */
function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function safeUrl(url: string): string | null {
  return /^(https?:|mailto:)/i.test(url) ? url : null;
}

/** Inline styles of one run of text: `*bold*`, `_italic_`, `~strike~` (already HTML-escaped input). */
function inlineStyles(escaped: string): string {
  return escaped
    .replace(/(^|[\s(>\uE000])\*([^*\n]+)\*(?=$|[\s).,:;!?<\uE000])/gm, '$1<b>$2</b>')
    .replace(/(^|[\s(>\uE000])_([^_\n]+)_(?=$|[\s).,:;!?<\uE000])/gm, '$1<i>$2</i>')
    .replace(/(^|[\s(>\uE000])~([^~\n]+)~(?=$|[\s).,:;!?<\uE000])/gm, '$1<s>$2</s>');
}

/**
 * Slack mrkdwn as HTML: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ``` ```blocks``` ```, `>` quotes,
 * `<@U…>` mentions and `<#C…>` channels as names, `<url|label>` links, `<!date^…|fallback>` as its fallback.
 * Everything else is text.
 */
export function mrkdwnToHtml(text: string, names: HtmlNames = {}): string {
  // Tokens become placeholders first (so their contents never meet the styling rules, while a style may span
  // a mention), then the text is escaped and styled, then the tokens' HTML goes back in.
  const tokens: string[] = [];
  const hold = (html: string) => `\uE000${tokens.push(html) - 1}\uE000`;
  const held = text
    .replace(/\uE000/g, '')
    .replace(
      /```([\s\S]*?)```|`([^`\n]+)`|<([^<>\n]*)>/g,
      (_m, block?: string, code?: string, inner?: string) => {
        if (block !== undefined) return hold(`<pre>${escapeHtml(unescapeSlack(block))}</pre>`);
        if (code !== undefined) return hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`);
        return hold(angle(inner ?? '', names));
      },
    );
  return inlineStyles(escapeHtml(unescapeSlack(held)))
    .split('\n')
    .map((line) => (line.startsWith('&gt; ') ? `<q>${line.slice(5)}</q>` : line))
    .join('<br>')
    .replace(/\uE000(\d+)\uE000/g, (_m, i: string) => tokens[Number(i)] ?? '');
}

function angle(inner: string, names: HtmlNames): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? unescapeSlack(inner.slice(bar + 1)) : undefined;
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${escapeHtml(names.users?.[id] ?? label ?? id)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention">#${escapeHtml(names.channels?.[id] ?? label ?? id)}</span>`;
  }
  if (target.startsWith('!')) {
    const special = target.slice(1);
    if (special.startsWith('date^')) return escapeHtml(label ?? special.split('^')[1] ?? '');
    if (special.startsWith('subteam^'))
      return `<span class="mention">${escapeHtml(label ?? '@group')}</span>`;
    return `<span class="mention">@${escapeHtml(special)}</span>`;
  }
  const url = safeUrl(unescapeSlack(target));
  const shown = label ?? unescapeSlack(target).replace(/^mailto:/, '');
  // Not a link Slack would make (raw `<b>` that reached mrkdwn unescaped): show it as the text it is.
  if (!url) return escapeHtml(label ?? `<${unescapeSlack(inner)}>`);
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(shown)}</a>`;
}

/** A `plain_text` or `mrkdwn` text object (or a plain string) as HTML. */
export function textHtml(v: unknown, names: HtmlNames = {}): string {
  if (typeof v === 'string') return escapeHtml(v);
  if (!isObj(v) || typeof v.text !== 'string') return '';
  return v.type === 'mrkdwn' ? mrkdwnToHtml(v.text, names) : escapeHtml(v.text).replace(/\n/g, '<br>');
}

/** A text object as plain text (option labels inside `<option>`, titles). */
export function plainOf(v: unknown): string {
  if (typeof v === 'string') return v;
  return isObj(v) && typeof v.text === 'string' ? v.text : '';
}

function attrs(a: Record<string, string | undefined | null | false>): string {
  return Object.entries(a)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
}

function confirmText(el: Obj): string | undefined {
  if (!isObj(el.confirm)) return undefined;
  const c = el.confirm;
  return [plainOf(c.title), plainOf(c.text)].filter((t) => t).join('\n\n') || 'Are you sure?';
}

function optionTags(el: Obj, selected: ReadonlySet<string>, placeholder: string): string {
  const opts = optionsOf(el)
    .map((o) => {
      const value = String(o.value ?? '');
      return `<option${attrs({ value, selected: selected.has(value) ? 'selected' : undefined })}>${escapeHtml(plainOf(o.text))}</option>`;
    })
    .join('');
  return `<option value="">${escapeHtml(placeholder)}</option>${opts}`;
}

function initialValues(el: Obj): Set<string> {
  return new Set(
    [el.initial_option, ...arr(el.initial_options)].filter(isObj).map((o) => String(o.value ?? '')),
  );
}

/** One element, as a control. `inInput`: inside an input block of a modal (form field, not an action). */
export function elementHtml(el: unknown, blockId: string, ctx: RenderContext = {}, inInput = false): string {
  if (!isObj(el)) return '';
  const type = str(el.type) ?? '';
  const actionId = str(el.action_id) ?? '';
  const names = ctx.names ?? {};
  const common = { 'data-action-id': actionId, 'data-block-id': blockId, 'data-type': type };
  const placeholder = plainOf(el.placeholder) || 'Choose…';
  switch (type) {
    case 'button': {
      const style = el.style === 'primary' || el.style === 'danger' ? ` bk-${el.style}` : '';
      if (str(el.url)) {
        const url = safeUrl(str(el.url) ?? '');
        return `<a class="bk-button${style}"${attrs({ href: url ?? undefined, target: '_blank', rel: 'noopener noreferrer' })}>${textHtml(el.text, names)}</a>`;
      }
      return `<button type="button" class="bk-button${style}"${attrs({ ...common, 'data-value': str(el.value) ?? '', 'data-confirm': confirmText(el) })}>${textHtml(el.text, names)}</button>`;
    }
    case 'static_select':
    case 'external_select':
      return `<select class="bk-select"${attrs({ ...common, name: inInput ? actionId : undefined, 'data-confirm': confirmText(el) })}>${optionTags(el, initialValues(el), placeholder)}</select>`;
    case 'multi_static_select':
      return `<select multiple class="bk-select"${attrs(common)}>${optionsOf(el)
        .map(
          (o) =>
            `<option${attrs({ value: String(o.value ?? ''), selected: initialValues(el).has(String(o.value ?? '')) ? 'selected' : undefined })}>${escapeHtml(plainOf(o.text))}</option>`,
        )
        .join('')}</select>`;
    case 'users_select': {
      const initial = str(el.initial_user) ?? '';
      const people = (ctx.people ?? [])
        .map(
          (p) =>
            `<option${attrs({ value: p.id, selected: p.id === initial ? 'selected' : undefined })}>${escapeHtml(p.name)}</option>`,
        )
        .join('');
      return `<select class="bk-select"${attrs(common)}><option value="">${escapeHtml(placeholder)}</option>${people}</select>`;
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const initial = initialValues(el);
      const input = type === 'radio_buttons' ? 'radio' : 'checkbox';
      const group = `${blockId}.${actionId}`;
      return `<div class="bk-choices"${attrs(common)}>${optionsOf(el)
        .map((o) => {
          const value = String(o.value ?? '');
          const checked = initial.has(value) ? 'checked' : undefined;
          const desc = o.description ? `<small>${textHtml(o.description, names)}</small>` : '';
          return `<label><input${attrs({ type: input, name: group, value, checked })}> ${textHtml(o.text, names)}${desc}</label>`;
        })
        .join('')}</div>`;
    }
    case 'datepicker':
      return `<input class="bk-text"${attrs({ ...common, type: 'date', value: str(el.initial_date) ?? '' })}>`;
    case 'timepicker':
      return `<input class="bk-text"${attrs({ ...common, type: 'time', value: str(el.initial_time) ?? '' })}>`;
    case 'plain_text_input': {
      const value = str(el.initial_value) ?? '';
      const ph = plainOf(el.placeholder);
      const max = typeof el.max_length === 'number' ? String(el.max_length) : undefined;
      if (el.multiline === true)
        return `<textarea class="bk-text" rows="3"${attrs({ ...common, placeholder: ph || undefined, maxlength: max })}>${escapeHtml(value)}</textarea>`;
      return `<input class="bk-text"${attrs({ ...common, type: 'text', value, placeholder: ph || undefined, maxlength: max })}>`;
    }
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input': {
      const kind = { number_input: 'number', email_text_input: 'email', url_text_input: 'url' }[type];
      return `<input class="bk-text"${attrs({ ...common, type: kind, value: str(el.initial_value) ?? '', placeholder: plainOf(el.placeholder) || undefined })}>`;
    }
    case 'overflow':
      return `<select class="bk-select bk-overflow"${attrs(common)}>${optionTags(el, new Set(), '⋯')}</select>`;
    case 'image':
      return imageHtml(el);
    default:
      return `<span class="bk-unknown">[${escapeHtml(type || 'element')}]</span>`;
  }
}

function imageHtml(el: Obj): string {
  const src = safeUrl(str(el.image_url) ?? '');
  const alt = str(el.alt_text) ?? '';
  return src
    ? `<img class="bk-img"${attrs({ src, alt })}>`
    : `<span class="bk-img-alt">[${escapeHtml(alt)}]</span>`;
}

/** One block as HTML. Input blocks become labelled form fields with an error slot. */
export function blockHtml(block: unknown, ctx: RenderContext = {}): string {
  if (!isObj(block)) return '';
  const names = ctx.names ?? {};
  const blockId = str(block.block_id) ?? '';
  switch (block.type) {
    case 'header':
      return `<h3 class="bk-header">${textHtml(block.text, names)}</h3>`;
    case 'section': {
      const text = block.text ? `<div class="bk-text-body">${textHtml(block.text, names)}</div>` : '';
      const fields = arr(block.fields);
      const grid = fields.length
        ? `<div class="bk-fields">${fields.map((f) => `<div>${textHtml(f, names)}</div>`).join('')}</div>`
        : '';
      const acc = block.accessory
        ? `<div class="bk-accessory">${elementHtml(block.accessory, blockId, ctx)}</div>`
        : '';
      return `<div class="bk-section"><div class="bk-main">${text}${grid}</div>${acc}</div>`;
    }
    case 'context':
      return `<div class="bk-context">${arr(block.elements)
        .map((e) => (isObj(e) && e.type === 'image' ? imageHtml(e) : `<span>${textHtml(e, names)}</span>`))
        .join('')}</div>`;
    case 'divider':
      return '<hr class="bk-divider">';
    case 'actions':
      return `<div class="bk-actions">${arr(block.elements)
        .map((e) => elementHtml(e, blockId, ctx))
        .join('')}</div>`;
    case 'image': {
      const title = block.title ? `<div class="bk-image-title">${textHtml(block.title, names)}</div>` : '';
      return `<figure class="bk-image">${title}${imageHtml(block)}</figure>`;
    }
    case 'input': {
      const el = isObj(block.element) ? block.element : {};
      const optional = block.optional === true ? ' <small>(optional)</small>' : '';
      const hint = block.hint ? `<div class="bk-hint">${textHtml(block.hint, names)}</div>` : '';
      return `<div class="bk-input"${attrs({ 'data-block-id': blockId, 'data-action-id': str(el.action_id) ?? '', 'data-type': str(el.type) ?? '' })}><label class="bk-label">${textHtml(block.label, names)}${optional}</label>${elementHtml(el, blockId, ctx, true)}${hint}<div class="bk-error"${attrs({ 'data-error-for': blockId })}></div></div>`;
    }
    case 'rich_text':
      return `<div class="bk-rich">${escapeHtml(richText(block))}</div>`;
    case 'markdown':
      return `<div class="bk-text-body">${mrkdwnToHtml(str(block.text) ?? '', names)}</div>`;
    default:
      return `<div class="bk-unknown">[${escapeHtml(String(block.type ?? 'block'))}]</div>`;
  }
}

function richText(el: unknown): string {
  if (!isObj(el)) return '';
  if (el.type === 'text' || el.type === 'link') return str(el.text) ?? str(el.url) ?? '';
  return arr(el.elements)
    .map(richText)
    .join(el.type === 'rich_text' ? '\n' : '');
}

export function blocksHtml(blocks: unknown, ctx: RenderContext = {}): string {
  return arr(blocks)
    .map((b) => blockHtml(b, ctx))
    .join('');
}

/** A message body: its blocks, or its text when it has none. */
export function messageHtml(msg: { text?: unknown; blocks?: unknown }, ctx: RenderContext = {}): string {
  const blocks = arr(msg.blocks);
  if (blocks.length > 0) return blocksHtml(blocks, ctx);
  return typeof msg.text === 'string'
    ? `<div class="bk-text-body">${mrkdwnToHtml(msg.text, ctx.names)}</div>`
    : '';
}

/**
 * A modal as a `<dialog>`-ready form: title, blocks, inline field errors, Cancel and Submit. The view id
 * rides on the form so the page submits the right view.
 */
export function modalHtml(
  view: unknown,
  ctx: RenderContext & { viewId: string; errors?: Readonly<Record<string, string>> },
): string {
  if (!isObj(view)) return '';
  const title = plainOf(view.title) || 'Modal';
  const submit = plainOf(view.submit);
  const close = plainOf(view.close) || (submit ? 'Cancel' : 'Close');
  let body = blocksHtml(view.blocks, ctx);
  for (const [blockId, message] of Object.entries(ctx.errors ?? {})) {
    body = body.replace(
      `<div class="bk-error" data-error-for="${escapeHtml(blockId)}"></div>`,
      `<div class="bk-error" data-error-for="${escapeHtml(blockId)}">${escapeHtml(message)}</div>`,
    );
  }
  const submitButton = submit
    ? `<button type="submit" class="bk-button bk-primary" data-modal-submit>${escapeHtml(submit)}</button>`
    : '';
  return `<form class="modal"${attrs({ 'data-view-id': ctx.viewId })}><header>${escapeHtml(title)}</header><div class="modal-body">${body}</div><footer><button type="button" class="bk-button" data-modal-close>${escapeHtml(close)}</button>${submitButton}</footer></form>`;
}

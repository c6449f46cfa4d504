// Text helpers for every Slack surface. Two rules hold everywhere in src/slack:
//  - user-supplied text shown in `mrkdwn` (and in a message's top-level `text`, which Slack also parses)
//    goes through `escapeMrkdwn`, so `<!channel>`, `<@U…>`, `<#C…>` and `<https://evil|click>` stay inert;
//  - user-supplied text shown in `plain_text` goes through `cleanPlain`.
// Both first strip control characters and bidi overrides, which can disguise what a message says.

/** C0/C1 control characters except tab and newline (normalised first). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are removed.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069) and the invisible marks U+200E, U+200F, U+061C. */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
/** A surrogate half without its partner (invalid UTF-16; Slack would reject or mangle it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Normalises newlines and removes control characters, bidi overrides and lone surrogates. */
export function sanitize(s: string | null | undefined): string {
  if (s == null) return '';
  return String(s)
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(CONTROL, '')
    .replace(BIDI, '')
    .replace(LONE_SURROGATE, '\uFFFD');
}

/** Escapes user text for mrkdwn: `&`, `<`, `>` become entities (what Slack documents), after `sanitize`. */
export function escapeMrkdwn(s: string | null | undefined): string {
  return sanitize(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * User text for `plain_text` objects (headers, button and option labels). Slack does not parse mentions
 * there, but angle brackets are swapped for look-alikes anyway, so no surface ever carries a raw `<!…>`.
 */
export function cleanPlain(s: string | null | undefined): string {
  return sanitize(s).replace(/</g, '\u2039').replace(/>/g, '\u203A');
}

/** One line of user text: newlines become spaces (for fields, list lines, fallback text). */
export function oneLine(s: string | null | undefined): string {
  return sanitize(s)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * At most `max` UTF-16 units (never more code points either), ending with `…` when cut. Cuts between
 * grapheme clusters, so surrogate pairs, emoji sequences and combining marks stay whole.
 */
export function truncate(s: string, max: number): string {
  if (max <= 0) return '';
  if (s.length <= max) return s;
  if (max === 1) return '…';
  const budget = max - 1;
  let end = 0;
  for (const { segment, index } of graphemes.segment(s)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  return `${s.slice(0, end).trimEnd()}…`;
}

/**
 * `truncate` for text that is already mrkdwn: never leaves half an entity (`&am…`) or half a
 * `<…>` token (a mention or link we built), which Slack would show garbled.
 */
export function truncateMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = truncate(s, max).slice(0, -1);
  const lt = cut.lastIndexOf('<');
  if (lt > cut.lastIndexOf('>')) cut = cut.slice(0, lt);
  cut = cut.replace(/&[#a-z0-9]{0,6}$/i, '');
  return `${cut.trimEnd()}…`;
}

/** Escapes, then truncates without breaking an entity. The usual way to show a user's text. */
export function userText(s: string | null | undefined, max: number): string {
  return truncateMrkdwn(escapeMrkdwn(s), max);
}

const USER_ID = /^[UW][A-Z0-9]+$/;
const CHANNEL_ID = /^[CG][A-Z0-9]+$/;

/** `<@U…>` for a real user id; anything else is shown as escaped text and cannot ping anyone. */
export function mention(userId: string | null | undefined): string {
  if (userId && USER_ID.test(userId)) return `<@${userId}>`;
  return escapeMrkdwn(userId ?? '');
}

/** `<#C…>` for a real channel id; anything else as escaped text. */
export function channelLink(channelId: string | null | undefined): string {
  if (channelId && CHANNEL_ID.test(channelId)) return `<#${channelId}>`;
  return escapeMrkdwn(channelId ?? '');
}

/** A safe http(s) URL for a mrkdwn link, or null. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url || url.length > 3000 || /[\s<>|"]/.test(url)) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  } catch {
    return null;
  }
  return url;
}

/** `<url|label>` with an escaped label; only http(s) URLs become links, otherwise the label alone. */
export function link(url: string | null | undefined, label: string): string {
  const safe = safeUrl(url);
  const text = escapeMrkdwn(oneLine(label)).replace(/\|/g, '¦');
  if (!safe) return text;
  return `<${safe.replace(/&/g, '&amp;')}|${text || 'link'}>`;
}

/** A link to a Slack message (a permalink on slack.com); any other URL is not linked. */
export function slackMessageLink(url: string | null | undefined, label: string): string {
  const safe = safeUrl(url);
  if (!safe) return escapeMrkdwn(oneLine(label));
  const host = new URL(safe).hostname.toLowerCase();
  const slack = host === 'slack.com' || host.endsWith('.slack.com');
  return slack && safe.startsWith('https://') ? link(safe, label) : escapeMrkdwn(oneLine(label));
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "Nov 22, 2026" for an instant, as a calendar date in `timeZone` (the program's). */
export function formatDate(ms: number, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric', year: 'numeric' });
    dateFormats.set(timeZone, f);
  }
  return f.format(new Date(ms));
}

/** "Nov 22, 2026" for an ISO calendar date (`YYYY-MM-DD`); anything else comes back escaped. */
export function formatCalendarDate(iso: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  if (!m) return escapeMrkdwn(iso ?? '');
  return formatDate(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12), 'UTC');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago `ms` was: "5 minutes", "5 hours", "3 days", "4 months", "2 years". */
export function formatAge(ms: number, nowMs: number): string {
  const d = Math.max(0, nowMs - ms);
  if (d < MINUTE) return 'less than a minute';
  if (d < HOUR) return plural(Math.floor(d / MINUTE), 'minute');
  if (d < DAY) return plural(Math.floor(d / HOUR), 'hour');
  if (d < 120 * DAY) return plural(Math.floor(d / DAY), 'day');
  if (d < 730 * DAY) return plural(Math.floor(d / (30 * DAY)), 'month');
  return plural(Math.floor(d / (365 * DAY)), 'year');
}

/** Whole days from `ms` to `nowMs` (never negative). */
export function daysSince(ms: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - ms) / DAY));
}

/** A rate in 0–1 as "40%"; null (no data yet) as "—". */
export function percent(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return '—';
  return `${Math.round(rate * 100)}%`;
}

/** "a", "a and b", "a, b and c". */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * A Slack message's `text` as the person wrote it: Slack sends `&`, `<` and `>` escaped as `&amp;`, `&lt;`
 * and `&gt;` ("Escaping text" in Slack's formatting docs), which a plain-text input would show literally.
 */
export function unescapeSlackText(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

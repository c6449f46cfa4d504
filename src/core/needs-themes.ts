// Product input (PRODUCT.md section 12): what accounts need, from the partners' answers to "what do they
// need?" (the lead's need text), grouped into themes by segment and period. Deterministic, no outside
// service:
//
// - Configured themes (`needs.themes`: a name and keywords): a need belongs to every theme one of whose
//   keywords it contains as whole words (case-insensitive; a keyword may be a phrase).
// - Without configured themes, themes are extracted: each need is lower-cased and split into words (letters
//   and digits); stop words and words under 3 letters are dropped; its terms are its distinct words and
//   pairs of adjacent kept words. A term's weight is how many needs contain it. Terms are taken greedily by
//   weight (a pair before a single word at equal weight, then alphabetically), skipping a term when at least
//   80% of its needs are already covered by the terms taken, until `maxThemes` or the weight falls below
//   `minCount`.
//
// Quotes are cleaned before anyone sees them: e-mail addresses, phone numbers, Slack mentions, URLs, the
// contact's name and the partners' names are replaced, and the text is cut to 200 characters. Nothing here
// names the partner a need came from.

export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each etc few for from further get got had has ' +
    'have having he her here hers him his how i if in into is it its itself just like more most much must my ' +
    'need needs needed no nor not now of off on once only or other our ours out over own per really same she ' +
    'should so some such than that the their theirs them then there these they this those through to too ' +
    'under until up us very via want wants was we were what when where which while who whom why will with ' +
    "would you your yours they're looking currently current new use using help better team teams company " +
    'customer customers account accounts partner one two next year years month months'
  ).split(/\s+/),
);

export interface NeedText {
  id: number;
  text: string;
  /** Segment key the need is grouped by (e.g. its industry), `unknown` when none. */
  segment: string;
  /** Period key (e.g. `2026-10`). */
  period: string;
  /** Names to strip from quotes (the attested contact's name, partner names). */
  redact?: readonly string[];
}

export interface ThemeSetting {
  name: string;
  keywords: readonly string[];
}

export interface Theme {
  name: string;
  /** Needs in the theme. */
  count: number;
  /** Share of all needs in the period considered. */
  share: number;
  bySegment: Array<{ segment: string; count: number }>;
  byPeriod: Array<{ period: string; count: number }>;
  /** Up to `quotes` cleaned examples (newest first). */
  quotes: string[];
}

export interface ThemeOptions {
  themes?: readonly ThemeSetting[];
  maxThemes?: number;
  minCount?: number;
  quotes?: number;
}

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

function terms(text: string): Set<string> {
  const kept = words(text).map((w) => (w.length >= 3 && !STOP_WORDS.has(w) ? w : null));
  const out = new Set<string>();
  for (let i = 0; i < kept.length; i++) {
    const w = kept[i];
    if (!w) continue;
    out.add(w);
    const next = kept[i + 1];
    if (next) out.add(`${w} ${next}`);
  }
  return out;
}

function containsPhrase(haystack: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= haystack.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (haystack[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A need made safe to quote (see the top of this file). Slack escaping happens where it is rendered. */
export function cleanQuote(text: string, redact: readonly string[] = []): string {
  let t = text
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/<[@#!][^>]*>/g, '[someone]')
    .replace(/\bhttps?:\/\/\S+/gi, '[link]')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/\+?\d[\d\s().-]{7,}\d/g, '[phone]')
    .replace(/@\w+/g, '[someone]');
  const names = [...redact]
    .flatMap((n) => [n, ...n.split(/\s+/).filter((part) => part.length >= 3)])
    .filter((n) => n.trim().length >= 2)
    .sort((a, b) => b.length - a.length);
  for (const name of names) t = t.replace(new RegExp(`\\b${escapeRegExp(name.trim())}\\b`, 'giu'), '[name]');
  t = t.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

function countBy(keys: readonly string[]): Array<{ key: string; count: number }> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

function theme(name: string, members: readonly NeedText[], total: number, quotes: number): Theme {
  const newest = [...members].sort((a, b) =>
    a.period < b.period ? 1 : a.period > b.period ? -1 : b.id - a.id,
  );
  const seen = new Set<string>();
  const picked: string[] = [];
  for (const m of newest) {
    if (picked.length >= quotes) break;
    const q = cleanQuote(m.text, m.redact);
    if (q.length === 0 || seen.has(q.toLowerCase())) continue;
    seen.add(q.toLowerCase());
    picked.push(q);
  }
  return {
    name,
    count: members.length,
    share: total > 0 ? members.length / total : 0,
    bySegment: countBy(members.map((m) => m.segment)).map(({ key, count }) => ({ segment: key, count })),
    byPeriod: countBy(members.map((m) => m.period))
      .map(({ key, count }) => ({ period: key, count }))
      .sort((a, b) => (a.period < b.period ? -1 : 1)),
    quotes: picked,
  };
}

/** Themes over `needs` (see the top of this file), most common first. */
export function needThemes(needs: readonly NeedText[], opts: ThemeOptions = {}): Theme[] {
  const quotes = opts.quotes ?? 3;
  const minCount = opts.minCount ?? 2;
  const maxThemes = opts.maxThemes ?? 8;
  const usable = needs.filter((n) => n.text.trim().length > 0);
  if (opts.themes && opts.themes.length > 0) {
    const tokenized = usable.map((n) => ({ n, w: words(n.text) }));
    return opts.themes
      .map((t) => {
        const kw = t.keywords.map(words);
        return theme(
          t.name,
          tokenized.filter(({ w }) => kw.some((k) => containsPhrase(w, k))).map(({ n }) => n),
          usable.length,
          quotes,
        );
      })
      .filter((t) => t.count > 0)
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
  }
  const docs = new Map<string, number[]>();
  usable.forEach((n, i) => {
    for (const term of terms(n.text)) {
      const list = docs.get(term);
      if (list) list.push(i);
      else docs.set(term, [i]);
    }
  });
  const ranked = [...docs]
    .filter(([, ids]) => ids.length >= minCount)
    .sort(
      (a, b) =>
        b[1].length - a[1].length ||
        Number(b[0].includes(' ')) - Number(a[0].includes(' ')) ||
        (a[0] < b[0] ? -1 : 1),
    );
  const covered = new Set<number>();
  const out: Theme[] = [];
  for (const [term, ids] of ranked) {
    if (out.length >= maxThemes) break;
    const already = ids.filter((i) => covered.has(i)).length;
    if (already >= 0.8 * ids.length) continue;
    for (const i of ids) covered.add(i);
    out.push(
      theme(
        term,
        ids.map((i) => usable[i]!),
        usable.length,
        quotes,
      ),
    );
  }
  return out;
}

// A reader for the block-YAML subset compose.yaml is written in (no YAML parser is installed, and the image
// has no reason to carry one): mappings, sequences, plain, quoted and flow-sequence scalars, comments. Anything
// outside it (anchors, aliases, tags, block scalars, flow mappings, tabs) is an error naming the line, so a
// compose file that grows past the subset fails its test instead of being misread.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  n: number;
  indent: number;
  text: string;
}

export class YamlSubsetError extends Error {}

const KEY = /^([A-Za-z0-9_.-]+|"[^"\\]*"|'[^']*'):(?:[ ](.*))?$/;
const KEY_START = /^([A-Za-z0-9_.-]+|"[^"\\]*"|'[^']*'):(?:[ ]|$)/;

export function parseYamlSubset(source: string): YamlValue {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    const text = stripComment(raw, i + 1).trimEnd();
    if (text.trim() === '') return;
    const lead = /^[ \t]*/.exec(text)?.[0] ?? '';
    if (lead.includes('\t')) throw fail(i + 1, 'tab in indentation');
    lines.push({ n: i + 1, indent: lead.length, text: text.trim() });
  });
  if (lines.length === 0) return null;
  let pos = 0;

  const isItem = (l: Line | undefined, indent: number) =>
    l !== undefined && l.indent === indent && (l.text === '-' || l.text.startsWith('- '));

  function block(): YamlValue {
    const first = lines[pos] as Line;
    return isItem(first, first.indent) ? sequence(first.indent) : mapping(first.indent);
  }

  function mapping(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    while (pos < lines.length && (lines[pos] as Line).indent === indent && !isItem(lines[pos], indent)) {
      const line = lines[pos] as Line;
      const m = KEY.exec(line.text);
      if (!m) throw fail(line.n, `expected "key: value", found ${JSON.stringify(line.text)}`);
      const key = unquote(m[1] as string, line.n);
      if (Object.hasOwn(out, key)) throw fail(line.n, `duplicate key ${key}`);
      pos++;
      const next = lines[pos];
      if (m[2] !== undefined && m[2].trim() !== '') out[key] = scalar(m[2].trim(), line.n);
      else if (next && next.indent > indent) out[key] = block();
      else if (isItem(next, indent)) out[key] = sequence(indent);
      else out[key] = null;
    }
    const stray = lines[pos];
    if (stray && stray.indent > indent) throw fail(stray.n, 'unexpected indentation');
    return out;
  }

  function sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (isItem(lines[pos], indent)) {
      const line = lines[pos] as Line;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        pos++;
        const next = lines[pos];
        out.push(next && next.indent > indent ? block() : null);
      } else if (KEY_START.test(rest)) {
        // "- key: value" opens a mapping whose keys line up with "key".
        const itemIndent = indent + (line.text.length - rest.length);
        lines[pos] = { n: line.n, indent: itemIndent, text: rest };
        out.push(mapping(itemIndent));
      } else {
        out.push(scalar(rest, line.n));
        pos++;
      }
    }
    return out;
  }

  const value = block();
  if (pos < lines.length) throw fail((lines[pos] as Line).n, 'unexpected indentation');
  return value;
}

function scalar(text: string, n: number): YamlValue {
  if (/^[&*!|>{]/.test(text)) throw fail(n, `outside the subset: ${JSON.stringify(text)}`);
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw fail(n, 'a flow sequence must end on its line');
    const inner = text.slice(1, -1).trim();
    return inner === '' ? [] : splitFlow(inner, n).map((item) => scalar(item, n));
  }
  if (text.startsWith('"') || text.startsWith("'")) return unquote(text, n);
  if (text.includes(': ')) throw fail(n, `": " inside a plain scalar: ${JSON.stringify(text)}`);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

function unquote(text: string, n: number): string {
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\["\\])*"$/.test(text)) throw fail(n, `unsupported double-quoted string ${text}`);
    return text.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw fail(n, `unterminated single-quoted string ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  return text;
}

/** Splits "a, "b, c", 'd'" on the commas outside quotes. */
function splitFlow(inner: string, n: number): string[] {
  const items: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      items.push(inner.slice(start, i).trim());
      start = i + 1;
    } else if (c === '[' || c === '{') throw fail(n, 'nested flow collections are outside the subset');
  }
  if (quote) throw fail(n, 'unterminated quote in a flow sequence');
  items.push(inner.slice(start).trim());
  return items;
}

/** Drops a comment: "#" at the start of the line or after white space, outside quotes. */
function stripComment(raw: string, n: number): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[,:-]/.test(raw[i - 1] as string))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1] as string))) return raw.slice(0, i);
  }
  if (quote) throw fail(n, 'unterminated quote');
  return raw;
}

function fail(n: number, message: string): YamlSubsetError {
  return new YamlSubsetError(`line ${n}: ${message}`);
}

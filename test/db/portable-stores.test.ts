import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The stores are written once for both engines (src/db/engine.ts). These are the constructs that work on
// SQLite and break on PostgreSQL, or bypass the engine layer; each line names where one crept in.

const STORES = new URL('../../src/db/stores/', import.meta.url);

const RULES: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  // A synchronous builder terminal (better-sqlite3 only). Prepared queries are called as `q(h).get(params)`.
  // A builder chain ends in `)` (or continues on its own line); `map.values()` on a variable is not a builder.
  {
    name: 'synchronous builder call',
    pattern: /(?:\)|^)(?<!\b\w+\((?:h|tx|db)\))\s*\.(get|all|run|values)\(\)/,
  },
  { name: 'raw better-sqlite3 connection', pattern: /\$client\b/ },
  { name: 'SQLite JSON function', pattern: /\bjson_(each|extract|group_array|object)\b/i },
  { name: 'SQLite-only insert', pattern: /\binsert\s+or\s+(ignore|replace)\b/i },
  { name: 'SQLite-only GLOB', pattern: /\bglob\b/i },
  { name: "the handle's own transaction (synchronous on SQLite)", pattern: /\b(h|tx|db)\.transaction\(/ },
  { name: 'lastInsertRowid (use RETURNING)', pattern: /lastInsertRowid/ },
];

/** Lines a rule flags, skipping comments. */
function violations(source: string): Array<{ line: number; rule: string; text: string }> {
  const found: Array<{ line: number; rule: string; text: string }> = [];
  source.split('\n').forEach((text, i) => {
    const code = text.replace(/\/\/.*$/, '').trim();
    if (code.startsWith('*') || code.startsWith('/*')) return;
    for (const rule of RULES)
      if (rule.pattern.test(code)) found.push({ line: i + 1, rule: rule.name, text: code });
  });
  return found;
}

describe('portable stores', () => {
  it('flags each construct that does not run on PostgreSQL', () => {
    expect(violations('const row = h.select().from(t).get();').map((v) => v.rule)).toEqual([
      'synchronous builder call',
    ]);
    expect(violations('await leadById(h).get({ id });')).toEqual([]);
    expect(
      violations('  .where(eq(t.id, 1))')
        .concat(violations('  .get();'))
        .map((v) => v.rule),
    ).toEqual(['synchronous builder call']);
    expect(violations('return [...best.values()];')).toEqual([]);
    expect(violations('const t = (await earliestPending(db).get())?.t;')).toEqual([]);
    expect(violations('sql`x in (select value from json_each($' + '{p}))`').map((v) => v.rule)).toEqual([
      'SQLite JSON function',
    ]);
    expect(violations('db.$client.prepare("select 1")').map((v) => v.rule)).toEqual([
      'raw better-sqlite3 connection',
    ]);
    expect(violations('return tx.transaction(() => 1);').map((v) => v.rule)).toEqual([
      "the handle's own transaction (synchronous on SQLite)",
    ]);
    expect(violations('// a comment about .get() and json_each')).toEqual([]);
  });

  const SQLITE_ONLY = new Set(['backup-store.ts']);
  for (const file of readdirSync(STORES).filter((f) => f.endsWith('.ts') && !SQLITE_ONLY.has(f))) {
    it(`${file} uses only what both engines run`, () => {
      const source = readFileSync(join(STORES.pathname, file), 'utf8');
      expect(violations(source).map((v) => `${file}:${v.line} ${v.rule}: ${v.text}`)).toEqual([]);
    });
  }
});

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// src/slack holds the pure renderers (Block Kit, mrkdwn, charts): a value in, a message out. Whatever talks to
// Slack, the database or the network lives above them (src/delivery, src/services, the stores); a renderer may
// name their types, never run their code. Each line names where a call out crept in.

const SLACK = new URL('../../src/slack/', import.meta.url).pathname;

/** Folders and packages a renderer may not take a value from (types are fine). */
const FORBIDDEN_MODULES: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'the database', pattern: /(^|\/)db\/|^(better-sqlite3|pg|drizzle-orm)(\/|$)/ },
  { name: 'a delivery adapter', pattern: /(^|\/)delivery\// },
  { name: 'a listener, job or the CLI', pattern: /(^|\/)(listeners|jobs|cli)\/|(^|\/)app\.ts$/ },
  { name: "Slack's Web API or Bolt", pattern: /^@slack\/(web-api|bolt)$/ },
  { name: 'the network or the file system', pattern: /^node:(fs|http|https|net|dgram|child_process)/ },
];

/** Calls out written in a renderer's own code. */
const FORBIDDEN_CALLS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'an HTTP request', pattern: /\bfetch\(/ },
  { name: 'a Web API call', pattern: /\.apiCall\(|\bclient\.\w+\.\w+\(/ },
];

/** What a source file breaks of the rules above, one line each. */
function violations(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^import\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)';/gm)) {
    const [, typeOnly, names = '', from = ''] = m;
    const specifiers = names
      .replace(/[{}]/g, '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (typeOnly || specifiers.every((s) => s.startsWith('type '))) continue;
    for (const rule of FORBIDDEN_MODULES)
      if (rule.pattern.test(from)) found.push(`imports ${rule.name}: ${from}`);
  }
  source.split('\n').forEach((text, i) => {
    const code = text.replace(/\/\/.*$/, '').trim();
    if (code.startsWith('*') || code.startsWith('/*')) return;
    for (const rule of FORBIDDEN_CALLS)
      if (rule.pattern.test(code)) found.push(`line ${i + 1} makes ${rule.name}`);
  });
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('src/slack holds pure renderers', () => {
  it('flags each way a renderer could call out', () => {
    expect(violations("import { ErrorCode, type WebClient } from '@slack/web-api';")).toEqual([
      "imports Slack's Web API or Bolt: @slack/web-api",
    ]);
    expect(violations("import type { WebClient } from '@slack/web-api';")).toEqual([]);
    expect(violations("import { type OutboxRow } from '../db/stores/outbox-store.ts';")).toEqual([]);
    expect(
      violations("import {\n  enqueue,\n  type OutboxRow,\n} from '../../db/stores/outbox-store.ts';"),
    ).toEqual(['imports the database: ../../db/stores/outbox-store.ts']);
    expect(violations("import { uploadFile } from '../delivery/file-upload.ts';")).toEqual([
      'imports a delivery adapter: ../delivery/file-upload.ts',
    ]);
    expect(violations("import { readFileSync } from 'node:fs';")).toEqual([
      'imports the network or the file system: node:fs',
    ]);
    expect(violations('const res = await fetch(url, { method: "POST" });')).toEqual([
      'line 1 makes an HTTP request',
    ]);
    expect(violations("await client.apiCall('files.completeUploadExternal', {});")).toEqual([
      'line 1 makes a Web API call',
    ]);
    expect(violations('await client.chat.postMessage({ channel });')).toEqual([
      'line 1 makes a Web API call',
    ]);
    expect(violations('// a comment about fetch() and client.apiCall()')).toEqual([]);
    expect(violations("import { escapeText } from '../mrkdwn.ts';")).toEqual([]);
  });

  for (const file of sourceFiles(SLACK)) {
    const name = relative(SLACK, file);
    it(`${name} calls nothing outside itself`, () => {
      expect(violations(readFileSync(file, 'utf8'))).toEqual([]);
    });
  }
});

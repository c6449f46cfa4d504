import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProgress } from '../../src/cli/progress.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { EXAMPLE_CONFIG_PATH } from '../helpers/db.ts';

// Imports on a terminal: progress, every rejected row to a file, and a hint for files that are not
// comma-separated CSV (issue 14).

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'foothold-import-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]) =>
  runCliCaptured(
    argv,
    { DATABASE_PATH: join(dir, 'f.db'), FOOTHOLD_CONFIG: EXAMPLE_CONFIG_PATH.pathname },
    dir,
    () => Date.parse('2026-11-23T14:00:00Z'),
  );

describe('import --rejects', () => {
  it('writes every rejected row, as it was, with its line and reason; the report lists the first 50', async () => {
    const rows = ['Account Name,Website,Employees'];
    for (let i = 0; i < 120; i++) {
      rows.push(i % 2 === 0 ? `Good ${i},good${i}.com,${100 + i}` : `"Bad, ${i}",not a domain ${i},many`);
    }
    writeFileSync(join(dir, 'accounts.csv'), `${rows.join('\n')}\n`);
    const res = await cli('import', 'accounts', 'accounts.csv', '--rejects', 'rejects.csv');
    expect(res.code).toBe(1);
    expect(res.err).toContain('Nothing imported from accounts.csv: 60 rows accepted, 60 rejected.');
    expect(res.err).toContain('  … and 10 more');
    expect(res.err).toContain('Every rejected row (60 rows) is in rejects.csv, with its line and reason.');
    const written = parse(readFileSync(join(dir, 'rejects.csv'), 'utf8')) as string[][];
    expect(written[0]).toEqual(['line', 'reason', 'Account Name', 'Website', 'Employees']);
    expect(written).toHaveLength(61);
    expect(written[1]?.slice(0, 1)).toEqual(['3']);
    expect(written[1]?.slice(2)).toEqual(['Bad, 1', 'not a domain 1', 'many']);
    expect(written[1]?.[1]).toMatch(/domain/);
    expect(written[60]?.slice(0, 1)).toEqual(['121']);
    // The rejects file imports as it is once fixed: its two extra columns are ignored.
    const fixed = written.slice(1).map((r, i) => `${r[0]},fine,Fixed ${i},fixed${i}.com,${200 + i}`);
    writeFileSync(
      join(dir, 'fixed.csv'),
      `line,reason,Account Name,Website,Employees\n${fixed.join('\n')}\n`,
    );
    const again = await cli('import', 'accounts', 'fixed.csv');
    expect(again.err).toBe('');
    expect(again.out).toContain('Imported accounts from fixed.csv: 60 rows accepted, 0 rejected');
  });

  it('without --rejects, a long list says how to get all of it', async () => {
    const rows = ['Account Name,Website'];
    for (let i = 0; i < 60; i++) rows.push(`Bad ${i},nope`);
    writeFileSync(join(dir, 'bad.csv'), `${rows.join('\n')}\n`);
    const res = await cli('import', 'accounts', 'bad.csv');
    expect(res.err).toContain('Add --rejects <file.csv> to get every rejected row in a file.');
  });
});

describe('files that are not comma-separated CSV', () => {
  it.each([
    {
      name: 'semicolon',
      content: 'Account Name;Website;Employees\nAcme;acme.com;200\n',
      hint: 'semicolon-separated',
    },
    {
      name: 'tab',
      content: 'Account Name\tWebsite\tEmployees\nAcme\tacme.com\t200\n',
      hint: 'tab-separated',
    },
  ])('a $name-separated file gets a hint', async ({ content, hint }) => {
    writeFileSync(join(dir, 'x.csv'), content);
    const res = await cli('import', 'accounts', 'x.csv');
    expect(res.code).toBe(1);
    expect(res.err).toContain(`The file looks ${hint}; save it as "CSV UTF-8 (comma delimited)"`);
  });

  it.each([
    {
      name: 'an Excel workbook',
      bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]),
      hint: 'an Excel workbook',
    },
    { name: 'a PDF', bytes: Buffer.from('%PDF-1.7\n%\xe2\xe3\n', 'latin1'), hint: 'a PDF, not CSV' },
    { name: 'a binary', bytes: Buffer.from([0x41, 0x00, 0x42, 0x00, 0x43]), hint: 'binary, not CSV text' },
  ])('$name is named as such', async ({ bytes, hint }) => {
    writeFileSync(join(dir, 'x.csv'), bytes);
    const res = await cli('import', 'accounts', 'x.csv');
    expect(res.code).toBe(1);
    expect(res.err).toContain(hint);
  });
});

describe('import progress', () => {
  it('formats rows, bytes, share, rate and time left', () => {
    expect(
      formatProgress('accounts.csv', {
        bytes: 40 * 1024 ** 2,
        totalBytes: 100 * 1024 ** 2,
        lines: 400_001,
        elapsedMs: 8_000,
      }),
    ).toBe('accounts.csv: 400,000 rows · 40.0 MB of 100.0 MB (40%) · 50,000 rows/s · about 12 s left');
    expect(formatProgress('a.csv', { bytes: 0, totalBytes: 2048, lines: 0, elapsedMs: 0 })).toBe(
      'a.csv: 0 rows · 0 B of 2.0 KB (0%)',
    );
    expect(
      formatProgress('big.csv', {
        bytes: 1024 ** 3,
        totalBytes: 4 * 1024 ** 3,
        lines: 9_000_001,
        elapsedMs: 150_000,
      }),
    ).toBe('big.csv: 9,000,000 rows · 1.0 GB of 4.0 GB (25%) · 60,000 rows/s · about 7 min 30 s left');
  });

  it('--progress draws the line on stderr and ends it', async () => {
    writeFileSync(join(dir, 'a.csv'), 'Account Name,Website\nAcme,acme.com\nGlobex,globex.com\n');
    const res = await cli('import', 'accounts', 'a.csv', '--progress');
    expect(res.code).toBe(0);
    expect(res.err).toBe('\r\x1b[2Ka.csv: 2 rows · 53 B of 53 B (100%)\n');
    expect(res.out).toContain('Imported accounts from a.csv: 2 rows accepted');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDb, type Db, openDb } from '../../src/db/connection.ts';

export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface TempDb {
  db: Db;
  dir: string;
  path: string;
  /** Writes a file in the temp dir and returns its path. */
  write(name: string, content: string | Buffer): string;
  cleanup(): void;
}

/** A real SQLite file in a fresh temp dir, opened with openDb (real migrations). */
export function tempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'foothold-'));
  const path = join(dir, 'foothold.db');
  const db = openDb(path);
  return {
    db,
    dir,
    path,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    async cleanup() {
      await closeDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `count` generated, valid Salesforce-style account rows (domains company1.com … companyN.com). */
export function generatedAccounts(count: number, options: { badAt?: number; crlf?: boolean } = {}): string {
  const eol = options.crlf ? '\r\n' : '\n';
  const lines = ['Account Name,Website,Industry,Employees,Billing Country,Annual Revenue,Account Owner,Type'];
  for (let i = 1; i <= count; i += 1) {
    if (options.badAt === i) lines.push(`"Broken ${i}, Ltd",not a website,Software,10,US,,Jane,Prospect`);
    lines.push(
      `"Company ${i}, Inc.",https://www.company${i}.com,Software,"${(i % 5000).toLocaleString('en-US')}",` +
        `${['United States', 'UK', 'Germany', 'CA'][i % 4]},"$${(i * 1000).toLocaleString('en-US')}",` +
        `${i % 3 === 0 ? 'U0REP1' : 'Jane Smith'},${i % 4 === 0 ? 'Customer - Direct' : 'Prospect'}`,
    );
  }
  return lines.join(eol) + eol;
}

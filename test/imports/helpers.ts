import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineKind } from '../../src/db/connection.ts';
import { openTestDb, type TestDb } from '../helpers/db.ts';

export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface TempDb extends TestDb {
  /** Writes a file in the temp dir and returns its path. */
  write(name: string, content: string | Buffer): string;
}

/** A fresh database on the run's engine (`engine` forces one), real migrations, and a temp dir for files. */
export async function tempDb(engine?: EngineKind): Promise<TempDb> {
  const t = await openTestDb(engine);
  return {
    ...t,
    write(name, content) {
      const file = join(t.dir, name);
      writeFileSync(file, content);
      return file;
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

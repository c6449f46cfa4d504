import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type ColumnSpec,
  CsvFormatError,
  type CsvRow,
  normaliseHeader,
  readCsvRows,
} from '../../src/imports/csv-rows.ts';

const COLUMNS = [
  { field: 'name', label: 'name', required: true, aliases: ['Account Name', 'Name'] },
  { field: 'domain', label: 'domain', required: true, aliases: ['Domain', 'Company Domain Name', 'Website'] },
  {
    field: 'customer',
    label: 'customer',
    aliases: ['Customer', { header: 'Type', map: (v) => (v === 'Customer' ? 'yes' : 'no') }],
  },
] as const satisfies readonly ColumnSpec[];
type F = (typeof COLUMNS)[number]['field'];

async function rows(input: string | Buffer | Buffer[]): Promise<CsvRow<F>[]> {
  const chunks = Array.isArray(input) ? input : [Buffer.from(input)];
  const out: CsvRow<F>[] = [];
  await readCsvRows(Readable.from(chunks), COLUMNS, (row) => {
    out.push(row);
  });
  return out;
}

async function failure(input: string | Buffer): Promise<CsvFormatError> {
  try {
    await rows(input);
  } catch (err) {
    if (err instanceof CsvFormatError) return err;
    throw err;
  }
  throw new Error('expected a CsvFormatError');
}

describe('normaliseHeader', () => {
  it('ignores case, spaces, punctuation and accents', () => {
    expect(normaliseHeader(' Company Domain Name ')).toBe('companydomainname');
    expect(normaliseHeader('company_domain-name')).toBe('companydomainname');
    expect(normaliseHeader('Country/Region')).toBe('countryregion');
    expect(normaliseHeader('País')).toBe('pais');
  });
});

describe('readCsvRows', () => {
  it('maps columns by alias in priority order and numbers rows by file line (header = 1)', async () => {
    const result = await rows('NAME,website,Extra\nAcme,acme.com,x\nGlobex,globex.com,y\n');
    expect(result).toEqual([
      { ok: true, line: 2, values: { name: 'Acme', domain: 'acme.com' } },
      { ok: true, line: 3, values: { name: 'Globex', domain: 'globex.com' } },
    ]);
  });

  it('takes the first non-empty value among matched columns, and applies per-alias mapping', async () => {
    const result = await rows(
      'Website,Domain,Name,Type\nwww.a.com,,A,Customer\nwww.b.com,b.com,B,Prospect\n',
    );
    expect(result.map((r) => r.ok && r.values)).toEqual([
      { name: 'A', domain: 'www.a.com', customer: 'yes' },
      { name: 'B', domain: 'b.com', customer: 'no' },
    ]);
  });

  it('handles BOM, CRLF, quoted commas, doubled quotes, multi-line values and blank lines', async () => {
    const text =
      '\ufeffName,Domain\r\n\r\n"Acme, Inc.","acme.com"\r\n"Says ""hi""\r\nover two lines",b.com\r\n  \r\n,,\r\nLast,c.com';
    const result = await rows(text);
    expect(result).toEqual([
      { ok: true, line: 3, values: { name: 'Acme, Inc.', domain: 'acme.com' } },
      { ok: true, line: 4, values: { name: 'Says "hi"\nover two lines', domain: 'b.com' } },
      { ok: true, line: 8, values: { name: 'Last', domain: 'c.com' } },
    ]);
  });

  it('treats lone CR line endings and CRLF split across chunks correctly', async () => {
    expect((await rows('Name,Domain\rA,a.com\rB,b.com\r')).map((r) => r.line)).toEqual([2, 3]);
    const split = [
      Buffer.from('Name,Domain\r'),
      Buffer.from('\nA,a.com\r'),
      Buffer.from('\n\r'),
      Buffer.from('\nB,b.com'),
    ];
    expect((await rows(split)).map((r) => r.ok && [r.line, r.values.name])).toEqual([
      [2, 'A'],
      [4, 'B'],
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const bytes = Buffer.from('Name,Domain\nMünchen Ré,m.de\n');
    const cut = bytes.indexOf(Buffer.from('ü')) + 1;
    const result = await rows([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(result[0]).toMatchObject({ values: { name: 'München Ré' } });
  });

  it('reports rows whose cell count differs from the header', async () => {
    const result = await rows('Name,Domain\nAcme, Inc,acme.com\nShort\nOk,ok.com\n');
    expect(result).toEqual([
      {
        ok: false,
        line: 2,
        reason: expect.stringContaining(
          'has 3 cells but the header has 2 columns (a value containing a comma',
        ),
      },
      { ok: false, line: 3, reason: 'has 1 cells but the header has 2 columns' },
      { ok: true, line: 4, values: { name: 'Ok', domain: 'ok.com' } },
    ]);
  });

  it('keeps a stray quote inside an unquoted value', async () => {
    const result = await rows('Name,Domain\nThe 5" Company,five.com\n');
    expect(result[0]).toMatchObject({ values: { name: 'The 5" Company' } });
  });

  it('fails as a whole on a missing required column, naming the accepted headers', async () => {
    const err = await failure('Account Name,Industry\nAcme,Software\n');
    expect(err.line).toBe(1);
    expect(err.message).toBe(
      'header row: no column for domain (expected one of: Domain, Company Domain Name, Website)',
    );
  });

  it('fails as a whole on an empty file', async () => {
    expect((await failure('\n\n')).message).toMatch(/the file is empty/);
  });

  it('fails as a whole on an unclosed quote, at the line where the row starts', async () => {
    const err = await failure('Name,Domain\nA,a.com\n"Unclosed,b.com\nC,c.com\n');
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/never closed/);
  });

  it('rejects UTF-16 files with a hint', async () => {
    const err = await failure(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('N\0a\0m\0e\0', 'binary')]),
    );
    expect(err.message).toMatch(/UTF-16.*CSV UTF-8/);
  });
});

describe('readCsvRows errors from the consumer', () => {
  it('stops reading and rejects with the consumer error unchanged', async () => {
    const boom = Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
    const seen: number[] = [];
    const promise = readCsvRows(
      Readable.from([Buffer.from('Name,Domain\nA,a.com\nB,b.com\nC,c.com\n')]),
      COLUMNS,
      (row) => {
        seen.push(row.line);
        if (row.line === 3) throw boom;
      },
    );
    await expect(promise).rejects.toBe(boom);
    expect(seen).toEqual([2, 3]);
  });

  it('names the header line when title lines precede it', async () => {
    const err = await failure('Accounts report\n\nAccount Name,Industry\nAcme,Software\n');
    expect(err.line).toBe(1);
    const err2 = await failure('\n\nAccount Name,Industry\nAcme,Software\n');
    expect(err2.line).toBe(3);
  });
});

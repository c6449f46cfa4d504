// Streaming CSV reader shared by the imports: one record at a time, so memory stays flat however long the file.
//
// - UTF-8 with or without BOM; CRLF, LF and lone CR line endings (normalised to LF before parsing, which also
//   normalises line breaks inside quoted values).
// - Quoted fields with commas, doubled quotes and line breaks; a stray quote inside an unquoted value is kept.
// - Blank lines, and rows whose cells are all empty (`,,,,` as spreadsheets write them), are skipped.
// - The first non-blank row is the header. Columns are matched by name, ignoring case, spaces and punctuation
//   (`Company Domain Name` = `company_domain_name` = `companydomainname`), against each field's aliases in
//   priority order; a field takes the first non-empty value among its matched columns. Other columns are ignored.
// - Row numbers are 1-based line numbers in the file (the header is 1); a record spanning several lines is
//   numbered by the line it starts on.

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';

/** One accepted spelling of a column; `map` turns that column's value into the field's value (e.g. `Type`). */
export type ColumnAlias = string | { header: string; map: (value: string) => string | undefined };

export interface ColumnSpec<F extends string = string> {
  field: F;
  /** How the field is named in messages, e.g. `domain`, `customer`. */
  label: string;
  /** Header names, in priority order. */
  aliases: readonly ColumnAlias[];
  required?: boolean;
}

/** A data row: each field's trimmed value; fields with no column or an empty cell are absent. */
export type CsvValues<F extends string> = Partial<Record<F, string>>;

export type CsvRow<F extends string> =
  | { ok: true; line: number; values: CsvValues<F> }
  | { ok: false; line: number; reason: string };

/** The file cannot be read as a whole (no header, missing required columns, malformed CSV): nothing is imported. */
export class CsvFormatError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'CsvFormatError';
    this.line = line;
  }
}

/** `Company Domain Name` → `companydomainname`; accents dropped (`País` → `pais`). */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function aliasHeader(alias: ColumnAlias): string {
  return typeof alias === 'string' ? alias : alias.header;
}

/** Where each field's values come from, in priority order. */
interface FieldSource<F extends string> {
  field: F;
  columns: Array<{ index: number; map: ((value: string) => string | undefined) | undefined }>;
}

export interface HeaderMapping<F extends string> {
  sources: FieldSource<F>[];
  width: number;
}

const SEPARATORS: ReadonlyArray<{ char: string; name: string }> = [
  { char: ';', name: 'semicolon' },
  { char: '\t', name: 'tab' },
  { char: '|', name: 'pipe' },
];

/**
 * A header that came through as one cell full of another separator: the file is semicolon-, tab- or
 * pipe-separated (Excel writes semicolons in locales where the comma is the decimal mark).
 */
export function separatorHint(header: readonly string[]): string | null {
  if (header.length !== 1) return null;
  const only = header[0] ?? '';
  const found = SEPARATORS.find((s) => only.split(s.char).length > 2);
  if (!found) return null;
  return `The file looks ${found.name}-separated; save it as "CSV UTF-8 (comma delimited)" or replace the ${found.name}s with commas`;
}

/** Files that are not text at all: a workbook, a PDF, or any binary. Null when the start looks like text. */
export function binaryHint(start: Buffer): string | null {
  if (start[0] === 0x50 && start[1] === 0x4b && start[2] === 0x03 && start[3] === 0x04)
    return 'the file is an Excel workbook (or another zip archive), not CSV; open it and save it as "CSV UTF-8 (comma delimited)"';
  if (start[0] === 0xd0 && start[1] === 0xcf && start[2] === 0x11 && start[3] === 0xe0)
    return 'the file is an old Excel workbook (.xls), not CSV; open it and save it as "CSV UTF-8 (comma delimited)"';
  if (start.subarray(0, 5).toString('latin1') === '%PDF-') return 'the file is a PDF, not CSV';
  if (start.subarray(0, 1024).includes(0)) return 'the file is binary, not CSV text';
  return null;
}

/** Matches header cells to fields; throws CsvFormatError (at `line`) naming every missing required field. */
export function mapHeader<F extends string>(
  header: readonly string[],
  specs: readonly ColumnSpec<F>[],
  line = 1,
): HeaderMapping<F> {
  const byName = new Map<string, number>();
  header.forEach((h, i) => {
    const key = normaliseHeader(h);
    if (key !== '' && !byName.has(key)) byName.set(key, i);
  });
  const sources: FieldSource<F>[] = [];
  const missing: string[] = [];
  for (const spec of specs) {
    const columns: FieldSource<F>['columns'] = [];
    for (const alias of spec.aliases) {
      const index = byName.get(normaliseHeader(aliasHeader(alias)));
      if (index === undefined || columns.some((c) => c.index === index)) continue;
      columns.push({ index, map: typeof alias === 'string' ? undefined : alias.map });
    }
    if (columns.length > 0) sources.push({ field: spec.field, columns });
    else if (spec.required) {
      missing.push(
        `no column for ${spec.label} (expected one of: ${spec.aliases.map(aliasHeader).join(', ')})`,
      );
    }
  }
  if (missing.length > 0) {
    const hint = separatorHint(header);
    throw new CsvFormatError(line, `header row: ${missing.join('; ')}${hint ? `. ${hint}` : ''}`);
  }
  return { sources, width: header.length };
}

/**
 * Byte-level line-ending normaliser (CR never occurs inside a UTF-8 multi-byte sequence, so this is safe on
 * arbitrary chunk boundaries). Also strips a UTF-8 BOM and rejects UTF-16 files with a useful message.
 */
class LineEndings extends Transform {
  private first = true;
  private skipLeadingLF = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let buf = chunk;
    if (this.first && buf.length > 0) {
      this.first = false;
      if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
        callback(new CsvFormatError(1, 'the file is UTF-16 text; save it as "CSV UTF-8 (comma delimited)"'));
        return;
      }
      const binary = binaryHint(buf);
      if (binary) {
        callback(new CsvFormatError(1, binary));
        return;
      }
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    if (this.skipLeadingLF && buf.length > 0) {
      this.skipLeadingLF = false;
      if (buf[0] === 0x0a) buf = buf.subarray(1);
    }
    let cr = buf.indexOf(0x0d);
    if (cr === -1) {
      callback(null, buf);
      return;
    }
    const parts: Buffer[] = [];
    let start = 0;
    while (cr !== -1) {
      parts.push(buf.subarray(start, cr), LF);
      if (cr + 1 < buf.length) {
        start = buf[cr + 1] === 0x0a ? cr + 2 : cr + 1;
      } else {
        start = cr + 1;
        this.skipLeadingLF = true;
      }
      cr = buf.indexOf(0x0d, start);
    }
    parts.push(buf.subarray(start));
    callback(null, Buffer.concat(parts));
  }
}
const LF = Buffer.from('\n');

function countLF(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) {
    let i = f.indexOf('\n');
    while (i !== -1) {
      n += 1;
      i = f.indexOf('\n', i + 1);
    }
  }
  return n;
}

/** Longest record accepted; an unclosed quote is caught here instead of swallowing the rest of a huge file. */
const MAX_RECORD_CHARS = 1_000_000;

/** The parser's error, about the record starting at the line it is reported on. */
function describeCsvError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a double quote opens a value on this row that is never closed';
    case 'CSV_MAX_RECORD_SIZE':
      return `the row is longer than ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters (probably a double quote that is never closed)`;
    default:
      return `malformed CSV: ${e.message ?? String(err)}`;
  }
}

export type CsvSource = string | Readable;

/**
 * Streams a CSV file (a path or a byte stream) as raw records: `onRecord` gets each record's cells and the
 * 1-based line it starts on, synchronously as the parser produces it (so the stream cannot run ahead of the
 * consumer and memory stays flat); when it returns a promise, reading waits for it. Rejects with CsvFormatError
 * for problems with the file as a whole (and with what `onRecord` throws or rejects with). Blank lines are
 * counted but not passed on.
 */
export function readCsvRecords(
  source: CsvSource,
  onRecord: (line: number, record: string[]) => Promise<void> | undefined | void,
  onEnd?: () => void,
): Promise<void> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const parser = parse({
    bom: true,
    // Blank lines come through as `['']` (skipped below) so that every line is counted: a record starts on the
    // line after the previous one ends and spans 1 + (line breaks inside its values) lines.
    skip_empty_lines: false,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const normaliser = new LineEndings();
  let nextLine = 1;

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      input.unpipe(normaliser);
      normaliser.unpipe(parser);
      if (typeof source === 'string') input.destroy();
      parser.destroy();
      if (err === undefined) {
        try {
          onEnd?.();
          resolve();
        } catch (endErr) {
          reject(endErr);
        }
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
        reject(
          new CsvFormatError(0, `cannot read ${typeof source === 'string' ? source : 'the file'} (${code})`),
        );
      } else if (typeof code === 'string' && code.startsWith('CSV_')) {
        // A parse error is about the record the parser was reading: the one starting at `nextLine`.
        reject(new CsvFormatError(nextLine, describeCsvError(err)));
      } else {
        reject(err);
      }
    };
    parser.on('data', (record: string[]) => {
      if (settled) return;
      const line = nextLine;
      nextLine += 1 + countLF(record);
      if (record.every((cell) => cell.trim() === '')) return;
      try {
        // A consumer that returns a promise (a batch written to the database) holds the file until it is done.
        const pending = onRecord(line, record);
        if (pending) {
          parser.pause();
          pending.then(() => {
            if (!settled) parser.resume();
          }, finish);
        }
      } catch (err) {
        finish(err);
      }
    });
    parser.once('end', () => finish());
    parser.on('error', finish);
    normaliser.on('error', finish);
    input.on('error', finish);
    input.pipe(normaliser).pipe(parser);
  });
}

/**
 * Reads a CSV file (a path or a byte stream) and calls `onRow` for each data row, synchronously as the parser
 * produces it (so the stream cannot run ahead of the consumer, memory stays flat, and line numbers are always
 * current). Rejects with CsvFormatError for problems with the file as a whole; a row whose number of cells
 * differs from the header's comes as `{ ok: false }`. When `onRow` returns a promise, reading waits for it. An
 * exception thrown by `onRow` (or its promise's rejection) stops reading and rejects.
 * `onHeader` receives the fields that have a column in the file, before the first row.
 */
export function readCsvRows<F extends string>(
  source: CsvSource,
  specs: readonly ColumnSpec<F>[],
  onRow: (row: CsvRow<F>) => Promise<void> | undefined | void,
  onHeader?: (fields: ReadonlySet<F>) => void,
): Promise<void> {
  let mapping: HeaderMapping<F> | undefined;
  const handle = (line: number, record: string[]) => {
    if (mapping === undefined) {
      mapping = mapHeader(record, specs, line);
      onHeader?.(new Set(mapping.sources.map((source) => source.field)));
      return;
    }
    if (record.length !== mapping.width) {
      return onRow({
        ok: false,
        line,
        reason:
          record.length > mapping.width
            ? `has ${record.length} cells but the header has ${mapping.width} columns (a value containing a comma must be in double quotes)`
            : `has ${record.length} cells but the header has ${mapping.width} columns`,
      });
    }
    const values: CsvValues<F> = {};
    for (const field of mapping.sources) {
      for (const column of field.columns) {
        const cell = (record[column.index] ?? '').trim();
        if (cell === '') continue;
        const value = column.map ? column.map(cell) : cell;
        if (value === undefined || value === '') continue;
        values[field.field] = value;
        break;
      }
    }
    return onRow({ ok: true, line, values });
  };
  return readCsvRecords(source, handle, () => {
    if (mapping === undefined) {
      throw new CsvFormatError(1, 'the file is empty: expected a header row followed by data rows');
    }
  });
}

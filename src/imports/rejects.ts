import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';
import { type CsvSource, readCsvRecords } from './csv-rows.ts';
import type { RejectedRow } from './run-import.ts';

// `--rejects file.csv`: every rejected row, as it was in the file, with its line number and the reason in front,
// so the rows can be fixed in a spreadsheet and imported again (the two extra columns are ignored on import).

/**
 * Reads `source` again and writes its header and each rejected row to `out`, prefixed by `line` and `reason`.
 * Problems with the file as a whole (line 0) are written as a row with only those two cells. Returns the
 * number of rows written.
 */
export async function writeRejects(
  source: CsvSource,
  rejected: readonly RejectedRow[],
  out: string,
): Promise<number> {
  const reasons = new Map<number, string[]>();
  for (const r of rejected) reasons.set(r.row, [...(reasons.get(r.row) ?? []), r.reason]);
  const csv = stringify();
  const file = createWriteStream(out, { mode: 0o600 });
  const done = new Promise<void>((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
    csv.on('error', reject);
  });
  csv.pipe(file);
  const writtenLines = new Set<number>();
  let header = true;
  const whole = reasons.get(0);
  const writeHeader = (cells: readonly string[]) => {
    header = false;
    csv.write(['line', 'reason', ...cells]);
    if (whole) csv.write(['', whole.join('; ')]);
  };
  try {
    await readCsvRecords(source, (line, record) => {
      if (header) return writeHeader(record);
      const why = reasons.get(line);
      if (!why) return;
      csv.write([String(line), why.join('; '), ...record]);
      writtenLines.add(line);
    });
  } catch {
    // The file stops being readable part-way (the import reported why, as a rejected row): the rows not yet
    // written still get their line and reason.
  }
  if (header) writeHeader([]);
  for (const [line, why] of reasons) {
    if (line === 0 || writtenLines.has(line)) continue;
    csv.write([String(line), why.join('; ')]);
    writtenLines.add(line);
  }
  csv.end();
  await done;
  return writtenLines.size;
}

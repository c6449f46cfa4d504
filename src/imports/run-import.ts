// The import pipeline shared by every CSV import: stream → validate each row → stage → apply all at once.
//
// All-or-nothing: if any row is rejected nothing is written, unless `skipInvalid` is set, in which case the good
// rows are written and the bad ones listed. A problem with the file as a whole (no header, a required column
// missing, malformed CSV such as an unclosed quote) writes nothing even with `skipInvalid`.
//
// Keys repeated within one file: the later row wins (like applying the rows in order) and each repeat is
// reported in `duplicates`, with the row it overrides. Repeats are counted as accepted rows.

import type { ApplyProgress, DuplicateKey, ImportStage } from '../db/stores/import-store.ts';
import { type ColumnSpec, CsvFormatError, type CsvSource, type CsvValues, readCsvRows } from './csv-rows.ts';

export interface RejectedRow {
  /** 1-based line number in the file; the header is line 1. 0 when the file itself could not be read. */
  row: number;
  reason: string;
}

export interface ImportResult {
  /** Valid data rows (repeated keys included). */
  accepted: number;
  rejected: RejectedRow[];
  /** Rows new to the table. */
  inserted: number;
  /** Existing rows whose values changed. */
  updated: number;
  /** Existing rows that already held exactly these values (left untouched). */
  unchanged: number;
  /** Whether the table was written (possibly with zero changes). */
  applied: boolean;
  /** True when the file as a whole was unusable (its problem is the last entry of `rejected`). */
  fatal: boolean;
  /** Rows whose key repeats an earlier row of the file; the later row won. */
  duplicates: DuplicateKey[];
  /** Non-blocking notes for the person importing (e.g. owners that could not be mapped). */
  warnings: string[];
}

export interface ImportOptions {
  /** Write the valid rows even when some rows are rejected. */
  skipInvalid?: boolean;
  /** Clock for `imported_at` (ms since the epoch). */
  now?: number;
  /** Told after each write batch (rows written of the total). */
  onApplyProgress?: (progress: ApplyProgress) => void;
}

export type RowParse<Row> = { ok: true; row: Row } | { ok: false; reason: string };

export async function runImport<F extends string, Row>(
  source: CsvSource,
  columns: readonly ColumnSpec<F>[],
  parseRow: (values: CsvValues<F>) => RowParse<Row>,
  stage: ImportStage<Row>,
  options: ImportOptions,
): Promise<ImportResult> {
  const rejected: RejectedRow[] = [];
  let accepted = 0;
  const result = (fields: Partial<ImportResult>): ImportResult => ({
    accepted,
    rejected,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    applied: false,
    fatal: false,
    duplicates: [],
    warnings: [],
    ...fields,
  });
  let present: ReadonlySet<string> = new Set();
  try {
    await readCsvRows(
      source,
      columns,
      (csvRow) => {
        if (!csvRow.ok) {
          rejected.push({ row: csvRow.line, reason: csvRow.reason });
          return undefined;
        }
        const parsed = parseRow(csvRow.values);
        if (!parsed.ok) {
          rejected.push({ row: csvRow.line, reason: parsed.reason });
          return undefined;
        }
        accepted += 1;
        // A written batch's promise: reading waits for it (the import's backpressure).
        return stage.add(csvRow.line, parsed.row);
      },
      (fields) => {
        present = fields;
      },
    );
    const duplicates = await stage.finish();
    if (rejected.length > 0 && !options.skipInvalid) return result({ duplicates });
    const { notes, ...counts } = await stage.apply(
      options.now ?? Date.now(),
      present,
      options.onApplyProgress,
    );
    return result({ ...counts, applied: true, duplicates, warnings: notes });
  } catch (err) {
    if (err instanceof CsvFormatError) {
      rejected.push({ row: err.line, reason: err.message });
      return result({ fatal: true });
    }
    throw err;
  } finally {
    await stage.dispose();
  }
}

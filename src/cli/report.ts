// How an import's outcome is printed. A clean import goes to stdout (exit 0); anything with rejected rows or
// not applied goes to stderr (exit 1), so cron mail and CI logs show exactly the imports that need a person.

import type { ImportResult } from '../imports/run-import.ts';
import { EXIT } from './types.ts';

/** Longest listing of rejected or repeated rows; the rest are summarised as "… and N more". */
export const LIST_LIMIT = 50;

const n = (value: number) => value.toLocaleString('en-US');
const plural = (count: number, one: string, many = `${one}s`) => `${n(count)} ${count === 1 ? one : many}`;

function list<T>(items: readonly T[], line: (item: T) => string): string[] {
  const lines = items.slice(0, LIST_LIMIT).map((item) => `  ${line(item)}`);
  if (items.length > LIST_LIMIT) lines.push(`  … and ${n(items.length - LIST_LIMIT)} more`);
  return lines;
}

export interface ImportReport {
  /** What was imported, e.g. `accounts`, `overlaps for northwind`. */
  what: string;
  /** The file as given on the command line. */
  file: string;
  /** What a repeated key is called in the file, e.g. `domain`. */
  keyName: string;
  skipInvalid: boolean;
  result: ImportResult;
  /** Where `--rejects` wrote every rejected row, when it was given. */
  rejectsWritten?: { file: string; rows: number } | null;
}

/** The lines to print, the stream to print them on, and the exit code. */
export function formatImportReport(report: ImportReport): {
  lines: string[];
  stream: 'stdout' | 'stderr';
  exitCode: number;
} {
  const { what, file, keyName, skipInvalid, result } = report;
  const counts = `${plural(result.accepted, 'row')} accepted, ${n(result.rejected.length)} rejected`;
  const lines: string[] = [];
  if (result.fatal) {
    lines.push(`Nothing imported: ${file} cannot be imported as a whole.`);
  } else if (!result.applied) {
    lines.push(`Nothing imported from ${file}: ${counts}.`);
  } else {
    lines.push(
      `Imported ${what} from ${file}: ${counts}${result.rejected.length > 0 ? ' (skipped)' : ''}; ` +
        `${n(result.inserted)} inserted, ${n(result.updated)} updated, ${n(result.unchanged)} unchanged.`,
    );
  }
  if (result.rejected.length > 0) {
    lines.push(result.fatal ? 'Problem:' : 'Rejected rows:');
    lines.push(...list(result.rejected, (r) => (r.row > 0 ? `row ${r.row}: ${r.reason}` : r.reason)));
    if (report.rejectsWritten) {
      lines.push(
        `Every rejected row (${plural(report.rejectsWritten.rows, 'row')}) is in ${report.rejectsWritten.file}, with its line and reason.`,
      );
    } else if (result.rejected.length > LIST_LIMIT) {
      lines.push('Add --rejects <file.csv> to get every rejected row in a file.');
    }
  }
  if (result.duplicates.length > 0) {
    lines.push(
      `${plural(result.duplicates.length, 'row')} repeat${result.duplicates.length === 1 ? 's' : ''} the ${keyName} of an earlier row; the later row is used:`,
    );
    lines.push(...list(result.duplicates, (d) => `row ${d.row} repeats row ${d.previousRow} (${d.key})`));
  }
  for (const warning of result.warnings) lines.push(`Note: ${warning}.`);
  if (!result.applied && !result.fatal) {
    lines.push(
      result.accepted > 0 && !skipInvalid
        ? `Fix the rejected rows and import again, or re-run with --skip-invalid to import the ${plural(result.accepted, 'valid row')}.`
        : 'Fix the rejected rows and import again.',
    );
  }
  const clean = result.applied && result.rejected.length === 0;
  return { lines, stream: clean ? 'stdout' : 'stderr', exitCode: clean ? EXIT.ok : EXIT.failed };
}

import { createReadStream, existsSync, statSync } from 'node:fs';
import type { CsvSource } from '../imports/csv-rows.ts';
import { writeRejects } from '../imports/rejects.ts';
import type { ImportResult } from '../imports/run-import.ts';
import { formatProgress, ProgressCounter } from './progress.ts';
import { formatImportReport } from './report.ts';
import { type CommandArgs, type CommandContext, EXIT } from './types.ts';

export const SKIP_INVALID_OPTION = {
  'skip-invalid': { type: 'boolean' },
  rejects: { type: 'string' },
  progress: { type: 'boolean' },
} as const;

export const IMPORT_RULES = [
  'Rows are upserted by key, so importing the same file again changes nothing. If any row is rejected,',
  'nothing is imported unless --skip-invalid is given (then the valid rows are imported, and the command',
  'still exits 1 so the skipped rows are noticed). When a key appears twice in the file the later row wins.',
  'Column names are matched ignoring case, spaces and punctuation; other columns are ignored.',
  '',
  '--rejects <file>  write every rejected row to this CSV (line, reason, then the row as it was), so the',
  '                  rows can be fixed and imported again; the report itself lists the first 50',
  '--progress        show rows, bytes, rate and time left while importing (on by default on a terminal)',
].join('\n');

/** How often the progress line is redrawn. */
const PROGRESS_EVERY_MS = 250;

/**
 * Shared shape of `import <kind> <csv>`: checks the file, runs the import (with a progress line on a
 * terminal), prints the report, and writes the rejected rows to `--rejects`. Returns the exit code.
 */
export async function runImportCommand(
  args: CommandArgs,
  ctx: CommandContext,
  spec: {
    what: string;
    keyName: string;
    run: (source: CsvSource, skipInvalid: boolean) => Promise<ImportResult>;
  },
): Promise<number> {
  const given = args.positionals[0] ?? '';
  const file = ctx.resolvePath(given);
  if (!existsSync(file) || !statSync(file).isFile()) {
    ctx.err(`Nothing imported: ${given} ${existsSync(file) ? 'is not a file' : 'does not exist'}.`);
    return EXIT.failed;
  }
  const skipInvalid = args.values['skip-invalid'] === true;
  const rejectsFile = typeof args.values.rejects === 'string' ? ctx.resolvePath(args.values.rejects) : null;
  const showProgress = args.values.progress === true || (ctx.stderr as NodeJS.WriteStream).isTTY === true;
  const counter = new ProgressCounter();
  const totalBytes = statSync(file).size;
  const started = ctx.now();
  const draw = () =>
    ctx.stderr.write(
      `\r\x1b[2K${formatProgress(given, { bytes: counter.bytes, totalBytes, lines: counter.lines, elapsedMs: ctx.now() - started })}`,
    );
  const ticker = showProgress ? setInterval(draw, PROGRESS_EVERY_MS) : null;
  let result: ImportResult;
  try {
    result = await spec.run(createReadStream(file).pipe(counter), skipInvalid);
  } finally {
    if (ticker) {
      clearInterval(ticker);
      draw();
      ctx.stderr.write('\n');
    }
  }
  let rejectsWritten: { file: string; rows: number } | null = null;
  if (rejectsFile && result.rejected.length > 0) {
    rejectsWritten = {
      file: args.values.rejects as string,
      rows: await writeRejects(file, result.rejected, rejectsFile),
    };
  }
  const report = formatImportReport({
    what: spec.what,
    file: given,
    keyName: spec.keyName,
    skipInvalid,
    result,
    rejectsWritten,
  });
  const write = report.stream === 'stdout' ? ctx.out : ctx.err;
  for (const line of report.lines) write(line);
  return report.exitCode;
}

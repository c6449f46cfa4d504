import { existsSync, statSync } from 'node:fs';
import type { ImportResult } from '../imports/run-import.ts';
import { formatImportReport } from './report.ts';
import { type CommandArgs, type CommandContext, EXIT } from './types.ts';

export const SKIP_INVALID_OPTION = { 'skip-invalid': { type: 'boolean' } } as const;

export const IMPORT_RULES = [
  'Rows are upserted by key, so importing the same file again changes nothing. If any row is rejected,',
  'nothing is imported unless --skip-invalid is given (then the valid rows are imported, and the command',
  'still exits 1 so the skipped rows are noticed). When a key appears twice in the file the later row wins.',
  'Column names are matched ignoring case, spaces and punctuation; other columns are ignored.',
].join('\n');

/**
 * Shared shape of `import <kind> <csv>`: checks the file, runs the import and prints the report.
 * Returns the exit code.
 */
export async function runImportCommand(
  args: CommandArgs,
  ctx: CommandContext,
  spec: { what: string; keyName: string; run: (file: string, skipInvalid: boolean) => Promise<ImportResult> },
): Promise<number> {
  const given = args.positionals[0] ?? '';
  const file = ctx.resolvePath(given);
  if (!existsSync(file) || !statSync(file).isFile()) {
    ctx.err(`Nothing imported: ${given} ${existsSync(file) ? 'is not a file' : 'does not exist'}.`);
    return EXIT.failed;
  }
  const skipInvalid = args.values['skip-invalid'] === true;
  const result = await spec.run(file, skipInvalid);
  const report = formatImportReport({
    what: spec.what,
    file: given,
    keyName: spec.keyName,
    skipInvalid,
    result,
  });
  const write = report.stream === 'stdout' ? ctx.out : ctx.err;
  for (const line of report.lines) write(line);
  return report.exitCode;
}

// The project CLI (PRODUCT.md section 8): `npm run cli -- <command>`. `runCli` is the whole program and takes
// its streams and environment as arguments, so tests run it in-process; the bottom of this file wires it to
// the real process when run directly.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { asksForVersion, loadDotEnv, versionLine } from '../config/dotenv.ts';
import { ConfigError } from '../config/program-config.ts';
import { isDomainError } from '../core/errors.ts';
import { commandHelp, commandLine, generalHelp, PROGRAM } from './help-text.ts';
import { commands as defaultCommands } from './registry.ts';
import { commandsUnder, findCommand } from './registry-lookup.ts';
import { cliSettings } from './settings.ts';
import { type CliIo, type Command, type CommandContext, EXIT, UsageError } from './types.ts';

export type { CliIo } from './types.ts';

function createContext(io: CliIo, registry: readonly Command[]): CommandContext {
  const cwd = io.cwd ?? process.cwd();
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    out: (line = '') => void io.stdout.write(`${line}\n`),
    err: (line = '') => void io.stderr.write(`${line}\n`),
    env: io.env,
    cwd,
    now: io.now ?? Date.now,
    settings: cliSettings(io.env, cwd),
    resolvePath: (path) => resolve(cwd, path),
    commands: registry,
  };
}

function usageFailure(ctx: CommandContext, message: string, command?: Command): number {
  ctx.err(`${PROGRAM}: ${message}`);
  ctx.err(
    command ? `usage: ${PROGRAM} ${commandLine(command)}` : `Run "${PROGRAM} help" to see the commands.`,
  );
  return EXIT.usage;
}

/** Runs one command line (without the program name) and resolves to its exit code. Never throws. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  registry: readonly Command[] = defaultCommands,
): Promise<number> {
  const ctx = createContext(io, registry);
  if (argv.length === 0) {
    ctx.err(generalHelp(registry));
    return EXIT.usage;
  }
  if (asksForVersion(argv)) {
    ctx.out(versionLine());
    return EXIT.ok;
  }
  if (argv[0] === '--help' || argv[0] === '-h') {
    ctx.out(generalHelp(registry));
    return EXIT.ok;
  }
  const match = findCommand(registry, argv);
  if (!match) {
    const words = argv.filter((a) => !a.startsWith('-'));
    const group = commandsUnder(registry, words.slice(0, 1));
    if (group.length > 0) {
      return usageFailure(
        ctx,
        `unknown command "${words.slice(0, 2).join(' ')}"; try one of: ${group.map((c) => c.name).join(', ')}`,
      );
    }
    return usageFailure(ctx, `unknown command "${argv[0]}"`);
  }
  const { command } = match;
  let args: { positionals: string[]; values: Record<string, string | boolean | undefined> };
  try {
    const parsed = parseArgs({
      args: [...argv.slice(match.length)],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    args = {
      positionals: parsed.positionals,
      values: parsed.values as Record<string, string | boolean | undefined>,
    };
  } catch (err) {
    return usageFailure(ctx, (err as Error).message, command);
  }
  if (args.values.help === true) {
    ctx.out(commandHelp(command));
    return EXIT.ok;
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  if (args.positionals.length < min) {
    const wanted = command.usage.match(/<[^>]+>/g)?.[args.positionals.length];
    return usageFailure(ctx, `missing argument${wanted ? ` ${wanted}` : ''}`, command);
  }
  if (args.positionals.length > max) {
    return usageFailure(ctx, `unexpected argument "${args.positionals[max]}"`, command);
  }
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(ctx, err.message, command);
    if (err instanceof ConfigError) {
      ctx.err(err.message);
      return EXIT.failed;
    }
    if (isDomainError(err)) {
      ctx.err(`${PROGRAM} ${command.name}: ${err.message}`);
      return EXIT.failed;
    }
    ctx.err(`${PROGRAM} ${command.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    if (io.env.FOOTHOLD_DEBUG && err instanceof Error && err.stack) ctx.err(err.stack);
    return EXIT.failed;
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  // `foothold export leads | head` closes stdout early: that is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  loadDotEnv();
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}

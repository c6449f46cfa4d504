// The CLI's command contract. A command is a plain object in the registry (./registry.ts); it gets its parsed
// arguments and a context with the output streams, the environment and the resolved settings, and returns its
// exit code. Nothing here touches `process`, so every command runs in-process in tests.

import type { Writable } from 'node:stream';
import type { ParseArgsConfig } from 'node:util';
import type { CliSettings } from './settings.ts';

export type CliEnv = Readonly<Record<string, string | undefined>>;

/** What the CLI needs from its surroundings (process streams and env in production, buffers in tests). */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: CliEnv;
  /** Relative paths (arguments, DATABASE_PATH, FOOTHOLD_CONFIG) resolve against this; default process.cwd(). */
  cwd?: string;
  /** Clock in ms since the epoch; default Date.now. */
  now?: () => number;
}

export const EXIT = {
  ok: 0,
  /** Rows rejected, input or configuration invalid, or the command failed. */
  failed: 1,
  /** The command line itself is wrong (unknown command or option, missing argument). */
  usage: 2,
} as const;

export interface CommandArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface CommandContext {
  stdout: Writable;
  stderr: Writable;
  /** Writes one line (a trailing newline is added) to stdout / stderr. */
  out(line?: string): void;
  err(line?: string): void;
  env: CliEnv;
  cwd: string;
  now(): number;
  settings: CliSettings;
  /** Resolves a path given on the command line against `cwd`. */
  resolvePath(path: string): string;
  /** The registry, for `help`. */
  commands: readonly Command[];
}

export interface Command {
  /** One or more words, e.g. `import accounts`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Arguments after the name, e.g. `<csv> [--skip-invalid]`. */
  usage: string;
  /** Extra paragraphs for `help <command>`. */
  description?: string;
  /** node:util parseArgs options (`--help` is added for every command). */
  options?: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments the command takes (default none). */
  positionals?: { min: number; max: number };
  run(args: CommandArgs, ctx: CommandContext): Promise<number>;
}

/** Thrown by a command when its arguments are wrong: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

import { DEFAULT_CONFIG_PATH, DEFAULT_DATABASE_PATH } from './settings.ts';
import type { Command } from './types.ts';

export const PROGRAM = 'foothold';

export function commandLine(command: Command): string {
  return command.usage ? `${command.name} ${command.usage}` : command.name;
}

export function commandList(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => commandLine(c).length));
  return commands.map((c) => `  ${commandLine(c).padEnd(width)}  ${c.summary}`).join('\n');
}

export function generalHelp(commands: readonly Command[]): string {
  return [
    `usage: ${PROGRAM} <command> [options]   (from a checkout: npm run cli -- <command> [options])`,
    '',
    'Commands:',
    commandList(commands),
    '',
    'Environment:',
    '  DATABASE_URL     postgres://… selects PostgreSQL (unset: the SQLite file at DATABASE_PATH)',
    `  DATABASE_PATH    SQLite database file (default ${DEFAULT_DATABASE_PATH})`,
    `  FOOTHOLD_CONFIG  program config file (default ${DEFAULT_CONFIG_PATH})`,
    '',
    'Exit codes: 0 ok, 1 rows rejected or input invalid, 2 usage error.',
    `Run "${PROGRAM} help <command>" for details of one command.`,
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `usage: ${PROGRAM} ${commandLine(command)}`,
    '',
    command.summary,
    ...(command.description ? ['', command.description] : []),
  ].join('\n');
}

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };

// Small start-up conveniences shared by `npm start` and the CLI.

/**
 * Loads `.env` from the working directory when there is one (Node's own `process.loadEnvFile`: variables
 * already set in the environment win over the file). Returns the file loaded, or null.
 */
export function loadDotEnv(cwd: string = process.cwd()): string | null {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return null;
  process.loadEnvFile(path);
  return path;
}

/** `foothold 0.1.0 (Node v20.20.2)`: what `--version` prints everywhere. */
export function versionLine(): string {
  return `foothold ${packageJson.version} (Node ${process.version})`;
}

/** `--version` or `-V` anywhere before a `--` ends the options. */
export function asksForVersion(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--version' || arg === '-V') return true;
  }
  return false;
}

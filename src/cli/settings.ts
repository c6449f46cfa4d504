// The two deployment settings the CLI needs (PRODUCT.md section 9), read from the environment it was given.
// Kept here, deliberately small, so the CLI does not depend on the app's full environment parsing.

import { resolve } from 'node:path';
import type { CliEnv } from './types.ts';

export const DEFAULT_DATABASE_PATH = './data/foothold.db';
export const DEFAULT_CONFIG_PATH = './foothold.config.json';

export interface CliSettings {
  /** Absolute path of the SQLite file (DATABASE_PATH, default ./data/foothold.db). */
  databasePath: string;
  /** Absolute path of the program config (FOOTHOLD_CONFIG, default ./foothold.config.json). */
  configPath: string;
}

export function cliSettings(env: CliEnv, cwd: string): CliSettings {
  const pick = (value: string | undefined, fallback: string) =>
    resolve(cwd, value !== undefined && value.trim() !== '' ? value.trim() : fallback);
  return {
    databasePath: pick(env.DATABASE_PATH, DEFAULT_DATABASE_PATH),
    configPath: pick(env.FOOTHOLD_CONFIG, DEFAULT_CONFIG_PATH),
  };
}

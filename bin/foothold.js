#!/usr/bin/env node
// The `foothold` CLI entry point: loads the TypeScript sources through tsx (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { loadDotEnv } = await import('../src/config/dotenv.ts');
const { runCli } = await import('../src/cli/main.ts');
loadDotEnv();
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

#!/usr/bin/env node
// The `foothold` CLI entry point: loads the TypeScript sources through tsx (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

#!/usr/bin/env node
// The `foothold` CLI entry point. It runs the compiled build (dist/, made by `npm run build`) with plain Node,
// as the image and the systemd units do. In a development checkout it runs the TypeScript sources through tsx
// instead when there is no build yet, or when a source file changed after the build (so a stale build never
// runs in place of the code in front of you); without tsx (`npm ci --omit=dev`) a stale build runs with a
// warning, and no build at all is an error that says what to run.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const stamp = new URL('dist/.build.json', root);
const srcDir = new URL('src/', root);

/** The newest .ts file's modification time under src/ (0 without src/, as in the image). */
function newestSource() {
  if (!existsSync(srcDir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
  }
  return newest;
}

async function loadTsx() {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    return true;
  } catch {
    return false;
  }
}

const built = existsSync(stamp);
const stale = built && newestSource() > statSync(stamp).mtimeMs;
let dir = 'dist';
if (!built || stale) {
  if (existsSync(srcDir) && (await loadTsx())) dir = 'src';
  else if (!built) {
    process.stderr.write('foothold: no build in dist/: run `npm run build` first\n');
    process.exit(1);
  } else process.stderr.write('foothold: src/ changed after the build in dist/; run `npm run build`\n');
}
const ext = dir === 'src' ? 'ts' : 'js';
const { loadDotEnv } = await import(new URL(`${dir}/config/dotenv.${ext}`, root).href);
const { runCli } = await import(new URL(`${dir}/cli/main.${ext}`, root).href);
loadDotEnv();
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

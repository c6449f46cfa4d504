import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.ts';

class Buffered extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString('utf8');
    cb();
  }
}

/** Runs the CLI in this process with `env` (and optionally a working folder and a clock), capturing what it prints. */
export async function runCliCaptured(
  argv: string[],
  env: Record<string, string>,
  cwd?: string,
  now?: () => number,
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Buffered();
  const stderr = new Buffered();
  const code = await runCli(argv, { stdout, stderr, env, ...(cwd ? { cwd } : {}), ...(now ? { now } : {}) });
  return { code, out: stdout.text, err: stderr.text };
}

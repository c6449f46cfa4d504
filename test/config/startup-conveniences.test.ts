import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli } from '../../src/cli/main.ts';
import { asksForVersion, loadDotEnv, versionLine } from '../../src/config/dotenv.ts';
import { type EnvError, parseEnv } from '../../src/config/env.ts';
import { createLogger, prettyLine } from '../../src/logger.ts';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  delete process.env.FOOTHOLD_TEST_DOTENV;
  delete process.env.FOOTHOLD_TEST_DOTENV_SET;
});

describe('--version', () => {
  it('prints the package version and Node version, on any command', async () => {
    expect(versionLine()).toBe(`foothold ${packageJson.version} (Node ${process.version})`);
    for (const argv of [['--version'], ['-V'], ['import', 'accounts', '--version'], ['report', '-V']]) {
      const out = sink();
      const err = sink();
      const code = await runCli(argv, { stdout: out.stream, stderr: err.stream, env: {} });
      expect([argv.join(' '), code, out.text()]).toEqual([argv.join(' '), 0, `${versionLine()}\n`]);
    }
    expect(asksForVersion(['export', 'leads', '--', '--version'])).toBe(false);
  });
});

describe('.env', () => {
  it('is loaded when present, and the environment wins over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'foothold-env-'));
    dirs.push(dir);
    expect(loadDotEnv(dir)).toBeNull();
    writeFileSync(join(dir, '.env'), 'FOOTHOLD_TEST_DOTENV=from-file\nFOOTHOLD_TEST_DOTENV_SET=from-file\n');
    process.env.FOOTHOLD_TEST_DOTENV_SET = 'from-environment';
    expect(loadDotEnv(dir)).toBe(join(dir, '.env'));
    expect(process.env.FOOTHOLD_TEST_DOTENV).toBe('from-file');
    expect(process.env.FOOTHOLD_TEST_DOTENV_SET).toBe('from-environment');
  });
});

describe('environment messages state the limits', () => {
  it.each([
    {
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'short' },
      line: /^SLACK_SIGNING_SECRET: expected at least 8 characters; find it at Slack app settings/,
    },
    {
      env: { SLACK_BOT_TOKEN: 'xoxp-user', SLACK_SIGNING_SECRET: 'long-enough-secret' },
      line: /^SLACK_BOT_TOKEN: expected a bot token starting with xoxb-/,
    },
    {
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'long-enough-secret', PORT: '70000' },
      line: /^PORT: expected a port from 1 to 65535$/,
    },
    {
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'long-enough-secret', LOG_FORMAT: 'xml' },
      line: /^LOG_FORMAT: expected json \(the default, for log collectors\) or pretty \(for a terminal\)$/,
    },
  ])('$line', ({ env, line }) => {
    let problems: string[] = [];
    try {
      parseEnv(env);
    } catch (err) {
      problems = (err as EnvError).problems;
    }
    expect(
      problems.some((p) => line.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });
});

describe('LOG_FORMAT=pretty', () => {
  it('prints a time, level, component, message and fields on one line, and an error stack below', () => {
    const out = sink();
    const logger = createLogger('info', out.stream, { format: 'pretty', secrets: ['s3cret-value'] });
    logger
      .child({ component: 'outbox' })
      .warn({ channel: 'C0ROUTING', attempt: 2 }, 'delivery failed s3cret-value');
    const err = new Error('boom');
    logger.error({ err }, 'crashed');
    const lines = out.text().split('\n');
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[outbox\] delivery failed \[redacted\] {2}channel=C0ROUTING attempt=2$/,
    );
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR crashed$/);
    expect(lines[2]).toBe('    Error: boom');
    expect(lines[3]).toMatch(/^ {4} {4}at /);
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(prettyLine('plain text\n')).toBe('plain text\n');
  });
});

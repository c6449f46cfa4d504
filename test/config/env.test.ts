import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../src/config/env.ts';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseEnv(env);
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
}

describe('environment settings', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123' });
    expect(env).toMatchObject({
      PORT: 3000,
      DATABASE_PATH: './data/foothold.db',
      FOOTHOLD_CONFIG: './foothold.config.json',
    });
    expect(env.SLACK_API_URL).toBeUndefined();
  });

  it.each([
    {
      env: {},
      expected: [
        'SLACK_BOT_TOKEN: missing; find it at Slack app settings → OAuth & Permissions',
        'SLACK_SIGNING_SECRET: missing',
      ],
    },
    {
      env: { SLACK_BOT_TOKEN: 'xoxp-user', SLACK_SIGNING_SECRET: 'secret-123' },
      expected: ['SLACK_BOT_TOKEN: expected a bot token'],
    },
    {
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123', PORT: '99999' },
      expected: ['PORT: expected a port from 1 to 65535'],
    },
    {
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123', SLACK_API_URL: 'not a url' },
      expected: ['SLACK_API_URL: expected a URL'],
    },
    {
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123', SLACK_CLIENT_ID: '1.2' },
      expected: ['SLACK_CLIENT_SECRET: missing', 'SLACK_STATE_SECRET: missing'],
    },
  ])('names each problem and where to fix it: $expected', ({ env, expected }) => {
    const lines = problems(env);
    for (const e of expected)
      expect(
        lines.some((l) => l.startsWith(e)),
        lines.join('\n'),
      ).toBe(true);
  });

  it('needs no signing secret in Socket Mode', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual([]);
  });
});

describe('encryption key settings', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123' };
  const oauth = {
    ...base,
    SLACK_CLIENT_ID: '1.2',
    SLACK_CLIENT_SECRET: 'cs',
    SLACK_STATE_SECRET: 'a-long-state-secret',
  };
  const key = Buffer.alloc(32, 3).toString('base64');

  it('requires a key with the OAuth install flow, saying how to make one', () => {
    expect(problems(oauth)).toEqual([
      "FOOTHOLD_ENCRYPTION_KEY: missing (the OAuth install flow stores each workspace's bot token, encrypted with it); generate one with `openssl rand -base64 32` and keep it with your other secrets",
    ]);
    expect(problems({ ...oauth, FOOTHOLD_ENCRYPTION_KEY: key })).toEqual([]);
    expect(problems(base)).toEqual([]);
  });

  it('accepts 32 bytes as base64 or hex and refuses anything else without echoing it', () => {
    expect(problems({ ...base, FOOTHOLD_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('hex') })).toEqual([]);
    const bad = problems({ ...base, FOOTHOLD_ENCRYPTION_KEY: 'hunter2-is-my-key' });
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^FOOTHOLD_ENCRYPTION_KEY: expected 32 random bytes as base64/);
    expect(bad[0]).not.toContain('hunter2');
    expect(
      problems({ ...base, FOOTHOLD_ENCRYPTION_KEY: key, FOOTHOLD_ENCRYPTION_KEY_PREVIOUS: 'x' })[0],
    ).toMatch(/^FOOTHOLD_ENCRYPTION_KEY_PREVIOUS: expected 32 random bytes/);
    expect(problems({ ...base, FOOTHOLD_ENCRYPTION_KEY_PREVIOUS: key })[0]).toMatch(
      /^FOOTHOLD_ENCRYPTION_KEY: missing while FOOTHOLD_ENCRYPTION_KEY_PREVIOUS is set/,
    );
  });
});

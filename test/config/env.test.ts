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

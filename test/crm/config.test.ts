import { describe, expect, it } from 'vitest';
import { EnvError, missingCrmEnv, parseCrmEnv, parseEnv } from '../../src/config/env.ts';
import { ConfigError, parseProgramConfig, resolveCrmFields } from '../../src/config/program-config.ts';
import { exampleConfigJson } from '../helpers/db.ts';

// The crm section and the CRM variables are validated like the rest: every problem names its path.

function problems(patch: (crm: Record<string, unknown>) => void): string[] {
  const raw = exampleConfigJson();
  patch(raw.crm as Record<string, unknown>);
  try {
    parseProgramConfig(raw, 'test');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('crm config section', () => {
  it('accepts the example (HubSpot) and fills the provider defaults for fields left out', () => {
    const raw = exampleConfigJson();
    const crm = parseProgramConfig(raw).crm!;
    expect(crm.provider).toBe('hubspot');
    expect(crm.stages.closedwon).toBe('won');
    const sf = parseProgramConfig({
      ...raw,
      crm: { provider: 'salesforce', stages: { 'Closed Won': 'won' } },
    }).crm!;
    expect(sf).toMatchObject({ schedule: '*/15 * * * *', bulkThreshold: 50_000, ownerLookupTtlHours: 24 });
    expect(resolveCrmFields(sf)).toMatchObject({
      accounts: { website: 'Website', country: 'BillingCountry', customer: { field: 'Type' } },
      opportunities: { amount: 'Amount', currency: null, closeDate: 'CloseDate' },
    });
  });

  it.each([
    [
      (c: Record<string, unknown>) => (c.provider = 'pipedrive'),
      'crm.provider: expected "salesforce" or "hubspot"',
    ],
    [
      (c: Record<string, unknown>) => (c.schedule = 'every minute'),
      'crm.schedule: expected a cron expression',
    ],
    [
      (c: Record<string, unknown>) => ((c.stages as Record<string, string>).closedwon = 'booked'),
      'crm.stages.closedwon: expected one of meeting_held, opportunity, won, lost',
    ],
    [(c: Record<string, unknown>) => (c.stages = {}), 'crm.stages: expected at least one stage'],
    [
      (c: Record<string, unknown>) =>
        ((c.writeBack as { account: Record<string, string> }).account.partner = 'has space'),
      'crm.writeBack.account.partner: expected a field API name',
    ],
    [
      (c: Record<string, unknown>) => (c.defaultCurrency = 'usd'),
      'crm.defaultCurrency: expected an ISO 4217 code',
    ],
    [(c: Record<string, unknown>) => (c.extra = 1), 'crm: unknown field "extra"'],
  ])('names the path of a bad value (%#)', (patch, expected) => {
    expect(problems(patch).join('\n')).toContain(expected);
  });
});

describe('CRM environment', () => {
  it('defaults the Salesforce login host and API version, and says the client-credentials flow needs My Domain', () => {
    const env = parseCrmEnv({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_CLIENT_SECRET: 'secret' });
    expect(env).toMatchObject({
      SALESFORCE_LOGIN_URL: 'https://login.salesforce.com',
      SALESFORCE_API_VERSION: '66.0',
    });
    expect(missingCrmEnv(env, 'salesforce')).toEqual([
      expect.stringContaining('SALESFORCE_LOGIN_URL: the client-credentials flow needs your My Domain URL'),
    ]);
    const mine = parseCrmEnv({
      SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com',
      SALESFORCE_CLIENT_ID: 'id',
      SALESFORCE_CLIENT_SECRET: 's',
    });
    expect(missingCrmEnv(mine, 'salesforce')).toEqual([]);
    expect(missingCrmEnv(mine, 'hubspot')).toEqual([
      expect.stringContaining('HUBSPOT_ACCESS_TOKEN: missing'),
    ]);
  });

  it('rejects a "Bearer " prefix, a version with a v, and a bad URL, naming the variable', () => {
    expect(() =>
      parseCrmEnv({
        HUBSPOT_ACCESS_TOKEN: 'Bearer pat-na1-abcdef',
        SALESFORCE_API_VERSION: 'v66.0',
        HUBSPOT_API_URL: 'not a url',
      }),
    ).toThrow(EnvError);
    try {
      parseCrmEnv({
        HUBSPOT_ACCESS_TOKEN: 'Bearer pat-na1-abcdef',
        SALESFORCE_API_VERSION: 'v66.0',
        HUBSPOT_API_URL: 'nope',
      });
    } catch (err) {
      const text = (err as EnvError).problems.join('\n');
      expect(text).toContain('HUBSPOT_ACCESS_TOKEN: remove the "Bearer " prefix');
      expect(text).toContain('SALESFORCE_API_VERSION: expected an API version number such as 66.0');
      expect(text).toContain('HUBSPOT_API_URL: expected a URL');
    }
  });

  it('is part of the app environment', () => {
    const env = parseEnv({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'secret-secret',
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-abcdef',
    });
    expect(env.HUBSPOT_ACCESS_TOKEN).toBe('pat-na1-abcdef');
  });
});

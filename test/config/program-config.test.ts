import { describe, expect, it } from 'vitest';
import { ConfigError, describeJsonError, parseProgramConfig } from '../../src/config/program-config.ts';
import { exampleConfigJson } from '../helpers/db.ts';

function problems(patch: (raw: Record<string, unknown>) => void): string[] {
  const raw = exampleConfigJson();
  patch(raw);
  try {
    parseProgramConfig(raw, 'test');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('the program config', () => {
  it('accepts the shipped example and fills in defaults', () => {
    const cfg = parseProgramConfig(exampleConfigJson());
    expect(cfg.warmth).toEqual({ minStrength: 3, maxAgeDays: 90 });
    expect(cfg.reasons.lost.map((r) => r.code)).toContain('competitor');
    expect(cfg.partners.map((p) => p.slug)).toEqual(['northwind', 'contoso']);
  });

  it('accepts a minimal file (PRODUCT.md section 9 fields only where required)', () => {
    const cfg = parseProgramConfig({
      timezone: 'Europe/London',
      routingChannel: 'C0ROUTING',
      roles: { admins: ['U0ADMIN'] },
      icp: { minScore: 50, criteria: [{ field: 'country', in: ['GB'], weight: 100 }] },
      routing: [{ when: {}, channel: 'C0ROUTING' }],
    });
    expect(cfg.sla).toEqual({ claimHours: 24, progressDays: 14, businessHours: { start: 9, end: 17 } });
    expect(cfg.expiry.days).toBe(90);
  });

  it.each([
    {
      name: 'a weight out of range',
      patch: (r: Record<string, unknown>) => {
        (r.icp as { criteria: Array<{ weight: number }> }).criteria[1]!.weight = 140;
      },
      expected: 'icp.criteria[1].weight: expected a number between 0 and 100',
    },
    {
      name: 'an unknown time zone',
      patch: (r: Record<string, unknown>) => {
        r.timezone = 'Mars/Base';
      },
      expected: 'timezone: expected an IANA time zone',
    },
    {
      name: 'a channel that is not an id',
      patch: (r: Record<string, unknown>) => {
        r.routingChannel = '#routing';
      },
      expected: 'routingChannel: expected a Slack channel id',
    },
    {
      name: 'an unknown field',
      patch: (r: Record<string, unknown>) => {
        r.colour = 'blue';
      },
      expected: '(root): unknown field "colour"',
    },
    {
      name: 'a duplicate partner slug',
      patch: (r: Record<string, unknown>) => {
        (r.partners as Array<{ slug: string }>)[1]!.slug = 'northwind';
      },
      expected: 'partners[1].slug: duplicate slug (also partners[0])',
    },
    {
      name: 'a shared channel used as a routing channel',
      patch: (r: Record<string, unknown>) => {
        (r.partners as Array<{ channels: string[] }>)[0]!.channels = ['C0ROUTING'];
      },
      expected: 'partners[0].channels[0]: a shared partner channel cannot also be a routing channel',
    },
    {
      name: 'a routing rule naming an unknown partner',
      patch: (r: Record<string, unknown>) => {
        (r.routing as Array<{ when: Record<string, unknown> }>)[0]!.when = { partner: ['acme'] };
      },
      expected: 'routing[0].when.partner[0]: unknown partner slug "acme"',
    },
    {
      name: 'no routing rules',
      patch: (r: Record<string, unknown>) => {
        r.routing = [];
      },
      expected: 'routing: expected at least one routing rule',
    },
    {
      name: 'warmth strength above 5',
      patch: (r: Record<string, unknown>) => {
        r.warmth = { minStrength: 7, maxAgeDays: 90 };
      },
      expected: 'warmth.minStrength: expected a whole number from 1 to 5',
    },
    {
      name: 'a criterion on an unknown field',
      patch: (r: Record<string, unknown>) => {
        (r.icp as { criteria: unknown[] }).criteria = [{ field: 'mood', in: ['happy'], weight: 10 }];
      },
      expected: 'icp.criteria[0].field: expected field to be one of industry, country, employees, revenue',
    },
    {
      name: 'a reporting currency in lower case',
      patch: (r: Record<string, unknown>) => {
        r.revenue = { currency: 'usd' };
      },
      expected: 'revenue.currency: expected an ISO 4217 currency code in capitals',
    },
    {
      name: 'a negative exchange rate',
      patch: (r: Record<string, unknown>) => {
        r.revenue = { currency: 'USD', rates: { EUR: -1 } };
      },
      expected: 'revenue.rates.EUR: expected a positive exchange rate',
    },
    {
      name: 'a rate for the reporting currency itself',
      patch: (r: Record<string, unknown>) => {
        r.revenue = { currency: 'USD', rates: { USD: 1 } };
      },
      expected: 'revenue.rates.USD: the reporting currency needs no rate',
    },
    {
      name: 'a baseline deal size in an unknown currency format',
      patch: (r: Record<string, unknown>) => {
        r.baselines = [
          { leadType: 'MQL', opportunityRate: 0.1, winRate: 0.02, avgDealSize: 40000, currency: 'Dollars' },
        ];
      },
      expected: 'baselines[0].currency: expected an ISO 4217 currency code',
    },
    {
      name: 'a missing required field',
      patch: (r: Record<string, unknown>) => {
        delete r.routingChannel;
      },
      expected: 'routingChannel: required',
    },
    {
      name: 'a missing nested field',
      patch: (r: Record<string, unknown>) => {
        delete (r.icp as Record<string, unknown>).minScore;
      },
      expected: 'icp.minScore: required',
    },
    {
      name: 'routing without a final fallback rule',
      patch: (r: Record<string, unknown>) => {
        r.routing = [{ when: { country: ['GB'] }, channel: 'C0EMEA' }];
      },
      expected: 'routing: expected a final fallback rule ("when": {}) so that every lead has a channel',
    },
    {
      name: 'a rule after the fallback',
      patch: (r: Record<string, unknown>) => {
        r.routing = [
          { when: {}, channel: 'C0ROUTING' },
          { when: { country: ['GB'] }, channel: 'C0EMEA' },
        ];
      },
      expected: 'routing[1]: never used: routing[0] matches every lead first (put the fallback rule last)',
    },
    {
      name: 'a pool naming someone who is not a rep',
      patch: (r: Record<string, unknown>) => {
        (r.routing as Array<{ pool?: string[] }>)[0]!.pool = ['U0LEAD'];
      },
      expected:
        'routing[0].pool[0]: U0LEAD is not in roles.reps, so they could never claim a lead; add them to roles.reps or remove them here',
    },
    {
      name: 'UK as a routing country',
      patch: (r: Record<string, unknown>) => {
        (r.routing as Array<{ when: Record<string, unknown> }>)[0]!.when = { country: ['UK'] };
      },
      expected:
        'routing[0].when.country[0]: expected an ISO 3166-1 alpha-2 country code such as US or GB (did you mean GB?)',
    },
    {
      name: 'a lower-case ICP country',
      patch: (r: Record<string, unknown>) => {
        (r.icp as { criteria: unknown[] }).criteria = [{ field: 'country', in: ['us'], weight: 10 }];
      },
      expected:
        'icp.criteria[0].in[0]: expected an ISO 3166-1 alpha-2 country code such as US or GB (did you mean US?)',
    },
    {
      name: 'a duplicate reason code',
      patch: (r: Record<string, unknown>) => {
        r.reasons = {
          disqualify: [
            { code: 'no_need', label: 'No need' },
            { code: 'no_need', label: 'Nothing needed' },
          ],
        };
      },
      expected: 'reasons.disqualify[1].code: duplicate code "no_need"',
    },
    {
      name: 'an expiry warning no earlier than expiry',
      patch: (r: Record<string, unknown>) => {
        r.expiry = { days: 7, warnDays: 7 };
      },
      expected: 'expiry.warnDays: expected fewer days than expiry.days (7)',
    },
  ])('reports $name as one clear line naming the field', ({ patch, expected }) => {
    const lines = problems(patch);
    expect(
      lines.some((l) => l.startsWith(expected)),
      lines.join('\n'),
    ).toBe(true);
  });

  it('reports every problem at once, one line each', () => {
    const lines = problems((r) => {
      r.timezone = 'nowhere';
      r.routingChannel = 'routing';
    });
    expect(lines).toHaveLength(2);
  });
});

describe('a config file that is not JSON', () => {
  it.each([
    { text: '{\n  "timezone": "UTC",\n  "routingChannel": "C0R"\n  "roles": {}\n}', line: 4, column: 3 },
    { text: '{\n  "timezone": "UTC",\n}', line: 3, column: 1 },
    { text: '{"a": 1,,}', line: 1, column: 9 },
  ])('names the line and column ($line:$column)', ({ text, line, column }) => {
    let error: Error | undefined;
    try {
      JSON.parse(text);
    } catch (err) {
      error = err as Error;
    }
    const described = describeJsonError(text, error as Error);
    expect(described).toMatch(new RegExp(`^not valid JSON at line ${line}, column ${column}: `));
    expect(described).not.toMatch(/position/);
  });
});

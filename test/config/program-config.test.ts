import { describe, expect, it } from 'vitest';
import { ConfigError, parseProgramConfig } from '../../src/config/program-config.ts';
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

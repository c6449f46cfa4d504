import { describe, expect, it } from 'vitest';
import type { RoutingRule } from '../../src/config/program-config.ts';
import {
  chooseRoute,
  evaluateFit,
  evaluateMotion,
  evaluateOverlap,
  evaluateWarmth,
  mergeFirmographics,
  type RouteFacts,
} from '../../src/core/gates.ts';
import type {
  Firmographics,
  PartnerOverlap,
  Relationship,
  SourcedFirmographics,
} from '../../src/core/types.ts';
import { attestation, crm, ICP, ROUTING, TODAY, WARMTH } from './fixtures.ts';

const NO_MARKDOWN = /[*`~]|_[^_]+_|<[@#!]/;

describe('evaluateOverlap', () => {
  const mapped = (relationship: Relationship): PartnerOverlap => ({
    partnerSlug: 'northwind',
    domain: 'acme.com',
    relationship,
  });
  it.each<
    [
      string,
      Relationship | null,
      PartnerOverlap | null,
      'pass' | 'unknown',
      Relationship | null,
      boolean,
      string[],
    ]
  >([
    [
      'stated, no mapping',
      'customer',
      null,
      'pass',
      'customer',
      false,
      ['Northwind Consulting says Acme is a customer (attested)'],
    ],
    [
      'stated and mapped',
      'customer',
      mapped('customer'),
      'pass',
      'customer',
      true,
      ['Northwind Consulting says Acme is a customer (verified by account mapping)'],
    ],
    [
      'stated, mapping disagrees',
      'prospect',
      mapped('customer'),
      'pass',
      'prospect',
      true,
      ['says Acme is a prospect (verified by account mapping, which lists it as a customer)'],
    ],
    [
      'open opportunity',
      'open_opportunity',
      null,
      'pass',
      'open_opportunity',
      false,
      ['is an open opportunity (attested)'],
    ],
    [
      'only mapping',
      null,
      mapped('prospect'),
      'pass',
      'prospect',
      true,
      ['Account mapping shows Acme is a prospect of Northwind Consulting'],
    ],
    ['nothing', null, null, 'unknown', null, false, ['Waiting for the partner to state the relationship']],
  ])('%s', (_name, relationship, overlap, outcome, rel, verified, reasonParts) => {
    const r = evaluateOverlap({
      relationship,
      partnerName: 'Northwind Consulting',
      overlap,
      accountName: 'Acme',
    });
    expect(r.gate).toBe('overlap');
    expect(r.outcome).toBe(outcome);
    expect(r.details).toMatchObject({ relationship: rel, verified });
    for (const part of reasonParts) expect(r.reason).toContain(part);
    expect(r.reason).not.toMatch(NO_MARKDOWN);
  });

  it('names the account by domain when no name is given', () => {
    expect(
      evaluateOverlap({ relationship: 'customer', partnerName: 'N', overlap: null, domain: 'acme.com' })
        .reason,
    ).toBe('N says acme.com is a customer (attested).');
  });
});

describe('evaluateWarmth', () => {
  it('is unknown without an attestation', () => {
    const r = evaluateWarmth(null, WARMTH, TODAY);
    expect(r).toMatchObject({
      gate: 'warmth',
      outcome: 'unknown',
      reason: 'Waiting for the partner to attest warmth.',
    });
  });

  // TODAY is 2026-03-13: 90 days earlier is 2025-12-13.
  it.each<[string, Parameters<typeof attestation>[0], 'pass' | 'fail', number | null, string[]]>([
    [
      'strong and recent',
      {},
      'pass',
      12,
      ['Strength 4/5 with Jane Doe (VP Engineering), last spoke 12 days ago, willing to introduce'],
    ],
    ['strength exactly the minimum', { strength: 3 }, 'pass', 12, ['Strength 3/5']],
    ['strength one below', { strength: 2 }, 'fail', 12, ['Strength 2/5 is below the 3 required']],
    ['age exactly the limit', { lastInteractionOn: '2025-12-13' }, 'pass', 90, ['last spoke 90 days ago']],
    [
      'age one over the limit',
      { lastInteractionOn: '2025-12-12' },
      'fail',
      91,
      ['Your last interaction is 91 days old (limit 90); update the attestation if you have spoken since'],
    ],
    ['spoke today', { lastInteractionOn: TODAY }, 'pass', 0, ['last spoke today']],
    ['spoke yesterday', { lastInteractionOn: '2026-03-12' }, 'pass', 1, ['last spoke yesterday']],
    ['date tomorrow (time zones)', { lastInteractionOn: '2026-03-14' }, 'pass', -1, ['last spoke today']],
    ['date well in the future', { lastInteractionOn: '2026-04-01' }, 'fail', -19, ['is in the future']],
    ['no date', { lastInteractionOn: null }, 'fail', null, ['No date of last interaction']],
    ['blank date', { lastInteractionOn: '  ' }, 'fail', null, ['No date of last interaction']],
    [
      'impossible date',
      { lastInteractionOn: '2026-02-30' },
      'fail',
      null,
      ['"2026-02-30" is not a valid date'],
    ],
    ['not willing', { willingToIntroduce: false }, 'fail', 12, ['The partner is not willing to introduce']],
    [
      'no contact named',
      { contactName: null, contactTitle: null },
      'pass',
      12,
      ['Strength 4/5, last spoke 12 days ago'],
    ],
    ['contact without title', { contactTitle: null }, 'pass', 12, ['Strength 4/5 with Jane Doe, last spoke']],
  ])('%s', (_name, over, outcome, days, reasonParts) => {
    const r = evaluateWarmth(attestation(over), WARMTH, TODAY);
    expect(r.outcome).toBe(outcome);
    expect(r.details.daysSinceInteraction).toBe(days);
    for (const part of reasonParts) expect(r.reason).toContain(part);
    expect(r.reason).toMatch(/\.$/);
    expect(r.reason).not.toMatch(NO_MARKDOWN);
  });

  it('lists every failure, each actionable', () => {
    const r = evaluateWarmth(
      attestation({ strength: 1, lastInteractionOn: '2025-10-04', willingToIntroduce: false }),
      WARMTH,
      TODAY,
    );
    expect(r.outcome).toBe('fail');
    expect(r.details).toMatchObject({ strength: 1, daysSinceInteraction: 160, willingToIntroduce: false });
    expect(r.details.failures).toEqual([
      'strength 1/5 is below the 3 required',
      'your last interaction is 160 days old (limit 90); update the attestation if you have spoken since',
      'the partner is not willing to introduce; update the attestation when an introduction is possible',
    ]);
    expect(r.reason).toBe(
      'Strength 1/5 is below the 3 required; your last interaction is 160 days old (limit 90); update the attestation if you have spoken since; the partner is not willing to introduce; update the attestation when an introduction is possible.',
    );
  });

  it('honours configured rules', () => {
    expect(
      evaluateWarmth(attestation({ strength: 4 }), { minStrength: 5, maxAgeDays: 30 }, TODAY).reason,
    ).toContain('below the 5 required');
  });
});

describe('mergeFirmographics', () => {
  it.each<[string, ReturnType<typeof crm> | null, Firmographics, SourcedFirmographics]>([
    [
      'no CRM: all partner',
      null,
      { industry: 'Software', employees: 300, country: 'gb' },
      {
        industry: { value: 'Software', source: 'partner' },
        employees: { value: 300, source: 'partner' },
        country: { value: 'gb', source: 'partner' },
        revenue: null,
      },
    ],
    [
      'CRM wins where present, partner fills gaps, blanks are missing',
      crm({ industry: 'fintech', employees: null, country: '  ', revenue: 0 }),
      { industry: 'retail', employees: 50, country: ' US ', revenue: 10 },
      {
        industry: { value: 'fintech', source: 'crm' },
        employees: { value: 50, source: 'partner' },
        country: { value: 'US', source: 'partner' },
        revenue: { value: 0, source: 'crm' },
      },
    ],
    [
      'both blank',
      crm({ industry: '' }),
      { industry: ' ', employees: undefined, country: null, revenue: Number.NaN },
      { industry: null, employees: null, country: null, revenue: null },
    ],
  ])('%s', (_name, account, partner, expected) => {
    expect(mergeFirmographics(account, partner)).toEqual(expected);
  });
});

describe('evaluateFit', () => {
  const firm = (f: Firmographics, account: ReturnType<typeof crm> | null = null) =>
    mergeFirmographics(account, f);
  const full: Firmographics = { industry: 'software', employees: 300, country: 'GB' };

  it.each<[string, Firmographics, 'pass' | 'fail' | 'unknown', number, string[], string[]]>([
    ['everything matches', full, 'pass', 100, ['ICP score 100/100 meets the 60 required'], []],
    [
      'case and whitespace ignored',
      { industry: '  SoftWare ', employees: 300, country: 'gb' },
      'pass',
      100,
      [],
      [],
    ],
    [
      'employee band inclusive min',
      { ...full, employees: 200 },
      'pass',
      100,
      ['200 employees (partner-supplied) is within 200–5,000'],
      [],
    ],
    ['employee band inclusive max', { ...full, employees: 5000 }, 'pass', 100, [], []],
    [
      'employees one below',
      { ...full, employees: 199 },
      'pass',
      60,
      ['199 employees (partner-supplied) is below 200'],
      [],
    ],
    [
      'employees one above',
      { ...full, employees: 5001, country: 'FR' },
      'fail',
      30,
      ['ICP score 30/100 is below 60', 'is above 5,000'],
      [],
    ],
    [
      'industry and country miss',
      { industry: 'retail', employees: 300, country: 'FR' },
      'fail',
      40,
      [
        'ICP score 40/100 is below 60: industry retail (partner-supplied) is not in software, fintech, healthcare; country FR',
      ],
      [],
    ],
    [
      'unknown could still pass',
      { industry: 'software' },
      'unknown',
      30,
      ['ICP score 30/100 so far; add employees and country to finish scoring'],
      ['employees', 'country'],
    ],
    ['one unknown', { industry: 'software', employees: 300 }, 'pass', 70, [], ['country']],
    [
      'nothing known',
      {},
      'unknown',
      0,
      ['add industry, employees and country'],
      ['industry', 'employees', 'country'],
    ],
    [
      'unknown cannot close the gap',
      { industry: 'retail', employees: 10 },
      'fail',
      0,
      ['ICP score 0/100 is below 60', '(country unknown, which cannot close the gap)'],
      ['country'],
    ],
  ])('%s', (_name, f, outcome, score, reasonParts, unknown) => {
    const r = evaluateFit({ domain: 'acme.com', firmographics: firm(f), crm: null }, ICP);
    expect(r.gate).toBe('fit');
    expect(r.outcome).toBe(outcome);
    expect(r.details.score).toBe(score);
    expect(r.details.minScore).toBe(60);
    expect(r.details.unknown).toEqual(unknown);
    expect(r.details.excluded).toBeUndefined();
    for (const part of reasonParts) expect(r.reason).toContain(part);
    expect(r.reason).not.toMatch(NO_MARKDOWN);
  });

  it('rounds the score to one decimal and records each criterion', () => {
    const icp = {
      ...ICP,
      minScore: 30,
      criteria: [
        ICP.criteria[0]!,
        { field: 'revenue' as const, min: 1_000_000, weight: 20 },
        ICP.criteria[2]!,
      ],
    };
    const r = evaluateFit(
      {
        domain: 'acme.com',
        firmographics: firm({ country: 'CA', revenue: 2_000_000 }, crm({ industry: 'retail' })),
        crm: null,
      },
      icp,
    );
    expect(r.details.score).toBe(62.5);
    expect(r.details.criteria).toEqual([
      {
        field: 'industry',
        outcome: 'miss',
        weight: 30,
        value: 'retail',
        source: 'crm',
        reason: 'industry retail is not in software, fintech, healthcare',
      },
      {
        field: 'revenue',
        outcome: 'match',
        weight: 20,
        value: 2_000_000,
        source: 'partner',
        reason: 'revenue 2,000,000 (partner-supplied) is within at least 1,000,000',
      },
      {
        field: 'country',
        outcome: 'match',
        weight: 30,
        value: 'CA',
        source: 'partner',
        reason: 'country CA (partner-supplied) is in US, CA, GB',
      },
    ]);
    const third = evaluateFit(
      { domain: 'acme.com', firmographics: firm({ industry: 'software' }), crm: null },
      {
        ...ICP,
        minScore: 10,
        criteria: [
          { field: 'industry', in: ['software'], weight: 10 },
          { field: 'industry', in: ['x'], weight: 10 },
          { field: 'industry', in: ['y'], weight: 10 },
        ],
      },
    );
    expect(third.details.score).toBe(33.3);
  });

  it.each<
    [
      string,
      string,
      ReturnType<typeof crm> | null,
      Partial<typeof ICP.exclude>,
      'customer' | 'domain' | undefined,
      string,
    ]
  >([
    [
      'existing customer',
      'acme.com',
      crm({ isCustomer: true }),
      {},
      'customer',
      'Acme is already a customer',
    ],
    ['customer exclusion off', 'acme.com', crm({ isCustomer: true }), { customers: false }, undefined, ''],
    [
      'blocked domain',
      'rival.com',
      null,
      {},
      'domain',
      'rival.com is on the excluded list (blocked domain or competitor)',
    ],
    [
      'subdomain of a blocked domain',
      'eu.rival.com',
      null,
      {},
      'domain',
      'eu.rival.com is on the excluded list',
    ],
    ['entry unknown to the suffix list', 'competitor.example', null, {}, 'domain', 'excluded list'],
    ['subdomain of such an entry', 'shop.competitor.example', null, {}, 'domain', 'excluded list'],
    ['lookalike is not blocked', 'notrival.com', null, {}, undefined, ''],
    [
      'customer is checked first',
      'rival.com',
      crm({ name: 'Rival', isCustomer: true }),
      {},
      'customer',
      'Rival is already a customer',
    ],
  ])('hard exclude: %s', (_name, domain, account, exclude, excluded, reasonPart) => {
    const r = evaluateFit(
      { domain, firmographics: firm(full), crm: account },
      { ...ICP, exclude: { ...ICP.exclude, ...exclude } },
    );
    expect(r.details.excluded).toBe(excluded);
    expect(r.outcome).toBe(excluded ? 'fail' : 'pass');
    expect(r.details.score).toBe(100); // a perfect score never overrides an exclude
    if (reasonPart) expect(r.reason).toContain(reasonPart);
  });
});

const facts = (over: Partial<RouteFacts> = {}): RouteFacts => ({
  country: null,
  industry: null,
  employees: null,
  partnerSlug: 'northwind',
  crmOwnerUserId: null,
  ...over,
});

describe('chooseRoute', () => {
  const rules: RoutingRule[] = [
    { when: { crmOwner: true }, channel: 'C0OWNED' },
    { when: { partner: ['contoso'] }, channel: 'C0CONTOSO', pool: ['U0C1'] },
    { when: { country: ['gb', 'IE'], industry: ['Fintech'] }, channel: 'C0UKFIN' },
    { when: { country: ['GB', 'IE'] }, channel: 'C0EMEA', pool: ['U0REP2', 'U0REP3'] },
    { when: { employees: { min: 1000 } }, channel: 'C0ENT' },
    { when: { employees: { max: 199 } }, channel: 'C0SMB' },
    { when: {}, channel: 'C0ROUTING' },
  ];
  it.each<[string, Partial<RouteFacts>, number, string, string[] | null, string | null]>([
    [
      'CRM owner wins first and is assigned',
      { crmOwnerUserId: 'U0OWNER', country: 'GB' },
      0,
      'C0OWNED',
      null,
      'U0OWNER',
    ],
    ['partner rule', { partnerSlug: 'contoso', country: 'GB' }, 1, 'C0CONTOSO', ['U0C1'], null],
    ['partner rule case-insensitive', { partnerSlug: 'Contoso' }, 1, 'C0CONTOSO', ['U0C1'], null],
    ['all keys must match', { country: 'GB', industry: 'fintech' }, 2, 'C0UKFIN', null, null],
    [
      'first match in order',
      { country: ' ie ', industry: 'software' },
      3,
      'C0EMEA',
      ['U0REP2', 'U0REP3'],
      null,
    ],
    ['employee band min inclusive', { employees: 1000 }, 4, 'C0ENT', null, null],
    ['employee band max inclusive', { employees: 199 }, 5, 'C0SMB', null, null],
    ['between bands falls back', { employees: 500 }, 6, 'C0ROUTING', null, null],
    ['null facts never match keyed rules', {}, 6, 'C0ROUTING', null, null],
  ])('%s', (_name, over, ruleIndex, channel, pool, assignTo) => {
    expect(chooseRoute(rules, facts(over))).toEqual({ ruleIndex, channel, pool, assignTo });
  });

  it('returns null when nothing matches', () => {
    expect(
      chooseRoute([{ when: { country: ['GB'] }, channel: 'C0EMEA' }], facts({ country: 'US' })),
    ).toBeNull();
    expect(chooseRoute([], facts())).toBeNull();
  });

  it('copies the pool rather than sharing the config array', () => {
    const route = chooseRoute(ROUTING, facts({ country: 'GB' }));
    route?.pool?.push('U0X');
    expect(ROUTING[0]?.pool).toEqual(['U0REP2', 'U0REP3']);
  });
});

describe('evaluateMotion', () => {
  it.each<[string, RoutingRule[], Partial<RouteFacts>, 'pass' | 'fail', string]>([
    [
      'country rule with pool',
      ROUTING,
      { country: 'gb' },
      'pass',
      'Routes by rule 1 (country GB) to the team channel, rep pool of 2.',
    ],
    [
      'fallback',
      ROUTING,
      { country: 'US' },
      'pass',
      'Routes by the fallback rule (rule 2) to the team channel.',
    ],
    [
      'CRM owner',
      [{ when: { crmOwner: true }, channel: 'C0OWNED', pool: ['U0A'] }],
      { crmOwnerUserId: 'U0OWNER' },
      'pass',
      'Routes by rule 1 (CRM owner) to the team channel, assigned to the account owner in the CRM.',
    ],
    [
      'partner and band, without naming the partner list',
      [{ when: { partner: ['northwind', 'contoso'], employees: { min: 100 } }, channel: 'C0P' }],
      { employees: 1500 },
      'pass',
      'Routes by rule 1 (1,500 employees, partner) to the team channel.',
    ],
    [
      'no match',
      [{ when: { country: ['GB'] }, channel: 'C0EMEA' }],
      { country: 'US' },
      'fail',
      'No routing rule matches; add a fallback rule.',
    ],
  ])('%s', (_name, rules, over, outcome, reason) => {
    const { result, route } = evaluateMotion(rules, facts(over));
    expect(result.gate).toBe('motion');
    expect(result.outcome).toBe(outcome);
    expect(result.reason).toBe(reason);
    expect(result.reason).not.toMatch(/C0[A-Z]+|U0[A-Z]+|contoso/);
    expect(route === null).toBe(outcome === 'fail');
    if (route)
      expect(result.details).toMatchObject({
        channel: route.channel,
        ruleIndex: route.ruleIndex,
        pool: route.pool,
      });
  });
});

import { describe, expect, it } from 'vitest';
import type { RoutingRule } from '../../src/config/program-config.ts';
import { type QualifyInput, qualify } from '../../src/core/qualify.ts';
import { attestation, crm, ICP, ROUTING, TODAY, WARMTH } from './fixtures.ts';

const RULES = { warmth: WARMTH, icp: ICP, routing: ROUTING };

const base = (over: Partial<QualifyInput> = {}): QualifyInput => ({
  domain: 'acme.com',
  relationship: 'customer',
  partnerSlug: 'northwind',
  partnerName: 'Northwind Consulting',
  warmth: attestation(),
  partnerFirmographics: { industry: 'software', employees: 300, country: 'GB' },
  crm: null,
  overlap: null,
  ...over,
});

const noFallback: RoutingRule[] = [{ when: { country: ['GB'] }, channel: 'C0EMEA' }];

describe('qualify', () => {
  it.each<[string, Partial<QualifyInput>, RoutingRule[], string, string[]]>([
    ['all four pass', {}, ROUTING, 'qualified', []],
    ['no attestation yet', { warmth: null }, ROUTING, 'awaiting_attestation', ['warmth']],
    [
      'no attestation, no relationship yet',
      { warmth: null, relationship: null },
      ROUTING,
      'awaiting_attestation',
      ['overlap', 'warmth'],
    ],
    [
      'no attestation, fit still unknown',
      { warmth: null, partnerFirmographics: { industry: 'software' } },
      ROUTING,
      'awaiting_attestation',
      ['warmth', 'fit'],
    ],
    [
      'no attestation but fit fails',
      { warmth: null, partnerFirmographics: { industry: 'retail', employees: 10, country: 'FR' } },
      ROUTING,
      'candidate',
      ['warmth', 'fit'],
    ],
    [
      'no attestation but no route',
      { warmth: null, partnerFirmographics: { industry: 'software', employees: 300, country: 'US' } },
      noFallback,
      'candidate',
      ['warmth', 'motion'],
    ],
    ['cold warmth', { warmth: attestation({ strength: 1 }) }, ROUTING, 'candidate', ['warmth']],
    ['relationship not stated', { relationship: null }, ROUTING, 'candidate', ['overlap']],
    ['fit unknown', { partnerFirmographics: { industry: 'software' } }, ROUTING, 'candidate', ['fit']],
    [
      'poor fit despite a champion',
      {
        warmth: attestation({ strength: 5 }),
        partnerFirmographics: { industry: 'retail', employees: 10, country: 'GB' },
      },
      ROUTING,
      'candidate',
      ['fit'],
    ],
    ['existing customer', { crm: crm({ isCustomer: true }) }, ROUTING, 'candidate', ['fit']],
    [
      'no route',
      { partnerFirmographics: { industry: 'software', employees: 300, country: 'US' } },
      noFallback,
      'candidate',
      ['motion'],
    ],
  ])('%s → %s', (_name, over, routing, status, failing) => {
    const q = qualify(base(over), { ...RULES, routing }, TODAY);
    expect(q.status).toBe(status);
    expect(q.failing).toEqual(failing);
    expect(q.gates.map((g) => g.gate)).toEqual(['overlap', 'warmth', 'fit', 'motion']);
  });

  it('uses CRM firmographics first for fit and routing, and the CRM owner when a rule asks', () => {
    const q = qualify(
      base({
        crm: crm({
          name: 'Acme Ltd',
          country: 'US',
          employees: 1000,
          industry: 'fintech',
          ownerUserId: 'U0OWNER',
        }),
        overlap: { partnerSlug: 'northwind', domain: 'acme.com', relationship: 'customer' },
      }),
      { ...RULES, routing: [{ when: { crmOwner: true }, channel: 'C0OWNED' }, ...ROUTING] },
      TODAY,
    );
    expect(q.status).toBe('qualified');
    expect(q.icpScore).toBe(100);
    expect(q.overlapVerified).toBe(true);
    expect(q.route).toEqual({ ruleIndex: 0, channel: 'C0OWNED', pool: null, assignTo: 'U0OWNER' });
    expect(q.gates[0]?.reason).toBe(
      'Northwind Consulting says Acme Ltd is a customer (verified by account mapping).',
    );
  });

  it('routes on the partner-supplied country when the CRM has none', () => {
    const q = qualify(base(), RULES, TODAY);
    expect(q.route).toEqual({ ruleIndex: 0, channel: 'C0EMEA', pool: ['U0REP2', 'U0REP3'], assignTo: null });
    expect(q.icpScore).toBe(100);
    expect(q.overlapVerified).toBe(false);
  });

  it('reports a score even when excluded, and no route on failure', () => {
    const q = qualify(
      base({ partnerFirmographics: { industry: 'software', employees: 300, country: 'US' } }),
      { ...RULES, routing: noFallback },
      TODAY,
    );
    expect(q.route).toBeNull();
    expect(q.icpScore).toBe(100);
  });
});

import type { ProgramConfig, RoutingRule } from '../../src/config/program-config.ts';
import type { CrmAccount, WarmthAttestation } from '../../src/core/types.ts';

// Shared fixtures for the core tests: the example program from PRODUCT.md section 9.

export const ICP: ProgramConfig['icp'] = {
  minScore: 60,
  criteria: [
    { field: 'industry', in: ['software', 'fintech', 'healthcare'], weight: 30 },
    { field: 'employees', min: 200, max: 5000, weight: 40 },
    { field: 'country', in: ['US', 'CA', 'GB'], weight: 30 },
  ],
  exclude: { domains: ['competitor.example', 'https://www.Rival.com/'], customers: true },
};

export const WARMTH = { minStrength: 3, maxAgeDays: 90 };

export const ROUTING: RoutingRule[] = [
  { when: { country: ['GB'] }, channel: 'C0EMEA', pool: ['U0REP2', 'U0REP3'] },
  { when: {}, channel: 'C0ROUTING' },
];

export function crm(over: Partial<CrmAccount> = {}): CrmAccount {
  return {
    domain: 'acme.com',
    name: 'Acme',
    industry: null,
    employees: null,
    country: null,
    revenue: null,
    ownerUserId: null,
    isCustomer: false,
    hasOpenOpportunity: false,
    ...over,
  };
}

export function attestation(over: Partial<WarmthAttestation> = {}): WarmthAttestation {
  return {
    strength: 4,
    contactName: 'Jane Doe',
    contactTitle: 'VP Engineering',
    lastInteractionOn: '2026-03-01',
    willingToIntroduce: true,
    ...over,
  };
}

export const TODAY = '2026-03-13';

import type { GateResult, LeadStatus, LeadView } from '../../src/core/types.ts';

// Fixtures for the Block Kit builders: a realistic lead, and hostile, maximum-length variants of it.

export const NOW = Date.UTC(2026, 10, 22, 15, 0, 0); // Nov 22, 2026 10:00 in New York
export const TZ = 'America/New_York';
export const CTX = { timeZone: TZ, now: NOW };
const DAY = 86_400_000;

/** Everything a user could type to ping, link or disguise text. */
export const HOSTILE =
  '<!channel> <!here> <!everyone> <@U123> <#C999> <https://evil.example|click> &amp; *bold* _it_ `code` ' +
  '\u202Egnp.exe\u202C \u2066iso\u2069 \u0000\u0007\u001B 🎉👨‍👩‍👧🇬🇧 e\u0301 ';

export const SECRET_PARTNER = 'Contoso Secret Partners';
export const ROUTING_CHANNEL = 'C0ROUTING';
export const INTERNAL_REASON_TEXT = 'INTERNAL-ONLY: budget owner left';

export function repeatTo(s: string, n: number): string {
  return s.repeat(Math.ceil(n / s.length)).slice(0, n);
}

export const GATES_PASS: GateResult[] = [
  {
    gate: 'overlap',
    outcome: 'pass',
    reason: 'Northwind Consulting says Acme is a customer (attested).',
    details: { relationship: 'customer', verified: false },
  },
  {
    gate: 'warmth',
    outcome: 'pass',
    reason: 'Strength 4/5 with Jane Doe (VP Engineering), last spoke 20 days ago, willing to introduce.',
    details: { strength: 4, daysSinceInteraction: 20, willingToIntroduce: true, failures: [] },
  },
  {
    gate: 'fit',
    outcome: 'pass',
    reason: 'ICP score 100/100 meets the 60 required: industry software is in software, fintech, healthcare.',
    details: {
      score: 100,
      minScore: 60,
      unknown: [],
      criteria: [
        {
          field: 'industry',
          outcome: 'match',
          weight: 30,
          value: 'software',
          source: 'crm',
          reason: 'industry software is in software, fintech, healthcare',
        },
        {
          field: 'employees',
          outcome: 'match',
          weight: 40,
          value: 800,
          source: 'partner',
          reason: '800 employees (partner-supplied) is within 200–5,000',
        },
        {
          field: 'country',
          outcome: 'miss',
          weight: 30,
          value: 'FR',
          source: 'crm',
          reason: 'country FR is not in US, CA, GB',
        },
      ],
    },
  },
  { gate: 'motion', outcome: 'pass', reason: 'Routed by rule 2 (the fallback).', details: { ruleIndex: 1 } },
];

export function lead(over: Partial<LeadView> = {}): LeadView {
  return {
    id: 42,
    domain: 'acme.com',
    accountName: 'Acme',
    status: 'qualified',
    partner: { slug: 'northwind', name: 'Northwind Consulting' },
    surfacedBy: 'partner',
    submittedByUserId: 'U0PARTNER',
    relationship: 'customer',
    overlapVerified: false,
    need: 'Replace their legacy billing system.',
    notes: 'Budget approved for Q1.',
    sourceMessageUrl: null,
    icpScore: 70,
    gates: GATES_PASS,
    warmth: {
      strength: 4,
      contactName: 'Jane Doe',
      contactTitle: 'VP Engineering',
      lastInteractionOn: '2026-11-02',
      willingToIntroduce: true,
      attestedByUserId: 'U0PARTNER',
      attestedAt: NOW - 2 * DAY,
    },
    corroborators: [],
    creditedPartner: null,
    attribution: 'sourced',
    routeChannel: ROUTING_CHANNEL,
    routePool: ['U0REP1', 'U0REP2'],
    suggestedUserId: 'U0REP1',
    ownerUserId: null,
    introStatus: null,
    reasonCode: null,
    reasonLabel: null,
    reasonText: null,
    mergedIntoLeadId: null,
    createdAt: NOW - 3 * DAY,
    updatedAt: NOW - 5 * 3_600_000,
    claimedAt: null,
    lastProgressAt: NOW - 3 * DAY,
    version: 3,
    ...over,
  };
}

/** A lead where every user-supplied string is hostile and as long as it can get (and then some). */
export function hostileLead(over: Partial<LeadView> = {}): LeadView {
  const h = (n: number) => repeatTo(HOSTILE, n);
  const base = lead();
  return lead({
    accountName: h(400),
    domain: h(253),
    need: h(3000),
    notes: h(3000),
    partner: { slug: 'northwind', name: h(80) },
    corroborators: [
      { slug: 'contoso', name: SECRET_PARTNER },
      ...Array.from({ length: 12 }, (_, i) => ({ slug: `p${i}`, name: `${SECRET_PARTNER} ${i} ${h(80)}` })),
    ],
    creditedPartner: { slug: 'contoso', name: SECRET_PARTNER },
    sourceMessageUrl: 'https://evil.example/x?a=1&b=<2>|click',
    gates: base.gates.map((g) => ({ ...g, reason: h(2000) })),
    warmth: {
      strength: 2,
      contactName: h(120),
      contactTitle: h(120),
      lastInteractionOn: '2026-06-01',
      willingToIntroduce: false,
      attestedByUserId: 'U0PARTNER',
      attestedAt: NOW - 10 * DAY,
    },
    reasonCode: 'other',
    reasonLabel: h(75),
    reasonText: `${INTERNAL_REASON_TEXT} ${h(1000)}`,
    ownerUserId: 'U0REP1',
    claimedAt: NOW - 2 * DAY,
    introStatus: 'requested',
    mergedIntoLeadId: 7,
    ...over,
  });
}

export const ALL_STATUSES: LeadStatus[] = [
  'surfaced',
  'awaiting_attestation',
  'candidate',
  'qualified',
  'claimed',
  'intro_requested',
  'meeting_held',
  'opportunity',
  'won',
  'lost',
  'disqualified',
  'expired',
  'merged',
];

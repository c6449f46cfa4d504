import { describe, expect, it } from 'vitest';
import { classifySubmission, type SubmissionClass } from '../../src/core/dedupe.ts';
import type { CrmAccount, LeadStatus } from '../../src/core/types.ts';
import { crm } from './fixtures.ts';

type Lead = { id: number; partnerSlug: string; status: LeadStatus; createdAt: number };
const lead = (id: number, partnerSlug: string, status: LeadStatus, createdAt: number): Lead => ({
  id,
  partnerSlug,
  status,
  createdAt,
});

describe('classifySubmission', () => {
  it.each<
    [string, Lead[], Array<{ leadId: number; partnerSlug: string }>, CrmAccount | null, SubmissionClass]
  >([
    ['nothing known', [], [], null, { kind: 'new' }],
    ['CRM account that is neither customer nor opportunity', [], [], crm(), { kind: 'new' }],
    ['CRM customer', [], [], crm({ isCustomer: true }), { kind: 'conflict', reason: 'customer' }],
    [
      'CRM open opportunity',
      [],
      [],
      crm({ hasOpenOpportunity: true }),
      { kind: 'conflict', reason: 'open_opportunity' },
    ],
    [
      'customer outranks open opportunity and duplicates',
      [lead(1, 'northwind', 'qualified', 1)],
      [],
      crm({ isCustomer: true, hasOpenOpportunity: true }),
      { kind: 'conflict', reason: 'customer' },
    ],
    [
      'opportunity outranks duplicates',
      [lead(1, 'northwind', 'qualified', 1)],
      [],
      crm({ hasOpenOpportunity: true }),
      { kind: 'conflict', reason: 'open_opportunity' },
    ],
    [
      'own open lead',
      [lead(7, 'northwind', 'claimed', 5)],
      [],
      null,
      { kind: 'duplicate', leadId: 7, status: 'claimed' },
    ],
    [
      'own earliest open lead',
      [lead(9, 'northwind', 'candidate', 20), lead(8, 'northwind', 'awaiting_attestation', 10)],
      [],
      null,
      { kind: 'duplicate', leadId: 8, status: 'awaiting_attestation' },
    ],
    [
      'own lead wins over an earlier lead of another partner',
      [lead(1, 'contoso', 'qualified', 1), lead(2, 'northwind', 'candidate', 2)],
      [],
      null,
      { kind: 'duplicate', leadId: 2, status: 'candidate' },
    ],
    [
      'already corroborating counts as own',
      [lead(1, 'contoso', 'opportunity', 1)],
      [{ leadId: 1, partnerSlug: 'northwind' }],
      null,
      { kind: 'duplicate', leadId: 1, status: 'opportunity' },
    ],
    [
      'another partner corroborating does not',
      [lead(1, 'contoso', 'qualified', 1)],
      [{ leadId: 1, partnerSlug: 'fabrikam' }],
      null,
      { kind: 'corroboration', leadId: 1 },
    ],
    ['another partner', [lead(3, 'contoso', 'qualified', 3)], [], null, { kind: 'corroboration', leadId: 3 }],
    [
      'corroborates the earliest open EQL, skipping an earlier lead that is not an EQL yet',
      [
        lead(5, 'fabrikam', 'claimed', 50),
        lead(4, 'contoso', 'candidate', 40),
        lead(6, 'contoso', 'qualified', 60),
      ],
      [],
      null,
      { kind: 'corroboration', leadId: 5 },
    ],
    [
      'stands on its own when the other partner’s lead is still a candidate',
      [lead(4, 'contoso', 'candidate', 40)],
      [],
      null,
      { kind: 'new' },
    ],
    [
      'stands on its own when the other partner’s lead awaits attestation',
      [lead(4, 'contoso', 'awaiting_attestation', 40)],
      [],
      null,
      { kind: 'new' },
    ],
    [
      'createdAt tie broken by id',
      [lead(12, 'contoso', 'qualified', 40), lead(11, 'fabrikam', 'qualified', 40)],
      [],
      null,
      { kind: 'corroboration', leadId: 11 },
    ],
    [
      'closed leads are ignored (earlier won lead)',
      [lead(1, 'contoso', 'won', 1), lead(2, 'fabrikam', 'qualified', 2)],
      [],
      null,
      { kind: 'corroboration', leadId: 2 },
    ],
    [
      'own closed and expired leads do not make a duplicate',
      [
        lead(1, 'northwind', 'lost', 1),
        lead(2, 'northwind', 'expired', 2),
        lead(3, 'northwind', 'merged', 3),
      ],
      [],
      null,
      { kind: 'new' },
    ],
    ['surfaced is not open', [lead(1, 'contoso', 'surfaced', 1)], [], null, { kind: 'new' }],
  ])('%s', (_name, openLeads, corroboratingSlugs, account, expected) => {
    expect(
      classifySubmission({ partnerSlug: 'northwind', openLeads, corroboratingSlugs, crm: account }),
    ).toEqual(expected);
  });

  it('works without corroboratingSlugs and does not reorder the input', () => {
    const leads = [lead(2, 'contoso', 'qualified', 2), lead(1, 'contoso', 'qualified', 1)];
    expect(classifySubmission({ partnerSlug: 'northwind', openLeads: leads, crm: null })).toEqual({
      kind: 'corroboration',
      leadId: 1,
    });
    expect(leads.map((l) => l.id)).toEqual([2, 1]);
  });
});

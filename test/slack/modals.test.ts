import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { attestInputSchema, LIMITS, submitLeadInputSchema } from '../../src/services/inputs.ts';
import {
  attestationModal,
  parseAttestationValues,
  parseReasonValues,
  parseReassignValues,
  parseSubmissionValues,
  reasonModal,
  reassignModal,
  submissionModal,
} from '../../src/slack/blocks/modals.ts';
import { BLOCKS, CALLBACKS } from '../../src/slack/ids.ts';
import { HOSTILE, hostileLead, lead, repeatTo } from './fixtures.ts';
import { expectInert, expectValidView } from './validate.ts';

const blockIds = (v: ModalView) => v.blocks.map((b) => b.block_id).filter(Boolean);
type InputLike = {
  type: string;
  block_id?: string;
  optional?: boolean;
  element?: { max_length?: number; initial_value?: string };
};
const inputs = (v: ModalView) => v.blocks.filter((b) => b.type === 'input') as InputLike[];
const required = (v: ModalView) =>
  inputs(v)
    .filter((b) => !b.optional)
    .map((b) => b.block_id);

const REASONS = [
  { code: 'no_budget', label: 'No budget' },
  { code: 'other', label: 'Other' },
];

describe('submission modal', () => {
  it('partner variant asks only the gates’ questions as required, with limits from inputs.ts', () => {
    const v = submissionModal({ variant: 'partner', privateMetadata: '{"channelId":"C1"}' });
    expectValidView(v, 'modal');
    expect(v.callback_id).toBe(CALLBACKS.submitLead);
    expect(v.title.text).toBe('Flag an account');
    expect(v.submit?.text).toBe('Submit');
    expect(v.close?.text).toBe('Cancel');
    expect(required(v)).toEqual([
      BLOCKS.accountName,
      BLOCKS.website,
      BLOCKS.relationship,
      BLOCKS.strength,
      BLOCKS.lastInteractionOn,
      BLOCKS.willingToIntroduce,
    ]);
    expect(blockIds(v)).toEqual(
      expect.arrayContaining([
        BLOCKS.contactName,
        BLOCKS.contactTitle,
        BLOCKS.contactEmail,
        BLOCKS.need,
        BLOCKS.notes,
        BLOCKS.industry,
        BLOCKS.employees,
        BLOCKS.country,
      ]),
    );
    expect(blockIds(v)).not.toContain(BLOCKS.partner);
    const max = Object.fromEntries(inputs(v).map((b) => [b.block_id, b.element?.max_length]));
    expect(max[BLOCKS.accountName]).toBe(LIMITS.accountName);
    expect(max[BLOCKS.website]).toBe(LIMITS.website);
    expect(max[BLOCKS.notes]).toBe(LIMITS.notes);
    expect(max[BLOCKS.need]).toBe(LIMITS.need);
    expect(max[BLOCKS.contactEmail]).toBe(LIMITS.contactEmail);
  });

  it('rep variant names the partner org and skips warmth', () => {
    const v = submissionModal({
      variant: 'rep',
      partners: [
        { slug: 'northwind', name: 'Northwind' },
        { slug: 'contoso', name: 'Contoso' },
      ],
      privateMetadata: '{}',
    });
    expectValidView(v, 'modal');
    expect(required(v)).toEqual([BLOCKS.accountName, BLOCKS.website, BLOCKS.partner]);
    for (const b of [
      BLOCKS.relationship,
      BLOCKS.strength,
      BLOCKS.lastInteractionOn,
      BLOCKS.willingToIntroduce,
    ])
      expect(blockIds(v)).not.toContain(b);
    expect(JSON.stringify(v)).toContain('attest');
    const none = submissionModal({ variant: 'rep', partners: [], privateMetadata: '{}' });
    expectValidView(none, 'modal');
  });

  it('stays valid with hostile prefill, 150 partners and a source message', () => {
    const v = submissionModal({
      variant: 'rep',
      prefill: {
        website: repeatTo(HOSTILE, 900),
        accountName: repeatTo(HOSTILE, 900),
        notes: repeatTo(HOSTILE, 3000),
      },
      partners: Array.from({ length: 150 }, (_, i) => ({ slug: `p${i}`, name: repeatTo(HOSTILE, 200) })),
      sourceMessageUrl: 'https://slack.com/archives/C1/p1712345678000100',
      privateMetadata: repeatTo('x', 3000),
    });
    expectValidView(v, 'modal');
    expectInert(v);
    expect(JSON.stringify(v)).toContain('<https://slack.com/archives/C1/p1712345678000100|this message>');
    const notes = inputs(v).find((b) => b.block_id === BLOCKS.notes);
    expect(notes?.element?.initial_value?.length).toBeLessThanOrEqual(LIMITS.notes);
  });

  it('throws rather than cut oversized private_metadata', () => {
    expect(() => submissionModal({ variant: 'partner', privateMetadata: repeatTo('x', 3001) })).toThrow();
  });
});

describe('parseSubmissionValues', () => {
  const partnerState = {
    account_name: { account_name: { type: 'plain_text_input', value: 'Acme' } },
    website: { website: { type: 'plain_text_input', value: 'https://www.acme.com' } },
    relationship: {
      relationship: {
        type: 'static_select',
        selected_option: { text: { type: 'plain_text', text: 'Customer' }, value: 'customer' },
      },
    },
    strength: {
      strength: {
        type: 'static_select',
        selected_option: { text: { type: 'plain_text', text: '4' }, value: '4' },
      },
    },
    last_interaction_on: { last_interaction_on: { type: 'datepicker', selected_date: '2026-11-02' } },
    willing_to_introduce: {
      willing_to_introduce: { type: 'radio_buttons', selected_option: { value: 'yes' } },
    },
    contact_name: { contact_name: { type: 'plain_text_input', value: 'Jane Doe' } },
    contact_title: { contact_title: { type: 'plain_text_input', value: null } },
    contact_email: { contact_email: { type: 'plain_text_input', value: '' } },
    need: { need: { type: 'plain_text_input', value: 'Billing' } },
    notes: { notes: { type: 'plain_text_input', value: null } },
    industry: { industry: { type: 'plain_text_input', value: 'software' } },
    employees: { employees: { type: 'plain_text_input', value: '1,200' } },
    country: { country: { type: 'plain_text_input', value: null } },
  };

  it('reads a partner submission into the service input shape', () => {
    const v = parseSubmissionValues(partnerState);
    expect(v).toEqual({
      accountName: 'Acme',
      website: 'https://www.acme.com',
      relationship: 'customer',
      warmth: {
        strength: 4,
        contactName: 'Jane Doe',
        contactTitle: null,
        contactEmail: null,
        lastInteractionOn: '2026-11-02',
        willingToIntroduce: true,
      },
      need: 'Billing',
      notes: null,
      firmographics: { industry: 'software', employees: '1,200', country: null },
      partnerSlug: null,
    });
    const parsed = submitLeadInputSchema.safeParse({ ...v, actor: { userId: 'U0PARTNER', teamId: 'T1' } });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.firmographics.employees).toBe(1200);
  });

  it('reads a rep submission: no warmth, the partner slug', () => {
    const v = parseSubmissionValues({
      account_name: { account_name: { type: 'plain_text_input', value: 'Acme' } },
      website: { website: { type: 'plain_text_input', value: 'acme.com' } },
      partner: { partner: { type: 'static_select', selected_option: { value: 'northwind' } } },
      need: { need: { type: 'plain_text_input', value: null } },
    });
    expect(v.warmth).toBeNull();
    expect(v.relationship).toBeNull();
    expect(v.partnerSlug).toBe('northwind');
    expect(submitLeadInputSchema.safeParse({ ...v, actor: { userId: 'U0REP1', teamId: 'T0' } }).success).toBe(
      true,
    );
  });

  it('leaves missing answers for the schema to word', () => {
    const v = parseSubmissionValues({
      willing_to_introduce: {
        willing_to_introduce: { type: 'radio_buttons', selected_option: { value: 'no' } },
      },
    });
    expect(v.warmth).toMatchObject({ strength: null, lastInteractionOn: '', willingToIntroduce: false });
    const r = submitLeadInputSchema.safeParse({ ...v, actor: { userId: 'U0REP1', teamId: null } });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining(['accountName', 'website', 'warmth.strength', 'warmth.lastInteractionOn']),
    );
  });
});

describe('attestation modal', () => {
  it('asks the warmth questions, prefilled when updating', () => {
    const v = attestationModal(lead(), '{"leadId":42}');
    expectValidView(v, 'modal');
    expect(v.callback_id).toBe(CALLBACKS.attest);
    expect(v.title.text).toBe('Update attestation');
    const s = JSON.stringify(v);
    expect(s).toContain('"initial_date":"2026-11-02"');
    expect(s).toContain('"initial_value":"Jane Doe"');
    expect(required(v)).toEqual([
      BLOCKS.relationship,
      BLOCKS.strength,
      BLOCKS.lastInteractionOn,
      BLOCKS.willingToIntroduce,
    ]);
    const fresh = attestationModal(
      lead({ warmth: null, relationship: null, surfacedBy: 'rep', submittedByUserId: 'U0REP1' }),
      '{}',
    );
    expectValidView(fresh, 'modal');
    expect(fresh.title.text).toBe('Attest relationship');
    expect(JSON.stringify(fresh)).toContain('<@U0REP1>');
  });

  it('is valid and inert for a hostile lead', () => {
    const v = attestationModal(hostileLead(), '{}');
    expectValidView(v, 'modal');
    expectInert(v);
  });

  it('parses into the attest input shape', () => {
    const v = parseAttestationValues({
      relationship: { relationship: { type: 'static_select', selected_option: { value: 'prospect' } } },
      strength: { strength: { type: 'static_select', selected_option: { value: '3' } } },
      last_interaction_on: { last_interaction_on: { type: 'datepicker', selected_date: '2026-11-20' } },
      willing_to_introduce: {
        willing_to_introduce: { type: 'radio_buttons', selected_option: { value: 'no' } },
      },
      contact_name: { contact_name: { type: 'plain_text_input', value: null } },
    });
    expect(v).toEqual({
      relationship: 'prospect',
      warmth: {
        strength: 3,
        contactName: null,
        contactTitle: null,
        contactEmail: null,
        lastInteractionOn: '2026-11-20',
        willingToIntroduce: false,
      },
    });
    expect(
      attestInputSchema.safeParse({ ...v, actor: { userId: 'U0P', teamId: 'T1' }, leadId: 42 }).success,
    ).toBe(true);
  });
});

describe('reason and reassign modals', () => {
  it('reason modal: disqualify vs lost', () => {
    const d = reasonModal('disqualify', REASONS, hostileLead(), '{}');
    const l = reasonModal(
      'lost',
      Array.from({ length: 120 }, (_, i) => ({ code: `r${i}`, label: repeatTo(HOSTILE, 75) })),
      lead(),
      '{}',
    );
    for (const v of [d, l]) {
      expectValidView(v, 'modal');
      expectInert(v);
    }
    expect(d.callback_id).toBe(CALLBACKS.disqualifyReason);
    expect(l.callback_id).toBe(CALLBACKS.lostReason);
    expect(required(d)).toEqual([BLOCKS.reasonCode]);
    expect(
      parseReasonValues({
        reason_code: { reason_code: { type: 'static_select', selected_option: { value: 'no_budget' } } },
        reason_text: { reason_text: { type: 'plain_text_input', value: 'They froze spend' } },
      }),
    ).toEqual({ reasonCode: 'no_budget', reasonText: 'They froze spend' });
    expect(parseReasonValues({})).toEqual({ reasonCode: null, reasonText: null });
  });

  it('reassign modal: a person and a written reason', () => {
    const v = reassignModal(hostileLead({ ownerUserId: 'U0REP1' }), '{}');
    expectValidView(v, 'modal');
    expectInert(v);
    expect(v.callback_id).toBe(CALLBACKS.reassign);
    expect(v.title.text).toBe('Reassign lead');
    expect(required(v)).toEqual([BLOCKS.newOwner, BLOCKS.reassignReason]);
    expect(reassignModal(lead({ ownerUserId: null }), '{}').title.text).toBe('Assign lead');
    expect(
      parseReassignValues({
        new_owner: { new_owner: { type: 'users_select', selected_user: 'U0REP2' } },
        reassign_reason: { reassign_reason: { type: 'plain_text_input', value: 'Covers EMEA now' } },
      }),
    ).toEqual({ newOwnerUserId: 'U0REP2', reason: 'Covers EMEA now' });
  });
});

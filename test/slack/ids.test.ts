import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.ts';
import { submitLeadInputSchema } from '../../src/services/inputs.ts';
import { parseInput } from '../../src/services/validation.ts';
import { submissionModal } from '../../src/slack/blocks/modals.ts';
import {
  ACTION_IDS,
  BLOCKS,
  CALLBACK_IDS,
  decodeLeadRef,
  encodeLeadRef,
  FIELD_BLOCK,
  viewErrors,
} from '../../src/slack/ids.ts';

describe('ids', () => {
  it('are unique, stable snake case and within 255 characters', () => {
    for (const list of [ACTION_IDS, CALLBACK_IDS, Object.values(BLOCKS)]) {
      expect(new Set(list).size).toBe(list.length);
      for (const id of list) expect(id).toMatch(/^[a-z][a-z0-9_]{0,254}$/);
    }
    expect(ACTION_IDS).toEqual(
      expect.arrayContaining([
        'claim',
        'request_intro',
        'meeting_held',
        'opportunity',
        'won',
        'lost',
        'disqualify',
        'reassign',
        'intro_made',
        'intro_declined',
        'attest_open',
        'flag_account',
        'request_extension',
        'grant_extension',
        'home_flag',
      ]),
    );
    expect(CALLBACK_IDS).toEqual(
      expect.arrayContaining([
        'submit_lead',
        'attest',
        'disqualify_reason',
        'lost_reason',
        'reassign',
        'flag_as_eql',
      ]),
    );
  });

  it('FIELD_BLOCK points at blocks that exist in the submission modal', () => {
    const partner = submissionModal({ variant: 'partner', privateMetadata: '{}' });
    const rep = submissionModal({
      variant: 'rep',
      partners: [{ slug: 'n', name: 'N' }],
      privateMetadata: '{}',
    });
    const ids = new Set([...partner.blocks, ...rep.blocks].map((b) => b.block_id).filter(Boolean));
    for (const path of [
      'accountName',
      'website',
      'relationship',
      'warmth.strength',
      'warmth.contactName',
      'warmth.contactTitle',
      'warmth.contactEmail',
      'warmth.lastInteractionOn',
      'warmth.willingToIntroduce',
      'need',
      'notes',
      'firmographics.industry',
      'firmographics.employees',
      'firmographics.country',
      'partnerSlug',
    ]) {
      expect(ids.has(FIELD_BLOCK[path] ?? '?'), path).toBe(true);
    }
  });

  it('turns a real validation error into modal errors on present blocks only', () => {
    let err: DomainError | null = null;
    try {
      parseInput(submitLeadInputSchema, {
        actor: { userId: 'U1', teamId: null },
        accountName: '',
        website: '',
        relationship: null,
        warmth: { strength: null, lastInteractionOn: '', willingToIntroduce: true, contactName: null },
        firmographics: { employees: 'lots' },
      });
    } catch (e) {
      err = e as DomainError;
    }
    expect(err).toBeInstanceOf(DomainError);
    const errors = viewErrors(err?.fields ?? {}, [
      BLOCKS.accountName,
      BLOCKS.strength,
      BLOCKS.employees,
      BLOCKS.contactName,
    ]);
    expect(Object.keys(errors ?? {}).sort()).toEqual(
      [BLOCKS.accountName, BLOCKS.contactName, BLOCKS.employees, BLOCKS.strength].sort(),
    );
    expect(viewErrors({ unknownField: 'x' }, [BLOCKS.accountName])).toBeNull();
  });
});

describe('lead refs', () => {
  it('round-trip', () => {
    const v = encodeLeadRef({ leadId: 42, version: 7 });
    expect(v).toBe('{"leadId":42,"version":7}');
    expect(decodeLeadRef(v)).toEqual({ leadId: 42, version: 7 });
  });
  it.each([
    '',
    'nope',
    '42',
    'null',
    '{"leadId":"42","version":1}',
    '{"leadId":0,"version":1}',
    '{"leadId":1.5,"version":1}',
    '{"leadId":1}',
    '{"leadId":1,"version":-1}',
    '{"leadId":1,"version":1,"extra":true}',
    '[1,2]',
    `{"leadId":1,"version":1,"pad":"${'x'.repeat(300)}"}`,
  ])('rejects %s', (garbage) => {
    expect(decodeLeadRef(garbage)).toBeNull();
  });
  it('rejects non-strings', () => {
    expect(decodeLeadRef(undefined)).toBeNull();
    expect(decodeLeadRef(null)).toBeNull();
  });
});

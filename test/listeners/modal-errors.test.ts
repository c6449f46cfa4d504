import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.ts';
import { modalErrors } from '../../src/listeners/replies.ts';

// Slack refuses a whole `response_action: errors` answer that names a block the view does not have, and the
// person then sees a generic failure instead of what to fix. Every error must land on an input that exists.

const err = (fields: Record<string, string>, message = 'Please fix the form.') =>
  new DomainError('invalid_input', message, { fields });

interface Case {
  name: string;
  fields: Record<string, string>;
  inView: string[];
  want: Record<string, string> | null;
}

describe('modalErrors', () => {
  it.each<Case>([
    {
      name: 'each field on its own input',
      fields: { website: 'Not a domain', need: 'Too long' },
      inView: ['account_name', 'website', 'need'],
      want: { website: 'Not a domain', need: 'Too long' },
    },
    {
      name: 'a field whose input this variant lacks goes on the fallback input',
      fields: { 'warmth.contactEmail': 'Not an email' },
      inView: ['account_name', 'website'],
      want: { account_name: 'Not an email' },
    },
    {
      name: 'an unknown field goes on the fallback input, beside the placed ones',
      fields: { website: 'Not a domain', somethingElse: 'Odd' },
      inView: ['account_name', 'website'],
      want: { website: 'Not a domain', account_name: 'Odd' },
    },
    {
      name: 'nothing placeable and no fallback input: null, so the caller shows the message instead',
      fields: { 'warmth.contactEmail': 'Not an email' },
      inView: ['reason_code'],
      want: null,
    },
    {
      name: 'a placed error is kept even when the fallback input is missing',
      fields: { reasonCode: 'Pick a reason', other: 'Odd' },
      inView: ['reason_code'],
      want: { reason_code: 'Pick a reason' },
    },
  ])('$name', ({ fields, inView, want }) => {
    expect(modalErrors(err(fields), 'account_name', new Set(inView))).toEqual(want);
  });

  it('clips each message to the 150 characters Slack shows', () => {
    const errors = modalErrors(err({ website: 'x'.repeat(400) }), 'account_name', new Set(['website']));
    expect(errors?.website).toHaveLength(150);
  });
});

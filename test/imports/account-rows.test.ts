import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AccountValues,
  parseAccountValues,
  validAccountRow,
} from '../../src/imports/import-accounts.ts';

// validAccountRow is the import's fast path; parseAccountValues (zod) is the reference. They must accept the
// same rows and give the same values, or an import would differ with the path a row happens to take.
describe('validAccountRow', () => {
  // Valid spellings, then invalid ones, per field (a CSV cell is trimmed and never empty).
  const cells: Record<keyof AccountValues, [valid: string[], invalid: string[]]> = {
    name: [['Acme', 'Acme, Inc.', 'x'.repeat(255)], ['x'.repeat(256)]],
    domain: [
      ['acme.com', 'https://www.acme.co.uk/about', 'mailto:a@b.io', 'bücher.de'],
      ['co.uk', '127.0.0.1', 'nodot', '[::1]'],
    ],
    industry: [['Fintech', 'y'.repeat(120)], ['y'.repeat(121)]],
    employees: [
      ['1200', '1,200', '1 200'],
      ['12.5', '-3', '99999999999999999999'],
    ],
    country: [
      ['US', 'uk', 'United Kingdom'],
      ['Narnia', 'ZZ'],
    ],
    revenue: [
      ['$1,200,000', '€ 3.5M', 'USD 1,200,000', '12.5k'],
      ['lots', '1e9', '-5'],
    ],
    ownerUserId: [['U0123ABCD', '<@W0ABC>', 'Jane Doe'], []],
    isCustomer: [['yes', 'N', 'TRUE', '0'], ['maybe']],
    hasOpenOpportunity: [['y', 'false', '1'], ['sometimes']],
  };
  const cell = ([valid, invalid]: [string[], string[]]) =>
    invalid.length === 0
      ? fc.constantFrom(...valid)
      : fc.oneof(
          { arbitrary: fc.constantFrom(...valid), weight: 8 },
          { arbitrary: fc.constantFrom(...invalid), weight: 1 },
        );
  const values = fc.record(
    Object.fromEntries(Object.entries(cells).map(([field, pools]) => [field, cell(pools)])) as {
      [K in keyof AccountValues]-?: fc.Arbitrary<string>;
    },
    // Any field may be missing (no column, or an empty cell); name and domain are required.
    { requiredKeys: [] },
  );

  it('accepts exactly the rows zod accepts, with the same values', () => {
    fc.assert(
      fc.property(values, (v) => {
        const reference = parseAccountValues(v);
        const fast = validAccountRow(v);
        if (reference.ok) expect(fast).toEqual(reference);
        else expect(fast).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseInput, withoutNul } from '../../src/services/validation.ts';

// PostgreSQL's text cannot hold a NUL character (SQLite's can): a NUL smuggled into a form is removed at the
// use case's boundary, so a hostile submission behaves the same on both engines (reliability scenario 6).

describe('NUL characters at the input boundary', () => {
  it.each([
    ['a\u0000b', 'ab'],
    ['\u0000\u0000', ''],
    ['plain', 'plain'],
  ])('removes them from %j', (input, output) => {
    expect(withoutNul(input)).toBe(output);
  });

  it('reaches strings inside objects and arrays, and leaves other values alone', () => {
    const date = new Date(0);
    expect(withoutNul({ a: 'x\u0000', b: ['\u0000y', 3], c: { d: 'z\u0000' }, e: null, f: date })).toEqual({
      a: 'x',
      b: ['y', 3],
      c: { d: 'z' },
      e: null,
      f: date,
    });
  });

  it('parseInput validates the cleaned input', () => {
    const schema = z.object({ accountName: z.string().min(1) });
    expect(parseInput(schema, { accountName: 'Acme\u0000 Corp' })).toEqual({ accountName: 'Acme Corp' });
  });
});

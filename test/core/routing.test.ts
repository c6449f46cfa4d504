import { describe, expect, it } from 'vitest';
import { mayClaim, pickFromPool, poolKey } from '../../src/core/routing.ts';

describe('pickFromPool', () => {
  const pool = ['U0A', 'U0B', 'U0C'];
  it.each([
    [0, 'U0A', 1],
    [1, 'U0B', 2],
    [2, 'U0C', 0],
    [3, 'U0A', 1],
    [7, 'U0B', 2],
    [300, 'U0A', 1],
    [-1, 'U0C', 0],
  ])('position %i → %s, next %i', (position, userId, nextPosition) => {
    expect(pickFromPool(pool, position)).toEqual({ userId, nextPosition });
  });

  it('rotates through everyone and wraps around', () => {
    let position = 0;
    const picks: string[] = [];
    for (let i = 0; i < 7; i++) {
      const p = pickFromPool(pool, position);
      picks.push(p.userId);
      position = p.nextPosition;
    }
    expect(picks).toEqual(['U0A', 'U0B', 'U0C', 'U0A', 'U0B', 'U0C', 'U0A']);
  });

  it('single-rep pool', () => {
    expect(pickFromPool(['U0A'], 5)).toEqual({ userId: 'U0A', nextPosition: 0 });
  });

  it('throws on an empty pool', () => {
    expect(() => pickFromPool([], 0)).toThrow(/empty rep pool/);
  });
});

describe('poolKey', () => {
  it.each([
    [['U0B', 'U0A'], 'U0A,U0B'],
    [['U0A', 'U0B'], 'U0A,U0B'],
    [['U0C'], 'U0C'],
    [[], ''],
  ])('%j → %s', (pool, key) => {
    expect(poolKey(pool)).toBe(key);
  });

  it('does not mutate the pool', () => {
    const pool = ['U0B', 'U0A'];
    poolKey(pool);
    expect(pool).toEqual(['U0B', 'U0A']);
  });
});

describe('mayClaim', () => {
  it.each<[string, string[] | null, boolean]>([
    ['U0A', null, true],
    ['U0A', [], true],
    ['U0A', ['U0A', 'U0B'], true],
    ['U0C', ['U0A', 'U0B'], false],
  ])('%s with pool %j → %s', (user, pool, ok) => {
    expect(mayClaim(user, pool)).toBe(ok);
  });
});

import { DomainError } from './errors.ts';

// Rep pools (PRODUCT.md section 6): round-robin suggestion and who may claim on a route.

/** The rep at `position` (any non-negative integer; wraps around) and the position to store for next time. */
export function pickFromPool(
  pool: readonly string[],
  position: number,
): { userId: string; nextPosition: number } {
  if (pool.length === 0) {
    throw new DomainError(
      'invalid_input',
      'This route has an empty rep pool; add reps to it in the configuration.',
    );
  }
  const p = Number.isFinite(position) ? Math.trunc(position) : 0;
  const index = ((p % pool.length) + pool.length) % pool.length;
  return { userId: pool[index]!, nextPosition: (index + 1) % pool.length };
}

/** A stable key for a pool regardless of the order its reps are listed in (stores the rotation position). */
export function poolKey(pool: readonly string[]): string {
  return [...pool].sort().join(',');
}

/** A route without a pool lets any rep claim; with a pool, only its members may. */
export function mayClaim(userId: string, pool: readonly string[] | null): boolean {
  if (pool === null || pool.length === 0) return true;
  return pool.includes(userId);
}

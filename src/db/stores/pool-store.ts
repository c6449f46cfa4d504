import { sql } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { poolCursors } from '../schema.ts';
import { prepared } from './prepared.ts';

// Round-robin routing pools (PRODUCT.md routing): one cursor per pool, advanced atomically so that two
// submissions routed at once, in one process or on two instances, never get the same position.

const advancePool = prepared((h) =>
  h
    .insert(poolCursors)
    .values({ poolKey: sql.placeholder('key'), position: 1 })
    .onConflictDoUpdate({ target: poolCursors.poolKey, set: { position: sql`${poolCursors.position} + 1` } })
    .returning({ position: poolCursors.position })
    .prepare(),
);

/** Advances a round-robin pool and returns the position to use now. */
export async function takePoolPosition(h: Db, key: string): Promise<number> {
  const row = await advancePool(h).get({ key });
  return (row?.position ?? 1) - 1;
}

import type { LeadStatus } from '../../src/core/types.ts';
import { type Db, transaction } from '../../src/db/connection.ts';
import { gateResults, leads, partnerOrgs } from '../../src/db/schema.ts';

// A big, realistic program for limit and speed tests: `partners` partner orgs and `leads` leads over the
// last `days` days, with every status, gate failures on candidates, reasons, owners and routing posts.
// Deterministic (a seeded PRNG), inserted in batches in one transaction (either engine).

const DAY = 86_400_000;

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES: Array<[LeadStatus, number]> = [
  ['candidate', 20],
  ['awaiting_attestation', 3],
  ['qualified', 8],
  ['claimed', 14],
  ['intro_requested', 6],
  ['meeting_held', 6],
  ['opportunity', 10],
  ['won', 8],
  ['lost', 10],
  ['disqualified', 8],
  ['expired', 5],
  ['merged', 2],
];

export async function seedBulk(
  db: Db,
  opts: { partners: number; leads: number; now: number; days?: number; seed?: number },
): Promise<void> {
  const rand = prng(opts.seed ?? 42);
  const days = opts.days ?? 90;
  const total = STATUSES.reduce((n, [, w]) => n + w, 0);
  const pick = (): LeadStatus => {
    let r = rand() * total;
    for (const [s, w] of STATUSES) {
      r -= w;
      if (r < 0) return s;
    }
    return 'candidate';
  };
  const gates = ['overlap', 'warmth', 'fit', 'motion'] as const;
  const partnerRows = Array.from({ length: opts.partners }, (_, p) => ({
    slug: `partner-${p}`,
    name: `Partner ${p} — a rather long consulting company name`,
    managerUserId: 'U0PAM',
    active: true,
    updatedAt: opts.now,
  }));
  const leadRows: Array<typeof leads.$inferInsert> = [];
  // Gate outcomes of each candidate, drawn right after its lead (the PRNG's order is the data).
  const gatesOf = new Map<
    number,
    Array<{ gate: (typeof gates)[number]; outcome: 'pass' | 'fail'; at: number }>
  >();
  for (let i = 0; i < opts.leads; i++) {
    const status = pick();
    // A few big partners and a long tail, like real programs.
    const partner = `partner-${Math.floor(rand() ** 3 * opts.partners)}`;
    const created = opts.now - Math.floor(rand() * days * DAY);
    const qualified = !['candidate', 'awaiting_attestation', 'merged'].includes(status) || rand() < 0.05;
    const qualifiedAt = qualified ? created : null;
    const claimed = ['claimed', 'intro_requested', 'meeting_held', 'opportunity', 'won', 'lost'].includes(
      status,
    );
    const claimedAt = claimed ? Math.min(opts.now, created + Math.floor(rand() * 5 * DAY)) : null;
    const opp = ['opportunity', 'won'].includes(status) || (status === 'lost' && rand() < 0.5);
    const oppAt = opp ? Math.min(opts.now, (claimedAt ?? created) + Math.floor(rand() * 20 * DAY)) : null;
    const closed = ['won', 'lost', 'disqualified'].includes(status)
      ? Math.min(opts.now, (oppAt ?? created) + DAY)
      : null;
    const lastProgress = Math.max(oppAt ?? 0, claimedAt ?? 0, created);
    const reason =
      status === 'lost'
        ? ['competitor', 'price', 'no_decision', 'timing'][Math.floor(rand() * 4)]
        : status === 'disqualified'
          ? ['no_need', 'no_budget', 'bad_timing'][Math.floor(rand() * 3)]
          : null;
    leadRows.push({
      domain: `bulk-${i}.example.com`,
      accountName: `Bulk Account ${i} <!channel> & Sons, a very long account name to stress the limits`,
      partnerSlug: partner,
      surfacedBy: 'partner',
      submittedByUserId: 'U0NWPAT',
      status,
      attribution: rand() < 0.8 ? 'sourced' : 'influenced',
      routeChannel: 'C0ROUTING',
      ownerUserId: claimed ? 'U0REP1' : null,
      routingPostChannel: 'C0ROUTING',
      routingPostTs: `1763300000.${String(i).padStart(6, '0')}`,
      reasonCode: reason ?? null,
      createdAt: created,
      updatedAt: closed ?? lastProgress,
      qualifiedAt,
      claimedAt,
      opportunityAt: oppAt,
      closedAt: closed,
      lastProgressAt: lastProgress,
    });
    if (status === 'candidate')
      gatesOf.set(
        i,
        gates.map((gate) => ({
          gate,
          outcome: rand() < 0.4 ? ('fail' as const) : ('pass' as const),
          at: created,
        })),
      );
  }
  const BATCH = 500;
  await transaction(db, async (tx) => {
    for (let i = 0; i < partnerRows.length; i += BATCH)
      await tx
        .insert(partnerOrgs)
        .values(partnerRows.slice(i, i + BATCH))
        .onConflictDoNothing();
    for (let i = 0; i < leadRows.length; i += BATCH) {
      const ids = await tx
        .insert(leads)
        .values(leadRows.slice(i, i + BATCH))
        .returning({ id: leads.id });
      const gateRows = ids.flatMap(({ id }, k) =>
        (gatesOf.get(i + k) ?? []).map((g) => ({
          leadId: id,
          gate: g.gate,
          outcome: g.outcome,
          reason: 'seeded',
          details: {},
          evaluatedAt: g.at,
        })),
      );
      for (let j = 0; j < gateRows.length; j += BATCH)
        await tx.insert(gateResults).values(gateRows.slice(j, j + BATCH));
    }
  });
}

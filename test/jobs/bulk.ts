import type { LeadStatus } from '../../src/core/types.ts';
import { type Db, sqliteClient } from '../../src/db/connection.ts';

// A big, realistic program for limit and speed tests: `partners` partner orgs and `leads` leads over the
// last `days` days, with every status, gate failures on candidates, reasons, owners and routing posts.
// Deterministic (a seeded PRNG), inserted with plain SQL in one transaction.

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

export function seedBulk(
  db: Db,
  opts: { partners: number; leads: number; now: number; days?: number; seed?: number },
): void {
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
  const client = sqliteClient(db);
  const insertPartner = client.prepare(
    'insert or ignore into partner_orgs (slug, name, manager_user_id, active, updated_at) values (?, ?, ?, 1, ?)',
  );
  const insertLead = client.prepare(`insert into leads (domain, account_name, partner_slug, surfaced_by,
    submitted_by_user_id, status, attribution, route_channel, owner_user_id, routing_post_channel, routing_post_ts,
    reason_code, created_at, updated_at, qualified_at, claimed_at, opportunity_at, closed_at, last_progress_at)
    values (?, ?, ?, 'partner', 'U0NWPAT', ?, ?, 'C0ROUTING', ?, 'C0ROUTING', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertGate = client.prepare(
    "insert into gate_results (lead_id, gate, outcome, reason, details, evaluated_at) values (?, ?, ?, 'seeded', '{}', ?)",
  );
  const gates = ['overlap', 'warmth', 'fit', 'motion'] as const;
  client.transaction(() => {
    for (let p = 0; p < opts.partners; p++)
      insertPartner.run(
        `partner-${p}`,
        `Partner ${p} — a rather long consulting company name`,
        'U0PAM',
        opts.now,
      );
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
      const lastProgress = Math.max(oppAt ?? 0, claimedAt ?? 0, created) - (status === 'claimed' ? 0 : 0);
      const reason =
        status === 'lost'
          ? ['competitor', 'price', 'no_decision', 'timing'][Math.floor(rand() * 4)]
          : status === 'disqualified'
            ? ['no_need', 'no_budget', 'bad_timing'][Math.floor(rand() * 3)]
            : null;
      const res = insertLead.run(
        `bulk-${i}.example.com`,
        `Bulk Account ${i} <!channel> & Sons, a very long account name to stress the limits`,
        partner,
        status,
        rand() < 0.8 ? 'sourced' : 'influenced',
        claimed ? 'U0REP1' : null,
        `1763300000.${String(i).padStart(6, '0')}`,
        reason,
        created,
        closed ?? lastProgress,
        qualifiedAt,
        claimedAt,
        oppAt,
        closed,
        lastProgress,
      );
      if (status === 'candidate') {
        const id = Number(res.lastInsertRowid);
        for (const g of gates) insertGate.run(id, g, rand() < 0.4 ? 'fail' : 'pass', created);
      }
    }
  })();
}

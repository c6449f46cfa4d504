import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.ts';
import { changeCredit } from '../../src/services/change-credit.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import type { ServiceDeps } from '../../src/services/context.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { decideReward } from '../../src/services/rewards.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { CONTOSO, goodSubmission, LEADER, NORTHWIND, REP1 } from '../helpers/actors.ts';
import { openTestDb, serviceDeps, type TestDb, testClock, testConfig } from '../helpers/db.ts';
import { catchDomainError } from '../helpers/errors.ts';
import { sqlAll, sqlRun } from '../helpers/sql.ts';

// Partner rewards (issue 13, item 7) on a real SQLite file: awards are created pending in the transaction
// that reaches the milestone, credited to the credit holder, follow a credit change while pending, are
// approved or rejected by a leader (first decision wins), and every step is in the audit log.

const RULES = [
  { on: 'opportunity', points: 10 },
  { on: 'won', amount: 250 },
  { on: 'won', shareOfWon: 0.05 },
];

interface Award {
  id: number;
  lead_id: number;
  partner_slug: string;
  milestone: string;
  kind: string;
  value: number;
  currency: string | null;
  basis: string;
  status: string;
  decided_by_user_id: string | null;
  decision_reason: string | null;
}
const awards = async (db: Db) => (await sqlAll(db, 'select * from reward_awards order by id')) as Award[];
const events = async (db: Db, type: string) =>
  (
    (await sqlAll(
      db,
      'select lead_id, actor_user_id, reason, data from lead_events where type = ? order by id',
      type,
    )) as Array<{
      lead_id: number;
      actor_user_id: string | null;
      reason: string | null;
      data: string;
    }>
  ).map((e) => ({ ...e, data: JSON.parse(e.data) as Record<string, unknown> }));
const outboxTo = async (db: Db, recipient: string) =>
  (await sqlAll(
    db,
    'select delivery_key, payload from outbox where recipient = ? order by id',
    recipient,
  )) as Array<{
    delivery_key: string;
    payload: string;
  }>;

let t: TestDb;
let deps: ServiceDeps;
const clock = testClock();
let leadId: number;

beforeEach(async () => {
  t = await openTestDb();
  clock.set(Date.parse('2026-11-16T15:00:00Z'));
  deps = {
    ...(await serviceDeps(
      t.db,
      testConfig((raw) => Object.assign(raw, { rewards: { currency: 'USD', rules: RULES } })),
      clock.now,
    )),
    wonAmount: async (_tx, id) => (id === leadId ? { amount: 40_000, currency: 'EUR' } : null),
  };
  const first = await submitLead(deps, goodSubmission());
  if (first.kind !== 'created') throw new Error(first.kind);
  leadId = first.leadId;
  const second = await submitLead(deps, goodSubmission({ actor: CONTOSO, accountName: 'Acme (Contoso)' }));
  if (second.kind !== 'corroborated') throw new Error(second.kind);
  await claimLead(deps, { actor: REP1, leadId });
});
afterEach(() => t.cleanup());

describe('partner rewards', () => {
  it('pays nothing before a conversion milestone, then a pending award at opportunity, asked of the leader', async () => {
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'meeting_held' });
    expect(await awards(t.db)).toEqual([]);
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'opportunity' });
    expect(await awards(t.db)).toMatchObject([
      {
        lead_id: leadId,
        partner_slug: 'northwind',
        milestone: 'opportunity',
        kind: 'points',
        value: 10,
        status: 'pending',
      },
    ]);
    expect((await events(t.db, 'reward_awarded'))[0]?.data).toMatchObject({
      partnerSlug: 'northwind',
      value: 10,
      kind: 'points',
    });
    const ask = (await outboxTo(t.db, LEADER.userId)).find((m) => m.delivery_key.startsWith('reward:'));
    expect(ask?.payload).toContain('reward_approve');
    expect(ask?.payload).toContain('Northwind Consulting');
    // Re-entering opportunity (an extension restore, a CRM resync) never pays twice.
    expect(await awards(t.db)).toHaveLength(1);
  });

  it('won implies opportunity: a jump straight to won earns both, the share in the deal’s own currency', async () => {
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'won' });
    expect((await awards(t.db)).map((a) => [a.milestone, a.kind, a.value, a.currency, a.basis])).toEqual([
      ['opportunity', 'points', 10, null, '10 points per partner-sourced EQL reached opportunity'],
      ['won', 'amount', 250, 'USD', '250 USD per partner-sourced EQL won'],
      ['won', 'amount', 2000, 'EUR', '5% of 40,000 EUR won'],
    ]);
  });

  it('skips (and audits) a share of a won amount nobody recorded', async () => {
    deps = { ...deps, wonAmount: async () => null };
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'won' });
    expect((await awards(t.db)).map((a) => a.milestone)).toEqual(['opportunity', 'won']);
    expect((await events(t.db, 'reward_skipped')).map((e) => [e.reason, e.data.ruleIndex])).toEqual([
      ['the won amount is not known', 2],
    ]);
  });

  it('reads the won amount from the CRM opportunity linked to the lead (the reporting currency when it has none)', async () => {
    const { wonAmount: _override, ...plain } = deps;
    deps = { ...plain, config: { ...plain.config, revenue: { currency: 'GBP', rates: {} } } };
    await sqlRun(
      t.db,
      'update leads set opportunity_amount = 12000, opportunity_currency = null where id = ?',
      leadId,
    );
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'won' });
    expect((await awards(t.db)).at(-1)).toMatchObject({
      kind: 'amount',
      value: 600,
      currency: 'GBP',
      basis: '5% of 12,000 GBP won',
    });
  });

  it('moves a pending award with the credit; a decided one stays where a leader settled it', async () => {
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'opportunity' });
    const [opp] = await awards(t.db);
    await changeCredit(deps, {
      actor: LEADER,
      leadId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'Contoso ran the workshop',
    });
    expect((await awards(t.db))[0]).toMatchObject({
      id: opp!.id,
      partner_slug: 'contoso',
      status: 'pending',
    });
    expect((await events(t.db, 'reward_moved')).map((e) => e.data)).toEqual([
      { awardId: opp!.id, from: 'northwind', to: 'contoso' },
    ]);

    await decideReward(deps, { actor: LEADER, awardId: opp!.id, approve: true });
    // Won now pays the partner holding the credit (Contoso); the approved award stays with Contoso when
    // the credit goes back to Northwind, while Contoso's still-pending won awards follow the credit.
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'won' });
    expect((await awards(t.db)).map((a) => [a.milestone, a.partner_slug, a.status])).toEqual([
      ['opportunity', 'contoso', 'approved'],
      ['won', 'contoso', 'pending'],
      ['won', 'contoso', 'pending'],
    ]);
    await changeCredit(deps, {
      actor: LEADER,
      leadId,
      creditedPartnerSlug: 'northwind',
      creditReason: 'Back to the first',
    });
    expect((await awards(t.db)).map((a) => [a.milestone, a.partner_slug, a.status])).toEqual([
      ['opportunity', 'contoso', 'approved'],
      ['won', 'northwind', 'pending'],
      ['won', 'northwind', 'pending'],
    ]);
  });

  it('is approved or rejected by a leader only, once; the partner hears about its own side, never the reason', async () => {
    await recordOutcome(deps, { actor: REP1, leadId, outcome: 'won' });
    const [opp, fixed] = await awards(t.db);
    expect(
      (await catchDomainError(() => decideReward(deps, { actor: REP1, awardId: opp!.id, approve: true })))
        .code,
    ).toBe('forbidden');
    expect(
      (
        await catchDomainError(() =>
          decideReward(deps, { actor: NORTHWIND, awardId: opp!.id, approve: true }),
        )
      ).code,
    ).toBe('forbidden');
    expect(
      (
        await catchDomainError(() =>
          decideReward(deps, { actor: LEADER, awardId: fixed!.id, approve: false, reason: '' }),
        )
      ).code,
    ).toBe('invalid_input');

    await decideReward(deps, { actor: LEADER, awardId: opp!.id, approve: true });
    await decideReward(deps, {
      actor: LEADER,
      awardId: fixed!.id,
      approve: false,
      reason: 'Internal: deal re-papered by direct team',
    });
    expect(
      (
        await catchDomainError(() =>
          decideReward(deps, { actor: LEADER, awardId: opp!.id, approve: false, reason: 'changed my mind' }),
        )
      ).code,
    ).toBe('stale');
    expect((await awards(t.db)).slice(0, 2)).toMatchObject([
      { status: 'approved', decided_by_user_id: LEADER.userId, decision_reason: null },
      {
        status: 'rejected',
        decided_by_user_id: LEADER.userId,
        decision_reason: 'Internal: deal re-papered by direct team',
      },
    ]);
    expect((await events(t.db, 'reward_approved')).map((e) => [e.actor_user_id, e.data.awardId])).toEqual([
      [LEADER.userId, opp!.id],
    ]);
    expect((await events(t.db, 'reward_rejected')).map((e) => [e.reason, e.data.awardId])).toEqual([
      ['Internal: deal re-papered by direct team', fixed!.id],
    ]);
    const partner = (await outboxTo(t.db, NORTHWIND.userId)).filter((m) =>
      m.delivery_key.startsWith('reward:'),
    );
    expect(partner.map((m) => m.delivery_key)).toEqual([
      `reward:${opp!.id}:partner:approved`,
      `reward:${fixed!.id}:partner:rejected`,
    ]);
    expect(partner[0]!.payload).toContain('10 points');
    expect(partner[1]!.payload).not.toContain('re-papered');
    for (const m of partner) expect(m.payload).not.toContain('Contoso');
  });
});

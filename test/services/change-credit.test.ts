import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.ts';
import { loadLeadFacts } from '../../src/db/stores/job-store.ts';
import { changeCredit } from '../../src/services/change-credit.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import type { ServiceDeps } from '../../src/services/context.ts';
import { computeMetrics } from '../../src/services/program-metrics.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { ADMIN, CONTOSO, goodSubmission, LEADER, NORTHWIND, REP1 } from '../helpers/actors.ts';
import { openTestDb, serviceDeps, type TestDb, testClock, testConfig } from '../helpers/db.ts';
import { catchDomainError } from '../helpers/errors.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// Override attribution (PRODUCT.md §2, §6): first to register wins, and a leader can move the credit to
// another partner that flagged the account, with a written reason that is logged.

interface OutboxRow {
  delivery_key: string;
  recipient: string;
  method: string;
  payload: string;
}

const outbox = async (db: Db) =>
  (await sqlAll(
    db,
    'select delivery_key, recipient, method, payload from outbox order by id',
  )) as OutboxRow[];
const creditOf = async (db: Db, id: number) =>
  (
    (await sqlGet(db, 'select credited_partner_slug as c from leads where id = ?', id)) as {
      c: string | null;
    }
  ).c;

let t: TestDb;
let deps: ServiceDeps;
const clock = testClock();
let primaryId: number;
let contosoLeadId: number;

beforeEach(async () => {
  t = await openTestDb();
  clock.set(Date.parse('2026-11-16T15:00:00Z'));
  deps = await serviceDeps(t.db, testConfig(), clock.now);
  const first = await submitLead(deps, goodSubmission());
  if (first.kind !== 'created') throw new Error(first.kind);
  primaryId = first.leadId;
  clock.advance(60_000);
  const second = await submitLead(
    deps,
    goodSubmission({
      actor: CONTOSO,
      accountName: 'Acme Incorporated',
      need: 'Contoso: consolidate vendors',
      warmth: { ...goodSubmission().warmth!, contactName: 'Carl Customer', contactEmail: 'carl@acme.com' },
    }),
  );
  if (second.kind !== 'corroborated') throw new Error(second.kind);
  contosoLeadId = second.leadId;
  await claimLead(deps, { actor: REP1, leadId: primaryId });
  clock.advance(60_000);
});
afterEach(() => t.cleanup());

describe('changing a lead’s credit', () => {
  it('moves primary credit to a corroborating partner, logs who and why, and tells both partners', async () => {
    const before = (await outbox(t.db)).length;
    const res = await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'Contoso ran the discovery workshop',
    });
    expect(res.view.creditedPartner).toEqual({ slug: 'contoso', name: expect.any(String) });
    expect(res.view.partner.slug).toBe('northwind');
    expect(res.view.status).toBe('claimed');
    expect(await creditOf(t.db, primaryId)).toBe('contoso');

    const event = (await sqlGet(
      t.db,
      "select actor_user_id, reason, data from lead_events where type = 'credit_changed'",
    )) as { actor_user_id: string; reason: string; data: string };
    expect(event.actor_user_id).toBe(LEADER.userId);
    expect(event.reason).toBe('Contoso ran the discovery workshop');
    expect(JSON.parse(event.data)).toEqual({ from: 'northwind', to: 'contoso' });

    const sent = (await outbox(t.db)).slice(before);
    const post = sent.find((r) => r.method === 'chat.update');
    expect(post?.payload).toContain('credit changed by a leader');
    const gained = sent.find((r) => r.recipient === CONTOSO.userId);
    const moved = sent.find((r) => r.recipient === NORTHWIND.userId);
    expect(gained?.delivery_key).toBe(`lead:${contosoLeadId}:partner:credit_gained:${res.eventId}`);
    expect(gained?.payload).toContain('credited your organisation');
    expect(moved?.delivery_key).toContain(':partner:credit_moved:');
    expect(moved?.payload).toContain('no longer counts towards our partnership');
    // Neither partner learns the other's name or the leader's internal reason.
    for (const dm of [gained, moved]) {
      expect(dm?.payload).not.toMatch(/Northwind|Contoso/);
      expect(dm?.payload).not.toContain('discovery workshop');
    }
  });

  it('counts the lead towards the credited partner in every metric', async () => {
    const creditedTo = async (slug: string) =>
      (await loadLeadFacts(t.db, { creditedTo: slug })).filter((f) => f.status !== 'merged').map((f) => f.id);
    expect(await creditedTo('northwind')).toEqual([primaryId]);
    await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'workshop',
    });
    expect(await creditedTo('northwind')).toEqual([]);
    expect(await creditedTo('contoso')).toEqual([primaryId]);
    const facts = (await loadLeadFacts(t.db)).find((f) => f.id === primaryId);
    expect(facts).toMatchObject({ partnerSlug: 'northwind', creditSlug: 'contoso' });
  });

  it('tells the credited partner how the deal ends, from its own side; the submitter is thanked, not credited', async () => {
    await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'workshop',
    });
    const before = (await outbox(t.db)).length;
    await recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'intro_requested' });
    // The intro request goes to the submitting partner only: its people know the contact.
    expect((await outbox(t.db)).slice(before).filter((r) => r.recipient === CONTOSO.userId)).toEqual([]);
    await recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'opportunity' });
    const won = await recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'won' });
    const toContoso = (await outbox(t.db)).slice(before).filter((r) => r.recipient === CONTOSO.userId);
    expect(toContoso.map((r) => r.delivery_key)).toEqual([
      expect.stringMatching(new RegExp(`^lead:${contosoLeadId}:partner:opportunity:`)),
      `lead:${contosoLeadId}:partner:won:${won.eventId}`,
    ]);
    const contosoWon = toContoso.at(-1)?.payload ?? '';
    expect(contosoWon).toContain('credited to your organisation');
    expect(contosoWon).toContain(`ref #${contosoLeadId}`);
    // Nothing of Northwind's side: not its name, its wording of the account, its contact or its need.
    for (const r of toContoso)
      expect(r.payload).not.toMatch(/Northwind|Acme Corp|Jane Doe|jane@acme|homegrown partner portal/);
    const northwindWon = (await outbox(t.db)).find(
      (r) => r.delivery_key === `lead:${primaryId}:partner:won:${won.eventId}`,
    );
    expect(northwindWon?.payload).toContain('helped bring this one in');
    expect(northwindWon?.payload).not.toContain('credited to');
  });

  it('refuses a change made from a stale modal: someone else changed the lead meanwhile', async () => {
    const opened = (await sqlGet(t.db, 'select version from leads where id = ?', primaryId)) as {
      version: number;
    };
    await changeCredit(deps, {
      actor: ADMIN,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'first',
    });
    const err = await catchDomainError(() =>
      changeCredit(deps, {
        actor: LEADER,
        leadId: primaryId,
        creditedPartnerSlug: 'contoso',
        creditReason: 'second',
        version: opened.version,
      }),
    );
    // The second leader's modal predates the first change, so nothing of theirs is applied.
    expect(['stale', 'invalid_input']).toContain(err.code);
    const back = await catchDomainError(() =>
      changeCredit(deps, {
        actor: LEADER,
        leadId: primaryId,
        creditedPartnerSlug: 'northwind',
        creditReason: 'second',
        version: opened.version,
      }),
    );
    expect(back.code).toBe('stale');
    expect(await creditOf(t.db, primaryId)).toBe('contoso');
  });

  it('words the news for a closed deal, and never promises updates a merged submission will not get', async () => {
    await recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'opportunity' });
    await recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'won' });
    const first = await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'workshop',
    });
    const dm = async (recipient: string, eventId: number) =>
      (await outbox(t.db)).find((r) => r.recipient === recipient && r.delivery_key.endsWith(`:${eventId}`))
        ?.payload ?? '';
    expect(await dm(CONTOSO.userId, first.eventId)).toContain('which we won');
    expect(await dm(NORTHWIND.userId, first.eventId)).toContain(
      'no longer counts towards our partnership with you',
    );
    expect(await dm(NORTHWIND.userId, first.eventId)).not.toContain('keep you posted');
    const back = await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'northwind',
      creditReason: 'intro was theirs',
    });
    expect(await dm(NORTHWIND.userId, back.eventId)).toContain('which we won');
    expect(await dm(CONTOSO.userId, back.eventId)).toContain('no longer counts');
    expect(await dm(CONTOSO.userId, back.eventId)).not.toContain('keep you posted');
  });

  it('promises updates only to the submitting partner of an open lead', async () => {
    const res = await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'workshop',
    });
    const moved = (await outbox(t.db)).find(
      (r) => r.delivery_key === `lead:${primaryId}:partner:credit_moved:${res.eventId}`,
    );
    expect(moved?.payload).toContain('keep you posted');
  });

  it('on the leaderboard, intake stays with each submitter and conversion goes to the credit holder', async () => {
    await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'workshop',
    });
    await recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'opportunity' });
    const board = computeMetrics(deps.config, await loadLeadFacts(t.db), clock.now()).leaderboard;
    const row = (slug: string) => board.find((e) => e.partnerSlug === slug);
    // Each partner surfaced the account once; only the holder has the EQL and its opportunity.
    expect(row('northwind')).toMatchObject({ surfaced: 1, eql: 0, opportunity: 0 });
    expect(row('contoso')).toMatchObject({ surfaced: 1, eql: 1, opportunity: 1 });
  });

  it('can move credit back to the first partner, which clears the override', async () => {
    await changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      creditReason: 'workshop',
    });
    const back = await changeCredit(deps, {
      actor: ADMIN,
      leadId: primaryId,
      creditedPartnerSlug: 'northwind',
      creditReason: 'Northwind made the intro after all',
    });
    expect(back.view.creditedPartner).toBeNull();
    expect(await creditOf(t.db, primaryId)).toBeNull();
  });

  it.each([
    ['a rep', REP1, 'forbidden'],
    ['the lead’s own partner', NORTHWIND, 'forbidden'],
    ['the corroborating partner', CONTOSO, 'forbidden'],
  ])('refuses %s and changes nothing', async (_who, actor, code) => {
    const before = (await outbox(t.db)).length;
    const err = await catchDomainError(() =>
      changeCredit(deps, {
        actor,
        leadId: primaryId,
        creditedPartnerSlug: 'contoso',
        creditReason: 'mine really',
      }),
    );
    expect(err.code).toBe(code);
    expect(await creditOf(t.db, primaryId)).toBeNull();
    expect(await outbox(t.db)).toHaveLength(before);
  });

  it.each([
    ['a partner that never flagged the account', 'globex', 'creditedPartnerSlug', 'flagged this account'],
    ['the partner already holding the credit', 'northwind', 'creditedPartnerSlug', 'already holds'],
    ['no partner at all', '', 'creditedPartnerSlug', 'Pick a partner'],
  ])('refuses %s with a field error', async (_case, slug, field, message) => {
    const err = await catchDomainError(() =>
      changeCredit(deps, {
        actor: LEADER,
        leadId: primaryId,
        creditedPartnerSlug: slug,
        creditReason: 'because',
      }),
    );
    expect(err.code).toBe('invalid_input');
    expect(err.fields[field]).toContain(message);
    expect(await creditOf(t.db, primaryId)).toBeNull();
  });

  it('needs a written reason', async () => {
    const err = await catchDomainError(() =>
      changeCredit(deps, {
        actor: LEADER,
        leadId: primaryId,
        creditedPartnerSlug: 'contoso',
        creditReason: '  ',
      }),
    );
    expect(err.fields.creditReason).toContain('Write why');
  });

  it('is set on the primary lead, not on a merged submission', async () => {
    const err = await catchDomainError(() =>
      changeCredit(deps, {
        actor: LEADER,
        leadId: contosoLeadId,
        creditedPartnerSlug: 'northwind',
        creditReason: 'wrong row',
      }),
    );
    expect(err.code).toBe('illegal_transition');
  });
});

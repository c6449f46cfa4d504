import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.ts';
import type { Db } from '../../src/db/connection.ts';
import { loadLeadFacts } from '../../src/db/stores/job-store.ts';
import { changeCredit } from '../../src/services/change-credit.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import type { ServiceDeps } from '../../src/services/context.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { ADMIN, CONTOSO, goodSubmission, LEADER, NORTHWIND, REP1 } from '../helpers/actors.ts';
import { openTestDb, serviceDeps, type TestDb, testClock, testConfig } from '../helpers/db.ts';

// Override attribution (PRODUCT.md §2, §6): first to register wins, and a leader can move the credit to
// another partner that flagged the account, with a written reason that is logged.

interface OutboxRow {
  delivery_key: string;
  recipient: string;
  method: string;
  payload: string;
}

const outbox = (db: Db) =>
  db.$client
    .prepare('select delivery_key, recipient, method, payload from outbox order by id')
    .all() as OutboxRow[];
const creditOf = (db: Db, id: number) =>
  (
    db.$client.prepare('select credited_partner_slug as c from leads where id = ?').get(id) as {
      c: string | null;
    }
  ).c;

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

let t: TestDb;
let deps: ServiceDeps;
const clock = testClock();
let primaryId: number;
let contosoLeadId: number;

beforeEach(() => {
  t = openTestDb();
  clock.set(Date.parse('2026-11-16T15:00:00Z'));
  deps = serviceDeps(t.db, testConfig(), clock.now);
  const first = submitLead(deps, goodSubmission());
  if (first.kind !== 'created') throw new Error(first.kind);
  primaryId = first.leadId;
  clock.advance(60_000);
  const second = submitLead(deps, goodSubmission({ actor: CONTOSO }));
  if (second.kind !== 'corroborated') throw new Error(second.kind);
  contosoLeadId = second.leadId;
  claimLead(deps, { actor: REP1, leadId: primaryId });
  clock.advance(60_000);
});
afterEach(() => t.cleanup());

describe('changing a lead’s credit', () => {
  it('moves primary credit to a corroborating partner, logs who and why, and tells both partners', () => {
    const before = outbox(t.db).length;
    const res = changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      reason: 'Contoso ran the discovery workshop',
    });
    expect(res.view.creditedPartner).toEqual({ slug: 'contoso', name: expect.any(String) });
    expect(res.view.partner.slug).toBe('northwind');
    expect(res.view.status).toBe('claimed');
    expect(creditOf(t.db, primaryId)).toBe('contoso');

    const event = t.db.$client
      .prepare("select actor_user_id, reason, data from lead_events where type = 'credit_changed'")
      .get() as { actor_user_id: string; reason: string; data: string };
    expect(event.actor_user_id).toBe(LEADER.userId);
    expect(event.reason).toBe('Contoso ran the discovery workshop');
    expect(JSON.parse(event.data)).toEqual({ from: 'northwind', to: 'contoso' });

    const sent = outbox(t.db).slice(before);
    const post = sent.find((r) => r.method === 'chat.update');
    expect(post?.payload).toContain('credit changed by a leader');
    const gained = sent.find((r) => r.recipient === CONTOSO.userId);
    const moved = sent.find((r) => r.recipient === NORTHWIND.userId);
    expect(gained?.delivery_key).toBe(`lead:${contosoLeadId}:partner:credit_gained:${res.eventId}`);
    expect(gained?.payload).toContain('credited your organisation');
    expect(moved?.delivery_key).toContain(':partner:credit_moved:');
    expect(moved?.payload).toContain('to another partner');
    // Neither partner learns the other's name or the leader's internal reason.
    for (const dm of [gained, moved]) {
      expect(dm?.payload).not.toMatch(/Northwind|Contoso/);
      expect(dm?.payload).not.toContain('discovery workshop');
    }
  });

  it('counts the lead towards the credited partner in every metric', () => {
    const creditedTo = (slug: string) =>
      loadLeadFacts(t.db, { partnerSlug: slug })
        .filter((f) => f.status !== 'merged')
        .map((f) => f.id);
    expect(creditedTo('northwind')).toEqual([primaryId]);
    changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      reason: 'workshop',
    });
    expect(creditedTo('northwind')).toEqual([]);
    expect(creditedTo('contoso')).toEqual([primaryId]);
    expect(loadLeadFacts(t.db).find((f) => f.id === primaryId)?.partnerSlug).toBe('contoso');
  });

  it('tells the credited partner how the deal ends, from its own side; the submitter is thanked, not credited', () => {
    changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      reason: 'workshop',
    });
    const before = outbox(t.db).length;
    recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'intro_requested' });
    // The intro request goes to the submitting partner only: its people know the contact.
    expect(
      outbox(t.db)
        .slice(before)
        .filter((r) => r.recipient === CONTOSO.userId),
    ).toEqual([]);
    recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'opportunity' });
    const won = recordOutcome(deps, { actor: REP1, leadId: primaryId, outcome: 'won' });
    const toContoso = outbox(t.db)
      .slice(before)
      .filter((r) => r.recipient === CONTOSO.userId);
    expect(toContoso.map((r) => r.delivery_key)).toEqual([
      expect.stringMatching(new RegExp(`^lead:${contosoLeadId}:partner:opportunity:`)),
      `lead:${contosoLeadId}:partner:won:${won.eventId}`,
    ]);
    const contosoWon = toContoso.at(-1)?.payload ?? '';
    expect(contosoWon).toContain('credited to *Contoso');
    expect(contosoWon).toContain(`ref #${contosoLeadId}`);
    expect(contosoWon).not.toMatch(/Northwind|Jane Doe/);
    const northwindWon = outbox(t.db).find(
      (r) => r.delivery_key === `lead:${primaryId}:partner:won:${won.eventId}`,
    );
    expect(northwindWon?.payload).toContain('helped bring this one in');
    expect(northwindWon?.payload).not.toContain('credited to');
  });

  it('can move credit back to the first partner, which clears the override', () => {
    changeCredit(deps, {
      actor: LEADER,
      leadId: primaryId,
      creditedPartnerSlug: 'contoso',
      reason: 'workshop',
    });
    const back = changeCredit(deps, {
      actor: ADMIN,
      leadId: primaryId,
      creditedPartnerSlug: 'northwind',
      reason: 'Northwind made the intro after all',
    });
    expect(back.view.creditedPartner).toBeNull();
    expect(creditOf(t.db, primaryId)).toBeNull();
  });

  it.each([
    ['a rep', REP1, 'forbidden'],
    ['the lead’s own partner', NORTHWIND, 'forbidden'],
    ['the corroborating partner', CONTOSO, 'forbidden'],
  ])('refuses %s and changes nothing', (_who, actor, code) => {
    const before = outbox(t.db).length;
    const err = domainError(() =>
      changeCredit(deps, { actor, leadId: primaryId, creditedPartnerSlug: 'contoso', reason: 'mine really' }),
    );
    expect(err.code).toBe(code);
    expect(creditOf(t.db, primaryId)).toBeNull();
    expect(outbox(t.db)).toHaveLength(before);
  });

  it.each([
    ['a partner that never flagged the account', 'globex', 'creditedPartnerSlug', 'flagged this account'],
    ['the partner already holding the credit', 'northwind', 'creditedPartnerSlug', 'already holds'],
    ['no partner at all', '', 'creditedPartnerSlug', 'Pick a partner'],
  ])('refuses %s with a field error', (_case, slug, field, message) => {
    const err = domainError(() =>
      changeCredit(deps, { actor: LEADER, leadId: primaryId, creditedPartnerSlug: slug, reason: 'because' }),
    );
    expect(err.code).toBe('invalid_input');
    expect(err.fields[field]).toContain(message);
    expect(creditOf(t.db, primaryId)).toBeNull();
  });

  it('needs a written reason', () => {
    const err = domainError(() =>
      changeCredit(deps, { actor: LEADER, leadId: primaryId, creditedPartnerSlug: 'contoso', reason: '  ' }),
    );
    expect(err.fields.reason).toContain('Write why');
  });

  it('is set on the primary lead, not on a merged submission', () => {
    const err = domainError(() =>
      changeCredit(deps, {
        actor: LEADER,
        leadId: contosoLeadId,
        creditedPartnerSlug: 'northwind',
        reason: 'wrong row',
      }),
    );
    expect(err.code).toBe('illegal_transition');
  });
});

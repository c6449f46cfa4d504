import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.ts';
import { answerIntro } from '../../src/services/answer-intro.ts';
import { attestWarmth } from '../../src/services/attest-warmth.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import type { ServiceDeps } from '../../src/services/context.ts';
import { disqualifyLead } from '../../src/services/disqualify-lead.ts';
import { reassignLead } from '../../src/services/reassign-lead.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import {
  ADMIN,
  CONTOSO,
  goodSubmission,
  LEADER,
  NOBODY_INTERNAL,
  NORTHWIND,
  NORTHWIND_2,
  REP1,
  REP2,
  STRANGER,
} from '../helpers/actors.ts';
import { openTestDb, serviceDeps, type TestDb, testClock, testConfig } from '../helpers/db.ts';
import { catchDomainError } from '../helpers/errors.ts';
import { failInserts, sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

interface OutboxRow {
  id: number;
  delivery_key: string;
  recipient: string;
  method: string;
  payload: string;
  lead_id: number | null;
}

async function outboxRows(db: Db): Promise<OutboxRow[]> {
  return (await sqlAll(db, 'select * from outbox order by id')) as OutboxRow[];
}
async function count(db: Db, table: string): Promise<number> {
  return ((await sqlGet(db, `select count(*) as n from ${table}`)) as { n: number }).n;
}
async function events(db: Db, leadId: number) {
  return (await sqlAll(
    db,
    'select type, from_status, to_status, actor_user_id, reason from lead_events where lead_id = ? order by id',
    leadId,
  )) as Array<{
    type: string;
    from_status: string;
    to_status: string;
    actor_user_id: string;
    reason: string;
  }>;
}

let t: TestDb;
let deps: ServiceDeps;
const clock = testClock();

beforeEach(async () => {
  t = await openTestDb();
  clock.set(Date.parse('2026-11-16T15:00:00Z'));
  deps = await serviceDeps(t.db, testConfig(), clock.now);
});
afterEach(() => t.cleanup());

describe('submitting a lead', () => {
  it('qualifies a warm, fitting partner submission and queues the routing post, the partner DM and the primer', async () => {
    const res = await submitLead(deps, goodSubmission());
    expect(res.kind).toBe('created');
    if (res.kind !== 'created') return;
    expect(res.status).toBe('qualified');
    expect(res.view.domain).toBe('acme.com');
    expect(res.view.gates.map((g) => [g.gate, g.outcome])).toEqual([
      ['overlap', 'pass'],
      ['warmth', 'pass'],
      ['fit', 'pass'],
      ['motion', 'pass'],
    ]);
    expect(res.view.icpScore).toBe(100);
    expect(res.view.routeChannel).toBe('C0ROUTING');
    expect(res.view.attribution).toBe('sourced');

    const rows = await outboxRows(t.db);
    const keys = rows.map((r) => r.delivery_key);
    expect(keys).toContain(`primer:${NORTHWIND.userId}`);
    expect(keys).toContain(`lead:${res.leadId}:routing-post`);
    const post = rows.find((r) => r.delivery_key === `lead:${res.leadId}:routing-post`);
    expect(post?.recipient).toBe('C0ROUTING');
    expect(post?.method).toBe('chat.postMessage');
    expect(JSON.parse(post?.payload ?? '{}').text).toContain('Acme Corp');
    const dm = rows.find(
      (r) => r.recipient === NORTHWIND.userId && r.delivery_key.includes(':partner:received:'),
    );
    expect(dm).toBeDefined();
    expect(dm?.payload).not.toContain('C0ROUTING');
    expect(await events(t.db, res.leadId)).toEqual([
      expect.objectContaining({
        type: 'transition',
        from_status: 'surfaced',
        to_status: 'qualified',
        actor_user_id: NORTHWIND.userId,
      }),
    ]);
  });

  it('sends the primer only the first time a partner person uses Foothold', async () => {
    await submitLead(deps, goodSubmission());
    await submitLead(deps, goodSubmission({ website: 'globex.com', accountName: 'Globex' }));
    expect((await outboxRows(t.db)).filter((r) => r.delivery_key.startsWith('primer:'))).toHaveLength(1);
  });

  it.each([
    {
      name: 'cold relationship',
      patch: { warmth: { ...goodSubmission().warmth!, strength: 2 } },
      failing: 'warmth',
    },
    {
      name: 'stale interaction',
      patch: { warmth: { ...goodSubmission().warmth!, lastInteractionOn: '2026-07-01' } },
      failing: 'warmth',
    },
    {
      name: 'poor fit',
      patch: { firmographics: { industry: 'retail', employees: 20, country: 'FR' } },
      failing: 'fit',
    },
  ])(
    'makes a candidate, not an EQL, for a $name and tells the partner which gate failed',
    async ({ patch, failing }) => {
      const res = await submitLead(deps, goodSubmission(patch));
      expect(res.kind).toBe('created');
      if (res.kind !== 'created') return;
      expect(res.status).toBe('candidate');
      expect(res.view.gates.find((g) => g.gate === failing)?.outcome).toBe('fail');
      const rows = await outboxRows(t.db);
      expect(rows.some((r) => r.delivery_key.endsWith('routing-post'))).toBe(false);
      const dm = rows.find((r) => r.delivery_key.includes(':partner:candidate:'));
      expect(dm?.recipient).toBe(NORTHWIND.userId);
    },
  );

  it('tells a partner which of the account’s facts miss the profile, never the profile itself', async () => {
    await submitLead(
      deps,
      goodSubmission({ firmographics: { industry: 'retail', employees: 20, country: 'FR' } }),
    );
    const dm = (await outboxRows(t.db)).find((r) => r.delivery_key.includes(':partner:candidate:'));
    expect(dm?.payload).toContain('retail');
    expect(dm?.payload).toContain('FR');
    for (const secret of ['fintech', 'healthcare', '5000', '"US', 'CA, GB'])
      expect(dm?.payload).not.toContain(secret);
  });

  it('routes by the first matching rule and suggests the next rep of its pool', async () => {
    const res = await submitLead(
      deps,
      goodSubmission({ firmographics: { industry: 'fintech', employees: 900, country: 'GB' } }),
    );
    if (res.kind !== 'created') throw new Error(res.kind);
    expect(res.view.routeChannel).toBe('C0EMEA');
    expect(res.view.suggestedUserId).toBe('U0REP2');
    expect(
      (await outboxRows(t.db)).some((r) => r.recipient === 'U0REP2' && r.delivery_key.includes(':suggest:')),
    ).toBe(true);
  });

  it('turns field problems into field errors and stores nothing', async () => {
    const cases = [
      { input: goodSubmission({ website: 'localhost' }), field: 'website' },
      { input: goodSubmission({ website: '10.0.0.1' }), field: 'website' },
      { input: goodSubmission({ accountName: '   ' }), field: 'accountName' },
      {
        input: goodSubmission({ warmth: { ...goodSubmission().warmth!, lastInteractionOn: '2026-12-01' } }),
        field: 'warmth.lastInteractionOn',
      },
      {
        input: goodSubmission({ warmth: { ...goodSubmission().warmth!, contactName: '' } }),
        field: 'warmth.contactName',
      },
      { input: goodSubmission({ relationship: null }), field: 'relationship' },
      { input: goodSubmission({ firmographics: { employees: 'lots' } }), field: 'firmographics.employees' },
    ];
    for (const c of cases) {
      const err = await catchDomainError(() => submitLead(deps, c.input));
      expect(err.fields, JSON.stringify(c.input)).toHaveProperty([c.field]);
    }
    expect(await count(t.db, 'leads')).toBe(0);
    expect(await count(t.db, 'outbox')).toBe(0);
  });

  it('refuses a person from an unregistered organisation politely and stores nothing', async () => {
    const err = await catchDomainError(() => submitLead(deps, goodSubmission({ actor: STRANGER })));
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(/isn't registered/);
    expect(await count(t.db, 'leads')).toBe(0);
    expect(await count(t.db, 'people')).toBe(0);
    expect(await count(t.db, 'outbox')).toBe(0);
  });

  it('refuses an internal person without a program role', async () => {
    const err = await catchDomainError(() =>
      submitLead(deps, goodSubmission({ actor: NOBODY_INTERNAL, partnerSlug: 'northwind' })),
    );
    expect(err.code).toBe('forbidden');
  });

  it('refuses a stranger from another organisation in a partner’s shared channel', async () => {
    // Contoso's team ids are registered, so its channel vouches for nobody else: a Slack Connect channel
    // can hold several organisations.
    const err = await catchDomainError(() =>
      submitLead(
        deps,
        goodSubmission({ actor: { userId: 'U0NEWGUY', teamId: 'T0OTHER', channelId: 'C0SHAREDC' } }),
      ),
    );
    expect(err.code).toBe('forbidden');
    expect(await count(t.db, 'people')).toBe(0);
  });

  it('identifies a partner by its shared channel when only the channel is registered', async () => {
    deps = await serviceDeps(
      t.db,
      testConfig((raw) => {
        (raw.partners as Array<{ teamIds: string[] }>)[1]!.teamIds = [];
      }),
      clock.now,
    );
    const res = await submitLead(
      deps,
      goodSubmission({ actor: { userId: 'U0NEWGUY', teamId: 'T0OTHER', channelId: 'C0SHAREDC' } }),
    );
    if (res.kind !== 'created') throw new Error(res.kind);
    expect(res.view.partner.slug).toBe('contoso');
  });
});

describe('duplicates, corroboration and conflicts', () => {
  it('tells the same partner org the status of its open lead and stores nothing new', async () => {
    const first = await submitLead(deps, goodSubmission());
    const again = await submitLead(deps, goodSubmission({ actor: NORTHWIND_2, website: 'ACME.com' }));
    expect(again).toMatchObject({ kind: 'duplicate', status: 'qualified' });
    if (first.kind === 'created' && again.kind === 'duplicate') expect(again.leadId).toBe(first.leadId);
    expect(await count(t.db, 'leads')).toBe(1);
  });

  it('credits another partner org as corroborating, keeps first-to-register attribution, and updates the post', async () => {
    const first = await submitLead(deps, goodSubmission());
    if (first.kind !== 'created') throw new Error(first.kind);
    clock.advance(60_000);
    const second = await submitLead(deps, goodSubmission({ actor: CONTOSO }));
    expect(second.kind).toBe('corroborated');
    if (second.kind !== 'corroborated') return;
    expect(second.primaryLeadId).toBe(first.leadId);
    expect(second.view.status).toBe('merged');
    expect(second.view.partner.slug).toBe('contoso');
    const primary = await sqlGet(
      t.db,
      'select partner_slug, attribution from leads where id = ?',
      first.leadId,
    );
    expect(primary).toEqual({ partner_slug: 'northwind', attribution: 'sourced' });
    const rows = await outboxRows(t.db);
    expect(rows.some((r) => r.method === 'chat.update' && r.lead_id === first.leadId)).toBe(true);
    const contosoDm = rows.find(
      (r) => r.recipient === CONTOSO.userId && r.delivery_key.includes(':partner:merged:'),
    );
    expect(contosoDm).toBeDefined();
    expect(contosoDm?.payload).not.toContain('Northwind');
    // A third submission by the corroborating org is a duplicate, not a second corroboration.
    expect((await submitLead(deps, goodSubmission({ actor: CONTOSO }))).kind).toBe('duplicate');
  });

  it('treats an existing customer as a conflict: no lead, the partner manager is told', async () => {
    await sqlRun(
      t.db,
      "insert into crm_accounts (domain, name, is_customer, has_open_opportunity, imported_at) values ('acme.com', 'Acme Corporation', true, false, 0)",
    );
    const res = await submitLead(deps, goodSubmission());
    expect(res).toEqual({ kind: 'conflict', reason: 'customer' });
    expect(await count(t.db, 'leads')).toBe(0);
    const rows = await outboxRows(t.db);
    expect(rows.some((r) => r.recipient === 'U0PAM' && r.delivery_key.startsWith('conflict:'))).toBe(true);
    // Flagging it again the same day does not ping the partner manager twice.
    expect(await submitLead(deps, goodSubmission({ actor: NORTHWIND_2 }))).toEqual({
      kind: 'conflict',
      reason: 'customer',
    });
    expect((await outboxRows(t.db)).filter((r) => r.delivery_key.startsWith('conflict:'))).toHaveLength(1);
  });

  it('does not half-apply: a failure writing the outbox rolls the lead back', async () => {
    await failInserts(t.db, 'outbox', 'outbox down');
    await expect(submitLead(deps, goodSubmission())).rejects.toThrow(/outbox down/);
    expect(await count(t.db, 'leads')).toBe(0);
    expect(await count(t.db, 'lead_events')).toBe(0);
    expect(await count(t.db, 'gate_results')).toBe(0);
  });
});

describe('rep-surfaced leads wait for the partner to attest', () => {
  it('asks the partner org in its shared channel, then qualifies on attestation', async () => {
    const res = await submitLead(deps, {
      ...goodSubmission({ actor: REP1, relationship: null, warmth: null }),
      partnerSlug: 'northwind',
    });
    if (res.kind !== 'created') throw new Error(res.kind);
    expect(res.status).toBe('awaiting_attestation');
    expect(res.view.attribution).toBe('influenced');
    expect(
      (await outboxRows(t.db)).some(
        (r) => r.recipient === 'C0SHAREDN' && r.delivery_key.includes('attest-request'),
      ),
    ).toBe(true);

    // Only the partner's own organisation can attest.
    expect(
      (
        await catchDomainError(() =>
          attestWarmth(deps, {
            actor: CONTOSO,
            leadId: res.leadId,
            relationship: 'customer',
            warmth: goodSubmission().warmth!,
          }),
        )
      ).code,
    ).toBe('forbidden');
    expect(
      (
        await catchDomainError(() =>
          attestWarmth(deps, {
            actor: REP1,
            leadId: res.leadId,
            relationship: 'customer',
            warmth: goodSubmission().warmth!,
          }),
        )
      ).code,
    ).toBe('forbidden');

    const attested = await attestWarmth(deps, {
      actor: NORTHWIND,
      leadId: res.leadId,
      relationship: 'customer',
      warmth: goodSubmission().warmth!,
    });
    expect(attested.view.status).toBe('qualified');
    expect(attested.view.warmth?.attestedByUserId).toBe(NORTHWIND.userId);
    expect((await outboxRows(t.db)).some((r) => r.delivery_key === `lead:${res.leadId}:routing-post`)).toBe(
      true,
    );
    expect((await events(t.db, res.leadId)).map((e) => e.to_status)).toEqual([
      'awaiting_attestation',
      'qualified',
    ]);
  });

  it('takes the partner’s own flag of a rep-surfaced account as the attestation it was waiting for', async () => {
    const rep = await submitLead(deps, {
      ...goodSubmission({ actor: REP1, relationship: null, warmth: null }),
      partnerSlug: 'northwind',
    });
    if (rep.kind !== 'created') throw new Error(rep.kind);
    const partner = await submitLead(deps, goodSubmission({ actor: NORTHWIND }));
    expect(partner).toMatchObject({ kind: 'attested', leadId: rep.leadId, status: 'qualified' });
    expect(await count(t.db, 'leads')).toBe(1);
  });

  it('never credits a partner as corroborating on a rep’s say-so', async () => {
    const first = await submitLead(deps, goodSubmission());
    if (first.kind !== 'created') throw new Error(first.kind);
    const rep = await submitLead(deps, {
      ...goodSubmission({ actor: REP1, relationship: null, warmth: null }),
      partnerSlug: 'contoso',
    });
    expect(rep).toMatchObject({ kind: 'duplicate', leadId: first.leadId });
    expect(await count(t.db, 'corroborations')).toBe(0);
  });

  it('lets a warm partner submission stand on its own next to another partner’s candidate', async () => {
    const cold = await submitLead(
      deps,
      goodSubmission({ warmth: { ...goodSubmission().warmth!, strength: 1 } }),
    );
    expect(cold).toMatchObject({ kind: 'created', status: 'candidate' });
    const warm = await submitLead(deps, goodSubmission({ actor: CONTOSO }));
    expect(warm).toMatchObject({ kind: 'created', status: 'qualified' });
  });

  it('asks people already known at the partner by DM, and the partner manager when there is nobody to ask', async () => {
    await submitLead(deps, goodSubmission({ website: 'globex.com', accountName: 'Globex' }));
    const known = await submitLead(deps, {
      ...goodSubmission({ actor: REP1, relationship: null, warmth: null }),
      partnerSlug: 'northwind',
    });
    if (known.kind !== 'created') throw new Error(known.kind);
    const asks = (await outboxRows(t.db)).filter((r) =>
      r.delivery_key.includes(`lead:${known.leadId}:attest-request`),
    );
    expect(asks.map((r) => r.recipient)).toEqual([NORTHWIND.userId]);

    deps = await serviceDeps(
      t.db,
      testConfig((raw) => {
        const contoso = (raw.partners as Array<{ channels: string[] }>)[1]!;
        contoso.channels = [];
      }),
      clock.now,
    );
    const nobody = await submitLead(deps, {
      ...goodSubmission({ actor: REP1, relationship: null, warmth: null, website: 'initech.com' }),
      partnerSlug: 'contoso',
    });
    if (nobody.kind !== 'created') throw new Error(nobody.kind);
    const fallback = (await outboxRows(t.db)).filter((r) =>
      r.delivery_key.includes(`lead:${nobody.leadId}:attest-request`),
    );
    expect(fallback.map((r) => r.recipient)).toEqual(['U0PAM']);
  });

  it('lets a candidate partner update the attestation and qualify', async () => {
    const res = await submitLead(
      deps,
      goodSubmission({ warmth: { ...goodSubmission().warmth!, strength: 2 } }),
    );
    if (res.kind !== 'created') throw new Error(res.kind);
    expect(res.status).toBe('candidate');
    const updated = await attestWarmth(deps, {
      actor: NORTHWIND,
      leadId: res.leadId,
      relationship: 'prospect',
      warmth: goodSubmission().warmth!,
    });
    expect(updated.view.status).toBe('qualified');
  });
});

describe('working the lead', () => {
  async function qualifiedLead(): Promise<number> {
    const res = await submitLead(deps, goodSubmission());
    if (res.kind !== 'created' || res.status !== 'qualified') throw new Error('expected a qualified lead');
    return res.leadId;
  }

  it('runs claim → intro → intro made → meeting → opportunity → won, logging every step', async () => {
    const id = await qualifiedLead();
    const claimed = await claimLead(deps, { actor: REP1, leadId: id });
    expect(claimed.view).toMatchObject({ status: 'claimed', ownerUserId: REP1.userId });
    expect(
      (
        await catchDomainError(() =>
          recordOutcome(deps, { actor: REP2, leadId: id, outcome: 'intro_requested' }),
        )
      ).code,
    ).toBe('forbidden');
    await recordOutcome(deps, { actor: REP1, leadId: id, outcome: 'intro_requested' });
    expect(
      (await catchDomainError(() => answerIntro(deps, { actor: CONTOSO, leadId: id, made: true }))).code,
    ).toBe('forbidden');
    const answered = await answerIntro(deps, { actor: NORTHWIND, leadId: id, made: true });
    expect(answered.view.introStatus).toBe('made');
    expect(
      (await catchDomainError(() => answerIntro(deps, { actor: NORTHWIND, leadId: id, made: false }))).code,
    ).toBe('stale');
    await recordOutcome(deps, { actor: REP1, leadId: id, outcome: 'meeting_held' });
    await recordOutcome(deps, { actor: REP1, leadId: id, outcome: 'opportunity' });
    const won = await recordOutcome(deps, { actor: REP1, leadId: id, outcome: 'won' });
    expect(won.view.status).toBe('won');
    expect((await events(t.db, id)).map((e) => `${e.type}:${e.to_status ?? ''}`)).toEqual([
      'transition:qualified',
      'transition:claimed',
      'transition:intro_requested',
      'intro_answered:',
      'transition:meeting_held',
      'transition:opportunity',
      'transition:won',
    ]);
    const partnerDms = (await outboxRows(t.db))
      .filter((r) => r.recipient === NORTHWIND.userId && r.delivery_key.includes(':partner:'))
      .map((r) => r.delivery_key.split(':')[3]);
    expect(partnerDms).toEqual([
      'received',
      'claimed',
      'intro_requested',
      'meeting_held',
      'opportunity',
      'won',
    ]);
    const updates = (await outboxRows(t.db)).filter((r) => r.method === 'chat.update' && r.lead_id === id);
    expect(updates).toHaveLength(6);
    // Terminal: nothing moves a won lead.
    expect(
      (
        await catchDomainError(() =>
          recordOutcome(deps, {
            actor: LEADER,
            leadId: id,
            outcome: 'lost',
            reason: { reasonCode: 'price' },
          }),
        )
      ).code,
    ).toBe('illegal_transition');
  });

  it('tells the second claimer who owns the lead', async () => {
    const id = await qualifiedLead();
    await claimLead(deps, { actor: REP1, leadId: id });
    const err = await catchDomainError(() => claimLead(deps, { actor: REP2, leadId: id }));
    expect(err.code).toBe('already_claimed');
    // The owner travels as data (the edge renders it as a mention); the message itself carries no Slack markup.
    expect(err.data.ownerUserId).toBe('U0REP1');
    expect(err.message).toBe('Someone else already claimed this lead.');
  });

  it('refuses a stale click (an older version of the post) instead of applying it twice', async () => {
    const id = await qualifiedLead();
    const claimed = await claimLead(deps, { actor: REP1, leadId: id });
    await recordOutcome(deps, {
      actor: REP1,
      leadId: id,
      outcome: 'meeting_held',
      version: claimed.view.version,
    });
    const err = await catchDomainError(() =>
      recordOutcome(deps, { actor: REP1, leadId: id, outcome: 'opportunity', version: claimed.view.version }),
    );
    expect(err.code).toBe('stale');
  });

  it('requires a configured reason to lose or disqualify', async () => {
    const id = await qualifiedLead();
    await claimLead(deps, { actor: REP1, leadId: id });
    expect(
      (await catchDomainError(() => recordOutcome(deps, { actor: REP1, leadId: id, outcome: 'lost' })))
        .fields,
    ).toHaveProperty('reasonCode');
    expect(
      (
        await catchDomainError(() =>
          disqualifyLead(deps, { actor: REP1, leadId: id, reason: { reasonCode: 'made_up' } }),
        )
      ).fields,
    ).toHaveProperty('reasonCode');
    const res = await disqualifyLead(deps, {
      actor: REP1,
      leadId: id,
      reason: { reasonCode: 'no_budget', reasonText: 'FY27 at the earliest' },
    });
    expect(res.view).toMatchObject({
      status: 'disqualified',
      reasonCode: 'no_budget',
      reasonLabel: 'No budget',
    });
  });

  it('lets only leaders reassign, with a written reason', async () => {
    const id = await qualifiedLead();
    await claimLead(deps, { actor: REP1, leadId: id });
    expect(
      (
        await catchDomainError(() =>
          reassignLead(deps, { actor: REP1, leadId: id, newOwnerUserId: 'U0REP2', reason: 'swap' }),
        )
      ).code,
    ).toBe('forbidden');
    expect(
      (
        await catchDomainError(() =>
          reassignLead(deps, { actor: LEADER, leadId: id, newOwnerUserId: 'U0REP2', reason: '' }),
        )
      ).fields,
    ).toHaveProperty('reason');
    const res = await reassignLead(deps, {
      actor: LEADER,
      leadId: id,
      newOwnerUserId: 'U0REP2',
      reason: 'Territory change',
    });
    expect(res.view.ownerUserId).toBe('U0REP2');
    expect((await events(t.db, id)).at(-1)).toMatchObject({
      type: 'reassigned',
      reason: 'Territory change',
      actor_user_id: 'U0LEAD',
    });
  });

  it('lets an admin assign an unclaimed EQL through reassign', async () => {
    const id = await qualifiedLead();
    const res = await reassignLead(deps, {
      actor: ADMIN,
      leadId: id,
      newOwnerUserId: 'U0REP1',
      reason: 'Named account',
    });
    expect(res.view).toMatchObject({ status: 'claimed', ownerUserId: 'U0REP1' });
  });
});

describe('a candidate whose fit could not be scored', () => {
  it('qualifies once the partner adds the company details it was missing', async () => {
    const res = await submitLead(
      deps,
      goodSubmission({ firmographics: { industry: null, employees: null, country: null } }),
    );
    if (res.kind !== 'created') throw new Error(res.kind);
    expect(res.status).toBe('candidate');
    expect(res.view.gates.find((g) => g.gate === 'fit')?.outcome).toBe('unknown');
    const updated = await attestWarmth(deps, {
      actor: NORTHWIND,
      leadId: res.leadId,
      relationship: 'prospect',
      warmth: goodSubmission().warmth!,
      firmographics: { industry: 'fintech', employees: '900', country: 'CA' },
    });
    expect(updated.view.status).toBe('qualified');
    expect(updated.view.icpScore).toBe(100);
  });
});

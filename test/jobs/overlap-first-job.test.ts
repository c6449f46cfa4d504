import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.ts';
import { overlapFirstJob } from '../../src/jobs/overlap-first-job.ts';
import { answerOverlapAsk } from '../../src/services/overlap-first.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { CONTOSO, goodSubmission, NORTHWIND, NORTHWIND_2 } from '../helpers/actors.ts';
import { testConfig } from '../helpers/db.ts';
import { catchDomainError } from '../helpers/errors.ts';
import { sqlAll, sqlRun } from '../helpers/sql.ts';
import { actionIds, count, DAY, type JobWorld, jobWorld, MONDAY_10AM, outbox, textOf } from './helpers.ts';

// Overlap first (issue 13, item 4) on a real SQLite file: imported overlaps that pass the fit gate on the CRM
// account and are not leads become a weekly, capped batch of questions to the partner; every answer is
// remembered ("we don't know them" never again, "not now" for the snooze period) and audited.

const FABRIKAM = {
  slug: 'fabrikam',
  name: 'Fabrikam Partners',
  teamIds: ['T0FABRIK'],
  channels: [],
  manager: 'U0PAM',
};

async function crm(
  db: Db,
  domain: string,
  o: { industry?: string; employees?: number; country?: string; customer?: boolean; openOpp?: boolean } = {},
) {
  await sqlRun(
    db,
    'insert into crm_accounts (domain, name, industry, employees, country, is_customer, has_open_opportunity, imported_at) values (?, ?, ?, ?, ?, ?, ?, 0)',
    domain,
    `CRM ${domain}`,
    o.industry ?? 'software',
    o.employees ?? 1000,
    o.country ?? 'US',
    o.customer ? 1 : 0,
    o.openOpp ? 1 : 0,
  );
}
async function overlap(db: Db, partner: string, domain: string, relationship = 'customer') {
  await sqlRun(
    db,
    'insert into partner_overlaps (partner_slug, domain, relationship, imported_at) values (?, ?, ?, 0)',
    partner,
    domain,
    relationship,
  );
}
const asks = async (db: Db, partner: string) =>
  (await sqlAll(
    db,
    'select id, domain, status, times_asked as "timesAsked", snoozed_until as "snoozedUntil" from overlap_asks where partner_slug = ? order by domain',
    partner,
  )) as Array<{
    id: number;
    domain: string;
    status: string;
    timesAsked: number;
    snoozedUntil: number | null;
  }>;

let w: JobWorld;
beforeEach(async () => {
  w = await jobWorld({
    config: testConfig((raw) => {
      (raw.partners as unknown[]).push(FABRIKAM);
      raw.overlapFirst = { maxPerBatch: 3, snoozeDays: 30 };
    }),
  });
  // Northwind has used Foothold (it flagged acme.com): its people are asked by DM.
  await submitLead(w.services, goodSubmission());
  await submitLead(
    w.services,
    goodSubmission({ actor: NORTHWIND_2, website: 'other-lead.com', accountName: 'Other' }),
  );
  // Fitting accounts of different ICP scores (employees and country decide), and ones that must never be asked.
  await crm(w.db, 'fit-100a.com');
  await crm(w.db, 'fit-100b.com');
  await crm(w.db, 'fit-70.com', { country: 'DE' });
  await crm(w.db, 'fit-70b.com', { country: 'FR' });
  await crm(w.db, 'poor-fit.com', { industry: 'mining', employees: 10, country: 'DE' });
  await crm(w.db, 'customer.com', { customer: true });
  await crm(w.db, 'open-opp.com', { openOpp: true });
  await crm(w.db, 'acme.com');
  for (const d of [
    'fit-100a.com',
    'fit-100b.com',
    'fit-70.com',
    'fit-70b.com',
    'poor-fit.com',
    'customer.com',
    'open-opp.com',
    'acme.com',
    'not-in-crm.com',
  ])
    await overlap(w.db, 'northwind', d);
  await overlap(w.db, 'contoso', 'fit-100a.com', 'prospect');
  await overlap(w.db, 'fabrikam', 'fit-70.com');
});
afterEach(() => w.cleanup());

describe('the overlap-first job', () => {
  it('asks each partner about its fitting overlaps that are not leads, best fit first, capped per batch', async () => {
    const before = (await outbox(w.db)).length;
    const summary = await overlapFirstJob.run(w.jobDeps, MONDAY_10AM);
    expect(summary.period).toBe('2026-W47');
    expect((await asks(w.db, 'northwind')).map((a) => a.domain)).toEqual([
      'fit-100a.com',
      'fit-100b.com',
      'fit-70.com',
    ]);
    const sent = (await outbox(w.db)).slice(before);
    // Northwind: its two known people by DM (never a channel other orgs might read).
    const nw = sent.filter((m) => m.delivery_key.startsWith('overlap-first:2026-W47:northwind'));
    expect(nw.map((m) => m.recipient).sort()).toEqual([NORTHWIND.userId, NORTHWIND_2.userId].sort());
    const text = textOf(nw[0]!.payload);
    expect(text).toContain('CRM fit-100a.com');
    expect(text).toContain('in your account mapping as: customer');
    for (const never of [
      'poor-fit.com',
      'customer.com',
      'open-opp.com',
      'acme.com',
      'fit-70b.com',
      'Contoso',
    ])
      expect(text).not.toContain(never);
    expect(actionIds(nw[0]!.payload)).toEqual(
      Array.from({ length: 3 }, () => ['overlap_known', 'overlap_snooze', 'overlap_unknown']).flat(),
    );
    // Contoso (nobody known yet): its shared channel. Fabrikam (no people, no channel): its partner manager.
    const co = sent.find((m) => m.delivery_key === 'overlap-first:2026-W47:contoso');
    expect(co?.recipient).toBe('C0SHAREDC');
    expect(textOf(co!.payload)).toContain('in your account mapping as: prospect');
    const fab = sent.find((m) => m.delivery_key === 'overlap-first:2026-W47:fabrikam:manager');
    expect(fab?.recipient).toBe('U0PAM');
    expect(actionIds(fab!.payload)).toEqual([]);
    // Audited.
    expect(await count(w.db, "select 1 from lead_events where type = 'overlap_asked'")).toBe(3);
    // Running again in the same week queues nothing.
    const again = await overlapFirstJob.run(w.jobDeps, MONDAY_10AM + 3_600_000);
    expect(again.queued).toEqual([]);
    expect((await outbox(w.db)).length).toBe(sent.length + before);
  });

  it('remembers every answer: “we don’t know them” never again, “not now” after the snooze, silence after the same period', async () => {
    await overlapFirstJob.run(w.jobDeps, MONDAY_10AM);
    const [a, b, c] = await asks(w.db, 'northwind');
    await answerOverlapAsk(w.services, { actor: NORTHWIND, askId: a!.id, answer: 'unknown' });
    await answerOverlapAsk(w.services, { actor: NORTHWIND_2, askId: b!.id, answer: 'snoozed' });
    // A second answer on the same account is refused, and another org cannot answer at all.
    expect(
      (
        await catchDomainError(() =>
          answerOverlapAsk(w.services, { actor: NORTHWIND_2, askId: a!.id, answer: 'known' }),
        )
      ).code,
    ).toBe('stale');
    expect(
      (
        await catchDomainError(() =>
          answerOverlapAsk(w.services, { actor: CONTOSO, askId: c!.id, answer: 'unknown' }),
        )
      ).code,
    ).toBe('forbidden');
    const answered = (await sqlAll(
      w.db,
      "select actor_user_id as who, reason, data from lead_events where type = 'overlap_answered' order by id",
    )) as Array<{ who: string; reason: string; data: string }>;
    expect(answered.map((e) => [e.who, e.reason, JSON.parse(e.data).domain])).toEqual([
      [NORTHWIND.userId, 'unknown', 'fit-100a.com'],
      [NORTHWIND_2.userId, 'snoozed', 'fit-100b.com'],
    ]);

    // Next week: the one left out by the cap (fit-70b) is asked; c (unanswered for a week) is not yet.
    await overlapFirstJob.run(w.jobDeps, MONDAY_10AM + 7 * DAY);
    expect(
      (await asks(w.db, 'northwind'))
        .filter((x) => x.timesAsked === 1 && x.status === 'asked')
        .map((x) => x.domain),
    ).toEqual(['fit-70.com', 'fit-70b.com']);
    // Five weeks on: the snooze is over and c went unanswered for a snooze period: both come back; a never does.
    await overlapFirstJob.run(w.jobDeps, MONDAY_10AM + 35 * DAY);
    const later = new Map((await asks(w.db, 'northwind')).map((x) => [x.domain, x]));
    expect(later.get('fit-100a.com')).toMatchObject({ status: 'unknown', timesAsked: 1 });
    expect(later.get('fit-100b.com')).toMatchObject({ status: 'asked', timesAsked: 2 });
    expect(later.get('fit-70.com')).toMatchObject({ status: 'asked', timesAsked: 2 });
  });

  it('stops asking once the account is a lead, and does nothing when disabled', async () => {
    await submitLead(w.services, goodSubmission({ website: 'fit-100a.com', accountName: 'Fit A' }));
    await overlapFirstJob.run(w.jobDeps, MONDAY_10AM);
    expect((await asks(w.db, 'northwind')).map((a) => a.domain)).not.toContain('fit-100a.com');
    // Contoso's only overlap is now another partner's open lead: not asked either (it would be a corroboration).
    expect(await asks(w.db, 'contoso')).toEqual([]);

    const off = await jobWorld({
      config: testConfig((raw) => {
        raw.overlapFirst = { enabled: false };
      }),
    });
    try {
      const s = await overlapFirstJob.run(off.jobDeps, MONDAY_10AM);
      expect(s.skipped).toBe('overlapFirst.enabled is false');
    } finally {
      off.cleanup();
    }
  });
});

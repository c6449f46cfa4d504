import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.ts';
import { expiryJob } from '../../src/jobs/expiry-job.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { grantExtension } from '../../src/services/grant-extension.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { requestExtension } from '../../src/services/request-extension.ts';
import { CONTOSO, LEADER, NORTHWIND, REP1, REP2 } from '../helpers/actors.ts';
import { sqlGet } from '../helpers/sql.ts';
import {
  actionIds,
  at,
  count,
  DAY,
  HOUR,
  type JobWorld,
  jobWorld,
  leadRow,
  markAllSent,
  outbox,
  seedEql,
  textOf,
} from './helpers.ts';

// Expiry in the example program: 90 days without progress, warned 7 days before, extensions of 30 days.
// A lead claimed Monday 2026-11-16 10:00 New York is warned from 2027-02-07 10:00 and expires 2027-02-14
// 10:00 (calendar days at the same wall-clock time).
const CLAIMED = at('2026-11-16T15:00:00Z');
const WARN = at('2027-02-07T15:00:00Z');
const EXPIRES = at('2027-02-14T15:00:00Z');

let w: JobWorld;
let id: number;
beforeEach(async () => {
  w = await jobWorld({ zones: { U0NWPAT: 'Europe/London', U0REP1: 'America/New_York' } });
  id = await seedEql(w);
  await claimLead(w.services, { actor: REP1, leadId: id });
  await markAllSent(w.db, CLAIMED);
});
afterEach(() => w.cleanup());

describe('expiry warnings', () => {
  it('warns the owner and the partner a week before, the partner with Request extension, once', async () => {
    expect((await expiryJob.run(w.jobDeps, WARN - HOUR)).queued).toEqual([]);
    const s = await expiryJob.run(w.jobDeps, WARN + HOUR);
    expect(s.keys).toEqual([`expiry:warning:lead:${id}:${EXPIRES}`]);
    expect(s.queued.map((q) => [q.to, q.kind])).toEqual([
      ['U0NWPAT', 'partner:expiry_warning'],
      ['U0REP1', 'reminders'],
    ]);
    const partner = (await outbox(w.db, "status = 'pending' and recipient = 'U0NWPAT'"))[0]!;
    expect(actionIds(partner.payload)).toEqual(['request_extension']);
    expect(textOf(partner.payload)).toContain('Feb 14, 2027');
    expect(textOf(partner.payload)).not.toContain('C0ROUTING');
    const owner = (await outbox(w.db, "status = 'pending' and recipient = 'U0REP1'"))[0]!;
    expect(textOf(owner.payload)).toContain('expires on Feb 14, 2027');
    expect(actionIds(owner.payload)).toContain('grant_extension');
    expect((await expiryJob.run(w.jobDeps, WARN + 2 * HOUR)).queued).toEqual([]);
  });

  it('holds the partner’s warning until 08:00 in their zone', async () => {
    // 2027-02-07 22:00 in London (17:00 New York): quiet for the partner, not for the owner.
    const s = await expiryJob.run(w.jobDeps, at('2027-02-07T22:00:00Z'));
    expect(s.queued.find((q) => q.to === 'U0NWPAT')?.notBefore).toBe(at('2027-02-08T08:00:00Z'));
    expect(s.queued.find((q) => q.to === 'U0REP1')?.notBefore).toBe(at('2027-02-07T22:00:00Z'));
  });
});

describe('expiring', () => {
  it('expires the lead, tells the partner (Request extension) and the owner, updates the post, once', async () => {
    await expiryJob.run(w.jobDeps, WARN + HOUR);
    await markAllSent(w.db, WARN + HOUR);
    const s = await expiryJob.run(w.jobDeps, EXPIRES + HOUR);
    expect(s.transitions).toEqual([{ leadId: id, from: 'claimed', to: 'expired' }]);
    expect((await leadRow(w.db, id)).status).toBe('expired');
    expect(s.queued.map((q) => [q.to, q.kind])).toEqual([
      ['C0ROUTING', 'routing-post'],
      ['U0NWPAT', 'partner:expired'],
      ['U0REP1', 'reminders'],
    ]);
    const partner = (await outbox(w.db, "status = 'pending' and recipient = 'U0NWPAT'"))[0]!;
    expect(textOf(partner.payload)).toContain('has expired');
    expect(actionIds(partner.payload)).toEqual(['request_extension']);
    const post = (await outbox(w.db, "status = 'pending' and method = 'chat.update'"))[0]!;
    expect(actionIds(post.payload)).toEqual(['grant_extension', 'lead_history']);
    const owner = (await outbox(w.db, "status = 'pending' and recipient = 'U0REP1'"))[0]!;
    expect(textOf(owner.payload)).toContain('expired');
    const events = await sqlGet(
      w.db,
      "select from_status, to_status, reason from lead_events where lead_id = ? and type = 'transition' order by id desc limit 1",
      id,
    );
    expect(events).toEqual({ from_status: 'claimed', to_status: 'expired', reason: 'no_progress' });
    expect((await expiryJob.run(w.jobDeps, EXPIRES + 2 * HOUR)).queued).toEqual([]);
  });

  it('progress pushes the expiry out', async () => {
    w.clock.set(at('2027-01-10T15:00:00Z'));
    await recordOutcome(w.services, { actor: REP1, leadId: id, outcome: 'meeting_held' });
    expect((await expiryJob.run(w.jobDeps, EXPIRES + HOUR)).queued).toEqual([]);
    expect((await leadRow(w.db, id)).status).toBe('meeting_held');
  });
});

describe('extensions', () => {
  it('a partner asks from the DM, the owner is asked with a Grant button, the grant restores the lead', async () => {
    await expiryJob.run(w.jobDeps, EXPIRES + HOUR);
    await markAllSent(w.db, EXPIRES + HOUR);
    w.clock.set(EXPIRES + 2 * DAY);

    const asked = await requestExtension(w.services, { actor: NORTHWIND, leadId: id });
    expect(asked.notified).toEqual(['U0REP1']);
    const req = (await outbox(w.db, "status = 'pending' and recipient = 'U0REP1'"))[0]!;
    expect(actionIds(req.payload)).toEqual(['grant_extension']);
    expect(textOf(req.payload)).toContain('asks for more time');
    expect(await outbox(w.db, "status = 'pending' and recipient = 'U0NWPAT'")).toHaveLength(1); // the acknowledgement
    // Asking twice is answered, not repeated.
    await expect(requestExtension(w.services, { actor: NORTHWIND, leadId: id })).rejects.toThrow(DomainError);
    // Another org cannot ask; a rep who does not own it cannot grant.
    await expect(requestExtension(w.services, { actor: CONTOSO, leadId: id })).rejects.toThrow(
      /isn't one of your/,
    );
    await expect(grantExtension(w.services, { actor: REP2, leadId: id })).rejects.toThrow(
      /Only the rep who owns/,
    );
    await expect(grantExtension(w.services, { actor: NORTHWIND, leadId: id })).rejects.toThrow(DomainError);
    await markAllSent(w.db, w.clock.now());

    const granted = await grantExtension(w.services, { actor: REP1, leadId: id });
    expect(granted.restoredTo).toBe('claimed');
    const row = await leadRow(w.db, id);
    expect(row.status).toBe('claimed');
    // 30 days counted from now (the old expiry is past): expires 2027-03-18 10:00 New York.
    expect(granted.expiresAt).toBe(at('2027-03-18T14:00:00Z'));
    expect(row.extension_days).toBe(32);
    expect(
      await count(w.db, "select 1 from lead_events where lead_id = ? and type = 'extension_granted'", id),
    ).toBe(1);
    const partner = (await outbox(w.db, "status = 'pending' and recipient = 'U0NWPAT'"))[0]!;
    expect(textOf(partner.payload)).toContain('Mar 18, 2027');
    expect(await outbox(w.db, "status = 'pending' and method = 'chat.update'")).toHaveLength(1);

    // The extension opens fresh expiry periods: warned again a week before the new date.
    await markAllSent(w.db, w.clock.now());
    expect((await expiryJob.run(w.jobDeps, at('2027-03-10T15:00:00Z'))).queued).toEqual([]);
    const again = await expiryJob.run(w.jobDeps, at('2027-03-11T15:00:00Z'));
    expect(again.keys).toEqual([`expiry:warning:lead:${id}:${at('2027-03-18T14:00:00Z')}`]);
  });

  it('restores a lead that expired as an opportunity to opportunity', async () => {
    w.clock.set(at('2026-11-20T15:00:00Z'));
    await recordOutcome(w.services, { actor: REP1, leadId: id, outcome: 'opportunity' });
    await expiryJob.run(w.jobDeps, at('2027-02-18T16:00:00Z') + 1);
    await expiryJob.run(w.jobDeps, at('2027-02-20T16:00:00Z'));
    expect((await leadRow(w.db, id)).status).toBe('expired');
    w.clock.set(at('2027-02-21T16:00:00Z'));
    expect((await grantExtension(w.services, { actor: LEADER, leadId: id })).restoredTo).toBe('opportunity');
    expect((await leadRow(w.db, id)).status).toBe('opportunity');
  });

  it('extends an open lead in its warning week by extensionDays past its current expiry', async () => {
    w.clock.set(WARN + HOUR);
    const version = (await leadRow(w.db, id)).version as number;
    const g = await grantExtension(w.services, { actor: REP1, leadId: id, version });
    expect(g.restoredTo).toBeNull();
    expect(g.extensionDays).toBe(30);
    expect(g.expiresAt).toBe(at('2027-03-16T14:00:00Z')); // Feb 14 + 30 days, 10:00 New York (EDT)
    // The same button clicked again is refused, not applied twice.
    await expect(grantExtension(w.services, { actor: REP1, leadId: id, version })).rejects.toThrow(
      /Someone updated/,
    );
    expect((await leadRow(w.db, id)).extension_days).toBe(30);
  });

  it('refuses to extend a closed lead', async () => {
    await recordOutcome(w.services, { actor: REP1, leadId: id, outcome: 'won' });
    await expect(requestExtension(w.services, { actor: NORTHWIND, leadId: id })).rejects.toThrow(
      /nothing to extend/,
    );
  });
});

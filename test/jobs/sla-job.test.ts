import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveTimeZone } from '../../src/db/stores/job-store.ts';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { slaJob } from '../../src/jobs/sla-job.ts';
import { claimLead } from '../../src/services/claim-lead.ts';
import { recordOutcome } from '../../src/services/record-outcome.ts';
import { REP1 } from '../helpers/actors.ts';
import { sqlGet } from '../helpers/sql.ts';
import {
  actionIds,
  at,
  count,
  DAY,
  HOUR,
  type JobWorld,
  jobWorld,
  markAllSent,
  outbox,
  seedEql,
  textOf,
} from './helpers.ts';

// The example program: New York, business hours 9–17 on weekdays, claim SLA 24 business hours. An EQL
// qualified Monday 2026-11-16 at 10:00 is due its reminder Thursday 10:00 (7 + 8 + 8 + 1 business hours)
// and its escalation the next Tuesday 10:00.
const THU_1030 = at('2026-11-19T15:30:00Z');
const TUE_1030 = at('2026-11-24T15:30:00Z');

let w: JobWorld;
beforeEach(async () => {
  w = await jobWorld();
});
afterEach(() => w.cleanup());

const jobRows = (db: JobWorld['db']) =>
  outbox(
    db,
    "delivery_key like 'sla:%' or delivery_key like 'reminders:%' or delivery_key like '%post-update%'",
  );

describe('the claim SLA ladder', () => {
  it('does nothing before claimHours business hours have passed', async () => {
    await seedEql(w);
    await markAllSent(w.db, w.clock.now());
    const s = await slaJob.run(w.jobDeps, at('2026-11-19T14:30:00Z')); // Thu 09:30: 23.5 business hours
    expect(s.queued).toEqual([]);
    expect(await count(w.db, "select 1 from outbox where status = 'pending'")).toBe(0);
  });

  it('reminds in the thread and the partner manager, re-renders the post, and only once', async () => {
    const id = await seedEql(w);
    await markAllSent(w.db, w.clock.now());
    const s = await slaJob.run(w.jobDeps, THU_1030);
    expect(s.keys).toEqual([`sla:reminder:lead:${id}:${at('2026-11-16T15:00:00Z')}`]);
    expect(s.queued.map((q) => [q.to, q.kind])).toEqual([
      ['C0ROUTING', 'thread:claim_reminder'],
      ['C0ROUTING', 'routing-post'],
      ['U0PAM', 'reminders'],
    ]);
    const rows = await outbox(w.db, "status = 'pending'");
    const thread = rows.find((r) => r.payload.thread_ts === '@lead-post-ts');
    expect(thread?.recipient).toBe('C0ROUTING');
    expect(textOf(thread!.payload)).toContain('waited 24 business hours');
    const post = rows.find((r) => r.method === 'chat.update');
    expect(post?.payload.ts).toBe('@lead-post-ts');
    expect(textOf(post!.payload)).toContain('waiting 24 business hours');
    const dm = rows.find((r) => r.recipient === 'U0PAM');
    expect(dm?.not_before).toBe(THU_1030);
    expect(textOf(dm!.payload)).toContain('Account');
    expect(checkMessageBlocks(dm!.payload.blocks)).toEqual([]);
    // The event is in the audit log.
    expect(
      await count(w.db, "select 1 from lead_events where type = 'claim_reminder' and lead_id = ?", id),
    ).toBe(1);

    const again = await slaJob.run(w.jobDeps, THU_1030);
    expect(again.queued).toEqual([]);
    const later = await slaJob.run(w.jobDeps, THU_1030 + 15 * 60_000);
    expect(later.queued).toEqual([]);
    expect(await outbox(w.db, "status = 'pending'")).toHaveLength(rows.length);
  });

  it('escalates to the leaders at twice claimHours, once', async () => {
    const id = await seedEql(w);
    await markAllSent(w.db, w.clock.now());
    await slaJob.run(w.jobDeps, THU_1030);
    await markAllSent(w.db, THU_1030);
    expect((await slaJob.run(w.jobDeps, at('2026-11-24T14:30:00Z'))).queued).toEqual([]); // Tue 09:30
    const s = await slaJob.run(w.jobDeps, TUE_1030);
    expect(s.keys).toEqual([`sla:escalation:lead:${id}:${at('2026-11-16T15:00:00Z')}`]);
    const dm = s.queued.find((q) => q.kind === 'reminders');
    expect(dm?.to).toBe('U0LEAD');
    const row = (await outbox(w.db, "status = 'pending' and recipient = 'U0LEAD'"))[0]!;
    expect(textOf(row.payload)).toMatch(/Escalated: 1 EQL still unclaimed after 48 business hours/);
    expect(actionIds(row.payload)).toEqual(['reassign']);
    const post = (await outbox(w.db, "status = 'pending' and method = 'chat.update'"))[0]!;
    expect(textOf(post.payload)).toContain('escalated to program leaders');
    expect((await slaJob.run(w.jobDeps, TUE_1030 + HOUR)).queued).toEqual([]);
  });

  it('a job that missed the reminder goes straight to the escalation', async () => {
    await seedEql(w);
    const s = await slaJob.run(w.jobDeps, TUE_1030);
    expect(s.keys.every((k) => k.startsWith('sla:escalation:'))).toBe(true);
    expect(s.queued.filter((q) => q.to === 'U0PAM')).toEqual([]);
  });

  it('says nothing about a lead claimed in time', async () => {
    const id = await seedEql(w);
    await claimLead(w.services, { actor: REP1, leadId: id });
    await markAllSent(w.db, w.clock.now());
    expect((await slaJob.run(w.jobDeps, TUE_1030)).queued).toEqual([]);
  });
});

describe('progress nudges', () => {
  it('nudges the owner after progressDays without progress, with buttons, once per period', async () => {
    const id = await seedEql(w);
    await claimLead(w.services, { actor: REP1, leadId: id }); // Mon 10:00: the progress clock starts
    await markAllSent(w.db, w.clock.now());
    expect((await slaJob.run(w.jobDeps, at('2026-11-30T14:59:00Z'))).queued).toEqual([]);
    const due = at('2026-11-30T15:00:00Z');
    const s = await slaJob.run(w.jobDeps, due);
    expect(s.keys).toEqual([`sla:nudge:lead:${id}:${at('2026-11-16T15:00:00Z')}:1`]);
    expect(s.queued.map((q) => [q.to, q.kind])).toEqual([['U0REP1', 'reminders']]);
    const row = (await outbox(w.db, "status = 'pending' and recipient = 'U0REP1'"))[0]!;
    expect(textOf(row.payload)).toContain('no progress for 14 days');
    expect(actionIds(row.payload)).toEqual(['request_intro', 'meeting_held', 'opportunity', 'won', 'lost']);
    expect((await slaJob.run(w.jobDeps, due + HOUR)).queued).toEqual([]);
    await markAllSent(w.db, due);
    // Another 14 days of silence: a second nudge.
    expect((await slaJob.run(w.jobDeps, due + 14 * DAY)).keys).toEqual([
      `sla:nudge:lead:${id}:${at('2026-11-16T15:00:00Z')}:2`,
    ]);
  });

  it('progress resets the clock', async () => {
    const id = await seedEql(w);
    await claimLead(w.services, { actor: REP1, leadId: id });
    w.clock.set(at('2026-11-25T15:00:00Z'));
    await recordOutcome(w.services, { actor: REP1, leadId: id, outcome: 'meeting_held' });
    expect((await slaJob.run(w.jobDeps, at('2026-11-30T16:00:00Z'))).queued).toEqual([]);
    expect((await slaJob.run(w.jobDeps, at('2026-12-09T16:00:00Z'))).keys).toHaveLength(1);
  });
});

describe('batching and quiet hours', () => {
  it('puts everything due to one person in one run into one message', async () => {
    const a = await seedEql(w);
    const b = await seedEql(w);
    await markAllSent(w.db, w.clock.now());
    const s = await slaJob.run(w.jobDeps, THU_1030);
    const dms = s.queued.filter((q) => q.to === 'U0PAM');
    expect(dms).toHaveLength(1);
    expect(dms[0]!.leadIds).toEqual([a, b]);
    const row = (await outbox(w.db, "recipient = 'U0PAM'"))[0]!;
    expect(textOf(row.payload)).toContain('2 EQLs waiting');
  });

  it('sends a person at most one reminder message an hour; later ones join the waiting batch', async () => {
    await seedEql(w); // due Thu 10:00
    w.clock.set(at('2026-11-16T15:20:00Z'));
    const b = await seedEql(w); // due Thu 10:20
    w.clock.set(at('2026-11-16T15:40:00Z'));
    const c = await seedEql(w); // due Thu 10:40
    await markAllSent(w.db, w.clock.now());

    const first = await slaJob.run(w.jobDeps, at('2026-11-19T15:05:00Z'));
    expect(first.queued.find((q) => q.to === 'U0PAM')?.notBefore).toBe(at('2026-11-19T15:05:00Z'));
    await markAllSent(w.db, at('2026-11-19T15:05:00Z'));

    const second = await slaJob.run(w.jobDeps, at('2026-11-19T15:25:00Z'));
    const dm2 = second.queued.find((q) => q.to === 'U0PAM')!;
    expect(dm2.notBefore).toBe(at('2026-11-19T16:05:00Z')); // an hour after the last one
    expect(dm2.leadIds).toEqual([b]);

    const third = await slaJob.run(w.jobDeps, at('2026-11-19T15:45:00Z'));
    const dm3 = third.queued.find((q) => q.to === 'U0PAM')!;
    expect(dm3.merged).toBe(true);
    expect(dm3.leadIds).toEqual([c]);

    const pending = await outbox(w.db, "status = 'pending' and recipient = 'U0PAM'");
    expect(pending).toHaveLength(1);
    expect(pending[0]!.not_before).toBe(at('2026-11-19T16:05:00Z'));
    expect(textOf(pending[0]!.payload)).toContain('2 EQLs waiting');
  });

  it('holds reminders until 08:00 in the recipient’s own time zone (cached from users.info)', async () => {
    w.cleanup();
    w = await jobWorld({ zones: { U0PAM: 'Asia/Tokyo' } });
    await seedEql(w);
    await markAllSent(w.db, w.clock.now());
    // Thu 10:30 in New York is 00:30 Friday in Tokyo: quiet until 08:00 Tokyo (23:00Z Thursday).
    const s = await slaJob.run(w.jobDeps, THU_1030);
    const dm = s.queued.find((q) => q.to === 'U0PAM')!;
    expect(dm.notBefore).toBe(at('2026-11-19T23:00:00Z'));
    expect((await outbox(w.db, "recipient = 'U0PAM'"))[0]!.not_before).toBe(at('2026-11-19T23:00:00Z'));
    // Thread replies go to the channel at once.
    expect(s.queued.find((q) => q.kind === 'thread:claim_reminder')?.notBefore).toBe(THU_1030);
    // The zone was looked up once and cached in people.
    expect(w.lookups).toEqual(['U0PAM']);
    const person = (await sqlGet(
      w.db,
      "select time_zone as tz, time_zone_checked_at as at from people where user_id = 'U0PAM'",
    )) as { tz: string; at: number };
    expect(person).toEqual({ tz: 'Asia/Tokyo', at: THU_1030 });
  });

  it('uses the cached zone without calling Slack, and the program zone when unknown', async () => {
    await seedEql(w);
    await markAllSent(w.db, w.clock.now());
    await saveTimeZone(w.db, 'U0PAM', 'Europe/London', THU_1030);
    // Thu 2026-11-19 16:30 in New York = 21:30 in London: quiet until 08:00 London (08:00Z Friday).
    const s = await slaJob.run(w.jobDeps, at('2026-11-19T21:30:00Z'));
    expect(s.queued.find((q) => q.to === 'U0PAM')?.notBefore).toBe(at('2026-11-20T08:00:00Z'));
  });

  it('a dry run reports what it would queue and writes nothing', async () => {
    await seedEql(w);
    await markAllSent(w.db, w.clock.now());
    const before = await count(w.db, 'select 1 from outbox');
    const dry = await slaJob.run(w.jobDeps, THU_1030, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.queued.map((q) => q.to)).toEqual(['C0ROUTING', 'C0ROUTING', 'U0PAM']);
    expect(await count(w.db, 'select 1 from outbox')).toBe(before);
    expect(await count(w.db, 'select 1 from job_runs')).toBe(0);
    expect(await count(w.db, "select 1 from lead_events where type = 'claim_reminder'")).toBe(0);
    const real = await slaJob.run(w.jobDeps, THU_1030);
    expect(real.queued.map((q) => q.to)).toEqual(dry.queued.map((q) => q.to));
    expect((await jobRows(w.db)).length).toBe(3);
  });
});

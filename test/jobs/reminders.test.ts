import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getLeadView } from '../../src/db/stores/lead-store.ts';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { createTimeZoneLookup } from '../../src/jobs/time-zones.ts';
import { type ReminderEntry, reminderBatchMessage } from '../../src/slack/blocks/reminders.ts';
import { at, DAY, type JobWorld, jobWorld, seedEql, textOf } from './helpers.ts';

let w: JobWorld;
beforeEach(async () => {
  w = await jobWorld();
});
afterEach(() => w.cleanup());

describe('the batched reminder message', () => {
  it('stays within Block Kit limits with many leads and hostile names, saying how many are not shown', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 40; i++)
      ids.push(await seedEql(w, { accountName: `<!channel> ${'Ω'.repeat(100)} ${i}` }));
    const kinds = ['claim_escalation', 'progress_nudge', 'expiry_warning', 'expired'] as const;
    const entries: ReminderEntry[] = [];
    for (const [i, id] of ids.entries())
      entries.push({
        kind: kinds[i % kinds.length]!,
        lead: (await getLeadView(w.db, id))!,
        routingPostChannel: 'C0ROUTING',
        routingPostTs: `1763300000.${String(i).padStart(6, '0')}`,
        waitedHours: 50,
        expiresAt: at('2027-02-14T15:00:00Z'),
      });
    const msg = reminderBatchMessage(entries, {
      timeZone: 'America/New_York',
      now: w.clock.now(),
      claimHours: 24,
    });
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    expect(checkMessageBlocks(msg.blocks)).toEqual([]);
    const text = textOf(msg);
    expect(text).toMatch(/and \d+ more leads not shown/);
    expect(text).not.toContain('<!channel>');
    // Unique block ids, or Slack refuses the message.
    const blockIds = (msg.blocks as Array<{ block_id?: string }>).flatMap((b) =>
      b.block_id ? [b.block_id] : [],
    );
    expect(new Set(blockIds).size).toBe(blockIds.length);
  });
});

describe('the time zone lookup', () => {
  it('reads users.info once, caches it for a week, and remembers people Slack cannot show', async () => {
    const calls: string[] = [];
    const lookup = createTimeZoneLookup({
      db: w.db,
      usersInfo: async (user) => {
        calls.push(user);
        if (user === 'U0GONE')
          throw Object.assign(new Error('user_not_found'), { data: { error: 'user_not_found' } });
        if (user === 'U0FLAKY') throw new Error('socket hang up');
        return { tz: user === 'U0PAM' ? 'Europe/Paris' : 'Not/AZone' };
      },
    });
    const now = w.clock.now();
    const first = await lookup.resolve(['U0PAM', 'U0REP1', 'U0GONE', 'U0FLAKY', 'C0ROUTING'], now);
    expect([...first]).toEqual([
      ['U0PAM', 'Europe/Paris'],
      ['U0REP1', null],
      ['U0GONE', null],
      ['U0FLAKY', null],
    ]);
    expect(calls).toEqual(['U0PAM', 'U0REP1', 'U0GONE', 'U0FLAKY']);
    await lookup.resolve(['U0PAM', 'U0REP1', 'U0GONE', 'U0FLAKY'], now + DAY);
    expect(calls.slice(4)).toEqual(['U0FLAKY']); // only the transient failure is retried
    await lookup.resolve(['U0PAM'], now + 8 * DAY);
    expect(calls.at(-1)).toBe('U0PAM'); // stale after a week
    expect((await lookup.resolve(['U0PAM'], now + 20 * DAY, { cacheOnly: true })).get('U0PAM')).toBe(
      'Europe/Paris',
    );
  });
});

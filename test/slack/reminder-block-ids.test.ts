import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getLeadView } from '../../src/db/stores/lead-store.ts';
import { checkMessageBlocks } from '../../src/dev/block-kit-limits.ts';
import { type ReminderEntry, reminderBatchMessage } from '../../src/slack/blocks/reminders.ts';
import { at, type JobWorld, jobWorld, seedEql } from '../jobs/helpers.ts';

// Found by the reliability suite (partner isolation, jobs run at +85 days): one lead can be in a batch twice
// (a progress nudge and an expiry warning), and its two actions blocks shared a block_id, so Slack refused
// the whole reminder DM with invalid_blocks.

let w: JobWorld;
beforeEach(async () => {
  w = await jobWorld();
});
afterEach(() => w.cleanup());

describe('the batched reminder message', () => {
  it('gives every actions block its own id when one lead has two reminders', async () => {
    const lead = (await getLeadView(w.db, await seedEql(w, { accountName: 'Twice Co' })))!;
    const entry = (kind: ReminderEntry['kind']): ReminderEntry => ({
      kind,
      lead,
      routingPostChannel: 'C0ROUTING',
      routingPostTs: '1763300000.000100',
      expiresAt: at('2027-02-14T15:00:00Z'),
    });
    const msg = reminderBatchMessage([entry('progress_nudge'), entry('expiry_warning')], {
      timeZone: 'America/New_York',
      now: w.clock.now(),
      claimHours: 24,
    });
    expect(checkMessageBlocks(msg.blocks)).toEqual([]);
    const ids = (msg.blocks as Array<{ block_id?: string }>).flatMap((b) => (b.block_id ? [b.block_id] : []));
    expect(ids.length).toBe(2);
    expect(new Set(ids).size).toBe(2);
  });
});

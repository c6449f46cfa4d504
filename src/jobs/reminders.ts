import { isOpen } from '../core/lifecycle.ts';
import { nextSendTime, scheduleReminders } from '../core/quiet-hours.ts';
import { MOTION_STATUSES } from '../core/sla.ts';
import type { LeadStatus } from '../core/types.ts';
import type { Tx } from '../db/connection.ts';
import {
  lastReminderBatchAt,
  periodResult,
  REMINDER_KEY_PREFIX,
  replaceOutboxPayload,
  setPeriodResult,
  takePeriod,
  waitingReminderBatch,
} from '../db/stores/job-store.ts';
import { getLead } from '../db/stores/lead-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { loadLeadFor, type ServiceDeps } from '../services/context.ts';
import { dm } from '../services/notify.ts';
import { type ReminderEntry, type ReminderKind, reminderBatchMessage } from '../slack/blocks/reminders.ts';
import type { QueuedMessage } from './types.ts';

// Batching and quiet hours for reminders and nudges (PRODUCT.md section 6). Everything due to one person in
// a run becomes one message; a person gets at most one reminder message an hour, and none between 20:00 and
// 08:00 in their own time zone. Both are done with the outbox row's `notBefore`: a batch that has to wait
// (quiet hours, or the hourly spacing) sits pending in the outbox, and reminders due to the same person
// before it goes out join it, so the morning brings one message, not one per run. The items of each batch
// are kept in the run ledger (job `reminder-batch`, keyed by the delivery key) so a joined batch is
// re-rendered whole.

export const BATCH_JOB = 'reminder-batch';
export const BATCH_WINDOW_MS = 3_600_000;
/** A waiting batch is joined only while it is at least this far from being sent (never one in flight). */
const JOIN_MARGIN_MS = 60_000;

export interface ReminderItem {
  kind: ReminderKind;
  leadId: number;
  /** The step's ledger key (it was taken by the job before queueing). */
  periodKey: string;
  dueMs: number;
  waitedHours?: number | null;
  expiresAt?: number | null;
}

/** Still worth saying when the batch is (re-)rendered? A lead claimed since its reminder drops out. */
function stillRelevant(kind: ReminderKind, status: LeadStatus): boolean {
  switch (kind) {
    case 'claim_reminder':
    case 'claim_escalation':
      return status === 'qualified';
    case 'progress_nudge':
      return MOTION_STATUSES.includes(status);
    case 'expiry_warning':
      return isOpen(status);
    case 'expired':
      return status === 'expired';
  }
}

async function entries(
  tx: Tx,
  deps: ServiceDeps,
  items: readonly ReminderItem[],
  fresh: ReadonlySet<string>,
): Promise<ReminderEntry[]> {
  const out: ReminderEntry[] = [];
  for (const item of items) {
    const row = await getLead(tx, item.leadId);
    if (!row) continue;
    if (!fresh.has(item.periodKey) && !stillRelevant(item.kind, row.status)) continue;
    out.push({
      kind: item.kind,
      lead: await loadLeadFor(tx, deps, item.leadId),
      routingPostChannel: row.routingPostChannel,
      routingPostTs: row.routingPostTs,
      waitedHours: item.waitedHours ?? null,
      expiresAt: item.expiresAt ?? null,
    });
  }
  return out;
}

async function render(
  tx: Tx,
  deps: ServiceDeps,
  now: number,
  items: readonly ReminderItem[],
  fresh: ReadonlySet<string>,
) {
  return reminderBatchMessage(await entries(tx, deps, items, fresh), {
    timeZone: deps.config.timezone,
    now,
    claimHours: deps.config.sla.claimHours,
  });
}

function describe(items: readonly ReminderItem[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.kind, (counts.get(i.kind) ?? 0) + 1);
  const parts = [...counts].map(([k, n]) => `${n} ${k.replace('_', ' ')}${n === 1 ? '' : 's'}`);
  return `${parts.join(', ')} (lead${items.length === 1 ? '' : 's'} ${items.map((i) => `#${i.leadId}`).join(', ')})`;
}

/**
 * Queues reminder items (already taken in the ledger) as one batched DM per recipient, honouring quiet hours
 * in the recipient's zone (`tzOf`; unknown means the program's zone) and the hourly spacing. Runs inside the
 * job's transaction.
 */
export async function queueReminders(
  tx: Tx,
  deps: ServiceDeps,
  now: number,
  items: ReadonlyArray<{ recipient: string; item: ReminderItem }>,
  tzOf: (userId: string) => string | null | undefined,
): Promise<QueuedMessage[]> {
  const queued: QueuedMessage[] = [];
  const programTz = deps.config.timezone;
  // Everything in one run is already due: one batch per recipient (an infinite window), sent at once
  // unless that is quiet time for them.
  const batches = scheduleReminders(
    items.map((i) => ({ recipient: i.recipient, dueMs: i.item.dueMs, item: i.item })),
    now,
    tzOf,
    programTz,
    { windowMs: Number.POSITIVE_INFINITY },
  );
  for (const b of batches) {
    const fresh = new Set(b.items.map((i) => i.periodKey));
    const waiting = await waitingReminderBatch(tx, b.recipient, now + JOIN_MARGIN_MS);
    if (waiting) {
      const stored = ((await periodResult(tx, BATCH_JOB, waiting.deliveryKey))?.items ??
        []) as ReminderItem[];
      const merged = [...stored.filter((s) => !fresh.has(s.periodKey)), ...b.items];
      const rendered = await render(tx, deps, now, merged, fresh);
      const payload = dm(b.recipient, waiting.deliveryKey, rendered, null).payload;
      await replaceOutboxPayload(tx, waiting.id, payload);
      await setPeriodResult(tx, BATCH_JOB, waiting.deliveryKey, { recipient: b.recipient, items: merged });
      queued.push({
        to: b.recipient,
        kind: 'reminders',
        deliveryKey: waiting.deliveryKey,
        notBefore: waiting.notBefore,
        leadIds: b.items.map((i) => i.leadId),
        merged: true,
        summary: `joined the waiting batch: ${describe(b.items)}`,
      });
      continue;
    }
    let sendAt = b.sendAt;
    const last = await lastReminderBatchAt(tx, b.recipient);
    if (last !== null && sendAt < last + BATCH_WINDOW_MS)
      sendAt = nextSendTime(last + BATCH_WINDOW_MS, b.tz, b.tz);
    const key = `${REMINDER_KEY_PREFIX}${b.recipient}:${sendAt}`;
    const rendered = await render(tx, deps, now, b.items, fresh);
    await enqueue(tx, [{ ...dm(b.recipient, key, rendered, null), notBefore: sendAt }], now);
    await takePeriod(tx, BATCH_JOB, key, now, { recipient: b.recipient, items: b.items });
    queued.push({
      to: b.recipient,
      kind: 'reminders',
      deliveryKey: key,
      notBefore: sendAt,
      leadIds: b.items.map((i) => i.leadId),
      summary: describe(b.items),
    });
  }
  return queued;
}

/** When a one-off DM (not batched) to someone may go out: now, or the end of their quiet hours. */
export function sendTimeFor(
  userId: string,
  now: number,
  tzOf: (u: string) => string | null | undefined,
  programTz: string,
): number {
  return nextSendTime(now, tzOf(userId), programTz);
}

import { DomainError } from '../core/errors.ts';
import { transaction } from '../db/connection.ts';
import { appendEvent } from '../db/stores/lead-store.ts';
import { discardRow, type OutboxRow, outboxRowsById, requeueFailed } from '../db/stores/outbox-store.ts';
import type { ServiceDeps } from './context.ts';

// An operator's hands on the outbox (`foothold outbox retry|discard`): each change is committed with an audit
// event on the lead the message was about, so the history says who set a message aside and why.

export interface OutboxAdminResult {
  changed: number[];
  /** Ids that were not in a state this action applies to (already sent, pending, unknown), with why. */
  skipped: Array<{ id: number; why: string }>;
}

function skipReason(row: OutboxRow | undefined, action: 'retry' | 'discard'): string {
  if (!row) return 'no such message';
  if (action === 'retry')
    return row.status === 'pending' ? 'still waiting to be sent' : `already ${row.status}`;
  return `already ${row.status}`;
}

export async function retryOutbox(
  deps: ServiceDeps,
  ids: readonly number[],
  by: string | null,
): Promise<OutboxAdminResult> {
  const now = deps.now();
  return transaction(deps.db, async (tx) => {
    const rows = new Map((await outboxRowsById(tx, ids)).map((r) => [r.id, r]));
    const result: OutboxAdminResult = { changed: [], skipped: [] };
    for (const id of ids) {
      const row = rows.get(id);
      if (!row || !(await requeueFailed(tx, id, now))) {
        result.skipped.push({ id, why: skipReason(row, 'retry') });
        continue;
      }
      result.changed.push(id);
      if (row.leadId !== null)
        await appendEvent(tx, {
          leadId: row.leadId,
          type: 'outbox_retried',
          actorUserId: by,
          data: { outboxId: id, recipient: row.recipient, lastError: row.lastError },
          at: now,
        });
    }
    return result;
  });
}

export async function discardOutbox(
  deps: ServiceDeps,
  ids: readonly number[],
  reason: string,
  by: string | null,
): Promise<OutboxAdminResult> {
  const why = reason.trim();
  if (why.length < 3)
    throw new DomainError('invalid_input', 'Say why the messages are discarded (--reason).');
  const now = deps.now();
  return transaction(deps.db, async (tx) => {
    const rows = new Map((await outboxRowsById(tx, ids)).map((r) => [r.id, r]));
    const result: OutboxAdminResult = { changed: [], skipped: [] };
    for (const id of ids) {
      const row = rows.get(id);
      if (!row || !(await discardRow(tx, id, `discarded: ${why}`))) {
        result.skipped.push({ id, why: skipReason(row, 'discard') });
        continue;
      }
      result.changed.push(id);
      if (row.leadId !== null)
        await appendEvent(tx, {
          leadId: row.leadId,
          type: 'outbox_discarded',
          actorUserId: by,
          reason: why,
          data: { outboxId: id, recipient: row.recipient, status: row.status },
          at: now,
        });
    }
    return result;
  });
}

import { createHash } from 'node:crypto';
import { type Db, type Tx, transaction } from '../db/connection.ts';
import {
  type CrmOutboxRow,
  dueCrmWrites,
  failCrmWrite,
  lastSentId,
  markCrmWriteSent,
  nextCrmWriteAt,
  retryCrmWrite,
} from '../db/stores/crm-outbox-store.ts';
import { takePeriod } from '../db/stores/job-store.ts';
import { getLead } from '../db/stores/lead-store.ts';
import { enqueue } from '../db/stores/outbox-store.ts';
import { usersWithRole } from '../db/stores/program-store.ts';
import type { QueuedCrmWrite } from '../services/crm-write-back.ts';
import { writeBackFailureDm } from '../slack/blocks/crm-messages.ts';
import { routingPostUrl } from '../slack/permalink.ts';
import { CRM_PROVIDER_LABELS, type CrmProvider, type CrmWrite, type CrmWriteResult } from './types.ts';

// Delivers the CRM write-back queue (`crm_outbox`, PRODUCT.md section 11) with the Slack outbox's guarantees:
// rows were written with the state change; each is sent, and marked sent only after the CRM answered ok, in
// id order per CRM record; a retryable failure waits (Retry-After when the CRM sent one, else exponential
// backoff) and survives restarts because the row stays pending; a crash between the CRM's answer and the
// commit resends a write whose key makes it land once (see CrmWrite). A permanent failure (missing field,
// permission, unknown record) stops that row and DMs the admins ONCE per problem, with the fix.

export const WRITE_BACK_JOB = 'crm-write-back-problem';

export interface WriteBackSenderOptions {
  db: Db;
  provider: CrmProvider;
  logger: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
  };
  now?: () => number;
  /** Called after admin DMs were queued in the Slack outbox (kick its sender). */
  onSlackQueued?: () => void;
  /** Backoff: first retry after `baseDelayMs`, doubling to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A write still failing after this many tries is given up and reported like a permanent failure. */
  maxAttempts?: number;
  /** Rows sent per batch; the loop goes on while rows are due. */
  batch?: number;
  /** Longest sleep between checks when nothing is due (a kick wakes it sooner). */
  idleMs?: number;
}

export interface WriteBackSender {
  start(): void;
  /** Finishes the write in flight, then stops. */
  stop(): Promise<void>;
  /** New rows were queued: look now. */
  kick(): void;
  /** Sends everything due now (and what becomes due while it runs); returns how many rows were handled. */
  drain(): Promise<number>;
}

export function backoffMs(attempts: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempts - 1));
}

/** The provider's write: the queued one with the link to the lead's routing post, known by now. */
export async function toCrmWrite(tx: Db | Tx, row: CrmOutboxRow): Promise<CrmWrite> {
  const q = row.payload as unknown as QueuedCrmWrite;
  const fields = { ...q.fields };
  if (q.leadUrlField && row.leadId !== null) {
    const lead = await getLead(tx, row.leadId);
    const url = lead ? routingPostUrl(lead.routingPostChannel, lead.routingPostTs) : null;
    if (url) fields[q.leadUrlField] = url;
  }
  return {
    object: q.object,
    crmId: q.crmId,
    fields,
    writeKey: q.writeKey,
    ...(q.note ? { note: q.note } : {}),
  };
}

/**
 * One DM per admin per problem: a permanent failure on one kind of CRM record (accounts or opportunities) is
 * reported once, and the next one on that kind only after a write to it went through again (the problem was
 * fixed, so a new failure is news). The run ledger remembers what was reported.
 */
async function reportOnce(
  tx: Tx,
  provider: CrmProvider,
  row: CrmOutboxRow,
  write: CrmWrite,
  error: string,
  fix: string,
  now: number,
): Promise<boolean> {
  const since = await lastSentId(tx, write.object);
  const kind = createHash('sha256')
    .update(`${provider.kind}\n${write.object}\n${since}`)
    .digest('hex')
    .slice(0, 24);
  if (!(await takePeriod(tx, WRITE_BACK_JOB, kind, now, { error, fix, rowId: row.id }))) return false;
  const dm = writeBackFailureDm({
    provider: CRM_PROVIDER_LABELS[provider.kind],
    object: write.object,
    crmId: write.crmId,
    error,
    fix,
    leadId: row.leadId,
  });
  await enqueue(
    tx,
    (await usersWithRole(tx, 'admin')).map((admin) => ({
      deliveryKey: `${WRITE_BACK_JOB}:${kind}:${admin}`,
      recipient: admin,
      method: 'chat.postMessage',
      payload: { channel: admin, text: dm.text, blocks: dm.blocks },
      leadId: row.leadId,
    })),
    now,
  );
  return true;
}

export function createWriteBackSender(options: WriteBackSenderOptions): WriteBackSender {
  const { db, provider, logger } = options;
  const now = options.now ?? Date.now;
  const base = options.baseDelayMs ?? 2_000;
  const max = options.maxDelayMs ?? 15 * 60_000;
  const maxAttempts = options.maxAttempts ?? 20;
  const batch = options.batch ?? 25;
  const idleMs = options.idleMs ?? 30_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let started = false;
  let stopping = false;
  let again = false;

  async function sendOne(row: CrmOutboxRow): Promise<void> {
    const write = await toCrmWrite(db, row);
    let result: CrmWriteResult;
    try {
      result = await provider.writeBack(write);
    } catch (err) {
      result = { status: 'retryable', error: (err as Error).message, retryAfterMs: null };
    }
    const at = now();
    // Whether the admins were told (a DM queued with the row's failure), as the committed transaction decided.
    const reported = await transaction(db, async (tx) => {
      if (result.status === 'ok') {
        await markCrmWriteSent(tx, row.id, at);
        return false;
      }
      if (result.status === 'retryable' && row.attempts + 1 < maxAttempts) {
        const wait = Math.max(result.retryAfterMs ?? 0, backoffMs(row.attempts + 1, base, max));
        await retryCrmWrite(tx, row.id, at + wait, result.error);
        return false;
      }
      const fix =
        result.status === 'permanent'
          ? result.fix
          : `${CRM_PROVIDER_LABELS[provider.kind]} kept failing (${maxAttempts} tries). Check that it is reachable and that Foothold's credentials still work.`;
      await failCrmWrite(tx, row.id, result.error);
      return reportOnce(tx, provider, row, write, result.error, fix, at);
    });
    if (result.status === 'ok') return;
    const context = {
      rowId: row.id,
      recordKey: row.recordKey,
      attempts: row.attempts + 1,
      error: result.error,
    };
    if (result.status === 'retryable' && row.attempts + 1 < maxAttempts)
      logger.warn(context, 'CRM write-back will be retried');
    else logger.error({ ...context, reported }, 'CRM write-back failed for good');
    if (reported) options.onSlackQueued?.();
  }

  async function runOnce(): Promise<number> {
    let handled = 0;
    for (;;) {
      const rows = await dueCrmWrites(db, now(), batch);
      if (rows.length === 0 || stopping) return handled;
      for (const row of rows) {
        if (stopping) return handled;
        await sendOne(row);
        handled++;
      }
    }
  }

  async function schedule(): Promise<void> {
    if (!started || stopping) return;
    let next: number | null = null;
    try {
      next = await nextCrmWriteAt(db);
    } catch (err) {
      // The database is unreachable for now: look again after the idle wait.
      logger.error({ err }, 'CRM write-back could not read its queue');
    }
    // Stopped (or scheduled by another pass) while the query ran.
    if (!started || stopping) return;
    if (timer) clearTimeout(timer);
    const wait = next === null ? idleMs : Math.min(idleMs, Math.max(0, next - now()));
    timer = setTimeout(() => void loop(), wait);
    timer.unref?.();
  }

  async function loop(): Promise<void> {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    do {
      again = false;
      running = runOnce().catch((err: unknown) => {
        logger.error({ err }, 'CRM write-back loop error');
        return 0;
      });
      await running;
      running = null;
    } while (again && !stopping);
    await schedule();
  }

  return {
    start() {
      if (started) return;
      started = true;
      stopping = false;
      void loop();
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
    },
    kick() {
      if (!started || stopping) return;
      if (running) again = true;
      else void loop();
    },
    async drain() {
      if (running) await running;
      running = runOnce();
      try {
        return await running;
      } finally {
        running = null;
      }
    },
  };
}

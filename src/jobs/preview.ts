import { type Db, type Tx, withRollback } from '../db/connection.ts';
import { rowsByDeliveryKey } from '../db/stores/outbox-store.ts';
import type { Job, JobDeps, JobSummary } from './types.ts';

// `jobs run --dry-run`: the real run (program synced first, ledger, transitions, outbox rows), inside a
// transaction that is rolled back, so the preview shows exactly what a real run at that moment would send.

/** One message as the outbox holds it: who gets it, the Web API method and its full arguments. */
export interface PreviewMessage {
  to: string;
  kind: string;
  method: string;
  payload: Record<string, unknown>;
  notBefore: number;
  /** It joins a batch already waiting in the outbox (the payload is the whole batch as it will be sent). */
  merged: boolean;
}

export interface JobPreview {
  summary: JobSummary;
  messages: PreviewMessage[];
}

export async function previewJob(
  db: Db,
  job: Job,
  deps: JobDeps,
  now: number,
  syncProgram: (tx: Tx) => Promise<unknown>,
): Promise<JobPreview> {
  return withRollback(db, async (tx) => {
    await syncProgram(tx);
    // The whole run goes through the preview's transaction (on PostgreSQL another pooled connection would
    // commit on its own, and would not see what the run wrote).
    const txDeps: JobDeps = { ...deps, services: { ...deps.services, db: tx } };
    const summary = await job.run(txDeps, now, { dryRun: false });
    const rows = new Map(
      (
        await rowsByDeliveryKey(
          tx,
          summary.queued.map((q) => q.deliveryKey),
        )
      ).map((r) => [r.deliveryKey, r]),
    );
    const messages: PreviewMessage[] = [];
    for (const q of summary.queued) {
      const row = rows.get(q.deliveryKey);
      if (!row) continue;
      messages.push({
        to: q.to,
        kind: q.kind,
        method: row.method,
        payload: row.payload,
        notBefore: row.notBefore,
        merged: q.merged ?? false,
      });
    }
    return { summary: { ...summary, dryRun: true }, messages };
  });
}

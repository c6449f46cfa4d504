import type { Db } from '../../../src/db/connection.ts';
import type { SlackRequester } from '../../../src/dev/slack-client.ts';
import { stateValue, viewSubmission } from '../../../src/dev/slack-client.ts';
import type { RecordedCall, SlackStandIn } from '../../../src/dev/slack-stand-in.ts';
import { encodeMeta } from '../../../src/listeners/payloads.ts';
import { CALLBACKS } from '../../../src/slack/ids.ts';
import { type Harness, startHarness } from '../../helpers/harness.ts';
import {
  type Person,
  recentDate,
  type SubmissionFields,
  submissionValues,
} from '../../helpers/slack-actors.ts';
import { sqlAll, sqlGet } from '../../helpers/sql.ts';
import { programConfig, programStandIn } from './program.ts';

/** The real Bolt app on a loopback port against the stand-in, with the three-partner program. */
export function startProgram(opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  return startHarness({ config: programConfig(), standIn: programStandIn(), ...opts });
}

/**
 * A submission of the "Flag an account" modal as Slack sends it, without opening the modal first (a load
 * generator does not wait for a person to type). The view id is made up, as Slack's would be.
 */
export function submissionPayload(who: Person, fields: SubmissionFields, teamId = 'T0VENDOR') {
  return viewSubmission({
    user: { id: who.userId, team_id: who.teamId },
    teamId,
    callbackId: CALLBACKS.submitLead,
    privateMetadata: encodeMeta({ channelId: who.channelId ?? null }),
    values: submissionValues({ lastInteractionOn: recentDate(), ...fields }) as never,
  });
}

export async function submit(slack: SlackRequester, who: Person, fields: SubmissionFields) {
  return slack.viewSubmission(submissionPayload(who, fields));
}

export { stateValue };

// ─── what Slack received ─────────────────────────────────────────────────────────────────────────────

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'pins.add']);

export interface OutboxRowLite {
  id: number;
  key: string;
  recipient: string;
  /** Ordering lane: a lead's post and its thread, a DM conversation, another channel (outbox-store.ts). */
  lane: string;
  method: string;
  status: string;
  text: string | null;
}

export async function outboxRows(db: Db): Promise<OutboxRowLite[]> {
  const rows = (await sqlAll(
    db,
    'select id, delivery_key, recipient, lane, method, status, payload from outbox order by id',
  )) as Array<{
    id: number;
    delivery_key: string;
    recipient: string;
    lane: string | null;
    method: string;
    status: string;
    payload: string;
  }>;
  return rows.map((r) => ({
    id: r.id,
    key: r.delivery_key,
    recipient: r.recipient,
    lane: r.lane ?? r.recipient,
    method: r.method,
    status: r.status,
    text: (JSON.parse(r.payload) as { text?: string }).text ?? null,
  }));
}

/** The delivery key a Slack call carried (the sender tags every message with it as message metadata). */
export function deliveryKeyOf(call: RecordedCall): string | null {
  const meta = call.args.metadata as { event_payload?: { delivery_key?: unknown } } | undefined;
  const key = meta?.event_payload?.delivery_key;
  return typeof key === 'string' ? key : null;
}

export interface DeliveryReport {
  /** Outbox rows (every Slack message the program's changes caused). */
  expected: number;
  /** Rows Slack accepted at least once. */
  delivered: number;
  /** Messages (chat.postMessage) Slack accepted more than once: people would see them twice. */
  duplicated: string[];
  /** chat.update rows applied more than once (harmless: same content; reported, not failed). */
  updatesReapplied: number;
  /** Rows never accepted. */
  missing: OutboxRowLite[];
  /** Lanes (a lead's post and thread, a DM conversation, a channel) whose messages Slack accepted out of order. */
  outOfOrder: string[];
  /** Faults the stand-in injected (including its rate limiter's 429s). */
  faults: number;
}

/**
 * Matches every accepted Slack call to its outbox row (by the delivery key in its metadata, or for calls
 * without one, by method, recipient and text) and counts deliveries per key.
 */
export async function deliveryReport(db: Db, standIn: SlackStandIn, fromSeq = 0): Promise<DeliveryReport> {
  const rows = await outboxRows(db);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const dmUser = new Map<string, string>();
  for (const r of rows)
    if (/^[UW]/.test(r.recipient)) dmUser.set(standIn.dmChannelFor(r.recipient), r.recipient);
  const fingerprint = new Map<string, string[]>();
  for (const r of rows) {
    const fp = `${r.method}|${r.recipient}|${r.text ?? ''}`;
    fingerprint.set(fp, [...(fingerprint.get(fp) ?? []), r.key]);
  }
  const counts = new Map<string, number>();
  const firstSeq = new Map<string, number>();
  let faults = 0;
  for (const call of standIn.calls()) {
    if (call.seq <= fromSeq) continue;
    if (call.fault) faults++;
    if (!MESSAGE_METHODS.has(call.method) || call.response?.ok !== true) continue;
    let key = deliveryKeyOf(call);
    if (!key) {
      const channel = String(call.args.channel ?? '');
      const text = String(call.args.text ?? '');
      const candidates = [
        ...(fingerprint.get(`${call.method}|${channel}|${text}`) ?? []),
        ...(fingerprint.get(`${call.method}|${dmUser.get(channel) ?? channel}|${text}`) ?? []),
      ];
      key = candidates.find((k) => !counts.has(k)) ?? candidates[0] ?? null;
    }
    if (!key || !byKey.has(key)) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!firstSeq.has(key)) firstSeq.set(key, call.seq);
  }
  const duplicated: string[] = [];
  let updatesReapplied = 0;
  for (const [key, n] of counts) {
    if (n < 2) continue;
    if (byKey.get(key)?.method === 'chat.update') updatesReapplied++;
    else duplicated.push(key);
  }
  const outOfOrder: string[] = [];
  const byLane = new Map<string, OutboxRowLite[]>();
  for (const r of rows) byLane.set(r.lane, [...(byLane.get(r.lane) ?? []), r]);
  for (const [lane, list] of byLane) {
    const seqs = list.map((r) => firstSeq.get(r.key)).filter((s): s is number => s !== undefined);
    if (seqs.some((s, i) => i > 0 && s < (seqs[i - 1] ?? 0))) outOfOrder.push(lane);
  }
  return {
    expected: rows.length,
    delivered: counts.size,
    duplicated,
    updatesReapplied,
    missing: rows.filter((r) => !counts.has(r.key)),
    outOfOrder,
    faults,
  };
}

export async function pendingCount(db: Db): Promise<number> {
  return ((await sqlGet(db, "select count(*) as n from outbox where status = 'pending'")) as { n: number }).n;
}

export async function waitUntil(
  what: string,
  fn: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return out;
}

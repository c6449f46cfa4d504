import type { ProgramConfig } from '../../src/config/program-config.ts';
import type { Db } from '../../src/db/connection.ts';
import { setRoutingPost } from '../../src/db/stores/lead-store.ts';
import { createTimeZoneLookup, type UsersInfo } from '../../src/jobs/time-zones.ts';
import type { JobDeps } from '../../src/jobs/types.ts';
import type { ServiceDeps } from '../../src/services/context.ts';
import type { SubmitLeadInput } from '../../src/services/inputs.ts';
import { submitLead } from '../../src/services/submit-lead.ts';
import { goodSubmission } from '../helpers/actors.ts';
import { openTestDb, serviceDeps, type TestDb, testClock, testConfig } from '../helpers/db.ts';
import { sqlAll, sqlGet, sqlRun } from '../helpers/sql.ts';

// A seeded program for the job tests: the example config (New York, business hours 9–17, claim SLA 24
// business hours, nudges after 14 days, expiry after 90 days with a 7-day warning), a real SQLite file,
// and a clock that only moves when told.

export const at = (iso: string): number => Date.parse(iso);
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Monday 2026-11-16 10:00 in New York. */
export const MONDAY_10AM = at('2026-11-16T15:00:00Z');

export interface OutboxRow {
  id: number;
  delivery_key: string;
  recipient: string;
  method: string;
  payload: { channel?: string; text?: string; blocks?: unknown[]; ts?: string; thread_ts?: string };
  lead_id: number | null;
  not_before: number;
  status: string;
}

export interface JobWorld {
  t: TestDb;
  db: Db;
  config: ProgramConfig;
  clock: ReturnType<typeof testClock>;
  services: ServiceDeps;
  jobDeps: JobDeps;
  /** users.info calls the lookup made. */
  lookups: string[];
  cleanup(): void;
}

export async function jobWorld(
  options: { config?: ProgramConfig; start?: number; zones?: Record<string, string> } = {},
): Promise<JobWorld> {
  const t = await openTestDb();
  const config = options.config ?? testConfig();
  const clock = testClock(options.start ?? MONDAY_10AM);
  const services = await serviceDeps(t.db, config, clock.now);
  const lookups: string[] = [];
  const zones = options.zones;
  const usersInfo: UsersInfo | null = zones
    ? async (user) => {
        lookups.push(user);
        return { tz: zones[user] ?? null };
      }
    : null;
  return {
    t,
    db: t.db,
    config,
    clock,
    services,
    jobDeps: { services, timeZones: createTimeZoneLookup({ db: t.db, usersInfo }) },
    lookups,
    cleanup: () => t.cleanup(),
  };
}

export async function outbox(db: Db, where = '1 = 1'): Promise<OutboxRow[]> {
  return (
    (await sqlAll(db, `select * from outbox where ${where} order by id`)) as Array<
      Omit<OutboxRow, 'payload'> & { payload: string }
    >
  ).map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
}

export async function count(db: Db, sql: string, ...params: unknown[]): Promise<number> {
  return ((await sqlGet(db, `select count(*) as n from (${sql}) as counted`, ...params)) as { n: number }).n;
}

export async function leadRow(
  db: Db,
  id: number,
): Promise<Record<string, unknown> & { status: string; extension_days: number }> {
  return (await sqlGet(db, 'select * from leads where id = ?', id)) as Record<string, unknown> & {
    status: string;
    extension_days: number;
  };
}

let domainSeq = 0;

/** A partner-submitted EQL (qualified now) on a fresh domain, with its routing post "delivered". */
export async function seedEql(w: JobWorld, overrides: Partial<SubmitLeadInput> = {}): Promise<number> {
  domainSeq++;
  const res = await submitLead(
    w.services,
    goodSubmission({ accountName: `Account ${domainSeq}`, website: `account${domainSeq}.com`, ...overrides }),
  );
  if (res.kind !== 'created') throw new Error(`seed failed: ${res.kind}`);
  await setRoutingPost(w.db, res.leadId, 'C0ROUTING', `1763300000.${String(domainSeq).padStart(6, '0')}`);
  return res.leadId;
}

/** Marks every queued message sent, as if the outbox sender had delivered them. */
export async function markAllSent(db: Db, now: number): Promise<void> {
  await sqlRun(db, "update outbox set status = 'sent', sent_at = ? where status = 'pending'", now);
}

/** Every text a message shows (fallback text, section text and fields, context elements). */
export function textOf(payload: { text?: string; blocks?: unknown[] }): string {
  const out: string[] = [payload.text ?? ''];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      for (const [k, x] of Object.entries(o)) if (k !== 'text' || typeof x !== 'string') walk(x);
    }
  };
  walk(payload.blocks ?? []);
  return out.join('\n');
}

/** action_ids of every button in a message. */
export function actionIds(payload: { blocks?: unknown[] }): string[] {
  const ids: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'button' && typeof o.action_id === 'string') ids.push(o.action_id);
      Object.values(o).forEach(walk);
    }
  };
  walk(payload.blocks ?? []);
  return ids;
}

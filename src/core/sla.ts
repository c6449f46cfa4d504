import {
  addBusinessHours,
  addCalendarDays,
  type BusinessHours,
  businessHoursBetween,
} from './business-hours.ts';
import { isOpen, WORKED_STATUSES } from './lifecycle.ts';
import type { LeadStatus } from './types.ts';

// The SLA ladder, progress nudges and expiry (PRODUCT.md section 6) as pure functions of a lead snapshot,
// the configuration, the program time zone and `now`. Each due step carries a period key: the same step of
// the same lead for the same clock is one period, so a job that records keys in its run ledger (or uses
// them as outbox delivery keys) does nothing when it runs again. A clock that restarts (re-qualification,
// progress, an extension) starts new periods, because its start is part of the key.

export interface SlaLead {
  id: number;
  status: LeadStatus;
  createdAt: number;
  qualifiedAt: number | null;
  claimedAt: number | null;
  lastProgressAt: number;
  extensionDays: number;
}

export interface SlaConfig {
  sla: { claimHours: number; progressDays: number; businessHours: BusinessHours };
  expiry: { days: number; warnDays: number };
}

const HOUR_MS = 3_600_000;

/** Statuses of a claimed lead still being worked: where a lack of progress earns the owner a nudge. */
export const MOTION_STATUSES = WORKED_STATUSES;

export type ClaimStage = 'none' | 'reminder' | 'escalation';

export interface ClaimSla {
  /** The highest step due now; `none` also for leads that are not unclaimed EQLs. */
  stage: ClaimStage;
  /** When the claim clock started (qualifiedAt, else createdAt); null when the lead is not an unclaimed EQL. */
  since: number | null;
  /** `claimHours` business hours after `since`. */
  reminderAt: number | null;
  /** Twice `claimHours` business hours after `since`. */
  escalationAt: number | null;
  /** Business hours waited so far (0 when not applicable). */
  waitedHours: number;
  /** Dedupe key of the due step, e.g. `sla:reminder:lead:42:1767225600000`; null when nothing is due. */
  periodKey: string | null;
}

/**
 * Which step of the claim ladder is due for an unclaimed EQL (status `qualified`): a reminder once
 * `claimHours` business hours have passed since it qualified, an escalation at twice that. Only the highest
 * step due is returned (a job that missed the reminder goes straight to the escalation).
 */
export function slaStage(
  lead: Pick<SlaLead, 'id' | 'status' | 'createdAt' | 'qualifiedAt'>,
  config: Pick<SlaConfig, 'sla'>,
  tz: string,
  nowMs: number,
): ClaimSla {
  if (lead.status !== 'qualified') {
    return {
      stage: 'none',
      since: null,
      reminderAt: null,
      escalationAt: null,
      waitedHours: 0,
      periodKey: null,
    };
  }
  const bh = config.sla.businessHours;
  const since = lead.qualifiedAt ?? lead.createdAt;
  const reminderAt = addBusinessHours(since, config.sla.claimHours, tz, bh);
  const escalationAt = addBusinessHours(reminderAt, config.sla.claimHours, tz, bh);
  const stage: ClaimStage = nowMs >= escalationAt ? 'escalation' : nowMs >= reminderAt ? 'reminder' : 'none';
  return {
    stage,
    since,
    reminderAt,
    escalationAt,
    waitedHours: businessHoursBetween(since, nowMs, tz, bh),
    periodKey: stage === 'none' ? null : `sla:${stage}:lead:${lead.id}:${since}`,
  };
}

/**
 * True when an EQL missed its claim SLA: claimed later than `claimHours` business hours after qualifying,
 * or still unclaimed past that deadline at `nowMs`. Leads that never qualified are never in breach.
 */
export function claimSlaBreached(
  lead: Pick<SlaLead, 'status' | 'qualifiedAt' | 'claimedAt'>,
  config: Pick<SlaConfig, 'sla'>,
  tz: string,
  nowMs: number,
): boolean {
  if (lead.qualifiedAt === null) return false;
  const end = lead.claimedAt ?? (lead.status === 'qualified' ? nowMs : null);
  if (end === null) return false;
  return end > addBusinessHours(lead.qualifiedAt, config.sla.claimHours, tz, config.sla.businessHours);
}

export interface ProgressNudge {
  due: boolean;
  /** When the next (or current) nudge falls due; null when the lead is not in motion. */
  dueAt: number | null;
  /** 1 for the first nudge of a no-progress stretch, 2 after another `progressDays`, and so on (0: none yet). */
  nudgeNumber: number;
  /** e.g. `sla:nudge:lead:42:1767225600000:1`; null when nothing is due. */
  periodKey: string | null;
}

/**
 * Whether the owner of a claimed lead in motion (claimed, intro requested, meeting held, opportunity) is due
 * a nudge: after `progressDays` calendar days in `tz` without progress, and again after each further
 * `progressDays` while nothing moves. Progress resets the clock (and the keys).
 */
export function progressNudgeDue(
  lead: Pick<SlaLead, 'id' | 'status' | 'lastProgressAt'>,
  config: Pick<SlaConfig, 'sla'>,
  tz: string,
  nowMs: number,
): ProgressNudge {
  if (!MOTION_STATUSES.includes(lead.status))
    return { due: false, dueAt: null, nudgeNumber: 0, periodKey: null };
  const step = config.sla.progressDays;
  // Estimate the number of elapsed periods from real time, then correct on the calendar (DST shifts ±1 h).
  let n = Math.max(0, Math.floor((nowMs - lead.lastProgressAt) / (step * 24 * HOUR_MS)));
  while (n > 0 && addCalendarDays(lead.lastProgressAt, n * step, tz) > nowMs) n--;
  while (addCalendarDays(lead.lastProgressAt, (n + 1) * step, tz) <= nowMs) n++;
  if (n === 0) {
    return {
      due: false,
      dueAt: addCalendarDays(lead.lastProgressAt, step, tz),
      nudgeNumber: 0,
      periodKey: null,
    };
  }
  return {
    due: true,
    dueAt: addCalendarDays(lead.lastProgressAt, n * step, tz),
    nudgeNumber: n,
    periodKey: `sla:nudge:lead:${lead.id}:${lead.lastProgressAt}:${n}`,
  };
}

export type ExpiryStageName = 'none' | 'warning' | 'expired';

export interface ExpiryStage {
  stage: ExpiryStageName;
  /** `expiry.days + extensionDays` calendar days after the last progress; null for leads that cannot expire. */
  expiresAt: number | null;
  /** `warnDays` calendar days before `expiresAt`. */
  warnAt: number | null;
  /** e.g. `expiry:warning:lead:42:1775001600000`; null when nothing is due. */
  periodKey: string | null;
}

/** Open leads (lifecycle `isOpen`: awaiting attestation through opportunity) are the ones that can expire. */
export function canExpire(status: LeadStatus): boolean {
  return isOpen(status);
}

/**
 * The expiry step due for an open lead: `warning` from `warnDays` before `expiry.days + extensionDays`
 * calendar days without progress, `expired` from then on. Won, lost, disqualified, merged, expired (and the
 * transient surfaced) leads never expire. An extension moves `expiresAt`, so it opens a fresh warning period.
 */
export function expiryStage(
  lead: Pick<SlaLead, 'id' | 'status' | 'lastProgressAt' | 'extensionDays'>,
  config: Pick<SlaConfig, 'expiry'>,
  tz: string,
  nowMs: number,
): ExpiryStage {
  if (!canExpire(lead.status)) return { stage: 'none', expiresAt: null, warnAt: null, periodKey: null };
  const total = config.expiry.days + lead.extensionDays;
  const expiresAt = addCalendarDays(lead.lastProgressAt, total, tz);
  const warnAt = addCalendarDays(lead.lastProgressAt, Math.max(0, total - config.expiry.warnDays), tz);
  const stage: ExpiryStageName = nowMs >= expiresAt ? 'expired' : nowMs >= warnAt ? 'warning' : 'none';
  return {
    stage,
    expiresAt,
    warnAt,
    periodKey: stage === 'none' ? null : `expiry:${stage}:lead:${lead.id}:${expiresAt}`,
  };
}

/** "1 business hour", "26 business hours", "less than a business hour". */
export function formatBusinessHours(hours: number): string {
  if (!(hours >= 1)) return 'less than a business hour';
  const whole = Math.floor(hours);
  return `${whole} business hour${whole === 1 ? '' : 's'}`;
}

/** "waiting 26 business hours" — for the routing post of an unclaimed EQL. */
export function waitedFor(sinceMs: number, nowMs: number, tz: string, bh: BusinessHours): string {
  return `waiting ${formatBusinessHours(businessHoursBetween(sinceMs, nowMs, tz, bh))}`;
}

/** "no progress for 12 days" (whole 24-hour days), "no progress for less than a day". */
export function idleFor(lastProgressAt: number, nowMs: number): string {
  const days = Math.floor((nowMs - lastProgressAt) / (24 * HOUR_MS));
  if (days < 1) return 'no progress for less than a day';
  return `no progress for ${days} day${days === 1 ? '' : 's'}`;
}

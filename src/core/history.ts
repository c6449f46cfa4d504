import { STATUS_LABELS } from './lifecycle.ts';
import type { LeadStatus } from './types.ts';

// A lead's audit log (`lead_events`) as sentences a person reads, for `foothold history` and the routing post's
// History button. Pure: plain text with Slack user ids left as ids; each surface renders names and mentions.

export interface HistoryEvent {
  id: number;
  leadId: number | null;
  type: string;
  fromStatus: LeadStatus | null;
  toStatus: LeadStatus | null;
  actorUserId: string | null;
  reason: string | null;
  data: Record<string, unknown> | null;
  at: number;
}

export interface HistoryLine {
  id: number;
  at: number;
  leadId: number | null;
  /** Who did it; null for Foothold itself (routing, jobs) and the CRM. */
  actorUserId: string | null;
  /** What happened, e.g. `Claimed → Opportunity`, `reassigned from U0REP1 to U0REP2`. */
  what: string;
  /** The written reason or rule, when there is one. */
  why: string | null;
}

const label = (s: unknown) =>
  typeof s === 'string' && s in STATUS_LABELS ? STATUS_LABELS[s as LeadStatus] : String(s ?? '?');
const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);

/** The event types Foothold writes, each with its sentence. A type missing here still reads sensibly. */
const DESCRIBE: Record<string, (e: HistoryEvent) => string> = {
  transition: (e) =>
    e.fromStatus === null || e.fromStatus === e.toStatus
      ? `${label(e.toStatus)}`
      : `${label(e.fromStatus)} → ${label(e.toStatus)}`,
  attested: () => 'warmth attested again; the gates gave the same result',
  corroborated: (e) =>
    `corroborated by ${text(e.data?.partnerSlug) ?? text(e.data?.partner) ?? 'another partner'}`,
  conflict: (e) =>
    `refused as a conflict with the CRM (${text(e.data?.partnerSlug) ?? 'a partner'} flagged it)`,
  reassigned: (e) =>
    e.data?.from
      ? `reassigned from ${text(e.data.from)} to ${text(e.data?.to)}`
      : `assigned to ${text(e.data?.to)}`,
  credit_changed: (e) => `credit moved from ${text(e.data?.from)} to ${text(e.data?.to)}`,
  intro_answered: (e) =>
    e.data?.introStatus === 'made' ? 'the partner made the intro' : "the partner can't introduce",
  extension_requested: () => 'more time requested',
  extension_granted: (e) =>
    e.data?.restoredTo ? `extension granted; back to ${label(e.data.restoredTo)}` : 'extension granted',
  expiry_warning: () => 'expiry warning sent',
  contact_forgotten: () => "a partner contact's personal data was removed on request",
  outbox_retried: (e) => `a failed message to ${text(e.data?.recipient)} was sent again by an operator`,
  outbox_discarded: (e) => `a message to ${text(e.data?.recipient)} was discarded by an operator`,
};

export function describeEvent(e: HistoryEvent): HistoryLine {
  const describe = DESCRIBE[e.type];
  const what = describe ? describe(e) : e.type.replace(/_/g, ' ');
  return { id: e.id, at: e.at, leadId: e.leadId, actorUserId: e.actorUserId, what, why: e.reason };
}

import { isOpen } from './lifecycle.ts';
import type { CrmAccount, LeadStatus } from './types.ts';

// Deduplication and corroboration of a submission for one account (PRODUCT.md sections 5 and 6).

export type SubmissionClass =
  | { kind: 'new' }
  | { kind: 'duplicate'; leadId: number; status: LeadStatus }
  | { kind: 'corroboration'; leadId: number }
  | { kind: 'conflict'; reason: 'customer' | 'open_opportunity' };

interface LeadRow {
  id: number;
  partnerSlug: string;
  status: LeadStatus;
  createdAt: number;
}

/** Earliest first; the id breaks ties so the answer never depends on row order. */
function byAge(a: LeadRow, b: LeadRow): number {
  return a.createdAt - b.createdAt || a.id - b.id;
}

/** Leads that are EQLs being worked: only these can be corroborated. */
const CORROBORATABLE: ReadonlySet<LeadStatus> = new Set([
  'qualified',
  'claimed',
  'intro_requested',
  'meeting_held',
  'opportunity',
]);

/**
 * `openLeads`: the account's leads (non-open ones are ignored). `corroboratingSlugs`: partners already
 * corroborating those leads. CRM conflicts come first, then this partner's own open lead (duplicate),
 * then another partner's earliest EQL (corroboration: the first to register keeps attribution).
 *
 * Another partner's lead that is not an EQL yet (awaiting attestation, or a candidate) is not corroborated:
 * burying a warm submission under a lead that may never qualify would lose the better evidence, so the new
 * submission stands on its own.
 */
export function classifySubmission(input: {
  partnerSlug: string;
  openLeads: ReadonlyArray<LeadRow>;
  corroboratingSlugs?: ReadonlyArray<{ leadId: number; partnerSlug: string }>;
  crm: CrmAccount | null;
}): SubmissionClass {
  if (input.crm?.isCustomer) return { kind: 'conflict', reason: 'customer' };
  if (input.crm?.hasOpenOpportunity) return { kind: 'conflict', reason: 'open_opportunity' };

  const open = input.openLeads.filter((l) => isOpen(l.status)).sort(byAge);
  const corroborated = new Set(
    (input.corroboratingSlugs ?? []).filter((c) => c.partnerSlug === input.partnerSlug).map((c) => c.leadId),
  );
  const own = open.find((l) => l.partnerSlug === input.partnerSlug || corroborated.has(l.id));
  if (own) return { kind: 'duplicate', leadId: own.id, status: own.status };

  const earliest = open.find((l) => CORROBORATABLE.has(l.status));
  if (earliest) return { kind: 'corroboration', leadId: earliest.id };
  return { kind: 'new' };
}

import { normalizeDomain } from '../core/domain.ts';
import { DomainError } from '../core/errors.ts';
import { describeEvent, type HistoryLine } from '../core/history.ts';
import { authorize } from '../core/permissions.ts';
import type { LeadStatus } from '../core/types.ts';
import { type HistoryLead, historyForDomain, historyForLead } from '../db/stores/history-store.ts';
import type { ServiceDeps } from './context.ts';
import type { Actor } from './inputs.ts';
import { whoIs } from './read-leads.ts';

// A lead's or an account's audit history as lines a person reads (`foothold history`, the History button).

export type HistoryQuery = { leadId: number } | { domain: string };

export interface LeadHistory {
  domain: string;
  leads: Array<HistoryLead & { status: LeadStatus }>;
  lines: HistoryLine[];
}

/** `#12` or `12` → lead 12; anything else is read as a website or domain (`https://www.acme.com` → acme.com). */
export function parseHistoryQuery(raw: string): HistoryQuery {
  const id = /^#?(\d+)$/.exec(raw.trim());
  if (id?.[1]) return { leadId: Number(id[1]) };
  const parsed = normalizeDomain(raw);
  if (!parsed.ok)
    throw new DomainError(
      'invalid_input',
      `"${raw}" is neither a lead id (such as 12) nor a domain: ${parsed.reason}`,
    );
  return { domain: parsed.domain };
}

/**
 * The history for `query`. With an `actor` (Slack), the vendor team only: the log holds written reasons.
 * The CLI runs as the operator and passes none.
 */
export async function leadHistory(
  deps: ServiceDeps,
  query: HistoryQuery,
  actor?: Actor,
): Promise<LeadHistory> {
  const found =
    'leadId' in query
      ? await historyForLead(deps.db, query.leadId)
      : await historyForDomain(deps.db, query.domain);
  if (!found)
    throw new DomainError('not_found', `There is no lead #${'leadId' in query ? query.leadId : ''}.`);
  if (actor) {
    const primary = found.leads[0];
    if (!primary) throw new DomainError('not_found', `Foothold has no lead on ${found.domain}.`);
    const access = { partnerSlug: primary.partnerSlug, ownerUserId: null, routePool: null };
    const decision = authorize('history', await whoIs(deps, actor), access);
    if (!decision.allowed) throw new DomainError('forbidden', decision.reason);
  }
  return {
    domain: found.domain,
    leads: found.leads as LeadHistory['leads'],
    lines: found.events.map(describeEvent),
  };
}

import { TRANSITIONS } from './lifecycle.ts';
import type { LeadStatus } from './types.ts';

// Outcomes from the CRM (PRODUCT.md section 11), the pure part: which opportunity an EQL links to, what a
// CRM stage means to the lifecycle, how a lead moves to it (a normal step, or a correction when a click got
// there first and the CRM says otherwise: the CRM wins), and how a CRM loss reason maps to a reason code.

/** What a mapped CRM stage means to the lifecycle (the `crm.stages` values). */
export type CrmStageTarget = 'meeting_held' | 'opportunity' | 'won' | 'lost';

/** An opportunity the owner can pick on the routing post. */
export interface CrmLinkChoice {
  id: string;
  name: string;
  stageId: string;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  createdAt: number | null;
}

/** At most this many choices (a Slack select holds 100 options; more would not help anyone pick). */
export const MAX_LINK_CHOICES = 25;

export interface LinkCandidate extends CrmLinkChoice {
  isClosed: boolean;
}

export type LinkDecision =
  | { kind: 'none' }
  | { kind: 'link'; opportunity: LinkCandidate }
  | { kind: 'ambiguous'; choices: CrmLinkChoice[] };

/**
 * The opportunity an EQL links to: among the account's opportunities not linked to another lead, those created
 * at or after the claim. Exactly one links automatically; several ask the owner, who may pick any of the
 * account's open ones too (the newest first); none waits for the next sync.
 */
export function decideLink(claimedAt: number, opportunities: readonly LinkCandidate[]): LinkDecision {
  const afterClaim = opportunities.filter((o) => o.createdAt !== null && o.createdAt >= claimedAt);
  if (afterClaim.length === 0) return { kind: 'none' };
  if (afterClaim.length === 1) return { kind: 'link', opportunity: afterClaim[0]! };
  const ids = new Set<string>();
  const choices: CrmLinkChoice[] = [];
  const newestFirst = (a: LinkCandidate, b: LinkCandidate) =>
    (b.createdAt ?? 0) - (a.createdAt ?? 0) || (a.id < b.id ? -1 : 1);
  for (const o of [...afterClaim]
    .sort(newestFirst)
    .concat(opportunities.filter((x) => !x.isClosed).sort(newestFirst))) {
    if (ids.has(o.id) || choices.length >= MAX_LINK_CHOICES) continue;
    ids.add(o.id);
    const { isClosed: _closed, ...choice } = o;
    choices.push(choice);
  }
  return { kind: 'ambiguous', choices };
}

/** Two choice lists offer the same opportunities (order aside): the owner need not be asked again. */
export function sameChoices(a: readonly CrmLinkChoice[] | null, b: readonly CrmLinkChoice[]): boolean {
  if (!a || a.length !== b.length) return false;
  const ids = new Set(a.map((c) => c.id));
  return b.every((c) => ids.has(c.id));
}

/** The lifecycle step a CRM stage id maps to; null for a stage the config does not map (ignored, reported). */
export function stageTarget(
  stageId: string,
  stages: Readonly<Record<string, CrmStageTarget>>,
): CrmStageTarget | null {
  return Object.hasOwn(stages, stageId) ? (stages[stageId] ?? null) : null;
}

export type CrmMove =
  /** The lead is already there. */
  | { kind: 'none' }
  /** A step the buttons could take: applied through the same transition. */
  | { kind: 'step' }
  /** The lead got somewhere else first (a click): the CRM wins, and the difference is logged. */
  | { kind: 'correction' }
  /** A person closed the lead outside the deal (disqualified, merged): the CRM does not reopen it. */
  | { kind: 'skip'; why: string };

const NOT_REOPENED: Partial<Record<LeadStatus, string>> = {
  disqualified: 'the lead was disqualified',
  merged: 'the lead was merged into another',
};

/** How a linked lead in `current` follows the CRM to `target`. */
export function planCrmMove(current: LeadStatus, target: CrmStageTarget): CrmMove {
  if (current === target) return { kind: 'none' };
  const why = NOT_REOPENED[current];
  if (why) return { kind: 'skip', why };
  if (TRANSITIONS[current].includes(target)) return { kind: 'step' };
  if (current === 'surfaced' || current === 'awaiting_attestation' || current === 'candidate')
    return { kind: 'skip', why: 'the lead is not an EQL' };
  if (current === 'qualified') return { kind: 'skip', why: 'the lead is not claimed yet' };
  return { kind: 'correction' };
}

/** Comparable form of a reason: lower case, letters and digits only. */
function reasonKey(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/**
 * The configured lost-reason code a CRM loss reason means: the code or label it matches (case, spaces and
 * punctuation aside). Otherwise the reason is kept as text, under `other` when the program has that code,
 * else the last configured code.
 */
export function mapLossReason(
  crmReason: string | null,
  reasons: ReadonlyArray<{ code: string; label: string }>,
): { code: string; text: string | null } {
  const fallback = reasons.find((r) => r.code === 'other') ?? reasons[reasons.length - 1];
  const text = crmReason?.trim() ? crmReason.trim().slice(0, 500) : null;
  if (text) {
    const key = reasonKey(text);
    const hit = reasons.find((r) => reasonKey(r.code) === key || reasonKey(r.label) === key);
    if (hit) return { code: hit.code, text: null };
  }
  return { code: fallback?.code ?? 'other', text };
}

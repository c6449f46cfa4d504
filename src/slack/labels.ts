import type { GateName, GateOutcome, GateResult, LeadStatus, LeadView, Relationship } from '../core/types.ts';
import { mention, userText } from './mrkdwn.ts';

// Words shared by the Slack surfaces. Kept here (not in core) so copy can change without touching the domain.

// A status's words are defined once, in the domain: STATUS_LABELS in core/lifecycle.ts.

export const STATUS_EMOJI: Record<LeadStatus, string> = {
  surfaced: '🆕',
  awaiting_attestation: '⏳',
  candidate: '🌱',
  qualified: '🎯',
  claimed: '🙋',
  intro_requested: '🤝',
  meeting_held: '📅',
  opportunity: '💼',
  won: '🏆',
  lost: '🪦',
  disqualified: '🚫',
  expired: '⌛',
  merged: '🔗',
};

/** How a partner reads a status: what is happening, in their words. */
export const PARTNER_STATUS: Record<LeadStatus, string> = {
  surfaced: 'Received',
  awaiting_attestation: 'Waiting for your attestation',
  candidate: 'Not an EQL yet',
  qualified: 'EQL, waiting for a rep',
  claimed: 'Being worked by our team',
  intro_requested: 'Waiting for your intro',
  meeting_held: 'Meeting held',
  opportunity: 'Open opportunity',
  won: 'Won',
  lost: 'Closed, lost',
  disqualified: 'Closed',
  expired: 'Expired',
  merged: 'Credited on an active lead',
};

export const RELATIONSHIP_LABEL: Record<Relationship, string> = {
  customer: 'Customer',
  prospect: 'Prospect',
  open_opportunity: 'Open opportunity',
};

export const STRENGTH_LABEL: Record<1 | 2 | 3 | 4 | 5, string> = {
  1: 'Cold',
  2: 'Cool',
  3: 'Warm',
  4: 'Strong',
  5: 'Champion',
};

export const GATE_LABEL: Record<GateName, string> = {
  overlap: 'Overlap',
  warmth: 'Warmth',
  fit: 'Fit',
  motion: 'Motion',
};

export const GATE_EMOJI: Record<GateOutcome, string> = { pass: '✅', fail: '❌', unknown: '❔' };

/** "✅ *Warmth* — reason" with the reason escaped and cut to `max`. */
export function gateLine(g: GateResult, max = 500): string {
  return `${GATE_EMOJI[g.outcome]} *${GATE_LABEL[g.gate]}* — ${userText(g.reason, max)}`;
}

export function gate(lead: LeadView, name: GateName): GateResult | undefined {
  return lead.gates.find((g) => g.gate === name);
}

/** "*Acme* (acme.com)", escaped. */
export function accountTitle(lead: Pick<LeadView, 'accountName' | 'domain'>, maxName = 120): string {
  return `*${userText(lead.accountName, maxName)}* (${userText(lead.domain, 253)})`;
}

/** The owner as a person: a given display name (escaped) or a mention. */
export function ownerRef(userId: string | null, name?: string | null): string {
  if (name?.trim()) return `*${userText(name, 80)}*`;
  return userId ? mention(userId) : 'our team';
}

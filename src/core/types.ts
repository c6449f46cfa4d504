// Shared vocabulary of the domain core. Pure data: no Slack, no storage, no clock.

import type { CrmLinkChoice } from './crm-outcomes.ts';

export const RELATIONSHIPS = ['customer', 'prospect', 'open_opportunity'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export const GATES = ['overlap', 'warmth', 'fit', 'motion'] as const;
export type GateName = (typeof GATES)[number];

export type GateOutcome = 'pass' | 'fail' | 'unknown';

/** One gate's verdict, stored with the lead and shown to people as-is. */
export interface GateResult {
  gate: GateName;
  outcome: GateOutcome;
  /** One plain-language sentence a partner or rep can act on. */
  reason: string;
  /** Gate-specific facts (score, per-criterion lines, days since interaction…) for display and reports. */
  details: Record<string, unknown>;
}

export const LEAD_STATUSES = [
  'surfaced',
  'awaiting_attestation',
  'candidate',
  'qualified',
  'claimed',
  'intro_requested',
  'meeting_held',
  'opportunity',
  'won',
  'lost',
  'disqualified',
  'expired',
  'merged',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export type SurfacedBy = 'partner' | 'rep';
export type Attribution = 'sourced' | 'influenced';
export type FieldSource = 'crm' | 'partner';

export interface Firmographics {
  industry?: string | null | undefined;
  employees?: number | null | undefined;
  country?: string | null | undefined;
  revenue?: number | null | undefined;
}

/** Firmographics after merging CRM (first) and partner-supplied (second) values, each field with its source. */
export type SourcedFirmographics = {
  [K in keyof Firmographics]-?: { value: NonNullable<Firmographics[K]>; source: FieldSource } | null;
};

/** The partner's warmth attestation. Dates are ISO `YYYY-MM-DD` calendar dates. */
export interface WarmthAttestation {
  strength: 1 | 2 | 3 | 4 | 5;
  contactName: string | null;
  contactTitle: string | null;
  lastInteractionOn: string | null;
  willingToIntroduce: boolean;
}

export interface CrmAccount {
  domain: string;
  name: string;
  industry: string | null;
  employees: number | null;
  country: string | null;
  revenue: number | null;
  /** Slack user id of the account owner in the CRM, when it maps to one. */
  ownerUserId: string | null;
  isCustomer: boolean;
  hasOpenOpportunity: boolean;
}

export interface PartnerOverlap {
  partnerSlug: string;
  domain: string;
  relationship: Relationship;
}

export type Role = 'admin' | 'leader' | 'rep';

export interface PartnerRef {
  slug: string;
  name: string;
}

/** Everything a Slack surface needs to show one lead: a read model assembled by the store. */
export interface LeadView {
  id: number;
  domain: string;
  accountName: string;
  status: LeadStatus;
  partner: PartnerRef;
  surfacedBy: SurfacedBy;
  submittedByUserId: string;
  relationship: Relationship | null;
  overlapVerified: boolean;
  need: string | null;
  notes: string | null;
  sourceMessageUrl: string | null;
  icpScore: number | null;
  /** Always in gate order: overlap, warmth, fit, motion (missing gates are simply absent). */
  gates: GateResult[];
  warmth: (WarmthAttestation & { attestedByUserId: string; attestedAt: number }) | null;
  corroborators: PartnerRef[];
  /**
   * INTERNAL ONLY (the routing post): each corroborating partner's own warmth and contact, and the intro asked
   * of it. Filled when the lead has corroborators; never rendered to a partner (`corroboratorSide` clears it).
   */
  corroboration?: CorroboratorSignal[];
  /** A corroborating partner a leader moved primary credit to (logged, with a reason); null: `partner` holds it. */
  creditedPartner: PartnerRef | null;
  attribution: Attribution;
  routeChannel: string | null;
  routePool: string[] | null;
  suggestedUserId: string | null;
  ownerUserId: string | null;
  introStatus: 'requested' | 'made' | 'declined' | null;
  reasonCode: string | null;
  reasonLabel: string | null;
  reasonText: string | null;
  mergedIntoLeadId: number | null;
  createdAt: number;
  updatedAt: number;
  claimedAt: number | null;
  lastProgressAt: number;
  version: number;
  /** The CRM opportunity linked to the lead, or the ones to pick from (PRODUCT.md section 11). */
  crm?: LeadCrm | null;
}

/** A lead's CRM deal as the routing post shows it. */
export interface LeadCrm {
  opportunityId: string | null;
  opportunityName: string | null;
  stageId: string | null;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  /** Opportunities the owner picks from when several were opened after the claim. */
  choices: ReadonlyArray<CrmLinkChoice>;
}

export type IntroStatus = 'requested' | 'made' | 'declined';

/** One corroborating partner's signal on a lead, as reps see it on the routing post. */
export interface CorroboratorSignal {
  partner: PartnerRef;
  /** The partner's own (merged) submission. */
  sourceLeadId: number;
  relationship: Relationship | null;
  warmth: (WarmthAttestation & { attestedByUserId: string; attestedAt: number }) | null;
  intro: { status: IntroStatus; requestedAt: number; answeredAt: number | null } | null;
  corroboratedAt: number;
}

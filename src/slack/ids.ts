import { z } from 'zod';

// Every id Slack sends back to Foothold: action_ids (buttons), callback_ids (modals, shortcut) and the
// block_ids of modal inputs. They are part of the app's contract with messages already posted, so they
// never change once shipped. All are lower snake case and far below Slack's 255 characters.

export const ACTIONS = {
  claim: 'claim',
  requestIntro: 'request_intro',
  meetingHeld: 'meeting_held',
  opportunity: 'opportunity',
  won: 'won',
  /** Opens the lost-reason modal. */
  lost: 'lost',
  /** Opens the disqualify-reason modal. */
  disqualify: 'disqualify',
  /** Leaders: opens the reassign modal. */
  reassign: 'reassign',
  /** Leaders: opens the modal that moves primary credit to another partner that flagged the account. */
  changeCredit: 'change_credit',
  /** Partner DM: the intro was made. */
  introMade: 'intro_made',
  /** Partner DM: the partner can't introduce. */
  introDeclined: 'intro_declined',
  /** Opens the attestation modal (rep-surfaced request, candidate DM "Update attestation"). */
  attestOpen: 'attest_open',
  /** The pinned card's button in a shared channel: opens the submission modal. */
  flagAccount: 'flag_account',
  requestExtension: 'request_extension',
  grantExtension: 'grant_extension',
  /** App Home's "Flag an account" button. */
  homeFlag: 'home_flag',
  /** Routing post: the owner picks which CRM opportunity the EQL became (PRODUCT.md section 11). */
  linkOpportunity: 'link_opportunity',
  /** Routing post (internal people): opens the lead's audit history. */
  history: 'lead_history',
  /** Routing post: the owner asks a CORROBORATING partner for an intro (value: a corroborator ref). */
  requestCorroboratorIntro: 'request_corroborator_intro',
  /** Overlap-first ask: "we know them" (opens the submission modal, prefilled). */
  overlapKnown: 'overlap_known',
  /** Overlap-first ask: "not now" (asked again after `overlapFirst.snoozeDays`). */
  overlapSnooze: 'overlap_snooze',
  /** Overlap-first ask: "we don't know them" (never asked again). */
  overlapUnknown: 'overlap_unknown',
  /** Leaders: approve a pending partner reward. */
  rewardApprove: 'reward_approve',
  /** Leaders: opens the modal that rejects a pending partner reward with a reason. */
  rewardReject: 'reward_reject',
} as const;
export type ActionId = (typeof ACTIONS)[keyof typeof ACTIONS];
export const ACTION_IDS: readonly ActionId[] = Object.values(ACTIONS);

export const CALLBACKS = {
  submitLead: 'submit_lead',
  attest: 'attest',
  disqualifyReason: 'disqualify_reason',
  lostReason: 'lost_reason',
  reassign: 'reassign',
  changeCredit: 'change_credit',
  rejectReward: 'reject_reward',
  /** The message shortcut "Flag as EQL" (its callback_id in the app manifest). */
  flagAsEql: 'flag_as_eql',
  /** The read-only history modal (it has no submit button, so Slack never sends it back). */
  history: 'lead_history',
} as const;
export type CallbackId = (typeof CALLBACKS)[keyof typeof CALLBACKS];
export const CALLBACK_IDS: readonly CallbackId[] = Object.values(CALLBACKS);

/** Input block ids of the modals. An input's element uses the same string as its action_id. */
export const BLOCKS = {
  accountName: 'account_name',
  website: 'website',
  relationship: 'relationship',
  strength: 'strength',
  contactName: 'contact_name',
  contactTitle: 'contact_title',
  contactEmail: 'contact_email',
  lastInteractionOn: 'last_interaction_on',
  willingToIntroduce: 'willing_to_introduce',
  need: 'need',
  notes: 'notes',
  industry: 'industry',
  employees: 'employees',
  country: 'country',
  partner: 'partner',
  reasonCode: 'reason_code',
  reasonText: 'reason_text',
  newOwner: 'new_owner',
  reassignReason: 'reassign_reason',
  creditPartner: 'credit_partner',
  creditReason: 'credit_reason',
  rejectReason: 'reject_reason',
} as const;
export type ModalBlockId = (typeof BLOCKS)[keyof typeof BLOCKS];

/** Block ids of message actions blocks (unique within their message). */
export const ACTION_BLOCKS = {
  lead: 'lead_actions',
  intro: 'intro_actions',
  attest: 'attest_actions',
  extension: 'extension_actions',
  flag: 'flag_actions',
  claim: 'claim_actions',
  /** Routing post: the section holding the Link opportunity select. */
  crmLink: 'crm_link',
  reward: 'reward_actions',
} as const;

/**
 * A service input path (the keys of `DomainError.fields`) → the modal block that shows its error, so a
 * failed submission comes back as `response_action: 'errors'` on the right inputs.
 */
export const FIELD_BLOCK: Record<string, string> = {
  accountName: BLOCKS.accountName,
  website: BLOCKS.website,
  relationship: BLOCKS.relationship,
  warmth: BLOCKS.strength,
  'warmth.strength': BLOCKS.strength,
  'warmth.contactName': BLOCKS.contactName,
  'warmth.contactTitle': BLOCKS.contactTitle,
  'warmth.contactEmail': BLOCKS.contactEmail,
  'warmth.lastInteractionOn': BLOCKS.lastInteractionOn,
  'warmth.willingToIntroduce': BLOCKS.willingToIntroduce,
  need: BLOCKS.need,
  notes: BLOCKS.notes,
  'firmographics.industry': BLOCKS.industry,
  'firmographics.employees': BLOCKS.employees,
  'firmographics.country': BLOCKS.country,
  partnerSlug: BLOCKS.partner,
  reasonCode: BLOCKS.reasonCode,
  reasonText: BLOCKS.reasonText,
  'reason.reasonCode': BLOCKS.reasonCode,
  'reason.reasonText': BLOCKS.reasonText,
  newOwnerUserId: BLOCKS.newOwner,
  reason: BLOCKS.reassignReason,
  creditedPartnerSlug: BLOCKS.creditPartner,
  creditReason: BLOCKS.creditReason,
  rejectReason: BLOCKS.rejectReason,
};

/**
 * `DomainError.fields` → the `errors` of a `response_action: 'errors'` ack, keeping only blocks present
 * in the view (Slack rejects unknown block ids). Null when none maps: show the message another way.
 */
export function viewErrors(
  fieldErrors: Readonly<Record<string, string>>,
  blockIdsInView: Iterable<string>,
): Record<string, string> | null {
  const present = new Set(blockIdsInView);
  const out: Record<string, string> = {};
  for (const [path, msg] of Object.entries(fieldErrors)) {
    const blockId = FIELD_BLOCK[path];
    if (blockId && present.has(blockId) && out[blockId] === undefined) out[blockId] = msg.slice(0, 150);
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** What a lead's buttons carry: the lead and the version the person saw (first click wins on stale views). */
export interface LeadRef {
  leadId: number;
  version: number;
}

const leadRefSchema = z.strictObject({
  leadId: z.number().int().positive(),
  version: z.number().int().nonnegative(),
});

export function encodeLeadRef(ref: LeadRef): string {
  return JSON.stringify({ leadId: ref.leadId, version: ref.version });
}

/** The lead ref in a button value, or null for anything else (garbage, tampering, old formats). */
export function decodeLeadRef(value: string | null | undefined): LeadRef | null {
  if (typeof value !== 'string' || value.length > 200) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const r = leadRefSchema.safeParse(parsed);
  return r.success ? r.data : null;
}

/** A Link opportunity option: the lead ref and the CRM opportunity picked. */
export interface LinkChoiceRef extends LeadRef {
  opportunityId: string;
}

const linkChoiceSchema = leadRefSchema.extend({ opportunityId: z.string().min(1).max(64) });

export function encodeLinkChoice(ref: LinkChoiceRef): string {
  return JSON.stringify({ leadId: ref.leadId, version: ref.version, opportunityId: ref.opportunityId });
}

export function decodeLinkChoice(value: string | null | undefined): LinkChoiceRef | null {
  if (typeof value !== 'string' || value.length > 150) return null;
  try {
    const r = linkChoiceSchema.safeParse(JSON.parse(value));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

// ─── issue 13: corroborator intros, overlap-first asks, rewards ──────────────────────────────────────

const idRefSchema = z.strictObject({ id: z.number().int().positive() });

/** A button naming one stored thing by id (an overlap ask, a reward award). */
export function encodeIdRef(id: number): string {
  return JSON.stringify({ id });
}

export function decodeIdRef(value: string | null | undefined): number | null {
  if (typeof value !== 'string' || value.length > 100) return null;
  try {
    const r = idRefSchema.safeParse(JSON.parse(value));
    return r.success ? r.data.id : null;
  } catch {
    return null;
  }
}

/** A corroborating partner on a lead, as the routing post's intro buttons carry it. */
export interface CorroboratorRef extends LeadRef {
  partnerSlug: string;
}

const corroboratorRefSchema = z.strictObject({
  leadId: z.number().int().positive(),
  version: z.number().int().nonnegative(),
  partner: z.string().min(1).max(64),
});

export function encodeCorroboratorRef(ref: CorroboratorRef): string {
  return JSON.stringify({ leadId: ref.leadId, version: ref.version, partner: ref.partnerSlug });
}

export function decodeCorroboratorRef(value: string | null | undefined): CorroboratorRef | null {
  if (typeof value !== 'string' || value.length > 200) return null;
  try {
    const r = corroboratorRefSchema.safeParse(JSON.parse(value));
    return r.success ? { leadId: r.data.leadId, version: r.data.version, partnerSlug: r.data.partner } : null;
  } catch {
    return null;
  }
}

/** Block id of the actions block of the n-th account in an overlap-first batch (unique within the message). */
export const overlapAskBlockId = (n: number) => `overlap_ask_${n}`;

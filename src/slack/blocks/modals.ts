import type {
  Datepicker,
  KnownBlock,
  ModalView,
  PlainTextOption,
  RadioButtons,
  UsersSelect,
} from '@slack/types';
import type { ReasonCode } from '../../config/program-config.ts';
import { creditCandidates, creditHolder } from '../../core/credit.ts';
import { type LeadView, RELATIONSHIPS, type Relationship } from '../../core/types.ts';
import { LIMITS } from '../../services/inputs.ts';
import { BLOCKS, CALLBACKS } from '../ids.ts';
import { accountTitle, RELATIONSHIP_LABEL, STRENGTH_LABEL } from '../labels.ts';
import { context, divider, input, modal, option, plainInput, staticSelect } from '../limits.ts';
import { mention, slackMessageLink, userText } from '../mrkdwn.ts';

// The modals and the parsers of their `view.state.values`. Parsers only reshape: validation belongs to
// the services' zod schemas, whose field paths map back onto these block ids (ids.ts FIELD_BLOCK).
// Each input's element uses its block id as action_id.

// ─── shared inputs ──────────────────────────────────────────────────────────────────────────────────

const RELATIONSHIP_OPTIONS: PlainTextOption[] = RELATIONSHIPS.map((r) => option(RELATIONSHIP_LABEL[r], r));

const STRENGTH_HINTS: Record<1 | 2 | 3 | 4 | 5, string> = {
  1: 'we barely know them',
  2: 'occasional contact',
  3: 'regular, friendly contact',
  4: 'trusted relationship',
  5: 'they’d take our call today',
};
const STRENGTH_OPTIONS: PlainTextOption[] = ([5, 4, 3, 2, 1] as const).map((n) =>
  option(`${n} · ${STRENGTH_LABEL[n]}: ${STRENGTH_HINTS[n]}`, String(n)),
);

const YES_NO: PlainTextOption[] = [option('Yes, happy to introduce', 'yes'), option('Not right now', 'no')];

function relationshipInput(initial: Relationship | null): KnownBlock {
  return input({
    blockId: BLOCKS.relationship,
    label: 'How does your organisation know this account?',
    element: staticSelect({
      actionId: BLOCKS.relationship,
      options: RELATIONSHIP_OPTIONS,
      placeholder: 'Customer, prospect or open opportunity',
      initialValue: initial,
    }),
  });
}

function strengthInput(initial: number | null): KnownBlock {
  return input({
    blockId: BLOCKS.strength,
    label: 'How warm is the relationship?',
    element: staticSelect({
      actionId: BLOCKS.strength,
      options: STRENGTH_OPTIONS,
      placeholder: 'From 1 (cold) to 5 (champion)',
      initialValue: initial === null ? null : String(initial),
    }),
  });
}

function lastInteractionInput(initial: string | null): KnownBlock {
  const el: Datepicker = {
    type: 'datepicker',
    action_id: BLOCKS.lastInteractionOn,
    placeholder: { type: 'plain_text', text: 'Pick a date' },
    ...(initial && /^\d{4}-\d{2}-\d{2}$/.test(initial) ? { initial_date: initial } : {}),
  };
  return input({
    blockId: BLOCKS.lastInteractionOn,
    label: 'When did you last speak with them?',
    element: el,
    hint: 'Your last meaningful conversation with someone at the account.',
  });
}

function willingInput(initial: boolean | null): KnownBlock {
  const el: RadioButtons = {
    type: 'radio_buttons',
    action_id: BLOCKS.willingToIntroduce,
    options: YES_NO,
    ...(initial === null ? {} : { initial_option: initial ? YES_NO[0] : YES_NO[1] }),
  };
  return input({ blockId: BLOCKS.willingToIntroduce, label: 'Willing to introduce us?', element: el });
}

function textInput(spec: {
  blockId: string;
  label: string;
  max: number;
  optional?: boolean;
  multiline?: boolean;
  placeholder?: string;
  hint?: string;
  initial?: string | null;
}): KnownBlock {
  return input({
    blockId: spec.blockId,
    label: spec.label,
    optional: spec.optional ?? false,
    ...(spec.hint ? { hint: spec.hint } : {}),
    element: plainInput({
      actionId: spec.blockId,
      maxLength: spec.max,
      multiline: spec.multiline ?? false,
      ...(spec.placeholder ? { placeholder: spec.placeholder } : {}),
      initialValue: spec.initial ?? null,
    }),
  });
}

function contactInputs(initial: { name?: string | null; title?: string | null }): KnownBlock[] {
  return [
    textInput({
      blockId: BLOCKS.contactName,
      label: 'Contact name',
      max: LIMITS.contactName,
      optional: true,
      placeholder: 'Who would you introduce us to?',
      hint: 'Needed if you’re willing to introduce.',
      initial: initial.name ?? null,
    }),
    textInput({
      blockId: BLOCKS.contactTitle,
      label: 'Contact title',
      max: LIMITS.contactTitle,
      optional: true,
      placeholder: 'e.g. VP Engineering',
      initial: initial.title ?? null,
    }),
    textInput({
      blockId: BLOCKS.contactEmail,
      label: 'Contact email',
      max: LIMITS.contactEmail,
      optional: true,
      placeholder: 'name@company.com',
    }),
  ];
}

// ─── submission ─────────────────────────────────────────────────────────────────────────────────────

export interface SubmissionModalOptions {
  variant: 'partner' | 'rep';
  prefill?: { website?: string; accountName?: string; notes?: string };
  /** Rep variant: the partner organisations that can be asked to attest. */
  partners?: Array<{ slug: string; name: string }>;
  /** The message a "Flag as EQL" shortcut was used on. */
  sourceMessageUrl?: string;
  privateMetadata: string;
}

/**
 * The blocks of the form most `/eql` calls open (a partner's, nothing prefilled), built once: building them
 * cleans and clamps every label, a noticeable share of the command's CPU (issue 6, B1). Frozen, since every
 * modal shares them.
 */
let plainPartnerForm: readonly KnownBlock[] | null = null;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function submissionModal(opts: SubmissionModalOptions): ModalView {
  const prefill = opts.prefill ?? {};
  const unprefilled =
    opts.variant === 'partner' &&
    !opts.sourceMessageUrl &&
    !prefill.website &&
    !prefill.accountName &&
    !prefill.notes;
  if (unprefilled) {
    plainPartnerForm ??= deepFreeze(submissionBlocks(opts, prefill));
    return submissionView(opts.privateMetadata, plainPartnerForm as KnownBlock[]);
  }
  return submissionView(opts.privateMetadata, submissionBlocks(opts, prefill));
}

function submissionView(privateMetadata: string, blocks: KnownBlock[]): ModalView {
  return modal({
    title: 'Flag an account',
    submit: 'Submit',
    close: 'Cancel',
    callbackId: CALLBACKS.submitLead,
    privateMetadata,
    blocks,
  });
}

function submissionBlocks(
  opts: SubmissionModalOptions,
  prefill: NonNullable<SubmissionModalOptions['prefill']>,
): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const intro =
    opts.variant === 'partner'
      ? 'Tell us about a shared account. Six quick answers decide whether it’s an EQL; everything else is optional.'
      : 'Flag an account a partner shares with us. We’ll ask the partner to attest the relationship: only they can.';
  blocks.push(
    context([
      intro,
      ...(opts.sourceMessageUrl ? [`From ${slackMessageLink(opts.sourceMessageUrl, 'this message')}`] : []),
    ]),
  );

  blocks.push(
    textInput({
      blockId: BLOCKS.accountName,
      label: 'Account name',
      max: LIMITS.accountName,
      placeholder: 'e.g. Acme Corp',
      initial: prefill.accountName ?? null,
    }),
    textInput({
      blockId: BLOCKS.website,
      label: 'Website',
      max: LIMITS.website,
      placeholder: 'acme.com',
      initial: prefill.website ?? null,
    }),
  );

  if (opts.variant === 'partner') {
    blocks.push(
      relationshipInput(null),
      strengthInput(null),
      lastInteractionInput(null),
      willingInput(null),
      ...contactInputs({}),
    );
  } else {
    const partners = [...(opts.partners ?? [])]
      .filter((p) => p.slug.length > 0 && p.slug.length <= 75)
      .sort((a, b) => a.name.localeCompare(b.name));
    if (partners.length > 0) {
      blocks.push(
        input({
          blockId: BLOCKS.partner,
          label: 'Which partner knows this account?',
          hint: 'We’ll ask them to attest the relationship.',
          element: staticSelect({
            actionId: BLOCKS.partner,
            options: partners.map((p) => option(p.name, p.slug)),
            placeholder: 'Pick a partner organisation',
          }),
        }),
      );
    } else {
      blocks.push(
        context(['No partner organisations are registered yet, so there is no one to ask to attest.']),
      );
    }
  }

  blocks.push(
    textInput({
      blockId: BLOCKS.need,
      label: 'What do they need?',
      max: LIMITS.need,
      optional: true,
      multiline: true,
      placeholder: 'The problem or use case, in a sentence or two',
    }),
    textInput({
      blockId: BLOCKS.notes,
      label: 'Notes',
      max: LIMITS.notes,
      optional: true,
      multiline: true,
      placeholder: 'Anything that helps our rep: timing, people, context',
      initial: prefill.notes ?? null,
    }),
    divider(),
    ...companyDetailInputs(),
  );
  return blocks;
}

/** Optional firmographics: the fit gate uses CRM data first and these only where the CRM has nothing. */
function companyDetailInputs(): KnownBlock[] {
  return [
    context(['*Optional company details.* We use our CRM data first; fill these in only if you know them.']),
    textInput({
      blockId: BLOCKS.industry,
      label: 'Industry',
      max: LIMITS.industry,
      optional: true,
      placeholder: 'e.g. Software',
    }),
    textInput({
      blockId: BLOCKS.employees,
      label: 'Employees',
      max: 12,
      optional: true,
      placeholder: 'e.g. 250',
    }),
    textInput({
      blockId: BLOCKS.country,
      label: 'Country',
      max: LIMITS.country,
      optional: true,
      placeholder: 'e.g. US',
    }),
  ];
}

function firmographicsOf(values: StateValues) {
  return {
    industry: textOf(values, BLOCKS.industry),
    employees: textOf(values, BLOCKS.employees),
    country: textOf(values, BLOCKS.country),
  };
}

// ─── reading view.state.values ──────────────────────────────────────────────────────────────────────

/** `view.state.values`: block id → action id → the element's state. */
export type StateValues = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

interface ElementState {
  value?: unknown;
  selected_option?: { value?: unknown } | null;
  selected_date?: unknown;
  selected_user?: unknown;
}

function stateOf(values: StateValues, blockId: string): ElementState | null {
  const block = values[blockId];
  if (!block) return null;
  const el = block[blockId] ?? Object.values(block)[0];
  return typeof el === 'object' && el !== null ? (el as ElementState) : null;
}

const has = (values: StateValues, blockId: string): boolean => values[blockId] !== undefined;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

const textOf = (values: StateValues, blockId: string): string | null => str(stateOf(values, blockId)?.value);
const selectedOf = (values: StateValues, blockId: string): string | null =>
  str(stateOf(values, blockId)?.selected_option?.value);
const dateOf = (values: StateValues, blockId: string): string | null =>
  str(stateOf(values, blockId)?.selected_date);
const userOf = (values: StateValues, blockId: string): string | null =>
  str(stateOf(values, blockId)?.selected_user);

function yesNo(v: string | null): boolean | null {
  if (v === 'yes') return true;
  if (v === 'no') return false;
  return null;
}

/** The warmth answers as the services' schema expects them. Missing answers are null; zod words the error. */
export interface WarmthValues {
  strength: number | null;
  contactName: string | null;
  contactTitle: string | null;
  contactEmail: string | null;
  lastInteractionOn: string;
  willingToIntroduce: boolean;
}

function warmthOf(values: StateValues): WarmthValues {
  const strength = selectedOf(values, BLOCKS.strength);
  return {
    strength: strength === null ? null : Number(strength),
    contactName: textOf(values, BLOCKS.contactName),
    contactTitle: textOf(values, BLOCKS.contactTitle),
    contactEmail: textOf(values, BLOCKS.contactEmail),
    // '' and null fail the schema with "Pick the date…" / "Say whether…": Slack's required inputs make
    // them rare, and the types stay those of the service input.
    lastInteractionOn: dateOf(values, BLOCKS.lastInteractionOn) ?? '',
    willingToIntroduce: yesNo(selectedOf(values, BLOCKS.willingToIntroduce)) as boolean,
  };
}

export interface SubmissionValues {
  accountName: string;
  website: string;
  relationship: Relationship | null;
  warmth: WarmthValues | null;
  need: string | null;
  notes: string | null;
  firmographics: { industry: string | null; employees: string | null; country: string | null };
  partnerSlug: string | null;
}

const WARMTH_BLOCKS = [
  BLOCKS.strength,
  BLOCKS.lastInteractionOn,
  BLOCKS.willingToIntroduce,
  BLOCKS.contactName,
  BLOCKS.contactTitle,
  BLOCKS.contactEmail,
];

/** The submission modal's values as `SubmitLeadInput` minus `actor` and `sourceMessageUrl`. */
export function parseSubmissionValues(values: StateValues): SubmissionValues {
  return {
    accountName: textOf(values, BLOCKS.accountName) ?? '',
    website: textOf(values, BLOCKS.website) ?? '',
    relationship: selectedOf(values, BLOCKS.relationship) as Relationship | null,
    warmth: WARMTH_BLOCKS.some((b) => has(values, b)) ? warmthOf(values) : null,
    need: textOf(values, BLOCKS.need),
    notes: textOf(values, BLOCKS.notes),
    firmographics: firmographicsOf(values),
    partnerSlug: selectedOf(values, BLOCKS.partner),
  };
}

// ─── attestation ────────────────────────────────────────────────────────────────────────────────────

/** The partner org attests (or updates) warmth; prefilled from the lead's current attestation. */
export function attestationModal(lead: LeadView, privateMetadata: string): ModalView {
  const w = lead.warmth;
  const who =
    lead.surfacedBy === 'rep'
      ? `${mention(lead.submittedByUserId)} from our team flagged ${accountTitle(lead)}.`
      : `You flagged ${accountTitle(lead)}.`;
  return modal({
    title: w ? 'Update attestation' : 'Attest relationship',
    submit: 'Save',
    close: 'Cancel',
    callbackId: CALLBACKS.attest,
    privateMetadata,
    blocks: [
      context([`${who} Only your organisation can attest how warm the relationship is.`]),
      relationshipInput(lead.relationship),
      strengthInput(w?.strength ?? null),
      lastInteractionInput(w?.lastInteractionOn ?? null),
      willingInput(w ? w.willingToIntroduce : null),
      ...contactInputs({ name: w?.contactName ?? null, title: w?.contactTitle ?? null }),
      // Shown when the fit gate could not be scored: the partner may know what our CRM doesn't.
      ...(lead.gates.some((g) => g.gate === 'fit' && g.outcome === 'unknown')
        ? [divider(), ...companyDetailInputs()]
        : []),
    ],
  });
}

export interface AttestationValues {
  relationship: Relationship;
  warmth: WarmthValues;
  firmographics?: ReturnType<typeof firmographicsOf>;
}

/** The attestation modal's values as `AttestInput` minus `actor` and `leadId`. */
export function parseAttestationValues(values: StateValues): AttestationValues {
  return {
    // null fails the schema with "Pick how your organisation knows this account".
    relationship: selectedOf(values, BLOCKS.relationship) as Relationship,
    warmth: warmthOf(values),
    ...(has(values, BLOCKS.industry) ? { firmographics: firmographicsOf(values) } : {}),
  };
}

// ─── reason (disqualify / lost) ─────────────────────────────────────────────────────────────────────

export function reasonModal(
  kind: 'disqualify' | 'lost',
  reasons: ReasonCode[],
  lead: LeadView,
  privateMetadata: string,
): ModalView {
  const lost = kind === 'lost';
  return modal({
    title: lost ? 'Mark as lost' : 'Disqualify lead',
    submit: lost ? 'Mark lost' : 'Disqualify',
    close: 'Cancel',
    callbackId: lost ? CALLBACKS.lostReason : CALLBACKS.disqualifyReason,
    privateMetadata,
    blocks: [
      context([`${accountTitle(lead)} · The partner is told the reason, never your details.`]),
      input({
        blockId: BLOCKS.reasonCode,
        label: lost ? 'Why was it lost?' : 'Why disqualify it?',
        element: staticSelect({
          actionId: BLOCKS.reasonCode,
          options: reasons.map((r) => option(r.label, r.code)),
          placeholder: 'Pick a reason',
        }),
      }),
      textInput({
        blockId: BLOCKS.reasonText,
        label: 'Details',
        max: LIMITS.reasonText,
        optional: true,
        multiline: true,
        placeholder: 'Anything the team should know (internal only)',
      }),
    ],
  });
}

export interface ReasonValues {
  reasonCode: string;
  reasonText: string | null;
}

/** The reason modal's values as the services' `reason` input. */
export function parseReasonValues(values: StateValues): ReasonValues {
  return {
    // null fails the schema with "Pick a reason".
    reasonCode: selectedOf(values, BLOCKS.reasonCode) as string,
    reasonText: textOf(values, BLOCKS.reasonText),
  };
}

// ─── reassign ───────────────────────────────────────────────────────────────────────────────────────

export function reassignModal(lead: LeadView, privateMetadata: string): ModalView {
  const assign = lead.ownerUserId === null;
  const owner: UsersSelect = {
    type: 'users_select',
    action_id: BLOCKS.newOwner,
    placeholder: { type: 'plain_text', text: 'Pick a rep or leader' },
  };
  return modal({
    title: assign ? 'Assign lead' : 'Reassign lead',
    submit: assign ? 'Assign' : 'Reassign',
    close: 'Cancel',
    callbackId: CALLBACKS.reassign,
    privateMetadata,
    blocks: [
      context([
        `${accountTitle(lead)} · ${lead.ownerUserId ? `owned by ${mention(lead.ownerUserId)}` : 'unclaimed'}. The change and your reason are logged.`,
      ]),
      input({ blockId: BLOCKS.newOwner, label: assign ? 'Assign to' : 'New owner', element: owner }),
      textInput({
        blockId: BLOCKS.reassignReason,
        label: 'Reason',
        max: 1000,
        multiline: true,
        placeholder: 'Why this person? (logged with the change)',
      }),
    ],
  });
}

export interface ReassignValues {
  newOwnerUserId: string;
  reason: string;
}

/** The reassign modal's values as `ReassignInput` minus `actor` and `leadId`. */
export function parseReassignValues(values: StateValues): ReassignValues {
  return {
    newOwnerUserId: userOf(values, BLOCKS.newOwner) ?? '',
    reason: textOf(values, BLOCKS.reassignReason) ?? '',
  };
}

// ─── change credit ───────────────────────────────────────────────────────────────────────────────────

export function changeCreditModal(lead: LeadView, privateMetadata: string): ModalView {
  const holder = creditHolder(lead);
  return modal({
    title: 'Change credit',
    submit: 'Change credit',
    close: 'Cancel',
    callbackId: CALLBACKS.changeCredit,
    privateMetadata,
    blocks: [
      context([
        `${accountTitle(lead)} · credited to *${userText(holder.name, 80)}*${lead.creditedPartner ? '' : ' (first to register)'}. Credit decides whose conversion this lead counts towards. The change and your reason are logged; partners are told the outcome, never the reason or each other’s names.`,
      ]),
      input({
        blockId: BLOCKS.creditPartner,
        label: 'Credit this partner',
        element: staticSelect({
          actionId: BLOCKS.creditPartner,
          options: creditCandidates(lead).map((p) => option(p.name, p.slug)),
          placeholder: 'Pick a partner that flagged this account',
        }),
      }),
      textInput({
        blockId: BLOCKS.creditReason,
        label: 'Reason',
        max: 1000,
        multiline: true,
        placeholder: 'Why does this partner deserve the credit? (logged with the change)',
      }),
    ],
  });
}

export interface ChangeCreditValues {
  creditedPartnerSlug: string;
  creditReason: string;
}

/** The change-credit modal's values as `ChangeCreditInput` minus `actor` and `leadId`. */
export function parseChangeCreditValues(values: StateValues): ChangeCreditValues {
  return {
    creditedPartnerSlug: selectedOf(values, BLOCKS.creditPartner) ?? '',
    creditReason: textOf(values, BLOCKS.creditReason) ?? '',
  };
}

/** A leader rejects a pending partner reward; the reason is logged (the partner is told only the outcome). */
export function rejectRewardModal(
  award: { id: number; partnerName: string; accountName: string; domain: string; summary: string },
  privateMetadata: string,
): ModalView {
  return modal({
    title: 'Reject reward',
    submit: 'Reject',
    close: 'Cancel',
    callbackId: CALLBACKS.rejectReward,
    privateMetadata,
    blocks: [
      context([
        `${award.summary} to *${userText(award.partnerName, 80)}* for ${accountTitle(award)} · award #${award.id}. Your reason is logged; the partner is told only that it wasn’t approved.`,
      ]),
      textInput({
        blockId: BLOCKS.rejectReason,
        label: 'Reason',
        max: 1000,
        multiline: true,
        placeholder: 'Why is this reward not approved? (logged with the decision)',
      }),
    ],
  });
}

export function parseRejectRewardValues(values: StateValues): { reason: string } {
  return { reason: textOf(values, BLOCKS.rejectReason) ?? '' };
}

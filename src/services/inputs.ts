import { z } from 'zod';
import { isIsoDate } from '../core/time.ts';
import { RELATIONSHIPS } from '../core/types.ts';

// Service inputs, validated with zod at the service boundary whatever the door (modal, CLI, tests).
// Field names double as the keys of DomainError.fields, which the Slack edge maps onto modal blocks.

export const LIMITS = {
  accountName: 120,
  website: 253,
  contactName: 120,
  contactTitle: 120,
  contactEmail: 254,
  need: 2000,
  notes: 2000,
  industry: 80,
  country: 56,
  reasonText: 1000,
} as const;

const trimmed = (max: number, label: string) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().max(max, `${label} can be at most ${max} characters`));

const optionalText = (max: number, label: string) =>
  z
    .string()
    .nullish()
    .transform((s) => (s == null || s.trim() === '' ? null : s.trim()))
    .pipe(z.string().max(max, `${label} can be at most ${max} characters`).nullable());

export const warmthInputSchema = z
  .object({
    strength: z.coerce
      .number({ message: 'Pick a strength from 1 (cold) to 5 (champion)' })
      .int('Pick a strength from 1 (cold) to 5 (champion)')
      .min(1, 'Pick a strength from 1 (cold) to 5 (champion)')
      .max(5, 'Pick a strength from 1 (cold) to 5 (champion)'),
    contactName: optionalText(LIMITS.contactName, 'Contact name'),
    contactTitle: optionalText(LIMITS.contactTitle, 'Contact title'),
    contactEmail: optionalText(LIMITS.contactEmail, 'Contact email').pipe(
      z.email({ message: 'Enter a valid email address, or leave it empty' }).nullable(),
    ),
    lastInteractionOn: z
      .string({ message: 'Pick the date of your last meaningful interaction' })
      .refine(isIsoDate, 'Pick the date of your last meaningful interaction'),
    willingToIntroduce: z.boolean({ message: 'Say whether you are willing to introduce' }),
  })
  .superRefine((w, ctx) => {
    if (w.willingToIntroduce && !w.contactName) {
      ctx.addIssue({
        code: 'custom',
        path: ['contactName'],
        message: 'Name the contact you would introduce us to',
      });
    }
  });
export type WarmthInput = z.infer<typeof warmthInputSchema>;

export const firmographicsInputSchema = z.object({
  // Every firmographic is optional: CRM data comes first and the modal must stay short.
  industry: optionalText(LIMITS.industry, 'Industry'),
  employees: z
    .union([z.number(), z.string()])
    .nullish()
    .transform((v, ctx) => {
      if (v == null || (typeof v === 'string' && v.trim() === '')) return null;
      const n = typeof v === 'number' ? v : Number(v.replace(/[,\s_]/g, ''));
      if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
        ctx.addIssue({ code: 'custom', message: 'Employees must be a whole number, such as 250' });
        return z.NEVER;
      }
      return n;
    }),
  country: optionalText(LIMITS.country, 'Country'),
});

/** A leader's written, logged reason for overriding what the program decided (reassignment, credit). */
export function writtenReason(missing: string) {
  return z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(3, missing).max(1000, 'Keep the reason under 1000 characters'));
}

export const actorSchema = z.object({
  userId: z.string().regex(/^[UW][A-Z0-9]+$/),
  /** The person's own workspace and Grid organisation (src/listeners/payloads.ts reads them from Slack). */
  teamId: z.string().nullable(),
  enterpriseId: z.string().nullable().optional(),
  channelId: z.string().nullable().optional(),
});
export type Actor = z.infer<typeof actorSchema>;

export const submitLeadInputSchema = z.object({
  actor: actorSchema,
  accountName: trimmed(LIMITS.accountName, 'Account name').pipe(z.string().min(1, 'Enter the account name')),
  website: trimmed(LIMITS.website, 'Website').pipe(
    z.string().min(1, 'Enter the account website, such as acme.com'),
  ),
  relationship: z
    .enum(RELATIONSHIPS, { message: 'Pick how your organisation knows this account' })
    .nullable(),
  warmth: warmthInputSchema.nullable(),
  need: optionalText(LIMITS.need, 'Need'),
  notes: optionalText(LIMITS.notes, 'Notes'),
  firmographics: firmographicsInputSchema,
  /** A rep names the partner org that should attest warmth. */
  partnerSlug: z.string().nullable().optional(),
  sourceMessageUrl: z.url().nullable().optional(),
});
export type SubmitLeadInput = z.input<typeof submitLeadInputSchema>;
export type SubmitLead = z.output<typeof submitLeadInputSchema>;

export const attestInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  relationship: z.enum(RELATIONSHIPS, { message: 'Pick how your organisation knows this account' }),
  warmth: warmthInputSchema,
  /** Company details the partner adds when the fit gate could not be scored. */
  firmographics: firmographicsInputSchema.optional(),
});
export type AttestInput = z.input<typeof attestInputSchema>;

export const reasonInputSchema = z.object({
  reasonCode: z.string({ message: 'Pick a reason' }).min(1, 'Pick a reason'),
  reasonText: optionalText(LIMITS.reasonText, 'Details'),
});

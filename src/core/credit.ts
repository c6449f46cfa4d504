import type { LeadView, PartnerRef } from './types.ts';

// First to register wins primary credit; a leader may move it, with a logged reason, to another partner that
// flagged the same account (the lead's corroborators), or back to the first.

/** Who holds primary credit for a lead now. */
export function creditHolder(lead: Pick<LeadView, 'partner' | 'creditedPartner'>): PartnerRef {
  return lead.creditedPartner ?? lead.partner;
}

/** The partners credit may move to: every partner that flagged the account, except the current holder. */
export function creditCandidates(
  lead: Pick<LeadView, 'partner' | 'creditedPartner' | 'corroborators'>,
): PartnerRef[] {
  const seen = new Set<string>([creditHolder(lead).slug]);
  const out: PartnerRef[] = [];
  for (const p of [lead.partner, ...lead.corroborators]) {
    if (seen.has(p.slug)) continue;
    seen.add(p.slug);
    out.push(p);
  }
  return out;
}

/**
 * What a corroborating partner is told about a lead: the lead's current state, seen from the partner's own
 * submission (its ref, date, account name, people and attestation), so nothing of the submitting partner's
 * reaches it.
 * Another holder of the credit is named only as "another partner".
 */
export function corroboratorSide(own: LeadView, lead: LeadView): LeadView {
  const holder = creditHolder(lead);
  return {
    ...lead,
    id: own.id,
    version: own.version,
    // The account as this partner named it: the submitter's wording is the submitter's.
    accountName: own.accountName,
    partner: own.partner,
    creditedPartner:
      holder.slug === own.partner.slug ? own.partner : { slug: holder.slug, name: 'another partner' },
    surfacedBy: own.surfacedBy,
    submittedByUserId: own.submittedByUserId,
    warmth: own.warmth,
    need: own.need,
    notes: own.notes,
    sourceMessageUrl: own.sourceMessageUrl,
    corroborators: [],
    corroboration: [],
    attribution: own.attribution,
    mergedIntoLeadId: own.mergedIntoLeadId,
    createdAt: own.createdAt,
  };
}

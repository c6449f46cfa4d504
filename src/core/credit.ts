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

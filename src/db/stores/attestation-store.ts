import { desc, eq, sql } from 'drizzle-orm';
import type { LeadView, WarmthAttestation } from '../../core/types.ts';
import type { Db } from '../connection.ts';
import { warmthAttestations } from '../schema.ts';
import { prepared } from './prepared.ts';

// Warmth attestations: what a partner person vouched for about their relationship with an account (who, how
// warm, when they last spoke). Appended, never edited (only a contact's erasure clears its naming fields, see
// privacy-store); the latest one of a lead is the one its gates and views use.

const p = sql.placeholder;

export type AttestationRow = typeof warmthAttestations.$inferSelect;

const insertAttestationRow = prepared((h) =>
  h
    .insert(warmthAttestations)
    .values({
      leadId: p('leadId'),
      partnerSlug: p('partnerSlug'),
      attestedByUserId: p('attestedByUserId'),
      strength: p('strength'),
      contactName: p('contactName'),
      contactTitle: p('contactTitle'),
      contactEmail: p('contactEmail'),
      lastInteractionOn: p('lastInteractionOn'),
      willingToIntroduce: p('willingToIntroduce'),
      createdAt: p('createdAt'),
    })
    .prepare(),
);

export async function insertAttestation(
  h: Db,
  row: WarmthAttestation & {
    leadId: number;
    partnerSlug: string;
    attestedByUserId: string;
    contactEmail: string | null;
    createdAt: number;
  },
): Promise<void> {
  await insertAttestationRow(h).run({
    leadId: row.leadId,
    partnerSlug: row.partnerSlug,
    attestedByUserId: row.attestedByUserId,
    strength: row.strength,
    contactName: row.contactName,
    contactTitle: row.contactTitle,
    contactEmail: row.contactEmail,
    lastInteractionOn: row.lastInteractionOn,
    willingToIntroduce: row.willingToIntroduce,
    createdAt: row.createdAt,
  });
}

const latestAttestationOf = prepared((h) =>
  h
    .select()
    .from(warmthAttestations)
    .where(eq(warmthAttestations.leadId, p('leadId')))
    .orderBy(desc(warmthAttestations.createdAt), desc(warmthAttestations.id))
    .limit(1)
    .prepare(),
);

export async function latestAttestation(h: Db, leadId: number): Promise<AttestationRow | null> {
  return (await latestAttestationOf(h).get({ leadId })) ?? null;
}

/** A stored attestation as the read model shows it (null when there is none). */
export function warmthView(att: AttestationRow | null): LeadView['warmth'] {
  return att
    ? {
        strength: att.strength as WarmthAttestation['strength'],
        contactName: att.contactName,
        contactTitle: att.contactTitle,
        lastInteractionOn: att.lastInteractionOn,
        willingToIntroduce: att.willingToIntroduce,
        attestedByUserId: att.attestedByUserId,
        attestedAt: att.createdAt,
      }
    : null;
}

import { and, asc, eq, sql } from 'drizzle-orm';
import type { CorroboratorSignal, IntroStatus } from '../../core/types.ts';
import type { Db } from '../connection.ts';
import { corroborations, corroboratorIntros, partnerOrgs } from '../schema.ts';
import { latestAttestation, type Tx, warmthView } from './lead-store.ts';
import { prepared } from './prepared.ts';

// Corroboration as signal (issue 13): each corroborating partner's own attestation and the intro asked of it.
// Read for the INTERNAL routing post only; the partner-facing surfaces never read this store.

type Handle = Db | Tx;
const p = sql.placeholder;

const corroboratorRows = prepared((h) =>
  h
    .select({
      slug: corroborations.partnerSlug,
      name: partnerOrgs.name,
      sourceLeadId: corroborations.sourceLeadId,
      relationship: corroborations.relationship,
      corroboratedAt: corroborations.createdAt,
      introStatus: corroboratorIntros.status,
      introRequestedAt: corroboratorIntros.requestedAt,
      introAnsweredAt: corroboratorIntros.answeredAt,
    })
    .from(corroborations)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, corroborations.partnerSlug))
    .leftJoin(
      corroboratorIntros,
      and(
        eq(corroboratorIntros.leadId, corroborations.leadId),
        eq(corroboratorIntros.partnerSlug, corroborations.partnerSlug),
      ),
    )
    .where(eq(corroborations.leadId, p('leadId')))
    .orderBy(asc(corroborations.createdAt))
    .prepare(),
);

/** Every corroborating partner of a lead with its latest attestation and intro, oldest corroboration first. */
export function corroboratorSignals(h: Handle, leadId: number): CorroboratorSignal[] {
  return corroboratorRows(h)
    .all({ leadId })
    .map((r) => {
      return {
        partner: { slug: r.slug, name: r.name },
        sourceLeadId: r.sourceLeadId,
        relationship: r.relationship,
        warmth: warmthView(latestAttestation(h, r.sourceLeadId)),
        intro: r.introStatus
          ? {
              status: r.introStatus,
              requestedAt: r.introRequestedAt ?? r.corroboratedAt,
              answeredAt: r.introAnsweredAt ?? null,
            }
          : null,
        corroboratedAt: r.corroboratedAt,
      };
    });
}

export type CorroboratorIntroRow = typeof corroboratorIntros.$inferSelect;

export function getCorroboratorIntro(
  h: Handle,
  leadId: number,
  partnerSlug: string,
): CorroboratorIntroRow | null {
  return (
    h
      .select()
      .from(corroboratorIntros)
      .where(and(eq(corroboratorIntros.leadId, leadId), eq(corroboratorIntros.partnerSlug, partnerSlug)))
      .get() ?? null
  );
}

/** Records (or renews, after a "can't introduce") an intro request to a corroborating partner. */
export function saveIntroRequest(
  h: Handle,
  row: { leadId: number; partnerSlug: string; sourceLeadId: number; requestedByUserId: string; at: number },
): void {
  h.insert(corroboratorIntros)
    .values({
      leadId: row.leadId,
      partnerSlug: row.partnerSlug,
      sourceLeadId: row.sourceLeadId,
      status: 'requested',
      requestedByUserId: row.requestedByUserId,
      requestedAt: row.at,
    })
    .onConflictDoUpdate({
      target: [corroboratorIntros.leadId, corroboratorIntros.partnerSlug],
      set: {
        status: 'requested',
        requestedByUserId: row.requestedByUserId,
        requestedAt: row.at,
        answeredByUserId: null,
        answeredAt: null,
      },
    })
    .run();
}

/** Answers an open request; false when it is not open any more (answered already by a colleague). */
export function answerIntroRequest(
  h: Handle,
  key: { leadId: number; partnerSlug: string },
  answer: { status: Exclude<IntroStatus, 'requested'>; byUserId: string; at: number },
): boolean {
  return (
    h
      .update(corroboratorIntros)
      .set({ status: answer.status, answeredByUserId: answer.byUserId, answeredAt: answer.at })
      .where(
        and(
          eq(corroboratorIntros.leadId, key.leadId),
          eq(corroboratorIntros.partnerSlug, key.partnerSlug),
          eq(corroboratorIntros.status, 'requested'),
        ),
      )
      .run().changes === 1
  );
}

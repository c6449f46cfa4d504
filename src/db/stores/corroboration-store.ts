import { and, asc, eq, sql } from 'drizzle-orm';
import type { CorroboratorSignal, IntroStatus, Relationship } from '../../core/types.ts';
import { affected, type Db, one } from '../connection.ts';
import { corroborations, corroboratorIntros, leads, partnerOrgs } from '../schema.ts';
import { latestAttestation, warmthView } from './attestation-store.ts';
import { prepared } from './prepared.ts';

// Corroborations: another partner's submission of an account that already had a lead, merged into that lead
// (its own lead is kept, merged, as `sourceLeadId`). As signal (issue 13): each corroborating partner's own
// attestation and the intro asked of it, read for the INTERNAL routing post only; the partner-facing surfaces
// never read the signals.

type Handle = Db;
const p = sql.placeholder;

const corroborationsByDomain = prepared((h) =>
  h
    .select({ leadId: corroborations.leadId, partnerSlug: corroborations.partnerSlug })
    .from(corroborations)
    .innerJoin(leads, eq(leads.id, corroborations.leadId))
    .where(eq(leads.domain, p('domain')))
    .orderBy(asc(corroborations.createdAt), asc(corroborations.leadId), asc(corroborations.partnerSlug))
    .prepare(),
);

export async function corroborationsForDomain(
  h: Handle,
  domain: string,
): Promise<Array<{ leadId: number; partnerSlug: string }>> {
  return corroborationsByDomain(h).all({ domain });
}

/** The corroborating partner's own (merged) lead on `leadId`, if that partner corroborated it. */
export async function corroboratingLeadId(
  h: Handle,
  leadId: number,
  partnerSlug: string,
): Promise<number | null> {
  const row = await one(
    h
      .select({ id: corroborations.sourceLeadId })
      .from(corroborations)
      .where(and(eq(corroborations.leadId, leadId), eq(corroborations.partnerSlug, partnerSlug))),
  );
  return row?.id ?? null;
}

export async function insertCorroboration(
  h: Handle,
  row: {
    leadId: number;
    partnerSlug: string;
    sourceLeadId: number;
    relationship: Relationship | null;
    createdAt: number;
  },
): Promise<void> {
  await h.insert(corroborations).values(row).onConflictDoNothing();
}

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
export async function corroboratorSignals(h: Handle, leadId: number): Promise<CorroboratorSignal[]> {
  const signals: CorroboratorSignal[] = [];
  for (const r of await corroboratorRows(h).all({ leadId })) {
    signals.push({
      partner: { slug: r.slug, name: r.name },
      sourceLeadId: r.sourceLeadId,
      relationship: r.relationship,
      warmth: warmthView(await latestAttestation(h, r.sourceLeadId)),
      intro: r.introStatus
        ? {
            status: r.introStatus,
            requestedAt: r.introRequestedAt ?? r.corroboratedAt,
            answeredAt: r.introAnsweredAt ?? null,
          }
        : null,
      corroboratedAt: r.corroboratedAt,
    });
  }
  return signals;
}

export type CorroboratorIntroRow = typeof corroboratorIntros.$inferSelect;

export async function getCorroboratorIntro(
  h: Handle,
  leadId: number,
  partnerSlug: string,
): Promise<CorroboratorIntroRow | null> {
  return (
    (await one(
      h
        .select()
        .from(corroboratorIntros)
        .where(and(eq(corroboratorIntros.leadId, leadId), eq(corroboratorIntros.partnerSlug, partnerSlug))),
    )) ?? null
  );
}

/** Records (or renews, after a "can't introduce") an intro request to a corroborating partner. */
export async function saveIntroRequest(
  h: Handle,
  row: { leadId: number; partnerSlug: string; sourceLeadId: number; requestedByUserId: string; at: number },
): Promise<void> {
  await h
    .insert(corroboratorIntros)
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
    });
}

/** Answers an open request; false when it is not open any more (answered already by a colleague). */
export async function answerIntroRequest(
  h: Handle,
  key: { leadId: number; partnerSlug: string },
  answer: { status: Exclude<IntroStatus, 'requested'>; byUserId: string; at: number },
): Promise<boolean> {
  return (
    affected(
      await h
        .update(corroboratorIntros)
        .set({ status: answer.status, answeredByUserId: answer.byUserId, answeredAt: answer.at })
        .where(
          and(
            eq(corroboratorIntros.leadId, key.leadId),
            eq(corroboratorIntros.partnerSlug, key.partnerSlug),
            eq(corroboratorIntros.status, 'requested'),
          ),
        ),
    ) === 1
  );
}

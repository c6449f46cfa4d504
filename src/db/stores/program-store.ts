import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { PartnerRef, Role } from '../../core/types.ts';
import { type Db, transaction } from '../connection.ts';
import { partnerOrgs, partnerSlackIds, people, personRoles } from '../schema.ts';
import { applyPartners } from './import-store.ts';
import { prepared } from './prepared.ts';

// The partner program: partner orgs and the Slack teams and channels that identify them, the vendor's
// internal roles, and the people Foothold has met. The config (re)writes the first two at start-up
// (`syncProgram`); people are recorded as requests arrive.

const p = sql.placeholder;

export type PersonRow = typeof people.$inferSelect;

export interface ProgramSync {
  partners: ReadonlyArray<{
    slug: string;
    name: string;
    manager: string;
    teamIds: string[];
    channels: string[];
  }>;
  roles: { admins: string[]; leaders: string[]; reps: string[] };
}

/** Makes partner orgs, their Slack ids and internal roles match the config; removed partners are deactivated. */
export async function syncProgram(db: Db, program: ProgramSync, now: number): Promise<void> {
  const slackIds = program.partners.flatMap((partner) => [
    ...partner.teamIds.map((slackId) => ({ kind: 'team' as const, slackId, partnerSlug: partner.slug })),
    ...partner.channels.map((slackId) => ({ kind: 'channel' as const, slackId, partnerSlug: partner.slug })),
  ]);
  const roleRows: Array<{ userId: string; role: Role }> = [
    ...program.roles.admins.map((userId) => ({ userId, role: 'admin' as const })),
    ...program.roles.leaders.map((userId) => ({ userId, role: 'leader' as const })),
    ...program.roles.reps.map((userId) => ({ userId, role: 'rep' as const })),
  ];
  await transaction(db, async (tx) => {
    // The cast only bridges import-store's conversion to the async handle (in progress); drop it then.
    await applyPartners(tx as Parameters<typeof applyPartners>[0], program.partners, now);
    await tx.delete(partnerSlackIds);
    // One multi-row insert each (a round trip per row would be felt on PostgreSQL).
    if (slackIds.length > 0) await tx.insert(partnerSlackIds).values(slackIds);
    await tx.delete(personRoles);
    // Someone listed twice (an admin who is also a leader is two rows; the same id twice in a list is one).
    if (roleRows.length > 0) await tx.insert(personRoles).values(roleRows).onConflictDoNothing();
  });
}

const partnerBySlug = prepared((h) =>
  h
    .select()
    .from(partnerOrgs)
    .where(eq(partnerOrgs.slug, p('slug')))
    .prepare(),
);

export async function getPartner(
  h: Db,
  slug: string,
): Promise<(PartnerRef & { managerUserId: string; active: boolean }) | null> {
  const row = await partnerBySlug(h).get({ slug });
  return row
    ? { slug: row.slug, name: row.name, managerUserId: row.managerUserId, active: row.active }
    : null;
}

export async function listPartners(h: Db): Promise<Array<PartnerRef & { managerUserId: string }>> {
  return h
    .select({ slug: partnerOrgs.slug, name: partnerOrgs.name, managerUserId: partnerOrgs.managerUserId })
    .from(partnerOrgs)
    .where(eq(partnerOrgs.active, true))
    .orderBy(asc(partnerOrgs.name));
}

/** The partner org behind a Slack team id or a registered shared channel id (active orgs only). */
const partnerOfSlackId = prepared((h) =>
  h
    .select({ slug: partnerSlackIds.partnerSlug })
    .from(partnerSlackIds)
    .innerJoin(partnerOrgs, eq(partnerOrgs.slug, partnerSlackIds.partnerSlug))
    .where(
      and(
        eq(partnerSlackIds.kind, p('kind')),
        eq(partnerSlackIds.slackId, p('slackId')),
        eq(partnerOrgs.active, true),
      ),
    )
    .prepare(),
);

export async function partnerBySlackId(
  h: Db,
  kind: 'team' | 'channel',
  slackId: string,
): Promise<string | null> {
  return (await partnerOfSlackId(h).get({ kind, slackId }))?.slug ?? null;
}

const slackIdsOfPartner = prepared((h) =>
  h
    .select({ id: partnerSlackIds.slackId })
    .from(partnerSlackIds)
    .where(and(eq(partnerSlackIds.kind, p('kind')), eq(partnerSlackIds.partnerSlug, p('slug'))))
    .prepare(),
);

export async function partnerTeamIds(h: Db, slug: string): Promise<string[]> {
  return (await slackIdsOfPartner(h).all({ kind: 'team', slug })).map((r) => r.id);
}

export async function partnerChannels(h: Db, slug: string): Promise<string[]> {
  return (await slackIdsOfPartner(h).all({ kind: 'channel', slug })).map((r) => r.id);
}

const rolesOfUser = prepared((h) =>
  h
    .select({ role: personRoles.role })
    .from(personRoles)
    .where(eq(personRoles.userId, p('userId')))
    .prepare(),
);

export async function rolesOf(h: Db, userId: string): Promise<Role[]> {
  return (await rolesOfUser(h).all({ userId })).map((r) => r.role);
}

export async function usersWithRole(h: Db, role: Role): Promise<string[]> {
  const rows = await h
    .select({ userId: personRoles.userId })
    .from(personRoles)
    .where(eq(personRoles.role, role))
    .orderBy(asc(personRoles.userId));
  return rows.map((r) => r.userId);
}

const personById = prepared((h) =>
  h
    .select()
    .from(people)
    .where(eq(people.userId, p('userId')))
    .prepare(),
);

export async function getPerson(h: Db, userId: string): Promise<PersonRow | null> {
  return (await personById(h).get({ userId })) ?? null;
}

const upsertPerson = prepared((h) =>
  h
    .insert(people)
    .values({
      userId: p('userId'),
      teamId: p('teamId'),
      enterpriseId: p('enterpriseId'),
      partnerSlug: p('partnerSlug'),
      firstSeenAt: p('firstSeenAt'),
    })
    .onConflictDoUpdate({
      target: people.userId,
      set: {
        // A request that did not say which workspace or organisation keeps what was recorded earlier.
        teamId: sql`coalesce(excluded.team_id, ${people.teamId})`,
        enterpriseId: sql`coalesce(excluded.enterprise_id, ${people.enterpriseId})`,
        partnerSlug: sql`excluded.partner_slug`,
      },
    })
    .returning({ primerSentAt: people.primerSentAt })
    .prepare(),
);

/** Records that we met someone; returns true until the primer was sent (callers send the primer then). */
export async function touchPerson(
  h: Db,
  person: { userId: string; teamId: string | null; enterpriseId?: string | null; partnerSlug: string | null },
  now: number,
): Promise<boolean> {
  const upserted = await upsertPerson(h).get({
    userId: person.userId,
    teamId: person.teamId,
    enterpriseId: person.enterpriseId ?? null,
    partnerSlug: person.partnerSlug,
    firstSeenAt: now,
  });
  return upserted?.primerSentAt == null;
}

export async function markPrimerSent(h: Db, userId: string, now: number): Promise<void> {
  await h.update(people).set({ primerSentAt: now }).where(eq(people.userId, userId));
}

/** The partner people we have met from an org, most recent first: who to ask when a rep surfaces an account. */
export async function partnerPeople(h: Db, slug: string): Promise<string[]> {
  const rows = await h
    .select({ userId: people.userId })
    .from(people)
    .where(eq(people.partnerSlug, slug))
    .orderBy(desc(people.firstSeenAt), asc(people.userId));
  return rows.map((r) => r.userId);
}

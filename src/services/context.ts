import type { ProgramConfig } from '../config/program-config.ts';
import { DomainError } from '../core/errors.ts';
import {
  decideActor,
  type IdentityDecision,
  type IdentityDirectory,
  type KnownPerson,
} from '../core/identity.ts';
import { type ActorContext, authorize, type LeadAccess, type Permission } from '../core/permissions.ts';
import type { Money } from '../core/rewards.ts';
import { calendarDate } from '../core/time.ts';
import type { LeadView, Role } from '../core/types.ts';
import type { Db, Tx } from '../db/connection.ts';
import { lockFor } from '../db/connection.ts';
import { enterpriseOfTeam } from '../db/stores/installation-store.ts';
import { getLeadView } from '../db/stores/lead-store.ts';
import {
  getPartner,
  getPerson,
  partnerBySlackId,
  partnerTeamIds,
  rolesOf,
} from '../db/stores/program-store.ts';
import type { Actor } from './inputs.ts';

/** What every use case needs: storage, the program, a clock. Passed in, so tests control all three. */
export interface ServiceDeps {
  db: Db;
  config: ProgramConfig;
  now: () => number;
  /** The vendor's own Slack team ids (auth.test): people from these teams are never partners. */
  homeTeamIds?: readonly string[];
  /** The vendor's own Grid organisation (auth.test's `enterprise_id`): nobody from it is ever a partner. */
  homeEnterpriseIds?: readonly string[];
  /** Overrides where share-of-won rewards read a lead's won amount (default: its linked CRM opportunity). */
  wonAmount?: (tx: Tx, leadId: number) => Promise<Money | null>;
}

/**
 * A lookup the identity rules reached before it was loaded: load it, then run the rules again. Thrown to stop the
 * rules, caught by `settle` and never seen outside; not an Error, so throwing one captures no stack trace (that
 * was 1.4 % of a submission's CPU).
 */
class NotLoaded {
  constructor(
    readonly key: string,
    readonly load: () => unknown,
  ) {}
}

/** The directory of the identity rules, answered by the stores (see `identityDirectory`). */
export interface StoreDirectory extends IdentityDirectory {
  /**
   * Runs `rules` (synchronous, and safe to run again) over the directory, loading each lookup they reach the
   * first time they reach it; resolves to what they return once every lookup they needed was loaded.
   */
  settle<T>(rules: (dir: IdentityDirectory) => T): Promise<T>;
}

/**
 * The program's directory for the identity rules (src/core/identity.ts), answered by the stores. The rules are
 * synchronous and pure, the stores are not: the directory answers from what it has loaded, and a lookup not
 * loaded yet stops the rules (`NotLoaded`), is loaded, and the rules run again. So only the lookups the rules
 * reach are queried (most requests are settled by the workspace alone), one at a time, on `h` (inside a
 * transaction, the transaction's handle, so they see its writes).
 */
export function identityDirectory(
  h: Tx | Db,
  deps: Pick<ServiceDeps, 'homeTeamIds' | 'homeEnterpriseIds'>,
): StoreDirectory {
  const loaded = new Map<string, unknown>();
  const lookup = <T>(key: string, load: () => T | Promise<T>): T => {
    if (loaded.has(key)) return loaded.get(key) as T;
    throw new NotLoaded(key, load);
  };
  const dir: IdentityDirectory = {
    homeTeamIds: deps.homeTeamIds ?? [],
    homeEnterpriseIds: deps.homeEnterpriseIds ?? [],
    partnerOfOrgId: (id) => lookup<string | null>(`org:${id}`, () => partnerBySlackId(h, 'team', id)),
    partnerOfChannel: (channelId) =>
      lookup<{ slug: string; hasOrgIds: boolean } | null>(`channel:${channelId}`, async () => {
        const slug = await partnerBySlackId(h, 'channel', channelId);
        return slug ? { slug, hasOrgIds: (await partnerTeamIds(h, slug)).length > 0 } : null;
      }),
    enterpriseOfTeam: (teamId) =>
      lookup<string | null>(`enterprise:${teamId}`, () => enterpriseOfTeam(h, teamId)),
    rolesOf: (userId) => lookup<readonly Role[]>(`roles:${userId}`, () => rolesOf(h, userId)),
    known: (userId) =>
      lookup<KnownPerson | null>(`known:${userId}`, async () => {
        const p = await getPerson(h, userId);
        if (!p?.partnerSlug) return null;
        return {
          partnerSlug: p.partnerSlug,
          teamId: p.teamId,
          enterpriseId: p.enterpriseId,
          partnerActive: (await getPartner(h, p.partnerSlug))?.active ?? false,
          partnerOrgIds: await partnerTeamIds(h, p.partnerSlug),
        };
      }),
  };
  return {
    ...dir,
    async settle(rules) {
      for (;;) {
        try {
          return rules(dir);
        } catch (err) {
          if (!(err instanceof NotLoaded)) throw err;
          loaded.set(err.key, await err.load());
        }
      }
    },
  };
}

function identityInput(actor: Actor) {
  return {
    userId: actor.userId,
    teamId: actor.teamId,
    enterpriseId: actor.enterpriseId ?? null,
    channelId: actor.channelId ?? null,
  };
}

/** Who is acting, with their workspace and organisation as the rules settled them (see src/core/identity.ts). */
export async function resolveIdentity(
  tx: Tx | Db,
  deps: Pick<ServiceDeps, 'homeTeamIds' | 'homeEnterpriseIds'>,
  actor: Actor,
): Promise<IdentityDecision> {
  return identityDirectory(tx, deps).settle((dir) => {
    const decision = decideActor(identityInput(actor), dir);
    // What gets recorded for the person: their organisation too, when Foothold has learnt it for their workspace.
    const { teamId, enterpriseId } = decision.org;
    return enterpriseId == null && teamId != null
      ? { ...decision, org: { teamId, enterpriseId: dir.enterpriseOfTeam(teamId) } }
      : decision;
  });
}

/** Who is acting: a partner (and which), an internal person (and their roles) or a stranger. */
export async function resolveActor(
  tx: Tx | Db,
  deps: Pick<ServiceDeps, 'homeTeamIds' | 'homeEnterpriseIds'>,
  actor: Actor,
): Promise<ActorContext> {
  return identityDirectory(tx, deps).settle((dir) => decideActor(identityInput(actor), dir).actor);
}

export function requirePermission(permission: Permission, actor: ActorContext, lead?: LeadAccess): void {
  const decision = authorize(permission, actor, lead);
  if (!decision.allowed) throw new DomainError('forbidden', decision.reason, { data: { permission } });
}

export function reasonLabeler(config: ProgramConfig): (code: string) => string | null {
  const all = [...config.reasons.disqualify, ...config.reasons.lost];
  return (code) => all.find((r) => r.code === code)?.label ?? null;
}

/** Loads a lead's view, answering a missing lead and another org's lead the same way. */
export async function loadLeadFor(tx: Tx, deps: ServiceDeps, leadId: number): Promise<LeadView> {
  // Use cases on one lead take turns from here to their commit, as on SQLite's single writer: a double click
  // or a retried payload then sees the first one's effect (an answer already recorded, an event already
  // written), not the state both started from (PostgreSQL runs at READ COMMITTED; see connection.ts).
  await lockFor(tx, `lead:${leadId}`);
  const view = await getLeadView(tx, leadId, reasonLabeler(deps.config));
  if (!view) throw new DomainError('not_found', "That lead doesn't exist (it may have been removed).");
  return view;
}

export function accessOf(view: LeadView): LeadAccess {
  return { partnerSlug: view.partner.slug, ownerUserId: view.ownerUserId, routePool: view.routePool };
}

export function today(deps: ServiceDeps): string {
  return calendarDate(deps.now(), deps.config.timezone);
}

/** The partner person who hears about a lead: its partner submitter, or whoever attested for a rep's lead. */
export function partnerContact(view: LeadView): string | null {
  if (view.surfacedBy === 'partner') return view.submittedByUserId;
  return view.warmth?.attestedByUserId ?? null;
}

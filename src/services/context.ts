import type { ProgramConfig } from '../config/program-config.ts';
import { DomainError } from '../core/errors.ts';
import { decideActor, type IdentityDecision, type IdentityDirectory } from '../core/identity.ts';
import { type ActorContext, authorize, type LeadAccess, type Permission } from '../core/permissions.ts';
import type { Money } from '../core/rewards.ts';
import { calendarDate } from '../core/time.ts';
import type { LeadView } from '../core/types.ts';
import type { Db } from '../db/connection.ts';
import { enterpriseOfTeam } from '../db/stores/installation-store.ts';
import {
  getLeadView,
  getPartner,
  getPerson,
  partnerBySlackId,
  partnerTeamIds,
  rolesOf,
  type Tx,
} from '../db/stores/lead-store.ts';
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
  wonAmount?: (tx: Tx, leadId: number) => Money | null;
}

/** The program's directory for the identity rules (src/core/identity.ts), answered by the stores. */
export function identityDirectory(
  tx: Tx | Db,
  deps: Pick<ServiceDeps, 'homeTeamIds' | 'homeEnterpriseIds'>,
): IdentityDirectory {
  const learnt = new Map<string, string | null>();
  return {
    homeTeamIds: deps.homeTeamIds ?? [],
    homeEnterpriseIds: deps.homeEnterpriseIds ?? [],
    partnerOfOrgId: (id) => partnerBySlackId(tx, 'team', id),
    partnerOfChannel: (channelId) => {
      const slug = partnerBySlackId(tx, 'channel', channelId);
      return slug ? { slug, hasOrgIds: partnerTeamIds(tx, slug).length > 0 } : null;
    },
    enterpriseOfTeam: (teamId) => {
      if (!learnt.has(teamId)) learnt.set(teamId, enterpriseOfTeam(tx, teamId));
      return learnt.get(teamId) ?? null;
    },
    rolesOf: (userId) => rolesOf(tx, userId),
    known: (userId) => {
      const p = getPerson(tx, userId);
      if (!p?.partnerSlug) return null;
      return {
        partnerSlug: p.partnerSlug,
        teamId: p.teamId,
        enterpriseId: p.enterpriseId,
        partnerActive: getPartner(tx, p.partnerSlug)?.active ?? false,
        partnerOrgIds: partnerTeamIds(tx, p.partnerSlug),
      };
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
export function resolveIdentity(
  tx: Tx | Db,
  deps: Pick<ServiceDeps, 'homeTeamIds' | 'homeEnterpriseIds'>,
  actor: Actor,
): IdentityDecision {
  const dir = identityDirectory(tx, deps);
  const decision = decideActor(identityInput(actor), dir);
  // What gets recorded for the person: their organisation too, when Foothold has learnt it for their workspace.
  const { teamId, enterpriseId } = decision.org;
  return enterpriseId == null && teamId != null
    ? { ...decision, org: { teamId, enterpriseId: dir.enterpriseOfTeam(teamId) } }
    : decision;
}

/** Who is acting: a partner (and which), an internal person (and their roles) or a stranger. */
export function resolveActor(
  tx: Tx | Db,
  deps: Pick<ServiceDeps, 'homeTeamIds' | 'homeEnterpriseIds'>,
  actor: Actor,
): ActorContext {
  return decideActor(identityInput(actor), identityDirectory(tx, deps)).actor;
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
export function loadLeadFor(tx: Tx, deps: ServiceDeps, leadId: number): LeadView {
  const view = getLeadView(tx, leadId, reasonLabeler(deps.config));
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

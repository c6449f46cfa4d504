import type { ProgramConfig } from '../config/program-config.ts';
import { DomainError } from '../core/errors.ts';
import { type ActorContext, authorize, type LeadAccess, type Permission } from '../core/permissions.ts';
import type { Money } from '../core/rewards.ts';
import { calendarDate } from '../core/time.ts';
import type { LeadView } from '../core/types.ts';
import type { Db } from '../db/connection.ts';
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
  /** The vendor's own Slack team ids: people from these teams are never treated as partners by channel. */
  homeTeamIds?: readonly string[];
  /** Overrides where share-of-won rewards read a lead's won amount (default: its linked CRM opportunity). */
  wonAmount?: (tx: Tx, leadId: number) => Money | null;
}

/**
 * Who is acting. A person's org comes from their own Slack team id first (one Slack Connect channel can hold
 * several orgs); internal people are known by their configured roles. A registered shared channel vouches for
 * someone only when its partner has no team ids registered (a single-org channel whose org we know only by the
 * channel): when the partner's team ids are known, a person from any other team in that channel is a stranger.
 */
export function resolveActor(
  tx: Tx | Db,
  deps: Pick<ServiceDeps, 'homeTeamIds'>,
  actor: Actor,
): ActorContext {
  if (actor.teamId) {
    const slug = partnerBySlackId(tx, 'team', actor.teamId);
    if (slug) return { kind: 'partner', userId: actor.userId, partnerSlug: slug };
  }
  const roles = rolesOf(tx, actor.userId);
  if (roles.length > 0) return { kind: 'internal', userId: actor.userId, roles };
  const isHome = actor.teamId != null && (deps.homeTeamIds ?? []).includes(actor.teamId);
  if (!isHome && actor.channelId) {
    const slug = partnerBySlackId(tx, 'channel', actor.channelId);
    if (slug && partnerTeamIds(tx, slug).length === 0)
      return { kind: 'partner', userId: actor.userId, partnerSlug: slug };
  }
  if (isHome) return { kind: 'internal', userId: actor.userId, roles: [] };
  // Someone we met before as a partner (through a verified team or channel) and whose org is still active and
  // still vouches for them: surfaces such as App Home carry no channel to tell us again.
  const known = getPerson(tx, actor.userId);
  if (
    known?.partnerSlug &&
    (!actor.teamId || actor.teamId === known.teamId) &&
    getPartner(tx, known.partnerSlug)?.active &&
    (known.teamId == null ||
      partnerTeamIds(tx, known.partnerSlug).length === 0 ||
      partnerTeamIds(tx, known.partnerSlug).includes(known.teamId))
  ) {
    return { kind: 'partner', userId: actor.userId, partnerSlug: known.partnerSlug };
  }
  return { kind: 'unregistered', userId: actor.userId };
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

import type { ActorContext } from './permissions.ts';
import type { Role } from './types.ts';

// Who someone is, decided in one place from every field Slack sends (PRODUCT.md section 2, "Identity across
// organisations"). Two pure steps: `orgOfPerson` reads a request's fields into the person's own workspace and
// Grid organisation, and `decideActor` turns that into a partner, an internal person or a stranger against
// the program's directory. The edge (src/listeners/payloads.ts) extracts the fields; the store supplies the
// directory's lookups.

/** The fields of one Slack request that say where the person and the installation belong. */
export interface OrgFields {
  /** `user.team_id` (interactivity) or the command's `team_id`: the person's own workspace. */
  userTeamId?: string | null | undefined;
  /** `user.enterprise_id`, where Slack sends it: the person's own Grid organisation. */
  userEnterpriseId?: string | null | undefined;
  /** The workspace the request happened in: `team.id`, the command's `team_id`, the envelope's `team_id`. */
  surfaceTeamId?: string | null | undefined;
  /** That workspace's Grid organisation: `team.enterprise_id`, the command's `enterprise_id`. */
  surfaceEnterpriseId?: string | null | undefined;
  /** The installation's organisation: `enterprise.id`, `authorizations[0].enterprise_id`, `enterprise_id`. */
  installEnterpriseId?: string | null | undefined;
  /** `is_enterprise_install`: the request came through an org-wide install (then `team` is null). */
  isEnterpriseInstall?: boolean | undefined;
  /**
   * Slash commands and shortcuts are not shared in Slack Connect: only people of the installing organisation
   * can invoke them, so the installation's organisation is theirs too.
   */
  invokedFromOwnOrg?: boolean | undefined;
}

export interface PersonOrg {
  teamId: string | null;
  enterpriseId: string | null;
}

const clean = (s: string | null | undefined): string | null => (s && s.trim() !== '' ? s : null);

/**
 * The person's own workspace and organisation, as far as this request tells. A workspace- or installation-level
 * organisation is the person's only when the person is known to sit in that workspace (or could only have
 * invoked the surface from their own organisation): in a Slack Connect channel `team` and `enterprise` describe
 * the vendor's side, never the external person's.
 */
export function orgOfPerson(f: OrgFields): PersonOrg {
  let userTeam = clean(f.userTeamId);
  let own = clean(f.userEnterpriseId);
  // On Enterprise Grid, Slack reports the organisation id (`E…`) in `user.team_id` instead of a workspace id.
  if (userTeam && isOrgId(userTeam)) {
    own = own ?? userTeam;
    userTeam = null;
  }
  const surfaceTeam = clean(f.surfaceTeamId);
  const surfaceEnterprise = clean(f.surfaceEnterpriseId);
  // Their workspace: their own; else the one they acted in, unless they are known to belong elsewhere.
  const teamId = userTeam ?? (own && surfaceEnterprise !== own ? null : surfaceTeam);
  if (own) return { teamId, enterpriseId: own };
  const sameWorkspace = teamId != null && teamId === surfaceTeam;
  if (sameWorkspace && surfaceEnterprise) return { teamId, enterpriseId: surfaceEnterprise };
  if (f.invokedFromOwnOrg) {
    const ent = surfaceEnterprise ?? clean(f.installEnterpriseId);
    if (ent) return { teamId, enterpriseId: ent };
  }
  return { teamId, enterpriseId: null };
}

/** Grid organisation ids start with `E`; workspace ids with `T`. */
export function isOrgId(id: string): boolean {
  return id.startsWith('E');
}

/** What the program knows, as lookups (the store answers them; tests pass plain maps). */
export interface IdentityDirectory {
  /** The vendor's own workspaces and Grid organisation: nobody from these is ever a partner. */
  homeTeamIds: readonly string[];
  homeEnterpriseIds: readonly string[];
  /** The active partner registered under this `T…` team id or `E…` enterprise id. */
  partnerOfOrgId(id: string): string | null;
  /** The active partner of a registered shared channel, and whether that partner is registered by org ids. */
  partnerOfChannel(channelId: string): { slug: string; hasOrgIds: boolean } | null;
  /** The organisation a workspace belongs to, when Foothold has learnt it (installations, people met). */
  enterpriseOfTeam(teamId: string): string | null;
  rolesOf(userId: string): readonly Role[];
  /** Someone met before as a partner: their recorded workspace and organisation. */
  known(userId: string): KnownPerson | null;
}

export interface KnownPerson {
  partnerSlug: string | null;
  teamId: string | null;
  enterpriseId: string | null;
  /** Whether that partner is still active, and the org ids it is registered by now. */
  partnerActive: boolean;
  partnerOrgIds: readonly string[];
}

export interface IdentityInput extends PersonOrg {
  userId: string;
  channelId: string | null;
}

export interface IdentityDecision {
  actor: ActorContext;
  /** The person's organisation after the directory filled in what the request left out. */
  org: PersonOrg;
  /** Which rule decided (for logs and tests). */
  rule: IdentityRule;
}

export type IdentityRule = 'home' | 'partner-org' | 'role' | 'channel' | 'known-partner' | 'stranger';

/**
 * The rules, in order:
 * 1. home: the person's workspace is the vendor's, or their organisation is the vendor's → internal (roles from
 *    the config, possibly none). Nobody from home is ever a partner, whatever channel they are in.
 * 2. partner-org: their workspace id, else their organisation id, is registered to a partner → that partner.
 * 3. role: a configured internal person (by user id) → internal.
 * 4. channel: a registered shared channel vouches for them, only when its partner has no org ids (a
 *    single-organisation channel) → that partner.
 * 5. known-partner: met before as a partner, same workspace/organisation as recorded, partner still active and
 *    still registered by that workspace or organisation → that partner (App Home and DMs carry no channel).
 * 6. otherwise a stranger (unregistered).
 */
export function decideActor(input: IdentityInput, dir: IdentityDirectory): IdentityDecision {
  const { userId, teamId, channelId } = input;
  // The organisation is looked up only when a rule needs it (most requests are settled by the workspace).
  let enterpriseId = input.enterpriseId;
  let looked = enterpriseId != null || teamId == null;
  const enterprise = (): string | null => {
    if (!looked) {
      looked = true;
      enterpriseId = teamId ? dir.enterpriseOfTeam(teamId) : null;
    }
    return enterpriseId;
  };
  const org = (): PersonOrg => ({ teamId, enterpriseId });

  const homeTeam = teamId != null && dir.homeTeamIds.includes(teamId);
  const homeOrg = () => {
    const e = dir.homeEnterpriseIds.length > 0 ? enterprise() : enterpriseId;
    return e != null && dir.homeEnterpriseIds.includes(e);
  };
  if (homeTeam || homeOrg())
    return { actor: { kind: 'internal', userId, roles: [...dir.rolesOf(userId)] }, org: org(), rule: 'home' };

  const byTeam = teamId ? dir.partnerOfOrgId(teamId) : null;
  const byOrg = byTeam ?? (enterprise() ? dir.partnerOfOrgId(enterprise() as string) : null);
  if (byOrg)
    return { actor: { kind: 'partner', userId, partnerSlug: byOrg }, org: org(), rule: 'partner-org' };

  const roles = dir.rolesOf(userId);
  if (roles.length > 0)
    return { actor: { kind: 'internal', userId, roles: [...roles] }, org: org(), rule: 'role' };

  if (channelId) {
    const vouched = dir.partnerOfChannel(channelId);
    if (vouched && !vouched.hasOrgIds)
      return { actor: { kind: 'partner', userId, partnerSlug: vouched.slug }, org: org(), rule: 'channel' };
  }

  const known = dir.known(userId);
  if (known?.partnerSlug && known.partnerActive && sameOrg(org(), known) && stillRegistered(known)) {
    return {
      actor: { kind: 'partner', userId, partnerSlug: known.partnerSlug },
      org: { teamId: teamId ?? known.teamId, enterpriseId: enterpriseId ?? known.enterpriseId },
      rule: 'known-partner',
    };
  }
  return { actor: { kind: 'unregistered', userId }, org: org(), rule: 'stranger' };
}

/** Nothing in this request contradicts the recorded workspace and organisation. */
function sameOrg(now: PersonOrg, recorded: KnownPerson): boolean {
  if (now.teamId && recorded.teamId && now.teamId !== recorded.teamId) return false;
  if (now.enterpriseId && recorded.enterpriseId && now.enterpriseId !== recorded.enterpriseId) return false;
  // A request that names a workspace we never recorded for them is someone else's door.
  if (now.teamId && !recorded.teamId) return false;
  return true;
}

function stillRegistered(known: KnownPerson): boolean {
  if (known.partnerOrgIds.length === 0) return true;
  return (
    (known.teamId != null && known.partnerOrgIds.includes(known.teamId)) ||
    (known.enterpriseId != null && known.partnerOrgIds.includes(known.enterpriseId))
  );
}

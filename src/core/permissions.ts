import type { Role } from './types.ts';

// Who may do what (PRODUCT.md section 2, "Who may do what"), as one pure function so that every door
// (buttons, modals, commands, CLI) applies the same table and the table itself is tested exhaustively.

export type ActorContext =
  | { kind: 'partner'; userId: string; partnerSlug: string }
  | { kind: 'internal'; userId: string; roles: readonly Role[] }
  | { kind: 'unregistered'; userId: string };

export type Permission =
  | 'flag'
  | 'attest'
  | 'answer_intro'
  | 'view'
  /** The audit history of a lead (internal: it holds reps' and leaders' written reasons). */
  | 'history'
  | 'claim'
  | 'progress'
  | 'reassign'
  | 'override_attribution'
  | 'request_extension'
  | 'grant_extension'
  | 'reports'
  | 'setup'
  /** Approve or reject a partner reward (issue 13): leaders and admins. */
  | 'approve_rewards';

export interface LeadAccess {
  partnerSlug: string;
  ownerUserId: string | null;
  routePool: readonly string[] | null;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const ALLOW: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

const NEEDS_LEAD: ReadonlySet<Permission> = new Set([
  'attest',
  'answer_intro',
  'view',
  'history',
  'claim',
  'progress',
  'reassign',
  'override_attribution',
  'request_extension',
  'grant_extension',
]);

export function authorize(permission: Permission, actor: ActorContext, lead?: LeadAccess): Decision {
  if (NEEDS_LEAD.has(permission) && !lead) throw new Error(`authorize(${permission}) needs the lead`);
  if (actor.kind === 'unregistered') {
    return deny(
      "Your organisation isn't registered in this partner program yet, so Foothold can't take requests from you.",
    );
  }
  if (actor.kind === 'partner') return authorizePartner(permission, actor, lead);
  return authorizeInternal(permission, actor, lead);
}

function authorizePartner(
  permission: Permission,
  actor: Extract<ActorContext, { kind: 'partner' }>,
  lead: LeadAccess | undefined,
): Decision {
  const ownOrg = lead?.partnerSlug === actor.partnerSlug;
  switch (permission) {
    case 'flag':
      return ALLOW;
    case 'attest':
    case 'answer_intro':
    case 'view':
    case 'request_extension':
      // Another org's lead is answered exactly like a missing one: its existence is not ours to reveal.
      return ownOrg
        ? ALLOW
        : deny("That lead isn't one of your organisation's, so you can't see or change it.");
    case 'history':
      return deny("A lead's audit history is for the vendor team; /eql status shows where your leads stand.");
    default:
      return deny('Only the vendor team can do that; your partner manager can help.');
  }
}

function authorizeInternal(
  permission: Permission,
  actor: Extract<ActorContext, { kind: 'internal' }>,
  lead: LeadAccess | undefined,
): Decision {
  const roles = new Set(actor.roles);
  const isAdmin = roles.has('admin');
  const isLeader = roles.has('leader');
  const isRep = roles.has('rep');
  const isOwner = lead?.ownerUserId != null && lead.ownerUserId === actor.userId;
  if (!isAdmin && !isLeader && !isRep) {
    return deny(
      "You don't have a role in this partner program yet; ask a Foothold admin to add you as a rep.",
    );
  }
  const leaderOrAdmin = isAdmin || isLeader;
  switch (permission) {
    case 'flag':
    case 'view':
    case 'history':
      return ALLOW;
    case 'attest':
    case 'answer_intro':
      return deny("Only the partner's own team can answer for the partner.");
    case 'claim':
      if (leaderOrAdmin) return ALLOW;
      if (lead?.routePool && lead.routePool.length > 0 && !lead.routePool.includes(actor.userId)) {
        return deny("This lead's route has its own rep pool, and you aren't in it.");
      }
      return ALLOW;
    case 'progress':
    case 'grant_extension':
      return isOwner || leaderOrAdmin
        ? ALLOW
        : deny('Only the rep who owns this lead, or a leader, can do that.');
    case 'request_extension':
      return isOwner || leaderOrAdmin
        ? ALLOW
        : deny('Only the owner, a leader or the partner can ask for more time.');
    case 'reassign':
    case 'override_attribution':
    case 'reports':
    case 'approve_rewards':
      return leaderOrAdmin ? ALLOW : deny('Only program leaders can do that.');
    case 'setup':
      return isAdmin ? ALLOW : deny('Only Foothold admins can do that.');
  }
}

import { describe, expect, it } from 'vitest';
import {
  type ActorContext,
  authorize,
  type LeadAccess,
  type Permission,
} from '../../src/core/permissions.ts';

// PRODUCT.md section 2, "Who may do what", transcribed column by column. `y` allowed, `n` refused.
const LEAD: LeadAccess = { partnerSlug: 'northwind', ownerUserId: 'U0OWNER', routePool: null };
const POOLED: LeadAccess = { ...LEAD, routePool: ['U0OWNER', 'U0POOLREP'] };

const ACTORS: Record<string, ActorContext> = {
  partnerOwnOrg: { kind: 'partner', userId: 'U0NW', partnerSlug: 'northwind' },
  partnerOtherOrg: { kind: 'partner', userId: 'U0CO', partnerSlug: 'contoso' },
  unregistered: { kind: 'unregistered', userId: 'U0X' },
  rep: { kind: 'internal', userId: 'U0REP', roles: ['rep'] },
  ownerRep: { kind: 'internal', userId: 'U0OWNER', roles: ['rep'] },
  leader: { kind: 'internal', userId: 'U0LEAD', roles: ['leader'] },
  admin: { kind: 'internal', userId: 'U0ADMIN', roles: ['admin'] },
  noRole: { kind: 'internal', userId: 'U0NOBODY', roles: [] },
};

const MATRIX: Array<[Permission, Record<keyof typeof ACTORS, 'y' | 'n'>]> = [
  [
    // Not a row of PRODUCT.md's table: the audit history holds internal reasons, so only the vendor team sees it.
    'history',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'y',
      ownerRep: 'y',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'flag',
    {
      partnerOwnOrg: 'y',
      partnerOtherOrg: 'y',
      unregistered: 'n',
      rep: 'y',
      ownerRep: 'y',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'attest',
    {
      partnerOwnOrg: 'y',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'n',
      leader: 'n',
      admin: 'n',
      noRole: 'n',
    },
  ],
  [
    'answer_intro',
    {
      partnerOwnOrg: 'y',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'n',
      leader: 'n',
      admin: 'n',
      noRole: 'n',
    },
  ],
  [
    'view',
    {
      partnerOwnOrg: 'y',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'y',
      ownerRep: 'y',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'claim',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'y',
      ownerRep: 'y',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'progress',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'y',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'reassign',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'n',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'override_attribution',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'n',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'request_extension',
    {
      partnerOwnOrg: 'y',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'y',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'grant_extension',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'y',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'reports',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'n',
      leader: 'y',
      admin: 'y',
      noRole: 'n',
    },
  ],
  [
    'setup',
    {
      partnerOwnOrg: 'n',
      partnerOtherOrg: 'n',
      unregistered: 'n',
      rep: 'n',
      ownerRep: 'n',
      leader: 'n',
      admin: 'y',
      noRole: 'n',
    },
  ],
];

const cases = MATRIX.flatMap(([permission, row]) =>
  Object.entries(row).map(([actor, expected]) => ({ permission, actor, expected })),
);

describe('authorize follows the product matrix', () => {
  it.each(cases)('$permission by $actor → $expected', ({ permission, actor, expected }) => {
    const decision = authorize(permission, ACTORS[actor]!, LEAD);
    expect(decision.allowed).toBe(expected === 'y');
    if (!decision.allowed) expect(decision.reason.length).toBeGreaterThan(10);
  });
});

describe('claiming within a route pool', () => {
  it.each([
    {
      who: 'pool rep',
      actor: { kind: 'internal', userId: 'U0POOLREP', roles: ['rep'] } as ActorContext,
      allowed: true,
    },
    { who: 'rep outside the pool', actor: ACTORS.rep!, allowed: false },
    { who: 'leader outside the pool', actor: ACTORS.leader!, allowed: true },
  ])('$who → $allowed', ({ actor, allowed }) => {
    expect(authorize('claim', actor, POOLED).allowed).toBe(allowed);
  });
});

it('never names the other organisation when refusing a partner', () => {
  const decision = authorize('view', ACTORS.partnerOtherOrg!, LEAD);
  expect(decision.allowed).toBe(false);
  if (!decision.allowed) expect(decision.reason).not.toMatch(/northwind/i);
});

it('requires the lead for lead-scoped permissions', () => {
  expect(() => authorize('claim', ACTORS.rep!)).toThrow(/needs the lead/);
});

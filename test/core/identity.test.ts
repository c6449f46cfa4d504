import { describe, expect, it } from 'vitest';
import {
  decideActor,
  type IdentityDirectory,
  type IdentityRule,
  type KnownPerson,
  type OrgFields,
  orgOfPerson,
  type PersonOrg,
} from '../../src/core/identity.ts';
import type { Role } from '../../src/core/types.ts';

// PRODUCT.md section 2, "Identity across organisations". The vendor is Grid organisation E0VENDOR with
// workspaces T0VENDOR (where Foothold is installed) and T0VSALES (a sibling). Partners: Northwind on Grid,
// registered by its organisation id E0NORTH; Contoso by workspace id T0CONTOSO; Fabrikam only by its
// single-organisation shared channel C0SHAREDF.

// ─── step 1: what a request says about the person's own workspace and organisation ────────────────────
const ORG_CASES: Array<[string, OrgFields, PersonOrg]> = [
  [
    'plain workspace: nothing but a team',
    { userTeamId: 'T1', surfaceTeamId: 'T1' },
    { teamId: 'T1', enterpriseId: null },
  ],
  [
    'Grid workspace: the workspace names its organisation',
    { userTeamId: 'T1', surfaceTeamId: 'T1', surfaceEnterpriseId: 'E1', installEnterpriseId: 'E1' },
    { teamId: 'T1', enterpriseId: 'E1' },
  ],
  [
    'Grid user: Slack reports the organisation in user.team_id',
    { userTeamId: 'E1', surfaceTeamId: 'T1', surfaceEnterpriseId: 'E1', installEnterpriseId: 'E1' },
    { teamId: 'T1', enterpriseId: 'E1' },
  ],
  [
    'Grid user of another organisation in a shared channel: not the workspace they clicked in',
    { userTeamId: 'E2', surfaceTeamId: 'T1', surfaceEnterpriseId: 'E1', installEnterpriseId: 'E1' },
    { teamId: null, enterpriseId: 'E2' },
  ],
  [
    'user.enterprise_id wins over anything installation-level',
    { userTeamId: 'T2', userEnterpriseId: 'E2', surfaceTeamId: 'T1', surfaceEnterpriseId: 'E1' },
    { teamId: 'T2', enterpriseId: 'E2' },
  ],
  [
    'Slack Connect external person: the vendor’s organisation is never theirs',
    { userTeamId: 'T2', surfaceTeamId: 'T1', surfaceEnterpriseId: 'E1', installEnterpriseId: 'E1' },
    { teamId: 'T2', enterpriseId: null },
  ],
  [
    'org-wide install, a button (team: null): the installation’s organisation is not evidence',
    { userTeamId: 'T2', surfaceTeamId: null, installEnterpriseId: 'E1', isEnterpriseInstall: true },
    { teamId: 'T2', enterpriseId: null },
  ],
  [
    'org-wide install, a shortcut (team: null): only the installing organisation can invoke it',
    {
      userTeamId: 'T2',
      surfaceTeamId: null,
      installEnterpriseId: 'E1',
      isEnterpriseInstall: true,
      invokedFromOwnOrg: true,
    },
    { teamId: 'T2', enterpriseId: 'E1' },
  ],
  [
    'slash command on Grid: team_id and enterprise_id are the invoker’s',
    { userTeamId: 'T3', surfaceTeamId: 'T3', surfaceEnterpriseId: 'E3', invokedFromOwnOrg: true },
    { teamId: 'T3', enterpriseId: 'E3' },
  ],
  [
    'no user.team_id: the workspace it happened in',
    { surfaceTeamId: 'T1' },
    { teamId: 'T1', enterpriseId: null },
  ],
  ['nothing at all', {}, { teamId: null, enterpriseId: null }],
];

describe('orgOfPerson', () => {
  it.each(ORG_CASES)('%s', (_name, fields, expected) => {
    expect(orgOfPerson(fields)).toEqual(expected);
  });
});

// ─── step 2: partner, internal or stranger ────────────────────────────────────────────────────────────
const ORG_IDS: Record<string, string> = { E0NORTH: 'northwind', T0CONTOSO: 'contoso' };
const ORG_IDS_OF: Record<string, string[]> = { northwind: ['E0NORTH'], contoso: ['T0CONTOSO'], fabrikam: [] };
const CHANNELS: Record<string, string> = {
  C0SHAREDN: 'northwind',
  C0SHAREDC: 'contoso',
  C0SHAREDF: 'fabrikam',
};
const WORKSPACES: Record<string, string> = { T0VSALES: 'E0VENDOR', T0NWEU: 'E0NORTH' };
const ROLES: Record<string, Role[]> = { U0REP: ['rep'], U0ADMIN: ['admin'] };

function directory(known: Record<string, KnownPerson> = {}, inactive: string[] = []): IdentityDirectory {
  return {
    homeTeamIds: ['T0VENDOR'],
    homeEnterpriseIds: ['E0VENDOR'],
    partnerOfOrgId: (id) => (ORG_IDS[id] && !inactive.includes(ORG_IDS[id]) ? ORG_IDS[id] : null),
    partnerOfChannel: (c) =>
      CHANNELS[c] && !inactive.includes(CHANNELS[c])
        ? { slug: CHANNELS[c], hasOrgIds: (ORG_IDS_OF[CHANNELS[c]] ?? []).length > 0 }
        : null,
    enterpriseOfTeam: (t) => WORKSPACES[t] ?? null,
    rolesOf: (u) => ROLES[u] ?? [],
    known: (u) => known[u] ?? null,
  };
}

type Expect =
  | { kind: 'partner'; slug: string }
  | { kind: 'internal'; roles: Role[] }
  | { kind: 'unregistered' };
const P = (slug: string): Expect => ({ kind: 'partner', slug });
const I = (...roles: Role[]): Expect => ({ kind: 'internal', roles });
const NONE: Expect = { kind: 'unregistered' };

const who = (
  teamId: string | null,
  enterpriseId: string | null,
  channelId: string | null = null,
  userId = 'U0X',
) => ({
  userId,
  teamId,
  enterpriseId,
  channelId,
});

const NW_KNOWN: KnownPerson = {
  partnerSlug: 'northwind',
  teamId: 'T0NWEU',
  enterpriseId: 'E0NORTH',
  partnerActive: true,
  partnerOrgIds: ['E0NORTH'],
};

const DECISIONS: Array<[string, ReturnType<typeof who>, Expect, IdentityRule, Record<string, KnownPerson>?]> =
  [
    ['vendor workspace, no role', who('T0VENDOR', null), I(), 'home'],
    ['vendor workspace, a rep', who('T0VENDOR', null, null, 'U0REP'), I('rep'), 'home'],
    ['vendor organisation by id', who(null, 'E0VENDOR'), I(), 'home'],
    ['sibling vendor workspace, learnt to be in the vendor organisation', who('T0VSALES', null), I(), 'home'],
    [
      'sibling vendor workspace in a channel that vouches for a partner: still home',
      who('T0VSALES', null, 'C0SHAREDF'),
      I(),
      'home',
    ],
    [
      'vendor organisation in a channel that vouches for a partner',
      who(null, 'E0VENDOR', 'C0SHAREDF'),
      I(),
      'home',
    ],
    ['Grid partner by organisation id', who('T0NWEU', 'E0NORTH'), P('northwind'), 'partner-org'],
    [
      'Grid partner, organisation only (user.team_id = E…)',
      who(null, 'E0NORTH'),
      P('northwind'),
      'partner-org',
    ],
    [
      'Grid partner workspace learnt to be in its organisation',
      who('T0NWEU', null),
      P('northwind'),
      'partner-org',
    ],
    ['partner by workspace id', who('T0CONTOSO', null), P('contoso'), 'partner-org'],
    [
      'partner by workspace id, in another partner’s channel',
      who('T0CONTOSO', null, 'C0SHAREDN'),
      P('contoso'),
      'partner-org',
    ],
    ['a role holder from an unknown workspace', who('T0ELSE', null, null, 'U0ADMIN'), I('admin'), 'role'],
    ['single-organisation channel vouches', who('T0FAB', null, 'C0SHAREDF'), P('fabrikam'), 'channel'],
    [
      'a channel of a partner registered by org ids does not vouch for strangers',
      who('T0ELSE', null, 'C0SHAREDN'),
      NONE,
      'stranger',
    ],
    ['unknown workspace, no channel', who('T0ELSE', null), NONE, 'stranger'],
    [
      'known partner on App Home (no workspace in the request)',
      who(null, null, null, 'U0NW'),
      P('northwind'),
      'known-partner',
      { U0NW: NW_KNOWN },
    ],
    [
      'known partner, but the request names another workspace',
      who('T0ELSE', null, null, 'U0NW'),
      NONE,
      'stranger',
      { U0NW: NW_KNOWN },
    ],
    [
      'known partner, but another organisation',
      who(null, 'E0OTHER', null, 'U0NW'),
      NONE,
      'stranger',
      { U0NW: NW_KNOWN },
    ],
    [
      'known partner whose organisation is no longer registered',
      who(null, null, null, 'U0NW'),
      NONE,
      'stranger',
      { U0NW: { ...NW_KNOWN, partnerOrgIds: ['E0NEWID'] } },
    ],
    [
      'known partner, partner deactivated',
      who(null, null, null, 'U0NW'),
      NONE,
      'stranger',
      { U0NW: { ...NW_KNOWN, partnerActive: false } },
    ],
  ];

describe('decideActor', () => {
  it.each(DECISIONS)('%s', (_name, input, expected, rule, known) => {
    const d = decideActor(input, directory(known));
    expect(d.rule).toBe(rule);
    if (expected.kind === 'partner')
      expect(d.actor).toEqual({ kind: 'partner', userId: input.userId, partnerSlug: expected.slug });
    else if (expected.kind === 'internal')
      expect(d.actor).toEqual({ kind: 'internal', userId: input.userId, roles: expected.roles });
    else expect(d.actor).toEqual({ kind: 'unregistered', userId: input.userId });
  });

  it('fills in the organisation of a workspace it has learnt, and a known partner’s recorded one', () => {
    expect(decideActor(who('T0NWEU', null), directory()).org).toEqual({
      teamId: 'T0NWEU',
      enterpriseId: 'E0NORTH',
    });
    expect(decideActor(who(null, null, null, 'U0NW'), directory({ U0NW: NW_KNOWN })).org).toEqual({
      teamId: 'T0NWEU',
      enterpriseId: 'E0NORTH',
    });
  });

  it('never makes anyone from home a partner, whatever the registrations say', () => {
    const dir = {
      ...directory(),
      partnerOfOrgId: () => 'northwind',
      partnerOfChannel: () => ({ slug: 'fabrikam', hasOrgIds: false }),
    };
    for (const input of [
      who('T0VENDOR', null, 'C0SHAREDF'),
      who('T0VSALES', null),
      who(null, 'E0VENDOR', 'C0SHAREDN'),
    ])
      expect(decideActor(input, dir).actor.kind).toBe('internal');
  });

  it('an inactive partner recognises nobody', () => {
    expect(decideActor(who('T0CONTOSO', null), directory({}, ['contoso'])).actor.kind).toBe('unregistered');
  });
});

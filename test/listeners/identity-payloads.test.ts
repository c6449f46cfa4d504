import { describe, expect, it } from 'vitest';
import { decideActor, type IdentityDirectory } from '../../src/core/identity.ts';
import {
  blockActionBody,
  commandActor,
  eventInstallation,
  interactionActor,
  messageShortcutBody,
  viewSubmissionBody,
  workspaceOrgsOf,
} from '../../src/listeners/payloads.ts';
import type { Person } from '../helpers/slack-actors.ts';
import { ENVELOPES, events, orgOfTeam, VENDOR_ORG, VENDOR_TEAM, WORLDS } from '../helpers/slack-payloads.ts';

// Every surface of the payload library, in every envelope, through the edge extractor and the identity rules:
// the same person is the same kind of actor whichever way Slack wrapped the request.

const REP: Person = { userId: 'U0REP1', teamId: VENDOR_TEAM, channelId: 'C0ROUTING' };
const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const STRANGER: Person = { userId: 'U0STRANGER', teamId: 'T0UNKNOWN', channelId: 'C0RANDOM' };

function directory(grid: boolean): IdentityDirectory {
  const northwind = grid ? orgOfTeam('T0NORTH') : 'T0NORTH';
  return {
    homeTeamIds: [VENDOR_TEAM],
    homeEnterpriseIds: grid ? [VENDOR_ORG] : [],
    partnerOfOrgId: (id) => (id === northwind ? 'northwind' : null),
    partnerOfChannel: (c) => (c === 'C0SHAREDN' ? { slug: 'northwind', hasOrgIds: true } : null),
    enterpriseOfTeam: () => null,
    rolesOf: (u) => (u === REP.userId ? ['rep'] : []),
    known: () => null,
  };
}

const SURFACES = ['slash command', 'block_actions', 'view_submission', 'message shortcut'] as const;

describe.each(ENVELOPES)('envelope %s', (envelope) => {
  const world = WORLDS[envelope];
  const grid = envelope === 'grid' || envelope === 'grid-org';
  const actorOf = (surface: (typeof SURFACES)[number], who: Person) => {
    switch (surface) {
      case 'slash command': {
        const f = world.command(who, { command: '/eql', channelId: who.channelId ?? 'C0GENERAL' });
        return commandActor(f as never);
      }
      case 'block_actions': {
        const b = blockActionBody.parse(
          world.action(who, { actionId: 'flag_account', channelId: who.channelId ?? 'C0X' }),
        );
        return interactionActor(b, b.channel?.id ?? null);
      }
      case 'view_submission': {
        const b = viewSubmissionBody.parse(world.viewSubmission(who, { callbackId: 'submit_lead' }));
        return interactionActor(b, who.channelId ?? null);
      }
      case 'message shortcut': {
        const b = messageShortcutBody.parse(
          world.messageShortcut(who, {
            callbackId: 'flag_as_eql',
            channel: who.channelId ?? 'C0X',
            message: { ts: '1.2' },
          }),
        );
        return interactionActor(b, b.channel.id, { invokedFromOwnOrg: true });
      }
    }
  };

  it.each(SURFACES)(
    '%s: the vendor’s rep is internal, Northwind’s person is Northwind, a stranger is refused',
    (surface) => {
      const dir = directory(grid);
      expect(decideActor(mapActor(actorOf(surface, REP)), dir).actor).toEqual({
        kind: 'internal',
        userId: REP.userId,
        roles: ['rep'],
      });
      expect(decideActor(mapActor(actorOf(surface, PAT)), dir).actor).toEqual({
        kind: 'partner',
        userId: PAT.userId,
        partnerSlug: 'northwind',
      });
      expect(decideActor(mapActor(actorOf(surface, STRANGER)), dir).actor.kind).toBe('unregistered');
    },
  );

  it('records the partner person’s own organisation, never the vendor’s', () => {
    for (const surface of SURFACES) {
      const a = actorOf(surface, PAT);
      expect(a.enterpriseId ?? null, surface).toBe(grid ? 'E0NORTH' : null);
    }
  });

  it('events name the installation they came through', () => {
    for (const event of [
      events.appHomeOpened(PAT.userId),
      events.memberJoinedChannel('U0000BOT', 'C0SHAREDN'),
      events.channelShared('C0ROUTING', 'T0NORTH'),
      events.appUninstalled(),
      events.tokensRevoked({ bot: ['U0000BOT'] }),
    ]) {
      const via = eventInstallation(world.event(event, REP));
      expect(via).toEqual({
        teamId: envelope === 'grid-org' ? null : VENDOR_TEAM,
        enterpriseId: grid ? VENDOR_ORG : null,
        isEnterpriseInstall: envelope === 'grid-org',
      });
    }
  });
});

describe('what each envelope teaches about workspaces and organisations', () => {
  const learnt = (envelope: (typeof ENVELOPES)[number]) => {
    const w = WORLDS[envelope];
    return {
      command: workspaceOrgsOf(w.command(PAT, { command: '/eql' })),
      click: workspaceOrgsOf(w.action(PAT, { actionId: 'x', channelId: 'C0SHAREDN' })),
      event: workspaceOrgsOf(w.event(events.appHomeOpened(REP.userId), REP)),
    };
  };
  it.each([
    ['workspace', [], [], []],
    ['connect', [], [], []],
    // Grid: a command states the invoker's workspace and organisation; a click the workspace it happened in.
    ['grid', [['T0NORTH', 'E0NORTH']], [[VENDOR_TEAM, VENDOR_ORG]], [[VENDOR_TEAM, VENDOR_ORG]]],
    // Org-wide: team is null and authorizations name no workspace; a Grid user's own user.team_id is an E… id.
    ['grid-org', [['T0NORTH', 'E0NORTH']], [], []],
  ] as const)('%s', (envelope, command, click, event) => {
    const pairs = (l: ReadonlyArray<readonly [string, string]>) =>
      l.map(([teamId, enterpriseId]) => ({ teamId, enterpriseId }));
    expect(learnt(envelope)).toEqual({ command: pairs(command), click: pairs(click), event: pairs(event) });
  });

  it('never pairs an external person’s workspace with the installation’s organisation', () => {
    const b = { ...WORLDS.grid.action(PAT, { actionId: 'x' }), user: { id: PAT.userId, team_id: 'T0NORTH' } };
    expect(workspaceOrgsOf(b)).toEqual([{ teamId: VENDOR_TEAM, enterpriseId: VENDOR_ORG }]);
  });
});

function mapActor(a: {
  userId: string;
  teamId: string | null;
  enterpriseId?: string | null | undefined;
  channelId?: string | null | undefined;
}) {
  return {
    userId: a.userId,
    teamId: a.teamId,
    enterpriseId: a.enterpriseId ?? null,
    channelId: a.channelId ?? null,
  };
}

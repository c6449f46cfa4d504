import type { ProgramConfig } from '../../src/config/program-config.ts';
import {
  type BlockActionInput,
  blockAction,
  eventEnvelope,
  type MessageShortcutInput,
  messageShortcut,
  type SlackPayload,
  type SlashCommandInput,
  slashCommand,
  type ViewPayloadInput,
  viewSubmission,
} from '../../src/dev/slack-client.ts';
import type { StandInOptions } from '../../src/dev/slack-stand-in.ts';
import type { Harness } from './harness.ts';
import type { Person } from './slack-actors.ts';

// The payload library: every request Foothold handles, as Slack sends it in four envelopes. Built from
// Slack's documented shapes (the builders in src/dev/slack-client.ts give the plain ones), re-wrapped per
// envelope following:
// - interactivity (block_actions, view_submission, message_action): `user.team_id` is the person's own
//   workspace and differs from `team` in Slack Connect (/work/shared/slack/FACTS.md); "The user.team_id will
//   report an enterprise organization ID (which starts with an E) instead of team ID (which starts with a T),
//   when using an Enterprise organization"; `team` "can also have the properties enterprise_id and
//   enterprise_name" (https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload, the same
//   user/team properties as block_actions); top-level `enterprise` and `is_enterprise_install`, `team` null for
//   org-wide apps (bolt-js src/types/shortcuts/global-shortcut.ts, src/types/actions/block-action.ts);
// - slash commands: `team_id, team_domain, enterprise_id, enterprise_name, …, is_enterprise_install` as the
//   strings "true"/"false" (FACTS.md; https://api.slack.com/interactivity/slash-commands);
// - events: `team_id`, `enterprise_id`, `authorizations[]` with `enterprise_id`, `team_id` (null for an org-wide
//   install) and `is_enterprise_install`, `is_ext_shared_channel`
//   (https://api.slack.com/enterprise/apps/reference; bolt-python tests/scenario_tests/test_events_org_apps.py
//   and test_events_shared_channels.py);
// - app_home_opened `{ user, channel, tab, view? }`, member_joined_channel `{ user, channel, channel_type, team,
//   inviter }`, channel_shared `{ connected_team_id, channel }`, app_uninstalled `{}`, tokens_revoked
//   `{ tokens: { oauth: [user ids], bot: [user ids] } }` (https://docs.slack.dev/reference/events/…;
//   bolt-python test_events_token_revocations.py; FACTS.md "Slack Connect").

export const ENVELOPES = ['workspace', 'connect', 'grid', 'grid-org'] as const;
export type Envelope = (typeof ENVELOPES)[number];

export const ENVELOPE_LABEL: Record<Envelope, string> = {
  workspace: 'plain workspace (each person in their own workspace’s install)',
  connect: 'Slack Connect (partners external in the vendor’s shared channels)',
  grid: 'Enterprise Grid workspace install',
  'grid-org': 'Enterprise Grid org-wide install (team: null)',
};

export const VENDOR_TEAM = 'T0VENDOR';
export const VENDOR_ORG = 'E0VENDOR';

/** Each workspace's Grid organisation in the Grid envelopes (`T0NORTH` → `E0NORTH`). */
export function orgOfTeam(teamId: string): string {
  return teamId.startsWith('E') ? teamId : `E${teamId.slice(1)}`;
}

const isGrid = (e: Envelope) => e === 'grid' || e === 'grid-org';
const domainOf = (teamId: string) => (teamId === VENDOR_TEAM ? 'vendor' : teamId.toLowerCase());

/**
 * One envelope's world: how the program registers partners (by `E…` organisation id on Grid), the vendor's
 * Slack (its organisation from auth.test on Grid), and every request re-wrapped the way Slack sends it there.
 */
export interface EnvelopeWorld {
  envelope: Envelope;
  /** Registers partners by their organisation ids on Grid (every workspace of theirs is theirs). */
  config(config: ProgramConfig): ProgramConfig;
  standIn(options: StandInOptions): StandInOptions;
  /** The person's own organisation in this envelope (null outside Grid). */
  orgOf(who: Person): string | null;
  /** A service-level actor as the edge would hand it to the use cases. */
  serviceActor(who: Person): {
    userId: string;
    teamId: string | null;
    enterpriseId: string | null;
    channelId: string | null;
  };
  command(who: Person, input: SlashCommandInput): Record<string, string>;
  action(who: Person, input: BlockActionInput): SlackPayload;
  viewSubmission(who: Person, input: ViewPayloadInput): SlackPayload;
  /** Shortcuts are not shared: they come through the person's own organisation's install. */
  messageShortcut(who: Person, input: MessageShortcutInput): SlackPayload;
  /** An Events API envelope delivered to the vendor's installation (`who`: whose action caused it). */
  event(event: SlackPayload, who?: Person): SlackPayload;
  /** Re-wraps an interaction payload built elsewhere (e.g. by an older helper) for this envelope. */
  wrapInteraction(who: Person, payload: SlackPayload, opts?: { ownInstall?: boolean }): SlackPayload;
  wrapCommand(who: Person, fields: Record<string, string>): Record<string, string>;
}

export function envelopeWorld(envelope: Envelope): EnvelopeWorld {
  const grid = isGrid(envelope);
  const orgOf = (who: Person) => (grid ? orgOfTeam(who.teamId) : null);

  function wrapInteraction(
    who: Person,
    payload: SlackPayload,
    opts: { ownInstall?: boolean } = {},
  ): SlackPayload {
    // The workspace whose install received it: the person's own in the plain envelope and for shortcuts,
    // the vendor's otherwise.
    const installTeam = envelope === 'workspace' || opts.ownInstall ? who.teamId : VENDOR_TEAM;
    const installOrg = grid ? orgOfTeam(installTeam) : null;
    const user = {
      ...(payload.user as Record<string, unknown>),
      team_id: grid ? orgOfTeam(who.teamId) : who.teamId,
    };
    const out: SlackPayload = { ...payload, user };
    if (envelope === 'grid-org') out.team = null;
    else
      out.team = {
        id: installTeam,
        domain: domainOf(installTeam),
        ...(installOrg ? { enterprise_id: installOrg, enterprise_name: `${installOrg} Org` } : {}),
      };
    out.enterprise = installOrg ? { id: installOrg, name: `${installOrg} Org` } : null;
    out.is_enterprise_install = envelope === 'grid-org';
    if (out.view && typeof out.view === 'object')
      out.view = { ...(out.view as SlackPayload), team_id: installTeam, app_installed_team_id: installTeam };
    if (out.message && typeof out.message === 'object' && 'team' in (out.message as SlackPayload))
      out.message = { ...(out.message as SlackPayload), team: installTeam };
    return out;
  }

  function wrapCommand(who: Person, fields: Record<string, string>): Record<string, string> {
    // Slash commands are not shared in Slack Connect: the command comes from the person's own workspace.
    const out: Record<string, string> = { ...fields, team_id: who.teamId, team_domain: domainOf(who.teamId) };
    delete out.enterprise_id;
    delete out.enterprise_name;
    if (grid) {
      const org = orgOfTeam(who.teamId);
      // Slack's field order: enterprise_* right after team_*.
      const { token, team_id, team_domain, ...rest } = out;
      return {
        token: token ?? '',
        team_id: team_id ?? '',
        team_domain: team_domain ?? '',
        enterprise_id: org,
        enterprise_name: `${org} Org`,
        ...rest,
        is_enterprise_install: envelope === 'grid-org' ? 'true' : 'false',
      };
    }
    return { ...out, is_enterprise_install: 'false' };
  }

  return {
    envelope,
    config(config) {
      if (!grid) return config;
      return {
        ...config,
        partners: config.partners.map((p) => ({ ...p, teamIds: [...new Set(p.teamIds.map(orgOfTeam))] })),
      };
    },
    standIn(options) {
      if (!grid) return options;
      return {
        ...options,
        team: {
          id: VENDOR_TEAM,
          name: 'Vendor',
          domain: 'vendor',
          ...options.team,
          enterpriseId: VENDOR_ORG,
        },
      };
    },
    orgOf,
    serviceActor: (who) => ({
      userId: who.userId,
      teamId: grid ? null : who.teamId,
      enterpriseId: orgOf(who),
      channelId: who.channelId ?? null,
    }),
    command: (who, input) =>
      wrapCommand(who, slashCommand({ ...input, userId: who.userId, teamId: who.teamId })),
    action: (who, input) =>
      wrapInteraction(who, blockAction({ ...input, user: { id: who.userId, team_id: who.teamId } })),
    viewSubmission: (who, input) =>
      wrapInteraction(who, viewSubmission({ ...input, user: { id: who.userId, team_id: who.teamId } })),
    messageShortcut: (who, input) =>
      wrapInteraction(who, messageShortcut({ ...input, user: { id: who.userId, team_id: who.teamId } }), {
        ownInstall: true,
      }),
    event(event, who) {
      const team = envelope === 'workspace' && who ? who.teamId : VENDOR_TEAM;
      const org = grid ? orgOfTeam(team) : undefined;
      const env = eventEnvelope(event, {
        teamId: team,
        ...(org ? { enterpriseId: org } : {}),
        isExtSharedChannel: envelope === 'connect' && who != null && who.teamId !== VENDOR_TEAM,
        authorizations: [
          {
            enterprise_id: org ?? null,
            team_id: envelope === 'grid-org' ? null : team,
            user_id: 'U0000BOT',
            is_bot: true,
            is_enterprise_install: envelope === 'grid-org',
          },
        ],
      });
      return env;
    },
    wrapInteraction,
    wrapCommand,
  };
}

/** `/eql <text>` typed by this person, as Slack sends it in this envelope (with a trigger the stand-in knows). */
export function eqlCommand(world: EnvelopeWorld, h: Harness, who: Person, text: string) {
  return h.slack.command(
    world.command(who, {
      command: '/eql',
      channelId: who.channelId ?? 'C0GENERAL',
      text,
      triggerId: h.standIn.issueTriggerId({ userId: who.userId }),
    }),
  );
}

export const WORLDS: Record<Envelope, EnvelopeWorld> = {
  workspace: envelopeWorld('workspace'),
  connect: envelopeWorld('connect'),
  grid: envelopeWorld('grid'),
  'grid-org': envelopeWorld('grid-org'),
};

// ─── the events, as Slack documents them ──────────────────────────────────────────────────────────────

export const events = {
  appHomeOpened: (userId: string, channel = 'D0HOME') => ({
    type: 'app_home_opened',
    user: userId,
    channel,
    tab: 'home',
  }),
  memberJoinedChannel: (userId: string, channel: string, opts: { team?: string; inviter?: string } = {}) => ({
    type: 'member_joined_channel',
    user: userId,
    channel,
    channel_type: 'C',
    team: opts.team ?? VENDOR_TEAM,
    ...(opts.inviter ? { inviter: opts.inviter } : {}),
  }),
  channelShared: (channel: string, connectedTeamId: string) => ({
    type: 'channel_shared',
    connected_team_id: connectedTeamId,
    channel,
  }),
  appUninstalled: () => ({ type: 'app_uninstalled' }),
  tokensRevoked: (tokens: { oauth?: string[]; bot?: string[] }) => ({ type: 'tokens_revoked', tokens }),
};

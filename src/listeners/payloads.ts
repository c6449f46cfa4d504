import { z } from 'zod';
import { type OrgFields, orgOfPerson } from '../core/identity.ts';
import type { Actor } from '../services/inputs.ts';

// The parts of Slack's payloads Foothold relies on, validated at the edge. Anything else Slack sends is
// ignored; a payload missing these is answered with a generic error and changes nothing.

export const userRef = z.object({
  id: z.string().min(1),
  team_id: z.string().optional(),
  enterprise_id: z.string().nullable().optional(),
});

/** The workspace an interaction happened in; null for an org-wide (Grid) install. */
const teamRef = z
  .object({ id: z.string(), enterprise_id: z.string().nullable().optional() })
  .nullable()
  .optional();
/** The installation's Grid organisation (null outside Grid). */
const enterpriseRef = z.object({ id: z.string() }).nullable().optional();
const orgOfInstall = {
  team: teamRef,
  enterprise: enterpriseRef,
  is_enterprise_install: z.boolean().optional(),
};

export const blockActionBody = z.object({
  type: z.literal('block_actions'),
  user: userRef,
  ...orgOfInstall,
  trigger_id: z.string().min(1),
  channel: z.object({ id: z.string() }).optional(),
  container: z
    .object({ channel_id: z.string().optional(), message_ts: z.string().optional() })
    .passthrough()
    .optional(),
  view: z.object({ id: z.string(), private_metadata: z.string().optional() }).passthrough().optional(),
  actions: z
    .array(
      z
        .object({ action_id: z.string(), block_id: z.string().optional(), value: z.string().optional() })
        .passthrough(),
    )
    .min(1),
});
export type BlockActionBody = z.infer<typeof blockActionBody>;

export const viewSubmissionBody = z.object({
  type: z.literal('view_submission'),
  user: userRef,
  ...orgOfInstall,
  view: z.object({
    id: z.string(),
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }),
    blocks: z.array(z.object({ block_id: z.string().optional() }).passthrough()).optional(),
  }),
});
export type ViewSubmissionBody = z.infer<typeof viewSubmissionBody>;

export const messageShortcutBody = z.object({
  type: z.literal('message_action'),
  user: userRef,
  ...orgOfInstall,
  trigger_id: z.string().min(1),
  channel: z.object({ id: z.string() }),
  message: z
    .object({ ts: z.string(), text: z.string().optional(), user: z.string().optional() })
    .passthrough(),
  message_ts: z.string().optional(),
});

/** Modal state carried in `private_metadata` (Slack gives it back untouched on submission). */
export const modalMeta = z.object({
  channelId: z.string().nullable().optional(),
  sourceMessageUrl: z.string().nullable().optional(),
  leadId: z.number().int().positive().optional(),
  version: z.number().int().positive().optional(),
  kind: z.string().optional(),
  /** A reward award (the reject-reward modal). */
  awardId: z.number().int().positive().optional(),
  /** The message the modal was opened from, updated once the modal is submitted. */
  messageTs: z.string().optional(),
});
export type ModalMeta = z.infer<typeof modalMeta>;

export function encodeMeta(meta: ModalMeta): string {
  return JSON.stringify(meta);
}

export function decodeMeta(raw: string | undefined): ModalMeta | null {
  if (!raw) return {};
  try {
    const parsed = modalMeta.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- identity: the fields Slack sends

/** An interaction payload's identity fields (block_actions, view_submission, message_action). */
export type InteractionOrg = {
  user: z.infer<typeof userRef>;
  team?: z.infer<typeof teamRef>;
  enterprise?: z.infer<typeof enterpriseRef>;
  is_enterprise_install?: boolean | undefined;
};

/** The installation a request came through, as Bolt keys installations. */
export interface ViaInstallation {
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
}

function interactionFields(b: InteractionOrg, invokedFromOwnOrg: boolean): OrgFields {
  return {
    userTeamId: b.user.team_id,
    userEnterpriseId: b.user.enterprise_id,
    surfaceTeamId: b.team?.id,
    surfaceEnterpriseId: b.team?.enterprise_id,
    installEnterpriseId: b.enterprise?.id,
    isEnterpriseInstall: b.is_enterprise_install,
    invokedFromOwnOrg,
  };
}

/**
 * Who clicked or submitted: their own workspace (`user.team_id`) and organisation (`user.enterprise_id`, or the
 * workspace's when they sit in it; never the installation's for someone from another organisation). Buttons
 * are shared in Slack Connect; shortcuts are not (`invokedFromOwnOrg`).
 */
export function interactionActor(
  b: InteractionOrg,
  channelId: string | null,
  opts: { invokedFromOwnOrg?: boolean } = {},
): Actor {
  const org = orgOfPerson(interactionFields(b, opts.invokedFromOwnOrg ?? false));
  return { userId: b.user.id, teamId: org.teamId, enterpriseId: org.enterpriseId, channelId };
}

/** A slash command's fields (Bolt passes them as strings; `is_enterprise_install` is "true"/"false"). */
export interface CommandOrg {
  user_id: string;
  team_id?: string | undefined;
  enterprise_id?: string | undefined;
  channel_id?: string | undefined;
  is_enterprise_install?: string | boolean | undefined;
}

/** Slash commands are not shared: `team_id` and `enterprise_id` are the invoking person's own. */
export function commandActor(c: CommandOrg): Actor {
  const org = orgOfPerson({
    userTeamId: c.team_id,
    surfaceTeamId: c.team_id,
    surfaceEnterpriseId: c.enterprise_id,
    invokedFromOwnOrg: true,
  });
  return {
    userId: c.user_id,
    teamId: org.teamId,
    enterpriseId: org.enterpriseId,
    channelId: c.channel_id ?? null,
  };
}

/** An Events API envelope's installation: `authorizations[0]` first (as Bolt reads it), then the envelope. */
export const eventEnvelopeOrg = z.object({
  team_id: z.string().nullable().optional(),
  enterprise_id: z.string().nullable().optional(),
  is_enterprise_install: z.boolean().optional(),
  authorizations: z
    .array(
      z.object({
        team_id: z.string().nullable().optional(),
        enterprise_id: z.string().nullable().optional(),
        is_enterprise_install: z.boolean().optional(),
      }),
    )
    .optional(),
});

export function eventInstallation(body: unknown): ViaInstallation {
  const parsed = eventEnvelopeOrg.safeParse(body);
  if (!parsed.success) return { teamId: null, enterpriseId: null, isEnterpriseInstall: false };
  const env = parsed.data;
  const auth = env.authorizations?.[0];
  const isEnterpriseInstall = auth?.is_enterprise_install ?? env.is_enterprise_install ?? false;
  return {
    teamId: (auth ? auth.team_id : env.team_id) ?? (isEnterpriseInstall ? null : (env.team_id ?? null)),
    enterpriseId: auth?.enterprise_id ?? env.enterprise_id ?? null,
    isEnterpriseInstall,
  };
}

const teamId = z.string().regex(/^T[A-Z0-9]+$/);
const orgId = z.string().regex(/^E[A-Z0-9]+$/);
/** Where one request states a workspace together with its Grid organisation. */
const workspaceEvidence = z.object({
  // slash command
  command: z.string().optional(),
  team_id: z.unknown().optional(),
  enterprise_id: z.unknown().optional(),
  // interactivity
  team: z.object({ id: z.unknown(), enterprise_id: z.unknown().optional() }).nullable().optional(),
  user: z
    .object({ team_id: z.unknown().optional(), enterprise_id: z.unknown().optional() })
    .nullable()
    .optional(),
  // events
  authorizations: z
    .array(z.object({ team_id: z.unknown().optional(), enterprise_id: z.unknown().optional() }))
    .optional(),
});

/**
 * The (workspace, organisation) pairs a request states: a command's `team_id` with its `enterprise_id`, an
 * interaction's `team.id` with `team.enterprise_id` (and `user.team_id` with `user.enterprise_id`), an event's
 * `authorizations[]`. Never an installation-level `enterprise` paired with someone else's workspace.
 */
export function workspaceOrgsOf(body: unknown): Array<{ teamId: string; enterpriseId: string }> {
  const parsed = workspaceEvidence.safeParse(body);
  if (!parsed.success) return [];
  const b = parsed.data;
  const candidates: Array<[unknown, unknown]> = [];
  if (b.command) candidates.push([b.team_id, b.enterprise_id]);
  if (b.team) candidates.push([b.team.id, b.team.enterprise_id]);
  if (b.user) candidates.push([b.user.team_id, b.user.enterprise_id]);
  for (const a of b.authorizations ?? []) candidates.push([a.team_id, a.enterprise_id]);
  const out: Array<{ teamId: string; enterpriseId: string }> = [];
  for (const [t, e] of candidates) {
    const team = teamId.safeParse(t);
    const org = orgId.safeParse(e);
    if (team.success && org.success && !out.some((p) => p.teamId === team.data))
      out.push({ teamId: team.data, enterpriseId: org.data });
  }
  return out;
}

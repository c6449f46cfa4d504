import { z } from 'zod';
import type { Actor } from '../services/inputs.ts';

// The parts of Slack's payloads Foothold relies on, validated at the edge. Anything else Slack sends is
// ignored; a payload missing these is answered with a generic error and changes nothing.

export const userRef = z.object({ id: z.string().min(1), team_id: z.string().optional() });

export const blockActionBody = z.object({
  type: z.literal('block_actions'),
  user: userRef,
  team: z.object({ id: z.string() }).nullable().optional(),
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
  team: z.object({ id: z.string() }).nullable().optional(),
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
  team: z.object({ id: z.string() }).nullable().optional(),
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

export function actorOf(
  user: { id: string; team_id?: string | undefined },
  team: { id: string } | null | undefined,
  channelId: string | null,
): Actor {
  return { userId: user.id, teamId: user.team_id ?? team?.id ?? null, channelId };
}

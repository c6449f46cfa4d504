import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { STATUS_LABELS } from '../core/lifecycle.ts';
import { authorize } from '../core/permissions.ts';
import { canExpire } from '../core/sla.ts';
import type { LeadView } from '../core/types.ts';
import { type Tx, transaction } from '../db/connection.ts';
import { latestEvent } from '../db/stores/job-store.ts';
import { appendEvent } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { usersWithRole } from '../db/stores/program-store.ts';
import { extensionRequestedAck } from '../slack/blocks/extension-messages.ts';
import { extensionRequestDm } from '../slack/blocks/internal-messages.ts';
import { oneLine, userText } from '../slack/mrkdwn.ts';
import { accessOf, loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { actorSchema } from './inputs.ts';
import { dm } from './notify.ts';
import { parseInput } from './validation.ts';

// A partner (or the owner) asks for more time on an expiring or expired lead, from the Request extension
// button of the expiry DMs. The request is logged and goes to whoever can grant it: the owner, or the
// program's leaders when nobody owns the lead. Asking twice in a row is answered, not repeated.

const REPEAT_WINDOW_MS = 3 * 86_400_000;

const requestExtensionInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
});
export type RequestExtensionInput = z.input<typeof requestExtensionInputSchema>;

/** Open or expired leads can be extended; closed ones cannot. */
export function assertExtendable(view: LeadView): void {
  if (canExpire(view.status) || view.status === 'expired') return;
  throw new DomainError(
    'illegal_transition',
    `${oneName(view)} is ${STATUS_LABELS[view.status].toLowerCase()}, so there’s nothing to extend.`,
  );
}

const oneName = (view: LeadView) => userText(oneLine(view.accountName), 120);

/** Who can grant an extension: the owner, else the leaders (else the admins). */
export async function grantorsOf(tx: Tx, view: LeadView): Promise<string[]> {
  if (view.ownerUserId) return [view.ownerUserId];
  const leaders = await usersWithRole(tx, 'leader');
  return leaders.length > 0 ? leaders : await usersWithRole(tx, 'admin');
}

export async function requestExtension(
  deps: ServiceDeps,
  raw: RequestExtensionInput,
): Promise<{ view: LeadView; eventId: number; notified: string[] }> {
  const input = parseInput(requestExtensionInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('request_extension', actor, accessOf(view));
    assertExtendable(view);
    if (authorize('grant_extension', actor, accessOf(view)).allowed) {
      throw new DomainError(
        'invalid_input',
        'You can grant the extension yourself: use “Grant extension” on the routing post or in your reminder.',
      );
    }
    const now = deps.now();
    const last = await latestEvent(tx, view.id, ['extension_requested', 'extension_granted']);
    if (last?.type === 'extension_requested' && now - last.at < REPEAT_WINDOW_MS) {
      throw new DomainError(
        'duplicate',
        `More time on ${oneName(view)} has already been asked for; I’ll let you know as soon as it’s extended.`,
      );
    }
    const eventId = await appendEvent(tx, {
      leadId: view.id,
      type: 'extension_requested',
      actorUserId: input.actor.userId,
      data: { status: view.status },
      at: now,
    });
    const notified = (await grantorsOf(tx, view)).filter((u) => u !== input.actor.userId);
    const ctx = { timeZone: deps.config.timezone, now };
    const messages: OutboxMessage[] = notified.map((u) =>
      dm(
        u,
        `lead:${view.id}:extension-request:${eventId}:${u}`,
        extensionRequestDm(view, input.actor.userId, ctx),
        view.id,
      ),
    );
    messages.push(
      dm(
        input.actor.userId,
        `lead:${view.id}:extension-requested:${eventId}`,
        extensionRequestedAck(view),
        view.id,
      ),
    );
    await enqueue(tx, messages, now);
    return { view, eventId, notified };
  });
}

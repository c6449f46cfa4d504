import { createHash } from 'node:crypto';
import { z } from 'zod';
import { transaction } from '../db/connection.ts';
import { appendEvent } from '../db/stores/lead-store.ts';
import {
  attestationsByContactEmail,
  clearAttestationContacts,
  leadsMentioning,
  redactGateResults,
  redactLeadEvents,
  redactLeadText,
  redactOutbox,
} from '../db/stores/privacy-store.ts';
import { escapeMrkdwn } from '../slack/mrkdwn.ts';
import type { ServiceDeps } from './context.ts';
import { refreshRoutingPost } from './transition.ts';
import { parseInput } from './validation.ts';

// "Forget this person": a partner's named contact asks to be removed. Their name, title and email go from
// every attestation, and their name and email from the leads' free text, gate reasons, audit event details
// and the Slack messages Foothold keeps (queued ones go out without them; routing posts are updated in
// place). Counts, outcomes and the attestations' strength and dates stay, so reports do not change. The
// deletion itself is an audit event that stores a hash of the address, never the address.

const forgetInputSchema = z.object({
  email: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.email({ message: 'Give the contact’s email address, such as jane@acme.com' })),
  byUserId: z.string().nullable().optional(),
});
export type ForgetContactInput = z.input<typeof forgetInputSchema>;

export interface ForgetContactResult {
  /** SHA-256 of the normalised address: what the audit event keeps. */
  emailSha256: string;
  attestations: number;
  leads: number[];
  gateResults: number;
  events: number;
  messages: number;
  routingPostsRefreshed: number;
  auditEventId: number;
}

export async function forgetContact(
  deps: ServiceDeps,
  raw: ForgetContactInput,
): Promise<ForgetContactResult> {
  const input = parseInput(forgetInputSchema, raw);
  const email = input.email;
  const emailSha256 = createHash('sha256').update(email).digest('hex');
  const now = deps.now();
  return transaction(deps.db, async (tx) => {
    const attestations = await attestationsByContactEmail(tx, email);
    // The person's name and title are removed only where they are about them: the leads their email is
    // attached to (elsewhere a "Jane Doe" or a "CTO" may well be someone else).
    const names = new Set<string>();
    const needlesOfName: string[] = [];
    for (const a of attestations) {
      const name = a.contactName?.trim();
      if (!name) continue;
      const title = a.contactTitle?.trim();
      if (title) needlesOfName.push(`${name} (${title})`, `${name}, ${title}`, title);
      names.add(name);
    }
    needlesOfName.push(...names);
    const withEscaped = (list: string[]) => [...new Set(list.flatMap((s) => [s, escapeMrkdwn(s)]))];
    const linkedNeedles = withEscaped([email, ...needlesOfName]).sort((a, b) => b.length - a.length);
    const emailNeedles = withEscaped([email]);

    const linked = [...new Set(attestations.map((a) => a.leadId))];
    const mentioning = (await leadsMentioning(tx, email)).filter((id) => !linked.includes(id));
    const cleared = await clearAttestationContacts(
      tx,
      attestations.map((a) => a.id),
    );
    const changedLeads = new Set<number>(linked);
    let gates = 0;
    let events = 0;
    let messages = 0;
    for (const [ids, needles] of [
      [linked, linkedNeedles],
      [mentioning, emailNeedles],
    ] as const) {
      for (const id of ids) if (await redactLeadText(tx, id, needles)) changedLeads.add(id);
      gates += await redactGateResults(tx, ids, needles);
      events += await redactLeadEvents(tx, ids, needles);
      messages += await redactOutbox(tx, ids, needles);
    }
    messages += await redactOutbox(tx, [], emailNeedles);

    let refreshed = 0;
    const leadIds = [...changedLeads].sort((a, b) => a - b);
    for (const leadId of leadIds) {
      const eventId = await appendEvent(tx, {
        leadId,
        type: 'contact_forgotten',
        actorUserId: input.byUserId ?? null,
        data: { emailSha256 },
        at: now,
      });
      const after = await refreshRoutingPost(tx, deps, leadId, eventId);
      if (after.routeChannel) refreshed++;
    }
    const auditEventId = await appendEvent(tx, {
      leadId: null,
      type: 'contact_forgotten',
      actorUserId: input.byUserId ?? null,
      reason: 'personal data of a partner contact removed on request',
      data: { emailSha256, attestations: cleared, leads: leadIds, gateResults: gates, events, messages },
      at: now,
    });
    return {
      emailSha256,
      attestations: cleared,
      leads: leadIds,
      gateResults: gates,
      events,
      messages,
      routingPostsRefreshed: refreshed,
      auditEventId,
    };
  });
}

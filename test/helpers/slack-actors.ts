import { expect } from 'vitest';
import { getLead } from '../../src/db/stores/lead-store.ts';
import type { SlackRequestResult } from '../../src/dev/slack-client.ts';
import { blockAction, slashCommand, stateValue, viewSubmission } from '../../src/dev/slack-client.ts';
import type { StoredMessage, ViewRecord } from '../../src/dev/slack-stand-in.ts';
import type { Harness } from './harness.ts';

// Plays people in Slack against the running app: each helper sends what Slack would send when that person
// types a command, clicks a button or submits a modal.

export interface Person {
  userId: string;
  teamId: string;
  channelId?: string | null;
}

export async function command(
  h: Harness,
  who: Person,
  text: string,
): Promise<{ res: SlackRequestResult; trigger: string }> {
  const trigger = h.standIn.issueTriggerId({ userId: who.userId });
  const res = await h.slack.command(
    slashCommand({
      command: '/eql',
      userId: who.userId,
      teamId: who.teamId,
      channelId: who.channelId ?? 'C0000GENERAL',
      text,
      triggerId: trigger,
    }),
  );
  return { res, trigger };
}

/**
 * The newest modal opened for a person. `views.open` runs alongside the ack, so the modal may land a moment
 * after the HTTP answer: wait for it (briefly) as a person waits for the modal to appear.
 */
export async function lastModal(h: Harness, userId: string, after = 0): Promise<ViewRecord> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const views = h.standIn.views().filter((v) => v.type === 'modal' && v.userId === userId);
    const v = views.length > after ? views.at(-1) : undefined;
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`no modal was opened for ${userId}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function modalCount(h: Harness, userId: string): number {
  return h.standIn.views().filter((v) => v.type === 'modal' && v.userId === userId).length;
}

export interface SubmissionFields {
  accountName?: string;
  website?: string;
  relationship?: string | null;
  strength?: string | null;
  contactName?: string;
  contactTitle?: string;
  contactEmail?: string;
  lastInteractionOn?: string | null;
  willing?: 'yes' | 'no' | null;
  need?: string;
  notes?: string;
  industry?: string;
  employees?: string;
  country?: string;
  partner?: string | null;
}

export function submissionValues(f: SubmissionFields) {
  const v: Record<string, Record<string, Record<string, unknown>>> = {
    account_name: { account_name: stateValue.text(f.accountName ?? 'Acme Corp') },
    website: { website: stateValue.text(f.website ?? 'acme.com') },
    need: { need: stateValue.text(f.need ?? null) },
    notes: { notes: stateValue.text(f.notes ?? null) },
    industry: { industry: stateValue.text(f.industry ?? 'software') },
    employees: { employees: stateValue.text(f.employees ?? '1200') },
    country: { country: stateValue.text(f.country ?? 'US') },
  };
  if (f.partner !== undefined) v.partner = { partner: stateValue.select(f.partner) };
  if (f.relationship !== undefined || f.partner === undefined) {
    v.relationship = {
      relationship: stateValue.select(f.relationship === undefined ? 'prospect' : f.relationship),
    };
    v.strength = { strength: stateValue.select(f.strength === undefined ? '4' : f.strength) };
    v.contact_name = { contact_name: stateValue.text(f.contactName ?? 'Jane Doe') };
    v.contact_title = { contact_title: stateValue.text(f.contactTitle ?? 'VP Engineering') };
    v.contact_email = { contact_email: stateValue.text(f.contactEmail ?? null) };
    v.last_interaction_on = {
      last_interaction_on: stateValue.date(
        f.lastInteractionOn === undefined ? recentDate() : f.lastInteractionOn,
      ),
    };
    v.willing_to_introduce = {
      willing_to_introduce: stateValue.radio(f.willing === undefined ? 'yes' : f.willing),
    };
  }
  return v;
}

/** Ten days ago, as a calendar date: inside the default 90-day warmth window whatever day tests run. */
export function recentDate(daysAgo = 10): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

export async function submitModal(
  h: Harness,
  who: Person,
  view: ViewRecord,
  values: Record<string, Record<string, unknown>>,
): Promise<SlackRequestResult> {
  return h.slack.viewSubmission(
    viewSubmission({
      user: { id: who.userId, team_id: who.teamId },
      teamId: h.standIn.team.id,
      view: view.payload,
      callbackId: view.callbackId,
      privateMetadata: String(view.payload.private_metadata ?? ''),
      values: values as never,
    }),
  );
}

/**
 * `/eql [text]` then submit the modal: the whole partner flow. Returns the ack's JSON. `text` is what follows
 * `/eql` (e.g. `acme.com` to open the modal prefilled).
 */
export async function flagAccount(
  h: Harness,
  who: Person,
  fields: SubmissionFields = {},
  text = '',
): Promise<Record<string, unknown>> {
  const before = modalCount(h, who.userId);
  const { res } = await command(h, who, text);
  expect(res.status).toBe(200);
  const modal = await lastModal(h, who.userId, before);
  const submitted = await submitModal(h, who, modal, submissionValues(fields));
  expect(submitted.status).toBe(200);
  return (submitted.json ?? {}) as Record<string, unknown>;
}

/** All buttons of a Slack message, by action id. */
export function buttons(
  msg: { blocks?: unknown[] } | undefined,
): Map<string, { value: string; text: string }> {
  const out = new Map<string, { value: string; text: string }>();
  for (const b of (msg?.blocks ?? []) as Array<{ type: string; elements?: unknown[]; accessory?: unknown }>) {
    const els = [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])] as Array<{
      type: string;
      action_id?: string;
      value?: string;
      text?: { text: string };
    }>;
    for (const e of els)
      if (e.type === 'button' && e.action_id)
        out.set(e.action_id, { value: e.value ?? '', text: e.text?.text ?? '' });
  }
  return out;
}

export async function click(
  h: Harness,
  who: Person,
  actionId: string,
  value: string,
  where: { channelId: string; messageTs?: string },
): Promise<{ res: SlackRequestResult; trigger: string }> {
  const trigger = h.standIn.issueTriggerId({ userId: who.userId });
  const res = await h.slack.action(
    blockAction({
      user: { id: who.userId, team_id: who.teamId },
      teamId: h.standIn.team.id,
      actionId,
      value,
      channelId: where.channelId,
      ...(where.messageTs ? { messageTs: where.messageTs } : {}),
      triggerId: trigger,
    }),
  );
  return { res, trigger };
}

/** The routing post of a lead as it stands now in Slack (the first post with every update applied). */
export async function routingPost(
  h: Harness,
  leadId: number,
): Promise<(StoredMessage & { channel: string; ts: string }) | undefined> {
  const lead = await getLead(h.db, leadId);
  const channel = lead?.routingPostChannel;
  const ts = lead?.routingPostTs;
  if (!channel || !ts) return undefined;
  const msg = h.standIn.message(channel, ts);
  return msg ? { ...msg, channel, ts } : undefined;
}

export function allText(x: unknown): string {
  return JSON.stringify(x);
}

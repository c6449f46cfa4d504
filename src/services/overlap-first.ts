import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { evaluateFit, mergeFirmographics } from '../core/gates.ts';
import { isoWeek } from '../core/metrics.ts';
import {
  OVERLAP_ANSWERS,
  type OverlapAnswer,
  type OverlapCandidate,
  selectBatch,
} from '../core/overlap-first.ts';
import { type Tx, transaction } from '../db/connection.ts';
import { getCrmAccount } from '../db/stores/account-store.ts';
import { appendEvent } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import {
  answerAsk,
  batchItems,
  getAsk,
  type OverlapAskRow,
  overlapCandidates,
  previousAsks,
  recordAsk,
} from '../db/stores/overlap-store.ts';
import { getPartner, partnerChannels, partnerPeople } from '../db/stores/program-store.ts';
import { overlapAskManagerMessage, overlapAskMessage } from '../slack/blocks/overlap-first.ts';
import { requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { actorSchema } from './inputs.ts';
import { channelPost, dm, replaceMessage } from './notify.ts';
import { parseInput } from './validation.ts';

// Overlap first (issue 13, item 4; seed 001: "the data finds the candidate; the partner conversation
// qualifies it"). Imported overlaps that pass the fit gate on the CRM account and are not leads yet become a
// weekly question to the partner, capped per batch, best fit first. Answers are remembered and audited:
// "we know them" opens the normal submission, "not now" snoozes the account, "we don't know them" is final.

const DAY = 86_400_000;

/** The accounts a partner may be asked about now: imported overlaps whose CRM account passes the fit gate. */
export async function fittingOverlaps(
  tx: Tx,
  deps: ServiceDeps,
  partnerSlug: string,
): Promise<OverlapCandidate[]> {
  const out: OverlapCandidate[] = [];
  for (const { crm, relationship } of await overlapCandidates(tx, partnerSlug)) {
    const account = { ...crm };
    const fit = evaluateFit(
      { domain: crm.domain, firmographics: mergeFirmographics(account, {}), crm: account },
      deps.config.icp,
    );
    if (fit.outcome !== 'pass') continue;
    const score = typeof fit.details.score === 'number' ? fit.details.score : 0;
    out.push({ domain: crm.domain, accountName: crm.name, relationship, icpScore: score });
  }
  return out;
}

export const overlapBatchKey = (now: number, timeZone: string) => isoWeek(now, timeZone).key;

export interface OverlapBatch {
  partnerSlug: string;
  batchKey: string;
  domains: string[];
  messages: OutboxMessage[];
  /** Who was asked: `people` by DM, the shared `channel`, or the partner `manager` (no one known there). */
  via: 'people' | 'channel' | 'manager';
}

/**
 * Builds and records one partner's batch, inside the job's transaction: the asks (remembered), an audit
 * event, and the message. Who receives it follows the rule for attestation requests: partner people already
 * known by DM, else the partner's shared channel, else its partner manager. Null when nothing is askable.
 */
export async function queueOverlapBatch(
  tx: Tx,
  deps: ServiceDeps,
  partnerSlug: string,
  now: number,
): Promise<OverlapBatch | null> {
  const partner = await getPartner(tx, partnerSlug);
  if (!partner?.active) return null;
  const { maxPerBatch, snoozeDays } = deps.config.overlapFirst;
  const candidates = await fittingOverlaps(tx, deps, partnerSlug);
  if (candidates.length === 0) return null;
  const previous = await previousAsks(
    tx,
    partnerSlug,
    candidates.map((c) => c.domain),
  );
  const chosen = selectBatch(candidates, previous, { now, snoozeMs: snoozeDays * DAY, cap: maxPerBatch });
  if (chosen.length === 0) return null;
  const batchKey = overlapBatchKey(now, deps.config.timezone);
  for (const c of chosen) await recordAsk(tx, { partnerSlug, domain: c.domain, batchKey, at: now });
  await appendEvent(tx, {
    leadId: null,
    type: 'overlap_asked',
    data: { partnerSlug, batchKey, domains: chosen.map((c) => c.domain) },
    at: now,
  });
  const items = await batchItems(tx, partnerSlug, batchKey);
  const key = `overlap-first:${batchKey}:${partnerSlug}`;
  const people = (await partnerPeople(tx, partnerSlug)).slice(0, 3);
  const domains = chosen.map((c) => c.domain);
  if (people.length > 0) {
    const rendered = overlapAskMessage(items);
    return {
      partnerSlug,
      batchKey,
      domains,
      via: 'people',
      messages: people.map((u) => dm(u, `${key}:${u}`, rendered, null)),
    };
  }
  const channel = (await partnerChannels(tx, partnerSlug))[0];
  if (channel) {
    return {
      partnerSlug,
      batchKey,
      domains,
      via: 'channel',
      messages: [channelPost(channel, key, overlapAskMessage(items), null)],
    };
  }
  return {
    partnerSlug,
    batchKey,
    domains,
    via: 'manager',
    messages: [
      dm(partner.managerUserId, `${key}:manager`, overlapAskManagerMessage(partner.name, items), null),
    ],
  };
}

const answerInputSchema = z.object({
  actor: actorSchema,
  askId: z.number().int().positive(),
  answer: z.enum(OVERLAP_ANSWERS),
  /** The batch message the answer came from: re-rendered with the answer in place of the buttons. */
  sourceMessage: z.object({ channel: z.string().min(1), ts: z.string().min(1) }).optional(),
});
export type OverlapAnswerInput = z.input<typeof answerInputSchema>;

export interface OverlapAnswerResult {
  ask: OverlapAskRow;
  accountName: string;
  answer: OverlapAnswer;
}

/** Loads an ask for someone of its own partner org (another org's ask is answered like a missing one). */
export async function askFor(
  tx: Tx,
  deps: ServiceDeps,
  actor: OverlapAnswerInput['actor'],
  askId: number,
): Promise<OverlapAskRow> {
  const who = await resolveActor(tx, deps, actor);
  const ask = await getAsk(tx, askId);
  if (!ask) throw new DomainError('not_found', 'That question no longer exists.');
  requirePermission('attest', who, { partnerSlug: ask.partnerSlug, ownerUserId: null, routePool: null });
  return ask;
}

/** A partner answers one account of an overlap-first batch; remembered, audited, the message updated. */
export async function answerOverlapAsk(
  deps: ServiceDeps,
  raw: OverlapAnswerInput,
): Promise<OverlapAnswerResult> {
  const input = parseInput(answerInputSchema, raw);
  return transaction(deps.db, async (tx) => {
    const ask = await askFor(tx, deps, input.actor, input.askId);
    if (ask.status !== 'asked') {
      throw new DomainError('stale', 'Someone on your team already answered about this account. Thank you!');
    }
    const now = deps.now();
    const snoozedUntil = input.answer === 'snoozed' ? now + deps.config.overlapFirst.snoozeDays * DAY : null;
    if (
      !(await answerAsk(tx, ask.id, {
        status: input.answer,
        byUserId: input.actor.userId,
        at: now,
        snoozedUntil,
      }))
    ) {
      throw new DomainError('stale', 'Someone on your team already answered about this account. Thank you!');
    }
    await appendEvent(tx, {
      leadId: null,
      type: 'overlap_answered',
      actorUserId: input.actor.userId,
      reason: input.answer,
      data: {
        askId: ask.id,
        partnerSlug: ask.partnerSlug,
        domain: ask.domain,
        answer: input.answer,
        snoozedUntil,
      },
      at: now,
    });
    if (input.sourceMessage) {
      const rendered = overlapAskMessage(await batchItems(tx, ask.partnerSlug, ask.batchKey));
      const key = `overlap-answer:${ask.id}:${input.sourceMessage.channel}:${input.sourceMessage.ts}`;
      await enqueue(tx, [replaceMessage(key, input.sourceMessage, rendered, null)], now);
    }
    const after = (await getAsk(tx, ask.id)) ?? ask;
    return {
      ask: after,
      accountName: (await getCrmAccount(tx, ask.domain))?.name ?? ask.domain,
      answer: input.answer,
    };
  });
}

import { z } from 'zod';
import type { CrmStageTarget as ConfigStageTarget, CrmConfig } from '../config/program-config.ts';
import {
  type CrmLinkChoice,
  type CrmStageTarget,
  decideLink,
  mapLossReason,
  planCrmMove,
  sameChoices,
  stageTarget,
} from '../core/crm-outcomes.ts';
import { DomainError } from '../core/errors.ts';
import { STATUS_LABELS } from '../core/lifecycle.ts';
import type { LeadView } from '../core/types.ts';
import { CRM_PROVIDER_LABELS } from '../crm/types.ts';
import { type Tx, transaction } from '../db/connection.ts';
import {
  type CrmOpportunityRow,
  getCrmOpportunity,
  leadLinkedTo,
  linkCandidates,
  linkedLeadsToApply,
  unlinkedLeadsWithOpportunities,
} from '../db/stores/crm-outcome-store.ts';
import { latestEvent } from '../db/stores/job-store.ts';
import { appendEvent, getLead, type NewLead, updateLeadIf } from '../db/stores/lead-store.ts';
import { enqueue, type OutboxMessage } from '../db/stores/outbox-store.ts';
import { linkOpportunityDm } from '../slack/blocks/crm-messages.ts';
import { accessOf, loadLeadFor, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { queueCrmWriteBack } from './crm-write-back.ts';
import { actorSchema } from './inputs.ts';
import { applyTransition, refreshRoutingPost, type TransitionResult } from './transition.ts';
import { parseInput } from './validation.ts';

// Outcomes from the CRM (PRODUCT.md section 11). After each sync has applied its pages, `syncCrmOutcomes`
// runs over the leads it concerns:
// 1. A claimed EQL links to the opportunity opened on its account after the claim: automatically when there is
//    exactly one; when there are several the owner picks on the routing post (Link opportunity), told once.
// 2. A linked lead takes the opportunity's amount, currency, close and created dates on every change, and its
//    mapped stage drives the lifecycle through the same transition as the buttons (routing post update, the
//    partner's DM, the audit event, the write-back). When a click got the lead elsewhere first, the CRM wins:
//    the lead is corrected and a `crm_conflict` audit event records who clicked what and what the CRM said.
// Every step reads the CRM's copy in `crm_opportunities` and compares it with the lead's, so running it again
// (or after a crash) finds nothing to do.

// The config's stage targets and the core's are the same vocabulary (a compile-time check both ways).
const _sameTargets: [ConfigStageTarget, CrmStageTarget] = [
  'won' as CrmStageTarget,
  'won' as ConfigStageTarget,
];
void _sameTargets;

export interface CrmOutcomeSummary {
  /** Leads linked to their opportunity automatically. */
  linked: number;
  /** Leads whose owner was asked to pick among several opportunities. */
  asked: number;
  /** Lifecycle steps taken because of a CRM stage. */
  transitions: number;
  /** Click-vs-CRM differences resolved to the CRM (logged as `crm_conflict`). */
  corrections: number;
  /** Linked leads whose amount, dates or unmapped stage were refreshed without a lifecycle step. */
  refreshed: number;
  /** Leads whose opportunity was deleted in the CRM (unlinked). */
  unlinked: number;
  /** Stage changes not applied, with why (a disqualified lead is not reopened by its deal). */
  skipped: Array<{ leadId: number; why: string }>;
}

function emptySummary(): CrmOutcomeSummary {
  return { linked: 0, asked: 0, transitions: 0, corrections: 0, refreshed: 0, unlinked: 0, skipped: [] };
}

/** A CRM date (`YYYY-MM-DD`) as an instant: noon UTC, so the day is right in every zone within ±12 h. */
function dateMs(date: string | null): number | null {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const ms = Date.parse(`${date}T12:00:00Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** The lead columns copied from its opportunity. */
function dealPatch(
  deps: ServiceDeps,
  crm: CrmConfig,
  opp: CrmOpportunityRow,
  current: { crmOpportunityClosedAt: number | null },
): Partial<NewLead> {
  const closedAt = opp.isClosed
    ? (dateMs(opp.closeDate) ?? current.crmOpportunityClosedAt ?? deps.now())
    : null;
  return {
    crmOpportunityId: opp.crmId,
    crmOpportunityName: opp.name,
    crmStage: opp.stageId,
    opportunityAmount: opp.amount,
    opportunityCurrency: opp.currency ?? crm.defaultCurrency ?? deps.config.revenue?.currency ?? null,
    opportunityCloseDate: opp.closeDate,
    crmOpportunityCreatedAt: opp.crmCreatedAt,
    crmOpportunityClosedAt: closedAt,
    crmLinkChoices: null,
  };
}

interface ApplyResult {
  kind: 'transition' | 'correction' | 'refreshed' | 'unlinked' | 'unchanged' | 'skipped';
  why?: string;
  view: LeadView;
}

/**
 * Brings one linked lead in line with its opportunity, in the caller's transaction: copies the deal's facts,
 * and moves the lifecycle when the stage changed to a mapped one.
 */
export async function applyOpportunityToLead(
  tx: Tx,
  deps: ServiceDeps,
  crm: CrmConfig,
  leadId: number,
): Promise<ApplyResult> {
  const lead = await getLead(tx, leadId);
  if (!lead?.crmOpportunityId) return { kind: 'unchanged', view: await loadLeadFor(tx, deps, leadId) };
  const now = deps.now();
  const provider = CRM_PROVIDER_LABELS[crm.provider];
  let opp = await getCrmOpportunity(tx, crm.provider, lead.crmOpportunityId);
  // Merged away in the CRM: follow the surviving record, unless another lead already holds it.
  if (opp?.crmDeletedAt && opp.crmMergedInto && (await leadLinkedTo(tx, opp.crmMergedInto)) === null)
    opp = await getCrmOpportunity(tx, crm.provider, opp.crmMergedInto);
  if (!opp || opp.crmDeletedAt !== null) {
    await updateLeadIf(
      tx,
      leadId,
      { fromStatuses: [lead.status] },
      {
        crmOpportunityId: null,
        crmOpportunityName: null,
        crmStage: null,
        opportunityAmount: null,
        opportunityCurrency: null,
        opportunityCloseDate: null,
        crmOpportunityCreatedAt: null,
        crmOpportunityClosedAt: null,
        updatedAt: now,
      },
    );
    const eventId = await appendEvent(tx, {
      leadId,
      type: 'crm_unlinked',
      actorUserId: null,
      reason: `the ${provider} opportunity was deleted`,
      data: { opportunityId: lead.crmOpportunityId, provider: crm.provider },
      at: now,
    });
    return { kind: 'unlinked', view: await refreshRoutingPost(tx, deps, leadId, eventId) };
  }

  const patch = dealPatch(deps, crm, opp, lead);
  const stageChanged = lead.crmStage !== opp.stageId;
  const target = stageChanged ? stageTarget(opp.stageId, crm.stages) : null;
  const view = await loadLeadFor(tx, deps, leadId);
  const move = target ? planCrmMove(view.status, target) : null;
  const data = {
    source: 'crm',
    provider: crm.provider,
    opportunityId: opp.crmId,
    stageId: opp.stageId,
  };

  if (target && move && (move.kind === 'step' || move.kind === 'correction')) {
    let reasonPatch: Partial<NewLead> = {};
    let reason: string | null = `${provider} stage ${opp.stageId}`;
    if (target === 'lost') {
      const mapped = mapLossReason(opp.lossReason, deps.config.reasons.lost);
      reasonPatch = { reasonCode: mapped.code, reasonText: mapped.text };
      reason = mapped.code;
    } else if (view.status === 'lost') {
      reasonPatch = { reasonCode: null, reasonText: null };
    }
    const reopening =
      target !== 'won' && target !== 'lost' && (view.status === 'won' || view.status === 'lost');
    if (move.kind === 'correction') {
      const last = await latestEvent(tx, leadId, ['transition']);
      await appendEvent(tx, {
        leadId,
        type: 'crm_conflict',
        fromStatus: view.status,
        toStatus: target,
        actorUserId: last?.actorUserId ?? null,
        reason: `${provider} says ${STATUS_LABELS[target]} (stage ${opp.stageId}); Foothold had ${STATUS_LABELS[view.status]}${last?.actorUserId ? ' (set by a click in Slack)' : ''}. The CRM wins.`,
        data: {
          ...data,
          foothold: view.status,
          crm: target,
          clickedBy: last?.actorUserId ?? null,
          clickedAt: last?.at ?? null,
        },
        at: now,
      });
    }
    await applyTransition(tx, deps, {
      view,
      to: target,
      actorUserId: null,
      patch: { ...patch, ...reasonPatch, ...(reopening ? { closedAt: null } : {}) },
      reason,
      data: { ...data, ...(reasonPatch.reasonText ? { reasonText: reasonPatch.reasonText } : {}) },
      partnerMessage: target,
      ...(move.kind === 'correction' ? { crmCorrection: true } : {}),
    });
    return {
      kind: move.kind === 'step' ? 'transition' : 'correction',
      view: await loadLeadFor(tx, deps, leadId),
    };
  }

  // No lifecycle step: refresh the deal's facts (and say why a stage was not applied).
  await updateLeadIf(tx, leadId, { fromStatuses: [view.status] }, { ...patch, updatedAt: now });
  const skipped = move?.kind === 'skip' ? move.why : null;
  const eventId = await appendEvent(tx, {
    leadId,
    type: 'crm_opportunity_updated',
    actorUserId: null,
    reason: skipped
      ? `${provider} stage ${opp.stageId} not applied: ${skipped}`
      : stageChanged && !target
        ? `${provider} stage ${opp.stageId} is not in crm.stages`
        : null,
    data: { ...data, amount: opp.amount, currency: patch.opportunityCurrency, closeDate: opp.closeDate },
    at: now,
  });
  const after = await refreshRoutingPost(tx, deps, leadId, eventId);
  return skipped ? { kind: 'skipped', why: skipped, view: after } : { kind: 'refreshed', view: after };
}

/** Links `opp` to the lead (auto or picked), records it, and applies the deal at once. */
async function linkLead(
  tx: Tx,
  deps: ServiceDeps,
  crm: CrmConfig,
  view: LeadView,
  opp: CrmOpportunityRow,
  how: { actorUserId: string | null; picked: boolean },
): Promise<ApplyResult> {
  const now = deps.now();
  const ok = await updateLeadIf(
    tx,
    view.id,
    { fromStatuses: [view.status] },
    {
      crmOpportunityId: opp.crmId,
      crmOpportunityName: opp.name,
      crmLinkedAt: now,
      crmLinkChoices: null,
      // Not yet applied: the stage below is compared with this and moves the lifecycle.
      crmStage: null,
      updatedAt: now,
    },
  );
  if (!ok) throw new DomainError('stale', 'Someone updated this lead a moment ago; nothing was changed.');
  const eventId = await appendEvent(tx, {
    leadId: view.id,
    type: 'crm_linked',
    actorUserId: how.actorUserId,
    reason: how.picked ? 'picked by the owner' : 'the only opportunity opened on the account since the claim',
    data: { provider: crm.provider, opportunityId: opp.crmId, name: opp.name },
    at: now,
  });
  const result = await applyOpportunityToLead(tx, deps, crm, view.id);
  // The opportunity gets the write-back fields now, whatever its stage did.
  if (result.kind !== 'transition' && result.kind !== 'correction')
    await queueCrmWriteBack(tx, deps, result.view, eventId);
  return result;
}

/** The owner's DM asking them to pick, once per set of choices. */
function askOwnerMessages(view: LeadView, provider: string, eventId: number): OutboxMessage[] {
  if (!view.ownerUserId) return [];
  const rendered = linkOpportunityDm(view, provider);
  return [
    {
      deliveryKey: `lead:${view.id}:crm-link-ask:${eventId}`,
      recipient: view.ownerUserId,
      method: 'chat.postMessage',
      payload: { channel: view.ownerUserId, text: rendered.text, blocks: rendered.blocks },
      leadId: view.id,
    },
  ];
}

/** Links what can be linked, asks where several opportunities compete, and applies changed deals. */
export async function syncCrmOutcomes(deps: ServiceDeps): Promise<CrmOutcomeSummary> {
  const crm = deps.config.crm;
  const summary = emptySummary();
  if (!crm) return summary;
  const provider = CRM_PROVIDER_LABELS[crm.provider];
  const count = (r: ApplyResult, leadId: number) => {
    if (r.kind === 'transition') summary.transitions++;
    else if (r.kind === 'correction') summary.corrections++;
    else if (r.kind === 'refreshed') summary.refreshed++;
    else if (r.kind === 'unlinked') summary.unlinked++;
    else if (r.kind === 'skipped') summary.skipped.push({ leadId, why: r.why ?? '' });
  };

  // Each lead in its own transaction; the summary counts only what committed (a PostgreSQL transaction may run
  // again, so its callback returns what it did instead of counting).
  for (const lead of await unlinkedLeadsWithOpportunities(deps.db, crm.provider)) {
    const done = await transaction(deps.db, async (tx): Promise<ApplyResult | 'asked' | null> => {
      const row = await getLead(tx, lead.id);
      if (!row || row.crmOpportunityId || row.claimedAt === null) return null;
      const view = await loadLeadFor(tx, deps, lead.id);
      const decision = decideLink(row.claimedAt, await linkCandidates(tx, crm.provider, row.domain));
      if (decision.kind === 'link') {
        const opp = await getCrmOpportunity(tx, crm.provider, decision.opportunity.id);
        if (!opp) return null;
        return linkLead(tx, deps, crm, view, opp, { actorUserId: null, picked: false });
      }
      if (decision.kind === 'ambiguous' && !sameChoices(row.crmLinkChoices, decision.choices)) {
        await askToPick(tx, deps, view, decision.choices, provider);
        return 'asked';
      }
      return null;
    });
    if (done === 'asked') summary.asked++;
    else if (done) {
      summary.linked++;
      count(done, lead.id);
    }
  }

  for (const leadId of await linkedLeadsToApply(deps.db, crm.provider)) {
    count(await transaction(deps.db, (tx) => applyOpportunityToLead(tx, deps, crm, leadId)), leadId);
  }
  return summary;
}

async function askToPick(
  tx: Tx,
  deps: ServiceDeps,
  view: LeadView,
  choices: CrmLinkChoice[],
  provider: string,
): Promise<void> {
  const now = deps.now();
  await updateLeadIf(
    tx,
    view.id,
    { fromStatuses: [view.status] },
    { crmLinkChoices: choices, updatedAt: now },
  );
  const eventId = await appendEvent(tx, {
    leadId: view.id,
    type: 'crm_link_choices',
    actorUserId: null,
    reason: `${choices.length} ${provider} opportunities to choose from`,
    data: { opportunityIds: choices.map((c) => c.id) },
    at: now,
  });
  const after = await refreshRoutingPost(tx, deps, view.id, eventId);
  await enqueue(tx, askOwnerMessages(after, provider, eventId), now);
}

// ---------------------------------------------------------------------------------------------------------
// The Link opportunity select on the routing post

const linkInputSchema = z.object({
  actor: actorSchema,
  leadId: z.number().int().positive(),
  opportunityId: z.string().min(1).max(64),
});
export type LinkOpportunityInput = z.input<typeof linkInputSchema>;

/**
 * The owner (or a leader, or an admin: the same rule as outcomes) links the lead to one of its account's
 * opportunities; the deal's stage applies at once.
 */
export async function linkOpportunity(
  deps: ServiceDeps,
  raw: LinkOpportunityInput,
): Promise<TransitionResult> {
  const input = parseInput(linkInputSchema, raw);
  const crm = deps.config.crm;
  if (!crm)
    throw new DomainError('conflict', 'This program has no CRM connected, so there is nothing to link.');
  return transaction(deps.db, async (tx) => {
    const actor = await resolveActor(tx, deps, input.actor);
    const view = await loadLeadFor(tx, deps, input.leadId);
    requirePermission('progress', actor, accessOf(view));
    const provider = CRM_PROVIDER_LABELS[crm.provider];
    if (view.crm?.opportunityId) {
      throw new DomainError(
        'conflict',
        `This lead is already linked to the ${provider} opportunity ${view.crm.opportunityName ?? view.crm.opportunityId}.`,
      );
    }
    const opp = await getCrmOpportunity(tx, crm.provider, input.opportunityId);
    if (!opp || opp.crmDeletedAt !== null || opp.accountDomain !== view.domain) {
      throw new DomainError(
        'not_found',
        `That ${provider} opportunity is no longer on this account; pick another one.`,
      );
    }
    const other = await leadLinkedTo(tx, opp.crmId);
    if (other !== null) {
      throw new DomainError(
        'conflict',
        `That opportunity is already linked to lead #${other}; pick another one.`,
      );
    }
    const result = await linkLead(tx, deps, crm, view, opp, {
      actorUserId: input.actor.userId,
      picked: true,
    });
    const eventId =
      (await latestEvent(tx, view.id, ['transition', 'crm_opportunity_updated', 'crm_linked']))?.id ?? 0;
    return { view: result.view, eventId };
  });
}

// ---------------------------------------------------------------------------------------------------------
// A click on a lead the CRM drives

const CRM_DRIVEN: ReadonlySet<string> = new Set(['meeting_held', 'opportunity', 'won', 'lost']);

/**
 * When `lead` is linked to a CRM opportunity and `outcome` is one its stage decides, logs the click beside
 * what the CRM says (`crm_conflict`) and returns the refusal to show; null when the click may proceed.
 */
export async function crmClickConflict(
  tx: Tx,
  deps: ServiceDeps,
  view: LeadView,
  outcome: string,
  actorUserId: string,
): Promise<DomainError | null> {
  const crm = deps.config.crm;
  const opportunityId = view.crm?.opportunityId;
  if (!crm || !opportunityId || !CRM_DRIVEN.has(outcome)) return null;
  const provider = CRM_PROVIDER_LABELS[crm.provider];
  const stageId = view.crm?.stageId ?? null;
  const target = stageId ? stageTarget(stageId, crm.stages) : null;
  await appendEvent(tx, {
    leadId: view.id,
    type: 'crm_conflict',
    fromStatus: view.status,
    toStatus: target,
    actorUserId,
    reason: `clicked ${outcome}; ${provider} stage ${stageId ?? 'unknown'}${target ? ` (${STATUS_LABELS[target]})` : ''}. The CRM wins.`,
    data: {
      source: 'click',
      provider: crm.provider,
      opportunityId,
      stageId,
      clicked: outcome,
      crm: target,
      foothold: view.status,
    },
    at: deps.now(),
  });
  const says = stageId
    ? `its stage there is ${stageId}${target ? ` (${STATUS_LABELS[target]} here)` : ''}`
    : 'its stage is not known yet';
  return new DomainError(
    'conflict',
    `This lead follows its ${provider} opportunity, and ${says}. Update the deal in ${provider}: Foothold applies it at the next sync.`,
    { data: { stageId, crm: target } },
  );
}

/** The outcomes pass in a few lines, for the job log and `crm sync`. */
export function formatCrmOutcomes(s: CrmOutcomeSummary): string[] {
  const lines = [
    `  outcomes: ${s.linked} linked, ${s.asked} owner${s.asked === 1 ? '' : 's'} asked to pick, ${s.transitions} stage change${s.transitions === 1 ? '' : 's'} applied, ${s.corrections} click${s.corrections === 1 ? '' : 's'} overruled by the CRM, ${s.refreshed} deal${s.refreshed === 1 ? '' : 's'} refreshed, ${s.unlinked} unlinked`,
  ];
  for (const k of s.skipped.slice(0, 20)) lines.push(`  lead #${k.leadId}: stage not applied (${k.why})`);
  return lines;
}

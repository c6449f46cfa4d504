import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { View } from '@slack/types';
import { DomainError } from '../../core/errors.ts';
import { attestWarmth } from '../../services/attest-warmth.ts';
import { changeCredit } from '../../services/change-credit.ts';
import { partnerContact } from '../../services/context.ts';
import { disqualifyLead } from '../../services/disqualify-lead.ts';
import type { Actor } from '../../services/inputs.ts';
import { whoIs } from '../../services/read-leads.ts';
import { reassignLead } from '../../services/reassign-lead.ts';
import { recordOutcome } from '../../services/record-outcome.ts';
import { decideReward } from '../../services/rewards.ts';
import { submitLead } from '../../services/submit-lead.ts';
import {
  parseAttestationValues,
  parseChangeCreditValues,
  parseReasonValues,
  parseReassignValues,
  parseRejectRewardValues,
  parseSubmissionValues,
} from '../../slack/blocks/modals.ts';
import { resultModal, submissionResultModal } from '../../slack/blocks/results.ts';
import { BLOCKS } from '../../slack/ids.ts';
import { escapeMrkdwn } from '../../slack/mrkdwn.ts';
import type { ListenerDeps } from '../deps.ts';
import { decodeMeta, interactionActor, type ModalMeta, viewSubmissionBody } from '../payloads.ts';
import { GENERIC_ERROR, modalErrors, plainUserMessage } from '../replies.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Values = Record<string, Record<string, unknown>>;

interface Handled {
  /** The view that replaces the modal (a confirmation), or nothing to close it. */
  view?: View;
  notify: ReadonlyArray<string | null | undefined>;
}

type Ack = Parameters<Args['ack']>[0];

/**
 * Submissions that succeeded, by user and view id. A view is replaced or closed once its submission succeeds,
 * so the same view id arriving again is a replay (a double submit, a proxy retrying): it gets the first
 * answer and changes nothing. Failed submissions are not remembered: the person fixes the form and sends it
 * again from the same view.
 */
function answeredViews(capacity = 5_000, ttlMs = 30 * 60_000, now: () => number = Date.now) {
  const answers = new Map<string, { at: number; ack: Ack }>();
  /** Submissions still committing: a repeat that arrives meanwhile waits for the first one's answer. */
  const pending = new Map<string, Promise<void>>();
  return {
    pending,
    get(key: string): { ack: Ack } | undefined {
      const hit = answers.get(key);
      return hit && now() - hit.at < ttlMs ? hit : undefined;
    },
    set(key: string, ack: Ack): void {
      answers.set(key, { at: now(), ack });
      while (answers.size > capacity) {
        const oldest = answers.keys().next().value;
        if (oldest === undefined) break;
        answers.delete(oldest);
      }
    },
  };
}
const answeredByApp = new WeakMap<ListenerDeps, ReturnType<typeof answeredViews>>();

/**
 * A modal submission: validate, commit through the use case, and only then ack, with either field errors
 * (the modal stays open, nothing changed) or a confirmation that replaces it.
 */
function submission(
  deps: ListenerDeps,
  firstBlock: string,
  handle: (ctx: { actor: Actor; meta: ModalMeta; values: Values }) => Promise<Handled>,
) {
  let answered = answeredByApp.get(deps);
  if (!answered) {
    answered = answeredViews();
    answeredByApp.set(deps, answered);
  }
  const replays = answered;
  return async ({ body, ack, logger }: Args): Promise<void> => {
    const parsed = viewSubmissionBody.safeParse(body);
    const meta = parsed.success ? decodeMeta(parsed.data.view.private_metadata) : null;
    if (!parsed.success || !meta) {
      logger.warn(
        { issues: parsed.success ? 'bad private_metadata' : parsed.error.issues },
        'malformed view submission',
      );
      await ack({ response_action: 'errors', errors: { [firstBlock]: GENERIC_ERROR } });
      return;
    }
    const b = parsed.data;
    const actor = interactionActor(b, meta.channelId ?? null);
    const replayKey = `${b.user.id}:${b.view.id}`;
    await replays.pending.get(replayKey);
    const replayed = replays.get(replayKey);
    if (replayed) {
      logger.info('answered a repeated submission of a view already handled; nothing changed');
      await ack(replayed.ack);
      return;
    }
    // Marked as committing before the first await, so a replay arriving meanwhile waits for this answer instead
    // of running the use case again.
    let committed!: () => void;
    replays.pending.set(
      replayKey,
      new Promise<void>((resolve) => {
        committed = resolve;
      }),
    );
    try {
      let res: Handled;
      let answer: Ack;
      try {
        res = await handle({ actor, meta, values: b.view.state.values });
        answer = res.view ? { response_action: 'update', view: res.view } : undefined;
        replays.set(replayKey, answer);
      } finally {
        replays.pending.delete(replayKey);
        committed();
      }
      await ack(answer);
      deps.afterCommit([actor.userId, ...res.notify]);
    } catch (err) {
      if (err instanceof DomainError) {
        // The view's own blocks when Slack sends them, and the inputs its state lists.
        const inputs = new Set([
          ...Object.keys(b.view.state.values),
          ...(b.view.blocks ?? []).flatMap((x) => (x.block_id ? [x.block_id] : [])),
        ]);
        const errors = Object.keys(err.fields).length > 0 ? modalErrors(err, firstBlock, inputs) : null;
        await ack(
          errors
            ? { response_action: 'errors', errors }
            : { response_action: 'update', view: resultModal('Not saved', err.message) },
        );
        return;
      }
      logger.error(err);
      await ack({
        response_action: 'errors',
        errors: { [firstBlock]: plainUserMessage(err) ?? GENERIC_ERROR },
      });
    }
  };
}

export const submitLeadView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.accountName, async ({ actor, meta, values }) => {
    const res = await submitLead(deps.services, {
      ...parseSubmissionValues(values),
      actor,
      sourceMessageUrl: meta.sourceMessageUrl ?? null,
    });
    const audience = (await whoIs(deps.services, actor)).kind === 'partner' ? 'partner' : 'internal';
    const view = submissionResultModal(res, { timeZone: deps.services.config.timezone, audience });
    return { view, notify: 'view' in res ? [res.view.ownerUserId, res.view.suggestedUserId] : [] };
  });

export const attestView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.relationship, async ({ actor, meta, values }) => {
    if (!meta.leadId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const res = await attestWarmth(deps.services, {
      ...parseAttestationValues(values),
      actor,
      leadId: meta.leadId,
    });
    const qualified = res.view.status === 'qualified' || res.view.status === 'claimed';
    return {
      view: resultModal(
        'Attestation saved',
        qualified
          ? `Thanks! *${escapeMrkdwn(res.view.accountName)}* is now an Ecosystem Qualified Lead and has gone to the sales team. We'll tell you when a rep picks it up.`
          : `Thanks! We saved your attestation for *${escapeMrkdwn(res.view.accountName)}*. It isn't an EQL yet; we've sent you what is still missing.`,
      ),
      notify: [res.view.ownerUserId],
    };
  });

export const reasonView = (deps: ListenerDeps, kind: 'disqualify' | 'lost') =>
  submission(deps, BLOCKS.reasonCode, async ({ actor, meta, values }) => {
    if (!meta.leadId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const reason = parseReasonValues(values);
    const version = meta.version;
    const res =
      kind === 'lost'
        ? await recordOutcome(deps.services, {
            actor,
            leadId: meta.leadId,
            outcome: 'lost',
            reason,
            ...(version ? { version } : {}),
          })
        : await disqualifyLead(deps.services, {
            actor,
            leadId: meta.leadId,
            reason,
            ...(version ? { version } : {}),
          });
    return { notify: [res.view.ownerUserId, partnerContact(res.view)] };
  });

export const reassignView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.newOwner, async ({ actor, meta, values }) => {
    if (!meta.leadId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const res = await reassignLead(deps.services, {
      ...parseReassignValues(values),
      actor,
      leadId: meta.leadId,
    });
    return { notify: [res.view.ownerUserId, partnerContact(res.view)] };
  });

export const changeCreditView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.creditPartner, async ({ actor, meta, values }) => {
    if (!meta.leadId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const res = await changeCredit(deps.services, {
      ...parseChangeCreditValues(values),
      actor,
      leadId: meta.leadId,
      ...(meta.version ? { version: meta.version } : {}),
    });
    return { notify: [res.view.ownerUserId, partnerContact(res.view)] };
  });

/** A leader rejects a pending partner reward with a logged reason; the DM it came from shows the decision. */
export const rejectRewardView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.rejectReason, async ({ actor, meta, values }) => {
    if (!meta.awardId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const res = await decideReward(deps.services, {
      actor,
      awardId: meta.awardId,
      approve: false,
      reason: parseRejectRewardValues(values).reason,
      ...(meta.channelId && meta.messageTs
        ? { sourceMessage: { channel: meta.channelId, ts: meta.messageTs } }
        : {}),
    });
    return { notify: [res.partnerContact] };
  });

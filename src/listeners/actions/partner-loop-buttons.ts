import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { View } from '@slack/types';
import { authorize } from '../../core/permissions.ts';
import { formatAward } from '../../core/rewards.ts';
import { getCrmAccount } from '../../db/stores/account-store.ts';
import { getAward } from '../../db/stores/reward-store.ts';
import { requestCorroboratorIntro } from '../../services/corroborator-intro.ts';
import { answerOverlapAsk, askFor } from '../../services/overlap-first.ts';
import { whoIs } from '../../services/read-leads.ts';
import { decideReward } from '../../services/rewards.ts';
import { rejectRewardModal, submissionModal } from '../../slack/blocks/modals.ts';
import { decodeCorroboratorRef, decodeIdRef } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { blockActionBody, encodeMeta, interactionActor } from '../payloads.ts';
import { GENERIC_ERROR, tellPrivately, userMessage } from '../replies.ts';

// The buttons of issue 13's partner loop: asking a corroborating partner for an intro (routing post),
// answering an overlap-first question (partner DM or shared channel), approving or rejecting a reward (leader
// DM or App Home). Each commits through its use case before the ack; a refusal is explained privately.

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type Actor = ReturnType<typeof interactionActor>;
type Source = { channel: string; ts: string } | null;

interface Parsed {
  actor: Actor;
  value: string;
  channelId: string | null;
  source: Source;
  triggerId: string;
}

async function parse({ body, ack, logger }: Args): Promise<Parsed | null> {
  const parsed = blockActionBody.safeParse(body);
  if (!parsed.success) {
    await ack();
    logger.warn({ issues: parsed.error.issues }, 'ignored a malformed button payload');
    return null;
  }
  const b = parsed.data;
  const channelId = b.channel?.id ?? b.container?.channel_id ?? null;
  const ts = b.container?.message_ts;
  return {
    actor: interactionActor(b, channelId),
    value: b.actions[0]?.value ?? '',
    channelId,
    source: channelId && ts ? { channel: channelId, ts } : null,
    triggerId: b.trigger_id,
  };
}

/**
 * Opens `view` at once, alongside the ack (the trigger expires 3 seconds after the click), or, with no view,
 * acks and tells the person privately why. True when the modal was asked for.
 */
async function openOrRefuse(
  args: Args,
  p: Parsed,
  view: View | null,
  refuse: string | null,
): Promise<boolean> {
  if (!view) {
    await args.ack();
    await tellPrivately(
      args.client,
      args.logger,
      { userId: p.actor.userId, channelId: p.channelId },
      refuse ?? GENERIC_ERROR,
    );
    return false;
  }
  const [, opened] = await Promise.allSettled([
    args.ack(),
    args.client.views.open({ trigger_id: p.triggerId, view }),
  ]);
  if (opened.status === 'rejected') args.logger.warn({ err: opened.reason }, 'could not open a modal');
  return true;
}

/** A button whose click is one committed change: run, then ack; errors are told privately. */
function commitButton(
  deps: ListenerDeps,
  run: (p: Parsed) => Promise<ReadonlyArray<string | null | undefined> | { refuse: string }>,
) {
  return async (args: Args): Promise<void> => {
    const p = await parse(args);
    if (!p) return;
    let outcome: ReadonlyArray<string | null | undefined> | { refuse: string };
    try {
      outcome = await run(p);
    } catch (err) {
      const message = userMessage(err, p.actor.userId);
      if (!message) args.logger.error(err);
      outcome = { refuse: message ?? GENERIC_ERROR };
    }
    await args.ack();
    if ('refuse' in outcome) {
      await tellPrivately(
        args.client,
        args.logger,
        { userId: p.actor.userId, channelId: p.channelId },
        outcome.refuse,
      );
      return;
    }
    deps.afterCommit([p.actor.userId, ...outcome]);
  };
}

/** Routing post: the owner (or a leader) asks a corroborating partner for an intro. */
export const corroboratorIntroButton = (deps: ListenerDeps) =>
  commitButton(deps, async (p) => {
    const ref = decodeCorroboratorRef(p.value);
    if (!ref) return { refuse: GENERIC_ERROR };
    const res = await requestCorroboratorIntro(deps.services, {
      actor: p.actor,
      leadId: ref.leadId,
      partnerSlug: ref.partnerSlug,
    });
    return [res.view.ownerUserId, res.partnerContact];
  });

/** Overlap first: "Not now" or "We don't know them", remembered; the batch message shows the answer. */
export const overlapAnswerButton = (deps: ListenerDeps, answer: 'snoozed' | 'unknown') =>
  commitButton(deps, async (p) => {
    const askId = decodeIdRef(p.value);
    if (!askId) return { refuse: GENERIC_ERROR };
    await answerOverlapAsk(deps.services, {
      actor: p.actor,
      askId,
      answer,
      ...(p.source ? { sourceMessage: p.source } : {}),
    });
    return [];
  });

/**
 * Overlap first: "We know them" opens the normal submission modal, prefilled with the account, at once (the
 * trigger expires in 3 seconds); the answer is recorded right after, so the account is not asked again.
 */
export const overlapKnownButton = (deps: ListenerDeps) => async (args: Args) => {
  const p = await parse(args);
  if (!p) return;
  const askId = decodeIdRef(p.value);
  let view: View | null = null;
  let refuse: string | null = askId ? null : GENERIC_ERROR;
  if (askId) {
    try {
      const ask = await askFor(deps.services.db, deps.services, p.actor, askId);
      if (ask.status !== 'asked') {
        refuse = 'Someone on your team already answered about this account. Thank you!';
      } else {
        const crm = await getCrmAccount(deps.services.db, ask.domain);
        view = submissionModal({
          variant: 'partner',
          prefill: { accountName: crm?.name ?? ask.domain, website: ask.domain },
          partners: [],
          privateMetadata: encodeMeta({ channelId: p.channelId }),
        });
      }
    } catch (err) {
      const message = userMessage(err, p.actor.userId);
      if (!message) args.logger.error(err);
      refuse = message ?? GENERIC_ERROR;
    }
  }
  if (!(await openOrRefuse(args, p, askId ? view : null, refuse)) || !askId) return;
  try {
    await answerOverlapAsk(deps.services, {
      actor: p.actor,
      askId,
      answer: 'known',
      ...(p.source ? { sourceMessage: p.source } : {}),
    });
    deps.afterCommit([p.actor.userId]);
  } catch (err) {
    // A colleague answered in the same instant: the modal is open anyway and the submission decides.
    args.logger.info({ err }, 'overlap ask answered meanwhile');
  }
};

/** A leader approves a pending reward (DM or App Home). */
export const rewardApproveButton = (deps: ListenerDeps) =>
  commitButton(deps, async (p) => {
    const awardId = decodeIdRef(p.value);
    if (!awardId) return { refuse: GENERIC_ERROR };
    const res = await decideReward(deps.services, {
      actor: p.actor,
      awardId,
      approve: true,
      // From App Home there is no message to update (the view is re-published instead).
      ...(p.source ? { sourceMessage: p.source } : {}),
    });
    return [res.partnerContact];
  });

/** A leader opens the modal that rejects a pending reward with a reason. */
export const rewardRejectButton = (deps: ListenerDeps) => async (args: Args) => {
  const p = await parse(args);
  if (!p) return;
  const awardId = decodeIdRef(p.value);
  let refuse: string | null = null;
  let view: View | null = null;
  try {
    const decision = authorize('approve_rewards', await whoIs(deps.services, p.actor));
    const award = awardId ? await getAward(deps.services.db, awardId) : null;
    if (!decision.allowed) refuse = decision.reason;
    else if (!award) refuse = GENERIC_ERROR;
    else if (award.status !== 'pending') refuse = `This reward was already ${award.status}; nothing changed.`;
    else
      view = rejectRewardModal(
        { ...award, summary: formatAward(award) },
        encodeMeta({
          channelId: p.channelId,
          awardId: award.id,
          ...(p.source ? { messageTs: p.source.ts } : {}),
        }),
      );
  } catch (err) {
    const message = userMessage(err, p.actor.userId);
    if (!message) args.logger.error(err);
    refuse = message ?? GENERIC_ERROR;
  }
  await openOrRefuse(args, p, view, refuse);
};

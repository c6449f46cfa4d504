import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { View } from '@slack/types';
import { DomainError } from '../../core/errors.ts';
import { attestWarmth } from '../../services/attest-warmth.ts';
import { partnerContact } from '../../services/context.ts';
import { disqualifyLead } from '../../services/disqualify-lead.ts';
import { reassignLead } from '../../services/reassign-lead.ts';
import { recordOutcome } from '../../services/record-outcome.ts';
import { submitLead } from '../../services/submit-lead.ts';
import {
  parseAttestationValues,
  parseReasonValues,
  parseReassignValues,
  parseSubmissionValues,
} from '../../slack/blocks/modals.ts';
import { resultModal, submissionResultModal } from '../../slack/blocks/results.ts';
import { BLOCKS } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { actorOf, decodeMeta, type ModalMeta, viewSubmissionBody } from '../payloads.ts';
import { GENERIC_ERROR, modalErrors, userMessage } from '../replies.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Values = Record<string, Record<string, unknown>>;

interface Handled {
  /** The view that replaces the modal (a confirmation), or nothing to close it. */
  view?: View;
  notify: ReadonlyArray<string | null | undefined>;
}

/**
 * A modal submission: validate, commit through the use case, and only then ack, with either field errors
 * (the modal stays open, nothing changed) or a confirmation that replaces it.
 */
function submission(
  deps: ListenerDeps,
  firstBlock: string,
  handle: (ctx: { actor: ReturnType<typeof actorOf>; meta: ModalMeta; values: Values }) => Handled,
) {
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
    const actor = actorOf(b.user, b.team, meta.channelId ?? null);
    try {
      const res = handle({ actor, meta, values: b.view.state.values });
      await ack(res.view ? { response_action: 'update', view: res.view } : undefined);
      deps.afterCommit([actor.userId, ...res.notify]);
    } catch (err) {
      if (err instanceof DomainError) {
        if (Object.keys(err.fields).length > 0) {
          await ack({ response_action: 'errors', errors: modalErrors(err, firstBlock) });
        } else {
          await ack({ response_action: 'update', view: resultModal('Not saved', err.message) });
        }
        return;
      }
      logger.error(err);
      await ack({ response_action: 'errors', errors: { [firstBlock]: userMessage(err) ?? GENERIC_ERROR } });
    }
  };
}

export const submitLeadView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.accountName, ({ actor, meta, values }) => {
    const res = submitLead(deps.services, {
      ...parseSubmissionValues(values),
      actor,
      sourceMessageUrl: meta.sourceMessageUrl ?? null,
    });
    const view = submissionResultModal(res, { timeZone: deps.services.config.timezone });
    return { view, notify: 'view' in res ? [res.view.ownerUserId, res.view.suggestedUserId] : [] };
  });

export const attestView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.relationship, ({ actor, meta, values }) => {
    if (!meta.leadId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const res = attestWarmth(deps.services, {
      ...parseAttestationValues(values),
      actor,
      leadId: meta.leadId,
    });
    const qualified = res.view.status === 'qualified' || res.view.status === 'claimed';
    return {
      view: resultModal(
        'Attestation saved',
        qualified
          ? `Thanks! *${res.view.accountName}* is now an Ecosystem Qualified Lead and has gone to the sales team. We'll tell you when a rep picks it up.`
          : `Thanks! We saved your attestation for *${res.view.accountName}*. It isn't an EQL yet; we've sent you what is still missing.`,
      ),
      notify: [res.view.ownerUserId],
    };
  });

export const reasonView = (deps: ListenerDeps, kind: 'disqualify' | 'lost') =>
  submission(deps, BLOCKS.reasonCode, ({ actor, meta, values }) => {
    if (!meta.leadId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const reason = parseReasonValues(values);
    const version = meta.version;
    const res =
      kind === 'lost'
        ? recordOutcome(deps.services, {
            actor,
            leadId: meta.leadId,
            outcome: 'lost',
            reason,
            ...(version ? { version } : {}),
          })
        : disqualifyLead(deps.services, {
            actor,
            leadId: meta.leadId,
            reason,
            ...(version ? { version } : {}),
          });
    return { notify: [res.view.ownerUserId, partnerContact(res.view)] };
  });

export const reassignView = (deps: ListenerDeps) =>
  submission(deps, BLOCKS.newOwner, ({ actor, meta, values }) => {
    if (!meta.leadId) throw new DomainError('invalid_input', GENERIC_ERROR);
    const res = reassignLead(deps.services, { ...parseReassignValues(values), actor, leadId: meta.leadId });
    return { notify: [res.view.ownerUserId, partnerContact(res.view)] };
  });

import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ACTIONS } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { dispatchById } from '../dispatch.ts';
import {
  claimButton,
  grantExtensionButton,
  introAnswerButton,
  outcomeButton,
  requestExtensionButton,
} from './lead-buttons.ts';
import { linkOpportunitySelect } from './link-opportunity.ts';
import {
  attestButton,
  changeCreditButton,
  disqualifyButton,
  flagButton,
  historyButton,
  lostButton,
  reassignButton,
} from './modal-buttons.ts';
import {
  corroboratorIntroButton,
  overlapAnswerButton,
  overlapKnownButton,
  rewardApproveButton,
  rewardRejectButton,
} from './partner-loop-buttons.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Every button, by action id, behind one Bolt listener (see dispatch.ts). */
export function registerActions(app: App, deps: ListenerDeps): void {
  app.action(
    { type: 'block_actions' },
    dispatchById<Args>(
      ({ action }) => action.action_id,
      [
        [ACTIONS.claim, claimButton(deps)],
        [ACTIONS.requestIntro, outcomeButton(deps, 'intro_requested')],
        [ACTIONS.meetingHeld, outcomeButton(deps, 'meeting_held')],
        [ACTIONS.opportunity, outcomeButton(deps, 'opportunity')],
        [ACTIONS.won, outcomeButton(deps, 'won')],
        [ACTIONS.lost, lostButton(deps)],
        [ACTIONS.disqualify, disqualifyButton(deps)],
        [ACTIONS.reassign, reassignButton(deps)],
        [ACTIONS.changeCredit, changeCreditButton(deps)],
        [ACTIONS.introMade, introAnswerButton(deps, true)],
        [ACTIONS.introDeclined, introAnswerButton(deps, false)],
        [ACTIONS.attestOpen, attestButton(deps)],
        [ACTIONS.flagAccount, flagButton(deps)],
        [ACTIONS.homeFlag, flagButton(deps)],
        [ACTIONS.requestExtension, requestExtensionButton(deps)],
        [ACTIONS.grantExtension, grantExtensionButton(deps)],
        [ACTIONS.requestCorroboratorIntro, corroboratorIntroButton(deps)],
        [ACTIONS.overlapKnown, overlapKnownButton(deps)],
        [ACTIONS.overlapSnooze, overlapAnswerButton(deps, 'snoozed')],
        [ACTIONS.overlapUnknown, overlapAnswerButton(deps, 'unknown')],
        [ACTIONS.rewardApprove, rewardApproveButton(deps)],
        [ACTIONS.rewardReject, rewardRejectButton(deps)],
        [ACTIONS.linkOpportunity, linkOpportunitySelect(deps)],
        [ACTIONS.history, historyButton(deps)],
      ],
    ),
  );
}

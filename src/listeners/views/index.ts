import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CALLBACKS } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { dispatchById } from '../dispatch.ts';
import {
  attestView,
  changeCreditView,
  reasonView,
  reassignView,
  rejectRewardView,
  submitLeadView,
} from './submissions.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Every modal's submission, by callback id, behind one Bolt listener (see dispatch.ts). */
export function registerViews(app: App, deps: ListenerDeps): void {
  app.view(
    { type: 'view_submission' },
    dispatchById<Args>(
      ({ body }) => body.view.callback_id,
      [
        [CALLBACKS.submitLead, submitLeadView(deps)],
        [CALLBACKS.attest, attestView(deps)],
        [CALLBACKS.disqualifyReason, reasonView(deps, 'disqualify')],
        [CALLBACKS.lostReason, reasonView(deps, 'lost')],
        [CALLBACKS.reassign, reassignView(deps)],
        [CALLBACKS.changeCredit, changeCreditView(deps)],
        [CALLBACKS.rejectReward, rejectRewardView(deps)],
      ],
    ),
  );
}

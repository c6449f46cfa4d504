import type { App } from '@slack/bolt';
import { ACTIONS } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import {
  claimButton,
  grantExtensionButton,
  introAnswerButton,
  outcomeButton,
  requestExtensionButton,
} from './lead-buttons.ts';
import {
  attestButton,
  changeCreditButton,
  disqualifyButton,
  flagButton,
  lostButton,
  reassignButton,
} from './modal-buttons.ts';

export function registerActions(app: App, deps: ListenerDeps): void {
  app.action(ACTIONS.claim, claimButton(deps));
  app.action(ACTIONS.requestIntro, outcomeButton(deps, 'intro_requested'));
  app.action(ACTIONS.meetingHeld, outcomeButton(deps, 'meeting_held'));
  app.action(ACTIONS.opportunity, outcomeButton(deps, 'opportunity'));
  app.action(ACTIONS.won, outcomeButton(deps, 'won'));
  app.action(ACTIONS.lost, lostButton(deps));
  app.action(ACTIONS.disqualify, disqualifyButton(deps));
  app.action(ACTIONS.reassign, reassignButton(deps));
  app.action(ACTIONS.changeCredit, changeCreditButton(deps));
  app.action(ACTIONS.introMade, introAnswerButton(deps, true));
  app.action(ACTIONS.introDeclined, introAnswerButton(deps, false));
  app.action(ACTIONS.attestOpen, attestButton(deps));
  app.action(ACTIONS.flagAccount, flagButton(deps));
  app.action(ACTIONS.homeFlag, flagButton(deps));
  app.action(ACTIONS.requestExtension, requestExtensionButton(deps));
  app.action(ACTIONS.grantExtension, grantExtensionButton(deps));
}

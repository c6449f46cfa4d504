import type { App } from '@slack/bolt';
import { CALLBACKS } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { attestView, changeCreditView, reasonView, reassignView, submitLeadView } from './submissions.ts';

export function registerViews(app: App, deps: ListenerDeps): void {
  app.view(CALLBACKS.submitLead, submitLeadView(deps));
  app.view(CALLBACKS.attest, attestView(deps));
  app.view(CALLBACKS.disqualifyReason, reasonView(deps, 'disqualify'));
  app.view(CALLBACKS.lostReason, reasonView(deps, 'lost'));
  app.view(CALLBACKS.reassign, reassignView(deps));
  app.view(CALLBACKS.changeCredit, changeCreditView(deps));
}

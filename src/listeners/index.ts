import type { App } from '@slack/bolt';
import { registerActions } from './actions/index.ts';
import { registerCommands } from './commands/index.ts';
import type { ListenerDeps } from './deps.ts';
import { registerEvents } from './events/index.ts';
import { guardHttpReceiver, guardProcessEvent } from './receiver-guard.ts';
import { requestContext } from './request-context.ts';
import { registerShortcuts } from './shortcuts/index.ts';
import { registerViews } from './views/index.ts';
import { learnWorkspaces } from './workspace-learning.ts';

export function registerListeners(app: App, deps: ListenerDeps): void {
  // Malformed signed requests get a 4xx or an empty ack, never a 5xx, a hang or a crash.
  guardHttpReceiver(app, deps.logger);
  guardProcessEvent(app, deps.logger);
  // First middleware: request ids for the logs, and one effect per Slack event however often it is delivered.
  app.use(requestContext(deps));
  // Which Grid organisation each workspace belongs to, from what Slack's requests state (identity needs it).
  app.use(learnWorkspaces(deps));
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerShortcuts(app, deps);
  registerEvents(app, deps);
}

import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { createWorkspaceLearner } from '../services/workspaces.ts';
import type { ListenerDeps } from './deps.ts';
import { workspaceOrgsOf } from './payloads.ts';

/**
 * Global middleware: every request teaches which Grid organisation its workspaces belong to (identity reads it
 * when a later request names only a person's workspace), and a request through the vendor's workspace that
 * names its organisation makes that organisation home. Only what is new is written.
 */
export function learnWorkspaces(
  deps: Pick<ListenerDeps, 'services' | 'logger'>,
): Middleware<AnyMiddlewareArgs> {
  const learner = createWorkspaceLearner(deps.services);
  return async ({ body, next }) => {
    try {
      const { learnt, newHome } = await learner.note(workspaceOrgsOf(body));
      if (newHome)
        deps.logger.warn(
          { enterpriseId: newHome },
          "the vendor's workspace belongs to a Grid organisation: everyone in that organisation is now home",
        );
      else if (learnt.length)
        deps.logger.info({ workspaces: learnt }, 'learnt the Grid organisation of a workspace');
    } catch (err) {
      deps.logger.warn({ err }, 'could not note the organisations a request named');
    }
    await next();
  };
}

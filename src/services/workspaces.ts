import { rememberWorkspace } from '../db/stores/installation-store.ts';
import type { ServiceDeps } from './context.ts';

// Learns which Grid organisation each workspace belongs to from the requests Slack sends, so that a later
// request naming only a person's workspace still tells whose organisation they are in. A request through the
// vendor's own workspace that names its organisation makes that organisation home (a workspace can join a
// Grid organisation after start-up: Slack recommends checking `enterprise_id` again over time).

/** A workspace and the Grid organisation it belongs to, as one request states them together. */
export interface WorkspaceOrg {
  teamId: string;
  enterpriseId: string;
}

export interface WorkspaceLearner {
  /** Notes what one request says about workspaces and organisations; writes only what is new. */
  note(pairs: readonly WorkspaceOrg[]): Promise<{ learnt: WorkspaceOrg[]; newHome: string | null }>;
}

export function createWorkspaceLearner(deps: ServiceDeps): WorkspaceLearner {
  const known = new Map<string, string>();
  return {
    async note(pairs) {
      const learnt: WorkspaceOrg[] = [];
      let newHome: string | null = null;
      for (const pair of pairs) {
        if (known.get(pair.teamId) === pair.enterpriseId) continue;
        await rememberWorkspace(deps.db, pair.teamId, pair.enterpriseId, deps.now());
        known.set(pair.teamId, pair.enterpriseId);
        learnt.push(pair);
        const homeOrgs = deps.homeEnterpriseIds ?? [];
        if ((deps.homeTeamIds ?? []).includes(pair.teamId) && !homeOrgs.includes(pair.enterpriseId)) {
          deps.homeEnterpriseIds = [...homeOrgs, pair.enterpriseId];
          newHome = pair.enterpriseId;
        }
      }
      return { learnt, newHome };
    },
  };
}

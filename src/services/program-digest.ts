import { type StatusCounts, statusCounts } from '../db/stores/lead-store.ts';
import type { ServiceDeps } from './context.ts';

export interface ProgramDigest {
  generatedAt: number;
  windows: Array<{ label: string; since: number; counts: StatusCounts }>;
  baselines: ServiceDeps['config']['baselines'];
}

const DAY = 86_400_000;

/** The numbers leaders read: every count next to its rate, for the last week and the trailing 90 days. */
export function programDigest(deps: ServiceDeps): ProgramDigest {
  const now = deps.now();
  return {
    generatedAt: now,
    windows: [
      { label: 'Last 7 days', since: now - 7 * DAY, counts: statusCounts(deps.db, now - 7 * DAY) },
      { label: 'Trailing 90 days', since: now - 90 * DAY, counts: statusCounts(deps.db, now - 90 * DAY) },
    ],
    baselines: deps.config.baselines,
  };
}

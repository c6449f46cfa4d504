import { crmSyncJob } from './crm-sync-job.ts';
import { digestJob } from './digest-job.ts';
import { expiryJob } from './expiry-job.ts';
import { insightsJob } from './insights-job.ts';
import { modelFitJob } from './model-fit-job.ts';
import { overlapFirstJob } from './overlap-first-job.ts';
import { partnerScorecardsJob } from './partner-scorecards-job.ts';
import { scorecardsJob } from './scorecards-job.ts';
import { slaJob } from './sla-job.ts';
import type { Job } from './types.ts';

/** Every scheduled job, in the order `jobs run --help` lists them. */
export const JOBS: readonly Job[] = [
  slaJob,
  expiryJob,
  digestJob,
  scorecardsJob,
  crmSyncJob,
  modelFitJob,
  insightsJob,
  overlapFirstJob,
  partnerScorecardsJob,
];

export function findJob(name: string): Job | undefined {
  return JOBS.find((j) => j.name === name);
}

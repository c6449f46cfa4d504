import type { WebClient } from '@slack/web-api';
import { EnvError } from '../config/env.ts';
import { type CrmConfig, loadProgramConfig } from '../config/program-config.ts';
import { crmJobDeps } from '../crm/job-deps.ts';
import { CRM_PROVIDER_LABELS } from '../crm/types.ts';
import type { CrmJobDeps } from '../jobs/types.ts';
import type { CommandContext } from './types.ts';

/**
 * The config's crm section and the provider for the `crm` commands, or null after printing what is missing
 * (the section, or each environment variable with where to find it).
 */
export function crmForCli(
  ctx: CommandContext,
  slack: WebClient | null,
): { crm: CrmConfig; deps: CrmJobDeps } | null {
  const config = loadProgramConfig(ctx.settings.configPath);
  const crm = config.crm;
  if (!crm) {
    ctx.err(`${ctx.settings.configPath} has no crm section; see README "CRM sync" for an example.`);
    return null;
  }
  let setup: ReturnType<typeof crmJobDeps>;
  try {
    setup = crmJobDeps(ctx.env, config, slack);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    for (const p of err.problems) ctx.err(`  - ${p}`);
    return null;
  }
  if (!setup.deps) {
    ctx.err(`Cannot reach ${CRM_PROVIDER_LABELS[crm.provider]}; fix these environment variables:`);
    for (const p of 'problems' in setup ? setup.problems : []) ctx.err(`  - ${p}`);
    return null;
  }
  return { crm, deps: setup.deps };
}

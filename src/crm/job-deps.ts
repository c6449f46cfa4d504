import { type CrmEnv, missingCrmEnv, parseCrmEnv } from '../config/env.ts';
import type { ProgramConfig } from '../config/program-config.ts';
import type { CrmJobDeps } from '../jobs/types.ts';
import { type LookupByEmail, slackLookupByEmail } from './owners.ts';
import { createCrmProvider } from './provider.ts';
import type { CrmProvider } from './types.ts';

/**
 * The CRM dependencies of the `crm-sync` job, or why there are none: no `crm` section, or credentials missing
 * (each missing variable with where to find it). The provider is built on first use and then reused.
 */
export function crmJobDeps(
  source: CrmEnv | Record<string, string | undefined>,
  config: ProgramConfig,
  slack: Parameters<typeof slackLookupByEmail>[0] | null,
): { deps: CrmJobDeps } | { deps: null; problems: string[] } {
  const crm = config.crm;
  if (!crm) return { deps: null, problems: [] };
  const env = parseCrmEnv(source as Record<string, string | undefined>);
  const problems = missingCrmEnv(env, crm.provider);
  if (problems.length > 0) return { deps: null, problems };
  let provider: CrmProvider | null = null;
  const lookupByEmail: LookupByEmail | null = slack ? slackLookupByEmail(slack) : null;
  return {
    deps: {
      provider: () => {
        provider ??= createCrmProvider(env, crm);
        return provider;
      },
      lookupByEmail,
    },
  };
}

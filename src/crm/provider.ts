import { type CrmEnv, EnvError, missingCrmEnv } from '../config/env.ts';
import { type CrmConfig, resolveCrmFields } from '../config/program-config.ts';
import type { RetryPolicy } from './http.ts';
import type { CrmProvider, CrmProviderKind } from './types.ts';

// Builds the configured provider from the environment (secrets) and the program config (fields, thresholds).
// The vendor client library (jsforce with its WebSocket and XML stacks, or @hubspot/api-client) is loaded on the
// provider's first call, not when Foothold starts: a bot whose CRM sync has not run yet, or that has no CRM, does
// not hold it in memory (about 20 MiB for jsforce; B6 in README "Performance").

export interface ProviderTuning {
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** HubSpot: gap between search calls (default 220 ms, 5 requests/s). */
  searchIntervalMs?: number;
  /** HubSpot: restart the search walk before this offset (default 10,000). */
  searchCap?: number;
  /** Salesforce: Bulk API 2.0 job polling. */
  bulkPollIntervalMs?: number;
}

export function createCrmProvider(env: CrmEnv, crm: CrmConfig, tuning: ProviderTuning = {}): CrmProvider {
  const missing = missingCrmEnv(env, crm.provider);
  if (missing.length > 0) throw new EnvError(missing);
  const fields = resolveCrmFields(crm);
  const writeBack = {
    account: crm.writeBack.account,
    opportunity: crm.writeBack.opportunity,
    noteKeyField: crm.writeBack.noteKeyField,
  };
  const common = {
    fields,
    writeBack,
    ...(crm.pageSize ? { pageSize: crm.pageSize } : {}),
    ...(tuning.timeoutMs ? { timeoutMs: tuning.timeoutMs } : {}),
    ...(tuning.retry ? { retry: tuning.retry } : {}),
  };
  if (crm.provider === 'hubspot') {
    return lazyProvider('hubspot', async () => {
      const { HubSpotProvider } = await import('./hubspot/provider.ts');
      return new HubSpotProvider({
        ...common,
        accessToken: env.HUBSPOT_ACCESS_TOKEN ?? '',
        apiUrl: env.HUBSPOT_API_URL,
        ...(tuning.searchIntervalMs !== undefined ? { searchIntervalMs: tuning.searchIntervalMs } : {}),
        ...(tuning.searchCap !== undefined ? { searchCap: tuning.searchCap } : {}),
      });
    });
  }
  return lazyProvider('salesforce', async () => {
    const { SalesforceProvider } = await import('./salesforce/provider.ts');
    return new SalesforceProvider({
      ...common,
      loginUrl: env.SALESFORCE_LOGIN_URL,
      clientId: env.SALESFORCE_CLIENT_ID ?? '',
      clientSecret: env.SALESFORCE_CLIENT_SECRET ?? '',
      apiVersion: env.SALESFORCE_API_VERSION,
      bulkThreshold: crm.bulkThreshold,
      ...(tuning.bulkPollIntervalMs !== undefined ? { bulkPollIntervalMs: tuning.bulkPollIntervalMs } : {}),
    });
  });
}

/** A provider that builds the real one (importing its client library) on its first call, once. */
function lazyProvider(kind: CrmProviderKind, build: () => Promise<CrmProvider>): CrmProvider {
  let real: Promise<CrmProvider> | null = null;
  const load = () => {
    real ??= build().catch((err: unknown) => {
      real = null;
      throw err;
    });
    return real;
  };
  return {
    kind,
    async *pullAccounts(cursor, opts) {
      yield* (await load()).pullAccounts(cursor, opts);
    },
    async *pullOpportunities(cursor, opts) {
      yield* (await load()).pullOpportunities(cursor, opts);
    },
    async *pullDeleted(object, since, until) {
      yield* (await load()).pullDeleted(object, since, until);
    },
    async listStages() {
      return (await load()).listStages();
    },
    async writeBack(write) {
      return (await load()).writeBack(write);
    },
  };
}

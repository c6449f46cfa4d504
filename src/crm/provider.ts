import { type CrmEnv, EnvError, missingCrmEnv } from '../config/env.ts';
import { type CrmConfig, resolveCrmFields } from '../config/program-config.ts';
import type { RetryPolicy } from './http.ts';
import { HubSpotProvider } from './hubspot/provider.ts';
import { SalesforceProvider } from './salesforce/provider.ts';
import type { CrmProvider } from './types.ts';

// Builds the configured provider from the environment (secrets) and the program config (fields, thresholds).

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
    return new HubSpotProvider({
      ...common,
      accessToken: env.HUBSPOT_ACCESS_TOKEN ?? '',
      apiUrl: env.HUBSPOT_API_URL,
      ...(tuning.searchIntervalMs !== undefined ? { searchIntervalMs: tuning.searchIntervalMs } : {}),
      ...(tuning.searchCap !== undefined ? { searchCap: tuning.searchCap } : {}),
    });
  }
  return new SalesforceProvider({
    ...common,
    loginUrl: env.SALESFORCE_LOGIN_URL,
    clientId: env.SALESFORCE_CLIENT_ID ?? '',
    clientSecret: env.SALESFORCE_CLIENT_SECRET ?? '',
    apiVersion: env.SALESFORCE_API_VERSION,
    bulkThreshold: crm.bulkThreshold,
    ...(tuning.bulkPollIntervalMs !== undefined ? { bulkPollIntervalMs: tuning.bulkPollIntervalMs } : {}),
  });
}

import { parseCrmEnv } from '../../src/config/env.ts';
import type { CrmConfig, ProgramConfig } from '../../src/config/program-config.ts';
import { createOwnerResolver, type LookupByEmail } from '../../src/crm/owners.ts';
import { createCrmProvider } from '../../src/crm/provider.ts';
import { type CrmSyncOptions, runCrmSync } from '../../src/crm/sync.ts';
import type { CrmProvider } from '../../src/crm/types.ts';
import type { Db } from '../../src/db/connection.ts';
import type { AccountWrite, OpportunityWrite } from '../../src/db/stores/crm-store.ts';
import { testConfig } from './db.ts';
import { sqlAll } from './sql.ts';

/** Retries fast: the stand-ins send Retry-After in whole seconds only when a test asks them to. */
export const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 2_000 };

export function hubspotConfig(patch: (crm: Record<string, unknown>) => void = () => {}): ProgramConfig {
  return testConfig((raw) => {
    const crm = raw.crm as Record<string, unknown>;
    patch(crm);
  });
}

export function salesforceConfig(patch: (crm: Record<string, unknown>) => void = () => {}): ProgramConfig {
  return testConfig((raw) => {
    const crm: Record<string, unknown> = {
      provider: 'salesforce',
      bulkThreshold: 100_000,
      stages: {
        Prospecting: 'meeting_held',
        Qualification: 'opportunity',
        'Proposal/Price Quote': 'opportunity',
        'Closed Won': 'won',
        'Closed Lost': 'lost',
      },
      writeBack: {
        account: {
          eqlStatus: 'Foothold_EQL_Status__c',
          partner: 'Foothold_Partner__c',
          writeKey: 'Foothold_Write_Key__c',
        },
        opportunity: {
          eqlStatus: 'Foothold_EQL_Status__c',
          partner: 'Foothold_Partner__c',
          writeKey: 'Foothold_Write_Key__c',
        },
        noteKeyField: 'Foothold_Write_Key__c',
      },
    };
    raw.crm = crm;
    patch(crm);
  });
}

export function hubspotProvider(
  url: string,
  crm: CrmConfig,
  tuning: { searchCap?: number; timeoutMs?: number } = {},
): CrmProvider {
  return createCrmProvider(
    parseCrmEnv({ HUBSPOT_ACCESS_TOKEN: 'pat-na1-standin-token', HUBSPOT_API_URL: `${url}/` }),
    crm,
    { retry: FAST_RETRY, searchIntervalMs: 0, ...tuning },
  );
}

export function salesforceProvider(
  url: string,
  crm: CrmConfig,
  tuning: { timeoutMs?: number } = {},
): CrmProvider {
  return createCrmProvider(
    parseCrmEnv({
      SALESFORCE_LOGIN_URL: url,
      SALESFORCE_CLIENT_ID: 'sf-client-id',
      SALESFORCE_CLIENT_SECRET: 'sf-client-secret',
      SALESFORCE_API_VERSION: '66.0',
    }),
    crm,
    { retry: FAST_RETRY, bulkPollIntervalMs: 5, ...tuning },
  );
}

export async function sync(
  db: Db,
  config: ProgramConfig,
  provider: CrmProvider,
  options: Partial<CrmSyncOptions> & { lookup?: LookupByEmail | null } = {},
) {
  const crm = config.crm;
  if (!crm) throw new Error('config has no crm section');
  const now = options.now ?? (() => Date.now());
  const owners = await createOwnerResolver({
    db,
    lookupByEmail: options.lookup ?? null,
    ttlMs: crm.ownerLookupTtlHours * 3_600_000,
    now,
    ...(options.dryRun ? { dryRun: true } : {}),
  });
  return runCrmSync({ db, crm, provider, owners }, { ...options, now });
}

export async function rows<T>(db: Db, sql: string, ...params: unknown[]): Promise<T[]> {
  return (await sqlAll(db, sql, ...params)) as T[];
}

/** A CRM account as a sync page carries it (fields the tests do not care about filled in). */
export function accountWrite(
  crmId: string,
  domain: string,
  at: number,
  patch: Partial<AccountWrite> = {},
): AccountWrite {
  return {
    crmId,
    domain,
    name: `Account ${crmId}`,
    industry: 'Software',
    employees: 50,
    country: 'DE',
    revenue: 1.5,
    ownerEmail: 'rep@vendor.example',
    isCustomer: null,
    crmUpdatedAt: at,
    ...patch,
  };
}

/** A CRM opportunity as a sync page carries it (no owner unless the patch names one). */
export function opportunityWrite(
  crmId: string,
  accountCrmId: string,
  at: number,
  patch: Partial<OpportunityWrite> = {},
): OpportunityWrite {
  return {
    crmId,
    accountCrmId,
    name: `Deal ${crmId}`,
    stageId: 'open',
    isClosed: false,
    isWon: false,
    amount: 1000,
    currency: 'EUR',
    closeDate: '2026-12-31',
    ownerEmail: null,
    lossReason: null,
    crmCreatedAt: at,
    crmUpdatedAt: at,
    ...patch,
  };
}

// The CRM provider contract (PRODUCT.md section 11). One interface for Salesforce (jsforce) and HubSpot
// (@hubspot/api-client): the sync (src/crm/sync.ts) pulls pages of accounts and opportunities through it and
// applies each page in one transaction together with the cursor it returns; the write-back queue calls
// `writeBack` and decides from the result whether to retry, give up or report a fix to admins.
//
// Records are already normalised here (times in epoch ms, dates `YYYY-MM-DD`, owners as emails) so nothing
// above this layer knows which CRM it talks to. Facts about both APIs: /work/shared/crm/FACTS.md.

export const CRM_PROVIDER_KINDS = ['salesforce', 'hubspot'] as const;
export type CrmProviderKind = (typeof CRM_PROVIDER_KINDS)[number];

export const CRM_PROVIDER_LABELS: Record<CrmProviderKind, string> = {
  salesforce: 'Salesforce',
  hubspot: 'HubSpot',
};

/** The two object kinds Foothold pulls; Salesforce Account/Opportunity, HubSpot companies/deals. */
export const CRM_OBJECTS = ['accounts', 'opportunities'] as const;
export type CrmObject = (typeof CRM_OBJECTS)[number];

/**
 * Where a pull stands, stored per provider and object in `crm_sync_cursors`. `lastModified` is the CRM's
 * last-modified time (Salesforce `SystemModstamp`, HubSpot `hs_lastmodifieddate`) of the newest record
 * applied; `resumeToken` is the provider's own opaque state (e.g. ids already applied at that exact time).
 */
export interface SyncCursor {
  lastModified: number | null;
  resumeToken: string | null;
}

export const EMPTY_CURSOR: SyncCursor = { lastModified: null, resumeToken: null };

/** One page of a pull: apply `records` and store `cursor` in the same transaction. */
export interface Page<T> {
  records: T[];
  /** The cursor to persist once this page is applied (resuming from it never skips a record). */
  cursor: SyncCursor;
}

export interface PullOptions {
  /** Ignore the stored cursor and read everything (deleted records are still reported). */
  full?: boolean;
  /** Records per page requested from the CRM (the CRM may return fewer). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** A Salesforce Account or HubSpot company, normalised. */
export interface CrmAccountRecord {
  crmId: string;
  name: string;
  /** The raw website/domain field; the sync turns it into a registrable domain (src/core/domain.ts). */
  website: string | null;
  industry: string | null;
  employees: number | null;
  country: string | null;
  revenue: number | null;
  ownerEmail: string | null;
  /** From the configured customer field; null when the CRM has no value (the existing flag is kept). */
  isCustomer: boolean | null;
  /** CRM last-modified time, epoch ms. */
  lastModified: number;
  /** Deleted in the CRM (Salesforce `IsDeleted`, HubSpot archived). */
  deleted: boolean;
  /** The surviving record when this one was merged away (Salesforce `MasterRecordId`). */
  mergedInto: string | null;
  /** Records merged INTO this one (HubSpot `hs_merged_object_ids`); they are marked merged into this. */
  mergedFrom: string[];
}

/** A Salesforce Opportunity or HubSpot deal, normalised. */
export interface CrmOpportunityRecord {
  crmId: string;
  /** The account/company it belongs to (Salesforce `AccountId`, HubSpot primary associated company). */
  accountCrmId: string | null;
  name: string;
  /** The CRM's own stage id (Salesforce `StageName` API value, HubSpot `dealstage` internal id). */
  stageId: string;
  /** Closed/won as the CRM says (Salesforce `IsClosed`/`IsWon`; HubSpot from the pipeline stage metadata). */
  isClosed: boolean | null;
  isWon: boolean | null;
  amount: number | null;
  /** ISO 4217, null when the CRM has no per-record currency (single-currency orgs/portals). */
  currency: string | null;
  /** `YYYY-MM-DD`. */
  closeDate: string | null;
  ownerEmail: string | null;
  /** Created in the CRM, epoch ms. */
  createdAt: number | null;
  /** The CRM's loss reason when it has one (configured field), for the lifecycle's lost reason. */
  lossReason: string | null;
  lastModified: number;
  deleted: boolean;
  mergedInto: string | null;
  mergedFrom: string[];
}

/** A record the CRM reports as deleted since a time (Salesforce getDeleted, HubSpot archived list). */
export interface CrmDeletedRecord {
  crmId: string;
  deletedAt: number;
}

/** A stage as the CRM defines it (Salesforce OpportunityStage, HubSpot deal pipeline stages). */
export interface CrmStage {
  id: string;
  label: string;
  isClosed: boolean;
  isWon: boolean;
  /** HubSpot pipeline id; null for Salesforce. */
  pipelineId: string | null;
}

export type CrmFieldValue = string | number | boolean | null;

/**
 * A write-back: set `fields` (CRM field/property API names → values) on one existing account/company or
 * opportunity/deal, and optionally attach a note. Idempotent by `writeKey`, a stable key the caller derives
 * from what it writes (e.g. `lead:42:qualified`), so a replay after a crash between send and commit changes
 * nothing:
 * - the field update is a PATCH of absolute values keyed by the CRM id (a replay sets the same values), and
 *   the write key itself is stored in the configured write-key field, so a reader can tell which write was last;
 * - the note is upserted by the write key through an external-id / unique-value field (Salesforce: upsert of a
 *   Task on its external-id field; HubSpot: batch upsert of a note with `idProperty` = a unique-value note
 *   property), so it is created at most once however often the write is replayed.
 */
export interface CrmWrite {
  object: 'account' | 'opportunity';
  crmId: string;
  fields: Record<string, CrmFieldValue>;
  writeKey: string;
  note?: { body: string; timestamp: number };
}

export type CrmWriteResult =
  | { status: 'ok'; noteId?: string | null }
  /** Worth retrying: 429, 423, 5xx, timeouts, network errors. `retryAfterMs` from Retry-After when sent. */
  | { status: 'retryable'; error: string; retryAfterMs: number | null }
  /** Retrying will not help (missing field, permission, unknown record): `fix` tells an admin what to do. */
  | { status: 'permanent'; error: string; fix: string };

export interface CrmProvider {
  kind: CrmProviderKind;
  /** Accounts/companies changed since `cursor`, oldest first, one page at a time. */
  pullAccounts(cursor: SyncCursor, opts?: PullOptions): AsyncIterable<Page<CrmAccountRecord>>;
  /** Opportunities/deals changed since `cursor`, oldest first, one page at a time. */
  pullOpportunities(cursor: SyncCursor, opts?: PullOptions): AsyncIterable<Page<CrmOpportunityRecord>>;
  /** Records deleted since `since` (epoch ms) that an incremental pull does not show. */
  pullDeleted(object: CrmObject, since: number, until: number): AsyncIterable<CrmDeletedRecord[]>;
  /** The CRM's opportunity stages, to check the stage map and report unknown stages. */
  listStages(): Promise<CrmStage[]>;
  writeBack(write: CrmWrite): Promise<CrmWriteResult>;
}

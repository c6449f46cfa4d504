// Salesforce through jsforce 3.10.16 (FACTS.md §S1–S8). One Connection per provider:
// - OAuth 2.0 client-credentials against SALESFORCE_LOGIN_URL (the org's My Domain: login.salesforce.com
//   refuses this grant, §S1). There is no refresh token, so `refreshFn` re-runs the grant; jsforce calls it on
//   a 401 and replays the request (§S2).
// - Pulls are SOQL through `queryAll` (deleted and merged rows included: IsDeleted, MasterRecordId), ordered by
//   SystemModstamp (changes by users AND automation, §S4), paged explicitly with `queryMore` (jsforce's
//   autoFetch stops silently at maxFetch, §S4). When a COUNT() says more rows than `bulkThreshold` changed, a
//   Bulk API 2.0 query job is used instead (§S5): its results are read page by page through the Sforce-Locator,
//   never buffered whole (jsforce's own bulk2.query reads every locator page before returning).
// - Deleted rows the query can no longer see come from getDeleted (`sobject(T).deleted`, 15-day window, §S4).
// - Write-back: PATCH of absolute values by Id, and notes as Tasks upserted on an external-id field (§S6).

import { Connection, type QueryResult, type Record as SfRecord } from 'jsforce';
import { HttpApi } from 'jsforce/lib/http-api.js';
import type {
  CrmAccountFieldMap,
  CrmOpportunityFieldMap,
  CrmWriteFields,
} from '../../config/program-config.ts';
import {
  CrmPermanentError,
  CrmRetryableError,
  DEFAULT_RETRY,
  isNetworkError,
  type RetryPolicy,
  retrying,
  sleep,
  toWriteResult,
  withTimeout,
} from '../http.ts';
import type {
  CrmAccountRecord,
  CrmDeletedRecord,
  CrmObject,
  CrmOpportunityRecord,
  CrmProvider,
  CrmStage,
  CrmWrite,
  CrmWriteResult,
  Page,
  PullOptions,
  SyncCursor,
} from '../types.ts';

export interface SalesforceOptions {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  /** e.g. `66.0` (jsforce's default is 50.0, so it is always set, §S2). */
  apiVersion: string;
  fields: { accounts: CrmAccountFieldMap; opportunities: CrmOpportunityFieldMap };
  writeBack: { account: CrmWriteFields; opportunity: CrmWriteFields; noteKeyField?: string | undefined };
  /** More changed rows than this → Bulk API 2.0 query job. */
  bulkThreshold: number;
  /** `Sforce-Query-Options: batchSize` (200–2000; Salesforce may return other sizes, §S4). */
  pageSize?: number;
  /** Per request (default 120 s). */
  timeoutMs?: number;
  bulkPollIntervalMs?: number;
  bulkPollTimeoutMs?: number;
  retry?: RetryPolicy;
}

type Row = SfRecord;

const SOBJECT: Record<CrmObject, 'Account' | 'Opportunity'> = {
  accounts: 'Account',
  opportunities: 'Opportunity',
};

/** SOQL dateTime literal (unquoted, UTC, whole seconds: FACTS §S4). */
export function soqlDateTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A field from a REST record (`Owner: {Email}`) or a Bulk CSV row (`"Owner.Email"` column). */
function get(row: Row, path: string): unknown {
  if (path in row) return row[path];
  let cur: unknown = row;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur ?? null;
}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

function num(v: unknown): number | null {
  const s = str(v);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 'TRUE';
}

function time(v: unknown): number | null {
  const s = str(v);
  if (s === null) return null;
  // Salesforce writes `2026-01-01T00:00:00.000+0000`; Date.parse wants `+00:00`.
  const t = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : t;
}

export class SalesforceProvider implements CrmProvider {
  readonly kind = 'salesforce' as const;
  readonly conn: Connection;
  private readonly opts: SalesforceOptions;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private authorized: Promise<void> | null = null;

  constructor(opts: SalesforceOptions) {
    this.opts = opts;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    const loginUrl = opts.loginUrl.replace(/\/+$/, '');
    this.conn = new Connection({
      loginUrl,
      version: opts.apiVersion,
      oauth2: { clientId: opts.clientId, clientSecret: opts.clientSecret, loginUrl },
      // No refresh token in this flow (§S1): re-run the grant. Without this jsforce fails the refresh (§S2).
      refreshFn: async (c, cb) => {
        try {
          const r = await c.oauth2.requestToken({ grant_type: 'client_credentials' });
          cb(null, r.access_token, r);
        } catch (err) {
          cb(err as Error);
        }
      },
    });
  }

  private authorize(): Promise<void> {
    this.authorized ??= withTimeout(
      this.conn.authorize({ grant_type: 'client_credentials' }).then(() => undefined),
      this.timeoutMs,
      'Salesforce token endpoint',
    ).catch((err: unknown) => {
      this.authorized = null;
      throw classifySalesforceError(err, 'sign in');
    });
    return this.authorized;
  }

  /** One API call: signed in, under a deadline, its error classified, retried when retryable. */
  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retrying(what, this.retry, async () => {
      await this.authorize();
      try {
        return await withTimeout(fn(), this.timeoutMs, `Salesforce ${what}`);
      } catch (err) {
        throw classifySalesforceError(err, what);
      }
    });
  }

  /** One query batch (jsforce's Query is a thenable, not a Promise). */
  private soql(
    soql: string,
    scanAll: boolean,
    headers: Record<string, string> = {},
  ): Promise<QueryResult<Row>> {
    return Promise.resolve(this.conn.query<Row>(soql, { scanAll, headers, autoFetch: false }));
  }

  private more(url: string, headers: Record<string, string>): Promise<QueryResult<Row>> {
    return Promise.resolve(
      this.conn.queryMore<Row>(url, {
        headers,
        autoFetch: false,
        maxFetch: 10_000,
        scanAll: true,
        responseTarget: 'QueryResult',
      }),
    );
  }

  private accountFields(): string[] {
    const f = this.opts.fields.accounts;
    const list = ['Id', f.name, f.website, f.industry, f.employees, f.country, f.revenue];
    if (f.customer) list.push(f.customer.field);
    list.push('Owner.Email', 'SystemModstamp', 'IsDeleted', 'MasterRecordId');
    return [...new Set(list)];
  }

  private opportunityFields(): string[] {
    const f = this.opts.fields.opportunities;
    const list = ['Id', 'AccountId', 'Name', 'StageName', 'IsClosed', 'IsWon', f.amount, f.closeDate];
    if (f.currency) list.push(f.currency);
    if (f.lossReason) list.push(f.lossReason);
    list.push('Owner.Email', 'CreatedDate', 'SystemModstamp', 'IsDeleted');
    return [...new Set(list.filter((x): x is string => x !== null))];
  }

  private toAccount(row: Row): CrmAccountRecord {
    const f = this.opts.fields.accounts;
    const customerValue = f.customer ? str(get(row, f.customer.field)) : null;
    const customerValues = f.customer?.values.map((v) => v.toLowerCase()) ?? [];
    return {
      crmId: String(get(row, 'Id')),
      name: str(get(row, f.name)) ?? '',
      website: str(get(row, f.website)),
      industry: str(get(row, f.industry)),
      employees: num(get(row, f.employees)),
      country: str(get(row, f.country)),
      revenue: num(get(row, f.revenue)),
      ownerEmail: str(get(row, 'Owner.Email'))?.toLowerCase() ?? null,
      isCustomer: f.customer
        ? customerValue !== null && customerValues.includes(customerValue.toLowerCase())
        : null,
      lastModified: time(get(row, 'SystemModstamp')) ?? 0,
      deleted: bool(get(row, 'IsDeleted')),
      mergedInto: str(get(row, 'MasterRecordId')),
      mergedFrom: [],
    };
  }

  private toOpportunity(row: Row): CrmOpportunityRecord {
    const f = this.opts.fields.opportunities;
    const close = f.closeDate ? str(get(row, f.closeDate)) : null;
    return {
      crmId: String(get(row, 'Id')),
      accountCrmId: str(get(row, 'AccountId')),
      name: str(get(row, 'Name')) ?? '',
      stageId: str(get(row, 'StageName')) ?? '',
      isClosed: bool(get(row, 'IsClosed')),
      isWon: bool(get(row, 'IsWon')),
      amount: f.amount ? num(get(row, f.amount)) : null,
      currency: f.currency ? str(get(row, f.currency)) : null,
      closeDate: close ? close.slice(0, 10) : null,
      ownerEmail: str(get(row, 'Owner.Email'))?.toLowerCase() ?? null,
      createdAt: time(get(row, 'CreatedDate')),
      lossReason: f.lossReason ? str(get(row, f.lossReason)) : null,
      lastModified: time(get(row, 'SystemModstamp')) ?? 0,
      deleted: bool(get(row, 'IsDeleted')),
      mergedInto: null,
      mergedFrom: [],
    };
  }

  pullAccounts(cursor: SyncCursor, opts: PullOptions = {}): AsyncIterable<Page<CrmAccountRecord>> {
    return this.pull('accounts', this.accountFields(), (r) => this.toAccount(r), cursor, opts);
  }

  pullOpportunities(cursor: SyncCursor, opts: PullOptions = {}): AsyncIterable<Page<CrmOpportunityRecord>> {
    return this.pull('opportunities', this.opportunityFields(), (r) => this.toOpportunity(r), cursor, opts);
  }

  private async *pull<T extends { lastModified: number }>(
    object: CrmObject,
    fields: string[],
    map: (row: Row) => T,
    cursor: SyncCursor,
    opts: PullOptions,
  ): AsyncGenerator<Page<T>> {
    const since = opts.full ? null : cursor.lastModified;
    // `>=`: SystemModstamp has whole seconds, so rows sharing the cursor's second are read again; applying a
    // row twice changes nothing.
    const where = since === null ? '' : ` WHERE SystemModstamp >= ${soqlDateTime(since)}`;
    const sobject = SOBJECT[object];
    const counted = await this.call(`count ${sobject}`, () =>
      this.soql(`SELECT COUNT() FROM ${sobject}${where}`, true),
    );
    if (counted.totalSize > this.opts.bulkThreshold) {
      yield* this.pullBulk(sobject, fields, where, map, cursor, opts);
      return;
    }
    const soql = `SELECT ${fields.join(', ')} FROM ${sobject}${where} ORDER BY SystemModstamp ASC, Id ASC`;
    const batchSize = Math.min(2000, Math.max(200, opts.pageSize ?? this.opts.pageSize ?? 2000));
    const headers = { 'Sforce-Query-Options': `batchSize=${batchSize}` };
    let result = await this.call(`query ${sobject}`, () => this.soql(soql, true, headers));
    let last = cursor.lastModified;
    for (;;) {
      opts.signal?.throwIfAborted();
      const records = result.records.map(map);
      for (const r of records) if (last === null || r.lastModified > last) last = r.lastModified;
      yield { records, cursor: { lastModified: last, resumeToken: null } };
      if (result.done || !result.nextRecordsUrl) return;
      const next = result.nextRecordsUrl;
      result = await this.call(`queryMore ${sobject}`, () => this.more(next, headers));
    }
  }

  /**
   * Bulk API 2.0 query (FACTS §S5). Bulk queries take no ORDER BY (Salesforce: "Understanding Bulk API 2.0
   * Query", SOQL considerations), so the cursor only advances after the last page: a crash mid-job re-reads
   * from the old cursor (pages already applied are applied again, unchanged), never skipping a row.
   */
  private async *pullBulk<T extends { lastModified: number }>(
    sobject: string,
    fields: string[],
    where: string,
    map: (row: Row) => T,
    cursor: SyncCursor,
    opts: PullOptions,
  ): AsyncGenerator<Page<T>> {
    const base = `/services/data/v${this.conn.version}/jobs/query`;
    const job = await this.call('create Bulk API 2.0 query job', () =>
      this.conn.request<{ id: string; state: string }>({
        method: 'POST',
        url: base,
        body: JSON.stringify({
          operation: 'queryAll',
          query: `SELECT ${fields.join(', ')} FROM ${sobject}${where}`,
        }),
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    const interval = this.opts.bulkPollIntervalMs ?? 1000;
    const deadline = Date.now() + (this.opts.bulkPollTimeoutMs ?? 30 * 60_000);
    for (;;) {
      const info = await this.call('poll Bulk API 2.0 query job', () =>
        this.conn.request<{ state: string; errorMessage?: string }>({
          method: 'GET',
          url: `${base}/${job.id}`,
        }),
      );
      if (info.state === 'JobComplete') break;
      if (info.state === 'Failed' || info.state === 'Aborted') {
        throw new CrmPermanentError(
          `Salesforce Bulk API 2.0 query job ${job.id} ${info.state.toLowerCase()}: ${info.errorMessage ?? 'no message'}`,
          'Check the query job in Setup → Bulk Data Load Jobs; the next sync starts a new job.',
        );
      }
      if (Date.now() > deadline) {
        throw new CrmRetryableError(`Salesforce Bulk API 2.0 query job ${job.id} still ${info.state}`, null);
      }
      await sleep(interval);
    }
    const maxRecords = opts.pageSize ?? this.opts.pageSize ?? 2000;
    let locator: string | null = null;
    let last = cursor.lastModified;
    for (;;) {
      opts.signal?.throwIfAborted();
      const query: string =
        locator === null
          ? `maxRecords=${maxRecords}`
          : `maxRecords=${maxRecords}&locator=${encodeURIComponent(locator)}`;
      const page: { rows: Row[]; next: string | null } = await this.call(
        'read Bulk API 2.0 results',
        async () => {
          const api = new HttpApi(this.conn, { responseType: 'text/csv' });
          let next: string | null = null;
          api.on('response', (res: { headers: Record<string, string> }) => {
            next = res.headers['sforce-locator'] ?? null;
          });
          const rows = (await api.request({
            method: 'GET',
            url: `${this.conn.instanceUrl}${base}/${job.id}/results?${query}`,
            headers: { Accept: 'text/csv' },
          })) as unknown as Row[];
          return { rows: Array.isArray(rows) ? rows : [], next };
        },
      );
      const records = page.rows.map(map);
      for (const r of records) if (last === null || r.lastModified > last) last = r.lastModified;
      const done = page.next === null || page.next === 'null';
      // Unordered pages: the cursor stays put until the last one.
      yield { records, cursor: done ? { lastModified: last, resumeToken: null } : cursor };
      if (done) return;
      locator = page.next;
    }
  }

  async *pullDeleted(object: CrmObject, since: number, until: number): AsyncGenerator<CrmDeletedRecord[]> {
    // getDeleted reaches back 15 days at most (§S4); older deletions were seen by queryAll (IsDeleted) or are gone.
    const floor = until - 14 * 24 * 3600_000;
    const start = new Date(Math.max(since, floor));
    const end = new Date(until);
    if (start >= end) return;
    const sobject = SOBJECT[object];
    const res = await this.call(`getDeleted ${sobject}`, () =>
      this.conn.sobject(sobject).deleted(start, end),
    );
    const batch: CrmDeletedRecord[] = [];
    for (const d of res.deletedRecords ?? []) {
      batch.push({ crmId: d.id, deletedAt: time(d.deletedDate) ?? until });
      if (batch.length === 2000) yield batch.splice(0);
    }
    if (batch.length > 0) yield batch;
  }

  async listStages(): Promise<CrmStage[]> {
    const res = await this.call('query OpportunityStage', () =>
      this.soql(
        'SELECT ApiName, MasterLabel, IsClosed, IsWon FROM OpportunityStage WHERE IsActive = true',
        false,
      ),
    );
    return res.records.map((r) => ({
      id: String(get(r, 'ApiName')),
      label: String(get(r, 'MasterLabel')),
      isClosed: bool(get(r, 'IsClosed')),
      isWon: bool(get(r, 'IsWon')),
      pipelineId: null,
    }));
  }

  async writeBack(write: CrmWrite): Promise<CrmWriteResult> {
    const sobject = write.object === 'account' ? 'Account' : 'Opportunity';
    const keyField = (
      write.object === 'account' ? this.opts.writeBack.account : this.opts.writeBack.opportunity
    ).writeKey;
    const record: Record<string, unknown> = { Id: write.crmId, ...write.fields };
    if (keyField) record[keyField] = write.writeKey;
    try {
      // One attempt each: the write-back queue owns retries (jsforce never retries PATCH, §S2).
      await this.authorize();
      if (Object.keys(record).length > 1) {
        const res = await withTimeout(
          this.conn.sobject(sobject).update(record as { Id: string }),
          this.timeoutMs,
          `Salesforce update ${sobject}`,
        );
        if (!res.success) throw classifySalesforceError(errorsOf(res), `update ${sobject}`);
      }
      let noteId: string | null = null;
      const noteKey = this.opts.writeBack.noteKeyField;
      if (write.note && noteKey) {
        // A Task upserted on its external-id field: PATCH /sobjects/Task/{field}/{writeKey} (§S6), so a
        // replay updates the same Task instead of adding one.
        const task = {
          [noteKey]: write.writeKey,
          WhatId: write.crmId,
          Subject: 'Foothold',
          Description: write.note.body.slice(0, 32_000),
          Status: 'Completed',
          ActivityDate: new Date(write.note.timestamp).toISOString().slice(0, 10),
        };
        const res = await withTimeout(
          this.conn.sobject('Task').upsert(task, noteKey),
          this.timeoutMs,
          'Salesforce upsert Task',
        );
        if (!res.success) throw classifySalesforceError(errorsOf(res), 'upsert Task');
        noteId = 'id' in res && res.id ? String(res.id) : null;
      }
      return { status: 'ok', noteId };
    } catch (err) {
      return toWriteResult(classifySalesforceError(err, `write-back to ${sobject} ${write.crmId}`));
    }
  }
}

function errorsOf(res: { errors?: unknown }): Error {
  const list = Array.isArray(res.errors) ? res.errors : [];
  const first = list[0] as { errorCode?: string; message?: string; statusCode?: string } | string | undefined;
  if (typeof first === 'string') return Object.assign(new Error(first), { errorCode: 'UNKNOWN' });
  const code = first?.errorCode ?? first?.statusCode ?? 'UNKNOWN';
  return Object.assign(new Error(first?.message ?? 'write failed'), { name: code, errorCode: code });
}

const RETRYABLE_CODES = new Set([
  'SERVER_UNAVAILABLE',
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
  'ERROR_HTTP_429',
  'ERROR_HTTP_500',
  'ERROR_HTTP_502',
  'ERROR_HTTP_503',
  'ERROR_HTTP_504',
]);

/** jsforce's HttpApiError (`errorCode` = Salesforce's, FACTS §S2/§S8) → retryable or permanent with a fix. */
export function classifySalesforceError(err: unknown, what: string): Error {
  if (err instanceof CrmRetryableError || err instanceof CrmPermanentError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const code = String((e as { errorCode?: unknown }).errorCode ?? e.name);
  const message = `Salesforce ${what}: ${code}: ${e.message}`;
  if (isNetworkError(e) || RETRYABLE_CODES.has(code)) return new CrmRetryableError(message, null);
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    // Daily allocation or the concurrent long-running cap (§S8): wait, do not hammer.
    return new CrmRetryableError(message, 15 * 60_000);
  }
  if (
    code === 'invalid_grant' ||
    code === 'invalid_client_id' ||
    code === 'invalid_client' ||
    /invalid_grant|request not supported on this domain/i.test(e.message)
  ) {
    return new CrmPermanentError(
      message,
      'Set SALESFORCE_LOGIN_URL to your My Domain URL (https://<domain>.my.salesforce.com), check SALESFORCE_CLIENT_ID/SECRET, and that the app has "Enable Client Credentials Flow" with a Run As user.',
    );
  }
  if (code === 'INVALID_SESSION_ID') {
    return new CrmPermanentError(
      message,
      'The token was refused after a fresh sign-in: check the Run As user is active and API Enabled.',
    );
  }
  if (
    code === 'INVALID_FIELD' ||
    code === 'NOT_FOUND' ||
    code === 'INVALID_FIELD_FOR_INSERT_UPDATE' ||
    code === 'INVALID_TYPE'
  ) {
    return new CrmPermanentError(
      message,
      'Create the field in Salesforce Setup → Object Manager (or fix its API name in the crm section of the config) and give the integration user edit access to it.',
    );
  }
  if (
    code.startsWith('INSUFFICIENT_ACCESS') ||
    code === 'API_DISABLED_FOR_ORG' ||
    code === 'FIELD_INTEGRITY_EXCEPTION'
  ) {
    return new CrmPermanentError(
      message,
      "Give the integration (Run As) user's profile or permission set access to the object and fields.",
    );
  }
  if (code === 'ENTITY_IS_DELETED' || code === 'MALFORMED_ID') {
    return new CrmPermanentError(message, 'The record no longer exists in Salesforce; nothing to write.');
  }
  return new CrmPermanentError(message, 'See the Salesforce error above; retrying will not change it.');
}

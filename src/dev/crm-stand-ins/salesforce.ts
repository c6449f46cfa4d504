/**
 * A loopback stand-in for the parts of the Salesforce REST API Foothold uses, driven through the real jsforce
 * 3.10.16. Shapes follow /work/shared/crm/FACTS.md (keys in brackets) and the pages it cites:
 * - OAuth 2.0 client-credentials token endpoint, `POST /services/oauth2/token` (form body), answering
 *   `{access_token, instance_url, id, token_type, issued_at, signature, scope}` with no refresh token
 *   [SF-ccflow] [SF-ccresp]; a bad client gets 400 `{error, error_description}`.
 * - Every `/services/data/vXX.X/…` call needs `Authorization: Bearer`; an unknown or expired token gets 401
 *   `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]` [SF-errors]. Errors are JSON
 *   arrays of `{message, errorCode, fields?}` [SF-errors]. Every answer carries `Sforce-Limit-Info:
 *   api-usage=n/limit`; past the limit, 403 `REQUEST_LIMIT_EXCEEDED` [SF-limitinfo] [SF-apilimits].
 * - SOQL through `/query` and `/queryAll` (the latter includes IsDeleted rows) [SF-queryall], batches of
 *   `Sforce-Query-Options: batchSize` (200–2,000, default 2,000) [SF-qopts], `nextRecordsUrl` until
 *   `done` [SF-queryall]. Only the SOQL Foothold sends is understood: SELECT fields (with `Owner.Email`) FROM
 *   Account/Opportunity/OpportunityStage/User, `WHERE SystemModstamp >=|> <dateTime>` (unquoted literal
 *   [SF-dates]) or `WHERE IsActive = true`, `ORDER BY SystemModstamp ASC, Id ASC`, and `SELECT COUNT()`.
 *   Anything else is 400 MALFORMED_QUERY; an unknown column is 400 INVALID_FIELD.
 * - `GET /sobjects/{T}/deleted/?start=&end=` → `{deletedRecords:[{id, deletedDate}], earliestDateAvailable,
 *   latestDateCovered}`, 15 days back at most (older start: 400 INVALID_REPLICATION_DATE) [SF-getdeleted].
 *   Deleting does NOT move SystemModstamp here (the docs do not promise it), so only queryAll/getDeleted see it.
 * - `PATCH /sobjects/{T}/{Id}` → 204; `PATCH /sobjects/{T}/{ExtIdField}/{value}` → 201 `{id, success, errors,
 *   created:true}` or 200 `{…, created:false}` (API ≥ 46), 404 NOT_FOUND for a field that is not an external
 *   id [SF-upsert] [SF-upsert-copy]. Closed/won come from the stage (IsClosed/IsWon are read-only) [SF-opp].
 * - Bulk API 2.0 query: `POST /jobs/query` → UploadComplete, `GET /jobs/query/{id}` → InProgress then
 *   JobComplete, `GET /jobs/query/{id}/results?locator=&maxRecords=` → CSV with `Sforce-Locator` (the string
 *   `null` on the last page) and `Sforce-NumberOfRecords`; results read with another API version get 409
 *   [SF-bulkwalk] [SF-bulkres]. ORDER BY is refused (Bulk API 2.0 query SOQL considerations).
 */

import { randomBytes } from 'node:crypto';
import { type FaultRule, type HttpStandIn, jsonBody, type Reply, startHttpStandIn } from './http-kit.ts';

export type SfObjectName = 'Account' | 'Opportunity' | 'Task' | 'User';
export type SfRow = Record<string, unknown>;

export interface SfStage {
  ApiName: string;
  MasterLabel: string;
  IsClosed: boolean;
  IsWon: boolean;
}

export interface SalesforceStandInOptions {
  clientId?: string;
  clientSecret?: string;
  /** Custom fields per object (API names ending in __c); external-id fields must be listed here too. */
  customFields?: Partial<Record<SfObjectName, string[]>>;
  externalIdFields?: Partial<Record<SfObjectName, string[]>>;
  /** Multicurrency orgs expose CurrencyIsoCode [SF-currency]. */
  multicurrency?: boolean;
  stages?: SfStage[];
  /** Daily API allocation (Sforce-Limit-Info). */
  apiLimit?: number;
  /** How many polls a Bulk job stays InProgress. */
  bulkPollsInProgress?: number;
  now?: () => number;
}

const STANDARD_FIELDS: Record<SfObjectName, string[]> = {
  Account: [
    'Id',
    'Name',
    'Website',
    'Industry',
    'NumberOfEmployees',
    'BillingCountry',
    'AnnualRevenue',
    'Type',
    'OwnerId',
    'CreatedDate',
    'LastModifiedDate',
    'SystemModstamp',
    'IsDeleted',
    'MasterRecordId',
  ],
  Opportunity: [
    'Id',
    'AccountId',
    'Name',
    'StageName',
    'IsClosed',
    'IsWon',
    'Amount',
    'CloseDate',
    'OwnerId',
    'CreatedDate',
    'LastModifiedDate',
    'SystemModstamp',
    'IsDeleted',
  ],
  Task: [
    'Id',
    'WhatId',
    'Subject',
    'Description',
    'Status',
    'ActivityDate',
    'OwnerId',
    'SystemModstamp',
    'IsDeleted',
  ],
  User: ['Id', 'Email', 'IsActive', 'Username'],
};
const READ_ONLY = new Set([
  'Id',
  'IsClosed',
  'IsWon',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'IsDeleted',
  'MasterRecordId',
]);
const ID_PREFIX: Record<SfObjectName, string> = {
  Account: '001',
  Opportunity: '006',
  Task: '00T',
  User: '005',
};
const DAY_MS = 86_400_000;

export const DEFAULT_SF_STAGES: SfStage[] = [
  { ApiName: 'Prospecting', MasterLabel: 'Prospecting', IsClosed: false, IsWon: false },
  { ApiName: 'Qualification', MasterLabel: 'Qualification', IsClosed: false, IsWon: false },
  { ApiName: 'Proposal/Price Quote', MasterLabel: 'Proposal/Price Quote', IsClosed: false, IsWon: false },
  { ApiName: 'Closed Won', MasterLabel: 'Closed Won', IsClosed: true, IsWon: true },
  { ApiName: 'Closed Lost', MasterLabel: 'Closed Lost', IsClosed: true, IsWon: false },
];

/** Salesforce's dateTime format: `2026-01-01T00:00:00.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function parseSfTime(v: unknown): number {
  return Date.parse(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

const err = (status: number, errorCode: string, message: string, fields?: string[]): Reply => ({
  status,
  body: [{ message, errorCode, ...(fields ? { fields } : {}) }],
});

interface ParsedQuery {
  count: boolean;
  fields: string[];
  object: string;
  since: { op: '>=' | '>'; ms: number } | null;
  activeOnly: boolean;
  ordered: boolean;
}

interface QueryCursor {
  ids: string[];
  object: SfObjectName;
  fields: string[];
  offset: number;
  batch: number;
}

interface BulkJob {
  id: string;
  version: string;
  operation: 'query' | 'queryAll';
  parsed: ParsedQuery;
  polls: number;
  ids: string[] | null;
}

export interface SalesforceStandIn {
  url: string;
  http: HttpStandIn;
  /** Adds or replaces a record; SystemModstamp defaults to the stand-in clock. Returns its Id. */
  put(object: SfObjectName, row: SfRow): string;
  get(object: SfObjectName, id: string): SfRow | undefined;
  /** Updates fields as a user would (SystemModstamp moves). */
  update(object: SfObjectName, id: string, fields: SfRow): void;
  /** Soft-deletes (Recycle Bin): IsDeleted, the delete log, MasterRecordId for a merge's loser. */
  remove(object: SfObjectName, id: string, options?: { mergedInto?: string; at?: number }): void;
  count(object: SfObjectName): number;
  /** Every token issued so far stops working (a session timeout). */
  expireTokens(): void;
  tokensIssued(): number;
  fault(rule: FaultRule): void;
  close(): Promise<void>;
}

export async function startSalesforceStandIn(
  options: SalesforceStandInOptions = {},
): Promise<SalesforceStandIn> {
  const clientId = options.clientId ?? 'sf-client-id';
  const clientSecret = options.clientSecret ?? 'sf-client-secret';
  const now = options.now ?? Date.now;
  const stages = options.stages ?? DEFAULT_SF_STAGES;
  const apiLimit = options.apiLimit ?? 1_000_000;
  const data: Record<SfObjectName, Map<string, SfRow>> = {
    Account: new Map(),
    Opportunity: new Map(),
    Task: new Map(),
    User: new Map(),
  };
  const deletedLog: Record<SfObjectName, Array<{ id: string; deletedDate: number }>> = {
    Account: [],
    Opportunity: [],
    Task: [],
    User: [],
  };
  const tokens = new Set<string>();
  let issued = 0;
  let apiUsage = 0;
  let idSeq = 0;
  const cursors = new Map<string, QueryCursor>();
  const jobs = new Map<string, BulkJob>();
  let url = '';

  const fieldsOf = (object: SfObjectName): Set<string> => {
    const out = new Set([...STANDARD_FIELDS[object], ...(options.customFields?.[object] ?? [])]);
    if (options.multicurrency && (object === 'Account' || object === 'Opportunity'))
      out.add('CurrencyIsoCode');
    if (object === 'Account' || object === 'Opportunity' || object === 'Task') out.add('Owner.Email');
    return out;
  };
  const newId = (object: SfObjectName) => `${ID_PREFIX[object]}${String(++idSeq).padStart(15, '0')}`;

  const stageOf = (name: unknown) => stages.find((s) => s.ApiName === name);

  function parseSoql(q: string): ParsedQuery | Reply {
    const m = /^SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(.+?))?\s*$/i.exec(
      q.trim(),
    );
    if (!m) return err(400, 'MALFORMED_QUERY', `unexpected token in: ${q.slice(0, 80)}`);
    const [, select = '', object = '', where, order] = m;
    const count = /^COUNT\(\)$/i.test(select.trim());
    const fields = count ? [] : select.split(',').map((f) => f.trim());
    let since: ParsedQuery['since'] = null;
    let activeOnly = false;
    if (where) {
      const w =
        /^SystemModstamp\s*(>=|>)\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?(?:Z|[+-]\d{2}:?\d{2}))$/.exec(
          where.trim(),
        );
      if (w) since = { op: w[1] as '>=' | '>', ms: Date.parse(w[2] ?? '') };
      else if (/^IsActive\s*=\s*true$/i.test(where.trim())) activeOnly = true;
      else return err(400, 'MALFORMED_QUERY', `stand-in does not understand WHERE ${where}`);
    }
    if (order && !/^SystemModstamp(\s+ASC)?\s*,\s*Id(\s+ASC)?$/i.test(order.trim())) {
      return err(400, 'MALFORMED_QUERY', `stand-in does not understand ORDER BY ${order}`);
    }
    return { count, fields, object, since, activeOnly, ordered: Boolean(order) };
  }

  function matchingIds(object: SfObjectName, p: ParsedQuery, all: boolean): string[] {
    const out: Array<[number, string]> = [];
    for (const [id, row] of data[object]) {
      if (!all && row.IsDeleted === true) continue;
      if (p.since) {
        const t = parseSfTime(row.SystemModstamp);
        if (p.since.op === '>=' ? t < p.since.ms : t <= p.since.ms) continue;
      }
      out.push([parseSfTime(row.SystemModstamp), id]);
    }
    out.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return out.map((x) => x[1]);
  }

  function project(object: SfObjectName, row: SfRow, fields: string[], version: string): SfRow {
    const out: SfRow = {
      attributes: { type: object, url: `/services/data/v${version}/sobjects/${object}/${String(row.Id)}` },
    };
    for (const f of fields) {
      if (f === 'Owner.Email') {
        const owner = data.User.get(String(row.OwnerId ?? ''));
        out.Owner = owner
          ? {
              attributes: {
                type: 'User',
                url: `/services/data/v${version}/sobjects/User/${String(owner.Id)}`,
              },
              Email: owner.Email,
            }
          : null;
      } else {
        out[f] = row[f] ?? null;
      }
    }
    return out;
  }

  function checkFields(object: SfObjectName, fields: string[]): Reply | null {
    const known = fieldsOf(object);
    for (const f of fields) {
      if (!known.has(f)) {
        return err(
          400,
          'INVALID_FIELD',
          `No such column '${f}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`,
        );
      }
    }
    return null;
  }

  function runQuery(q: string, all: boolean, batchHeader: string | undefined, version: string): Reply {
    const parsed = parseSoql(q);
    if ('status' in parsed) return parsed;
    if (parsed.object === 'OpportunityStage') {
      const records = stages.map((s) => ({ attributes: { type: 'OpportunityStage' }, ...s }));
      return { status: 200, body: { totalSize: records.length, done: true, records } };
    }
    if (!(parsed.object in data))
      return err(400, 'INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`);
    const object = parsed.object as SfObjectName;
    const bad = checkFields(object, parsed.fields);
    if (bad) return bad;
    const ids = matchingIds(object, parsed, all);
    if (parsed.count) return { status: 200, body: { totalSize: ids.length, done: true, records: [] } };
    const m = /batchSize=(\d+)/.exec(batchHeader ?? '');
    const batch = Math.min(2000, Math.max(200, m ? Number(m[1]) : 2000));
    const locator = `01g${randomBytes(6).toString('hex')}`;
    cursors.set(locator, { ids, object, fields: parsed.fields, offset: 0, batch });
    return page(locator, version);
  }

  function page(locator: string, version: string): Reply {
    const c = cursors.get(locator);
    if (!c) return err(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const slice = c.ids.slice(c.offset, c.offset + c.batch);
    c.offset += slice.length;
    const records = slice.flatMap((id) => {
      const row = data[c.object].get(id);
      return row ? [project(c.object, row, c.fields, version)] : [];
    });
    const done = c.offset >= c.ids.length;
    if (done) cursors.delete(locator);
    return {
      status: 200,
      body: {
        totalSize: c.ids.length,
        done,
        records,
        ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${locator}-${c.offset}` }),
      },
    };
  }

  function writeFields(object: SfObjectName, row: SfRow, fields: SfRow): Reply | null {
    const known = fieldsOf(object);
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'attributes') continue;
      if (!known.has(k))
        return err(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${object}`, [k]);
      if (READ_ONLY.has(k)) {
        return err(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${k}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [k],
        );
      }
      row[k] = v;
    }
    if (object === 'Opportunity') {
      const s = stageOf(row.StageName);
      row.IsClosed = s?.IsClosed ?? false;
      row.IsWon = s?.IsWon ?? false;
    }
    row.SystemModstamp = sfDateTime(now());
    row.LastModifiedDate = row.SystemModstamp;
    return null;
  }

  function csv(rows: SfRow[], fields: string[]): string {
    const cell = (v: unknown) => {
      if (v === null || v === undefined) return '';
      const s = String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = [fields.map(cell).join(',')];
    for (const r of rows) {
      lines.push(
        fields
          .map((f) => cell(f === 'Owner.Email' ? (r.Owner as { Email?: string } | null)?.Email : r[f]))
          .join(','),
      );
    }
    return `${lines.join('\n')}\n`;
  }

  const http = await startHttpStandIn(async (req) => {
    if (req.method === 'POST' && req.path === '/services/oauth2/token') {
      const form = new URLSearchParams(req.body);
      if (form.get('grant_type') !== 'client_credentials') {
        return {
          status: 400,
          body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
        };
      }
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return {
          status: 400,
          body: { error: 'invalid_client', error_description: 'invalid client credentials' },
        };
      }
      const token = `00DSTANDIN!${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      issued += 1;
      return {
        status: 200,
        body: {
          access_token: token,
          signature: randomBytes(8).toString('base64'),
          scope: 'api',
          instance_url: url,
          id: `${url}/id/00D000000000001EAA/005000000000001AAA`,
          token_type: 'Bearer',
          issued_at: String(now()),
        },
      };
    }
    const m = /^\/services\/data\/v(\d+\.\d)\/(.*)$/.exec(req.path);
    if (!m)
      return {
        status: 404,
        body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
      };
    const version = m[1] ?? '';
    const rest = (m[2] ?? '').replace(/\/$/, '');
    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (!auth || !tokens.has(auth[1] ?? ''))
      return err(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    apiUsage += 1;
    const limitHeader = { 'Sforce-Limit-Info': `api-usage=${apiUsage}/${apiLimit}` };
    if (apiUsage > apiLimit) {
      return { ...err(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), headers: limitHeader };
    }
    const reply = await route(req.method, rest, version, req);
    return { ...reply, headers: { ...limitHeader, ...(reply.headers ?? {}) } };
  });
  url = http.url;

  async function route(
    method: string,
    rest: string,
    version: string,
    req: Parameters<Parameters<typeof startHttpStandIn>[0]>[0],
  ): Promise<Reply> {
    if (method === 'GET' && (rest === 'query' || rest === 'queryAll')) {
      return runQuery(
        req.query.get('q') ?? '',
        rest === 'queryAll',
        req.headers['sforce-query-options'] as string | undefined,
        version,
      );
    }
    const more = /^(?:query|queryAll)\/(01g[0-9a-f]+)-(\d+)$/.exec(rest);
    if (method === 'GET' && more) return page(more[1] ?? '', version);

    const deleted = /^sobjects\/(\w+)\/deleted$/.exec(rest);
    if (method === 'GET' && deleted) {
      const object = deleted[1] as SfObjectName;
      if (!(object in data)) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      const start = Date.parse(req.query.get('start') ?? '');
      const end = Date.parse(req.query.get('end') ?? '');
      if (Number.isNaN(start) || Number.isNaN(end) || start > end) {
        return err(
          400,
          'INVALID_REPLICATION_DATE',
          'startDate must chronologically precede endDate by more than one minute',
        );
      }
      const earliest = now() - 15 * DAY_MS;
      if (start < earliest)
        return err(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 15 days ago');
      const rows = deletedLog[object].filter((d) => d.deletedDate >= start && d.deletedDate <= end);
      return {
        status: 200,
        body: {
          deletedRecords: rows.map((d) => ({ id: d.id, deletedDate: sfDateTime(d.deletedDate) })),
          earliestDateAvailable: sfDateTime(earliest),
          latestDateCovered: sfDateTime(end),
        },
      };
    }

    const byId = /^sobjects\/(\w+)\/([A-Za-z0-9]{15,18})$/.exec(rest);
    if (method === 'PATCH' && byId) {
      const object = byId[1] as SfObjectName;
      const row = data[object]?.get(byId[2] ?? '');
      if (!row || row.IsDeleted === true)
        return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      const body = jsonBody(req.body) as SfRow | undefined;
      if (!body) return err(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON');
      const copy = { ...row };
      const bad = writeFields(object, copy, body);
      if (bad) return bad;
      data[object].set(String(row.Id), copy);
      return { status: 204 };
    }

    const byExt = /^sobjects\/(\w+)\/(\w+)\/([^/]+)$/.exec(rest);
    if (method === 'PATCH' && byExt) {
      const object = byExt[1] as SfObjectName;
      const field = byExt[2] ?? '';
      const value = decodeURIComponent(byExt[3] ?? '');
      if (!(object in data)) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (!(options.externalIdFields?.[object] ?? []).includes(field)) {
        return err(
          404,
          'NOT_FOUND',
          `Provided external ID field does not exist or is not accessible: ${field}`,
        );
      }
      const body = jsonBody(req.body) as SfRow | undefined;
      if (!body) return err(400, 'JSON_PARSER_ERROR', 'The request body is not valid JSON');
      const matches = [...data[object].values()].filter((r) => r[field] === value && r.IsDeleted !== true);
      if (matches.length > 1)
        return {
          status: 300,
          body: matches.map((r) => `/services/data/v${version}/sobjects/${object}/${String(r.Id)}`),
        };
      const existing = matches[0];
      const row: SfRow = existing
        ? { ...existing }
        : { Id: newId(object), [field]: value, IsDeleted: false, CreatedDate: sfDateTime(now()) };
      const bad = writeFields(object, row, body);
      if (bad) return bad;
      data[object].set(String(row.Id), row);
      const created = !existing;
      return { status: created ? 201 : 200, body: { id: row.Id, success: true, errors: [], created } };
    }

    if (method === 'POST' && rest === 'jobs/query') {
      const body = jsonBody(req.body) as { operation?: string; query?: string } | undefined;
      if (!body?.query || (body.operation !== 'query' && body.operation !== 'queryAll')) {
        return err(400, 'INVALIDJOB', 'operation must be query or queryAll, with a query');
      }
      const parsed = parseSoql(body.query);
      if ('status' in parsed) return parsed;
      if (parsed.ordered) return err(400, 'INVALIDJOB', 'ORDER BY is not supported by Bulk API 2.0 query');
      if (!(parsed.object in data))
        return err(400, 'INVALIDJOB', `sObject type '${parsed.object}' is not supported.`);
      const bad = checkFields(parsed.object as SfObjectName, parsed.fields);
      if (bad) return bad;
      const id = `750${randomBytes(6).toString('hex')}`;
      jobs.set(id, { id, version, operation: body.operation, parsed, polls: 0, ids: null });
      return {
        status: 200,
        body: {
          id,
          operation: body.operation,
          object: parsed.object,
          createdById: '005000000000001AAA',
          state: 'UploadComplete',
          concurrencyMode: 'Parallel',
          contentType: 'CSV',
          apiVersion: Number(version),
          lineEnding: 'LF',
          columnDelimiter: 'COMMA',
        },
      };
    }
    const jobInfo = /^jobs\/query\/(750[0-9a-f]+)$/.exec(rest);
    if (method === 'GET' && jobInfo) {
      const job = jobs.get(jobInfo[1] ?? '');
      if (!job) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      job.polls += 1;
      const done = job.polls > (options.bulkPollsInProgress ?? 1);
      if (done && !job.ids)
        job.ids = matchingIds(job.parsed.object as SfObjectName, job.parsed, job.operation === 'queryAll');
      return {
        status: 200,
        body: {
          id: job.id,
          operation: job.operation,
          object: job.parsed.object,
          state: done ? 'JobComplete' : 'InProgress',
          numberRecordsProcessed: job.ids?.length ?? 0,
          apiVersion: Number(job.version),
        },
      };
    }
    const results = /^jobs\/query\/(750[0-9a-f]+)\/results$/.exec(rest);
    if (method === 'GET' && results) {
      const job = jobs.get(results[1] ?? '');
      if (!job) return err(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (job.version !== version)
        return err(409, 'INVALIDJOBSTATE', `job was created with API version ${job.version}`);
      if (!job.ids) return err(400, 'INVALIDJOBSTATE', 'job is not complete');
      const offset = Number(req.query.get('locator') ?? '0') || 0;
      const max = Math.max(1, Number(req.query.get('maxRecords') ?? '50000') || 50_000);
      const object = job.parsed.object as SfObjectName;
      const slice = job.ids.slice(offset, offset + max);
      const rows = slice.flatMap((id) => {
        const row = data[object].get(id);
        return row ? [project(object, row, job.parsed.fields, version)] : [];
      });
      const next = offset + slice.length;
      return {
        status: 200,
        text: csv(rows, job.parsed.fields),
        headers: {
          'content-type': 'text/csv',
          'Sforce-Locator': next >= job.ids.length ? 'null' : String(next),
          'Sforce-NumberOfRecords': String(rows.length),
        },
      };
    }
    return err(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  return {
    url,
    http,
    put(object, row) {
      const id = String(row.Id ?? newId(object));
      const stamp = row.SystemModstamp ?? sfDateTime(now());
      const full: SfRow = {
        IsDeleted: false,
        CreatedDate: stamp,
        ...row,
        Id: id,
        SystemModstamp: stamp,
        LastModifiedDate: row.LastModifiedDate ?? stamp,
      };
      if (object === 'Opportunity') {
        const s = stageOf(full.StageName);
        full.IsClosed = s?.IsClosed ?? false;
        full.IsWon = s?.IsWon ?? false;
      }
      data[object].set(id, full);
      return id;
    },
    get: (object, id) => data[object].get(id),
    update(object, id, fields) {
      const row = data[object].get(id);
      if (!row) throw new Error(`no ${object} ${id}`);
      const copy = { ...row, ...fields };
      if (object === 'Opportunity') {
        const s = stageOf(copy.StageName);
        copy.IsClosed = s?.IsClosed ?? false;
        copy.IsWon = s?.IsWon ?? false;
      }
      copy.SystemModstamp = fields.SystemModstamp ?? sfDateTime(now());
      data[object].set(id, copy);
    },
    remove(object, id, opts = {}) {
      const row = data[object].get(id);
      if (!row) throw new Error(`no ${object} ${id}`);
      row.IsDeleted = true;
      if (opts.mergedInto) row.MasterRecordId = opts.mergedInto;
      deletedLog[object].push({ id, deletedDate: opts.at ?? now() });
    },
    count: (object) => data[object].size,
    expireTokens: () => tokens.clear(),
    tokensIssued: () => issued,
    fault: (rule) => http.fault(rule),
    close: () => http.close(),
  };
}

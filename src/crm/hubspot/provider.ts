// HubSpot through @hubspot/api-client 13.5 (FACTS.md §H1–H8).
// - Bearer token (private-app or service key), passed raw as `accessToken` (a "Bearer " prefix gets a 401, §H1).
//   HUBSPOT_API_URL becomes `basePath` with trailing slashes removed (the client concatenates paths, §H1).
// - The client's own retry is OFF (`numberOfApiCallRetries` 0): it ignores Retry-After, retries only two 429
//   policies and sleeps 10 s × attempt for TEN_SECONDLY_ROLLING (§H2). Our `retrying` loop honours Retry-After,
//   falls back to the policy window (SECONDLY 1 s, TEN_SECONDLY_ROLLING 10 s), backs off on 5xx/423/timeouts and
//   gives up at once on DAILY (the next scheduled sync resumes from the cursor).
// - Pulls use CRM v3 search sorted by hs_lastmodifieddate ascending with `GTE cursor`, 200 per page (§H4).
//   Search stops at 10,000 results per query, so before the offset reaches it the query restarts from the last
//   row's timestamp, skipping the ids already read at that exact timestamp (ties). Search is limited to 5
//   requests/s (§H4): calls are spaced by `searchIntervalMs`.
// - Deals' companies come from associations v4 batch read (≤ 1,000 ids, §H6); the primary company (type 5)
//   wins. Owners (`hubspot_owner_id` holds the owner id) are mapped to emails through the owners API (§H7).
// - Archived (deleted) records never appear in search (§H4): they come from the objects list with
//   `archived=true` (§H3). Merges: the survivor lists the merged ids in `hs_merged_object_ids`.

import { Client } from '@hubspot/api-client';
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
  parseRetryAfter,
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

export const HUBSPOT_DEFAULT_API_URL = 'https://api.hubapi.com';

export interface HubSpotOptions {
  accessToken: string;
  /** Default https://api.hubapi.com. */
  apiUrl?: string | undefined;
  fields: { accounts: CrmAccountFieldMap; opportunities: CrmOpportunityFieldMap };
  writeBack: { account: CrmWriteFields; opportunity: CrmWriteFields; noteKeyField?: string | undefined };
  /** Search page size, ≤ 200 (§H4). */
  pageSize?: number;
  /** Restart a search before its offset passes this (HubSpot's cap is 10,000, §H4). */
  searchCap?: number;
  /** Minimum gap between two search calls (5 requests/s per account, §H4). Default 220 ms. */
  searchIntervalMs?: number;
  timeoutMs?: number;
  retry?: RetryPolicy;
}

const OBJECT_TYPE: Record<CrmObject, 'companies' | 'deals'> = {
  accounts: 'companies',
  opportunities: 'deals',
};
const LAST_MODIFIED = 'hs_lastmodifieddate';
/** association type ids, HUBSPOT_DEFINED (§H6). */
const DEAL_TO_PRIMARY_COMPANY = 5;

interface HsObject {
  id: string;
  properties: Record<string, string | null>;
  archived?: boolean;
  archivedAt?: Date | string;
}

interface ResumeState {
  /** Ids already applied whose last-modified equals the cursor (ties). */
  ids: string[];
}

function readResume(token: string | null): Set<string> {
  if (!token) return new Set();
  try {
    const parsed = JSON.parse(token) as ResumeState;
    return new Set(Array.isArray(parsed.ids) ? parsed.ids.map(String) : []);
  } catch {
    return new Set();
  }
}

function str(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const s = v.trim();
  return s === '' ? null : s;
}

function num(v: string | null | undefined): number | null {
  const s = str(v);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function time(v: string | null | undefined): number | null {
  const s = str(v);
  if (s === null) return null;
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

export class HubSpotProvider implements CrmProvider {
  readonly kind = 'hubspot' as const;
  readonly client: Client;
  private readonly opts: HubSpotOptions;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private lastSearchAt = 0;
  private owners: Map<string, string> | null = null;
  private stages: Map<string, CrmStage> | null = null;

  constructor(opts: HubSpotOptions) {
    this.opts = opts;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.client = new Client({
      accessToken: opts.accessToken,
      basePath: (opts.apiUrl ?? HUBSPOT_DEFAULT_API_URL).replace(/\/+$/, ''),
      numberOfApiCallRetries: 0,
    });
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retrying(what, this.retry, async () => {
      try {
        return await withTimeout(fn(), this.timeoutMs, `HubSpot ${what}`);
      } catch (err) {
        throw classifyHubSpotError(err, what);
      }
    });
  }

  private async searchGap(): Promise<void> {
    const gap = this.opts.searchIntervalMs ?? 220;
    const wait = this.lastSearchAt + gap - Date.now();
    if (wait > 0) await sleep(wait);
    this.lastSearchAt = Date.now();
  }

  private accountProperties(): string[] {
    const f = this.opts.fields.accounts;
    const list = [f.name, f.website, f.industry, f.employees, f.country, f.revenue];
    if (f.customer) list.push(f.customer.field);
    list.push('hubspot_owner_id', LAST_MODIFIED, 'hs_merged_object_ids');
    return [...new Set(list)];
  }

  private dealProperties(): string[] {
    const f = this.opts.fields.opportunities;
    const list = ['dealname', 'dealstage', 'pipeline', f.amount, f.closeDate, f.currency, f.lossReason];
    list.push('hubspot_owner_id', 'createdate', LAST_MODIFIED, 'hs_merged_object_ids');
    return [...new Set(list.filter((x): x is string => x !== null))];
  }

  /** Owner id → email, all owners (archived too: old records keep their owner), loaded once per provider. */
  private async ownerEmails(refresh = false): Promise<Map<string, string>> {
    if (this.owners && !refresh) return this.owners;
    const map = new Map<string, string>();
    for (const archived of [false, true]) {
      let after: string | undefined;
      do {
        const page = await this.call('list owners', () =>
          this.client.crm.owners.ownersApi.getPage(undefined, after, 500, archived),
        );
        for (const o of page.results) if (o.email) map.set(String(o.id), o.email.toLowerCase());
        after = page.paging?.next?.after;
      } while (after);
    }
    this.owners = map;
    return map;
  }

  private async ownerEmail(id: string | null): Promise<string | null> {
    if (!id) return null;
    let owners = await this.ownerEmails();
    if (!owners.has(id)) owners = await this.ownerEmails(true);
    return owners.get(id) ?? null;
  }

  private async stageMap(): Promise<Map<string, CrmStage>> {
    if (this.stages) return this.stages;
    const map = new Map<string, CrmStage>();
    for (const s of await this.listStages()) map.set(s.id, s);
    this.stages = map;
    return map;
  }

  private async toAccount(o: HsObject): Promise<CrmAccountRecord> {
    const f = this.opts.fields.accounts;
    const p = o.properties;
    const customerValue = f.customer ? str(p[f.customer.field]) : null;
    const customerValues = f.customer?.values.map((v) => v.toLowerCase()) ?? [];
    return {
      crmId: String(o.id),
      name: str(p[f.name]) ?? '',
      website: str(p[f.website]),
      industry: str(p[f.industry]),
      employees: num(p[f.employees]),
      country: str(p[f.country]),
      revenue: num(p[f.revenue]),
      ownerEmail: await this.ownerEmail(str(p.hubspot_owner_id)),
      isCustomer: f.customer
        ? customerValue !== null && customerValues.includes(customerValue.toLowerCase())
        : null,
      lastModified: time(p[LAST_MODIFIED]) ?? 0,
      deleted: o.archived === true,
      mergedInto: null,
      mergedFrom: mergedIds(p.hs_merged_object_ids),
    };
  }

  private async toDeal(o: HsObject, companyOf: Map<string, string>): Promise<CrmOpportunityRecord> {
    const f = this.opts.fields.opportunities;
    const p = o.properties;
    const stageId = str(p.dealstage) ?? '';
    const stage = (await this.stageMap()).get(stageId);
    const close = f.closeDate ? str(p[f.closeDate]) : null;
    return {
      crmId: String(o.id),
      accountCrmId: companyOf.get(String(o.id)) ?? null,
      name: str(p.dealname) ?? '',
      stageId,
      isClosed: stage ? stage.isClosed : null,
      isWon: stage ? stage.isWon : null,
      amount: f.amount ? num(p[f.amount]) : null,
      currency: f.currency ? str(p[f.currency]) : null,
      closeDate: close ? new Date(time(close) ?? Date.parse(close)).toISOString().slice(0, 10) : null,
      ownerEmail: await this.ownerEmail(str(p.hubspot_owner_id)),
      createdAt: time(p.createdate),
      lossReason: f.lossReason ? str(p[f.lossReason]) : null,
      lastModified: time(p[LAST_MODIFIED]) ?? 0,
      deleted: o.archived === true,
      mergedInto: null,
      mergedFrom: mergedIds(p.hs_merged_object_ids),
    };
  }

  /** deal id → company id, the primary company when labelled so (§H6). */
  private async companiesOf(dealIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < dealIds.length; i += 1000) {
      const inputs = dealIds.slice(i, i + 1000).map((id) => ({ id }));
      const res = await this.call('read deal→company associations', () =>
        this.client.crm.associations.v4.batchApi.getPage('deals', 'companies', { inputs }),
      );
      for (const r of res.results) {
        const primary = r.to.find((t) =>
          t.associationTypes.some((a) => a.typeId === DEAL_TO_PRIMARY_COMPANY),
        );
        const pick = primary ?? r.to[0];
        if (pick) out.set(String(r._from.id), String(pick.toObjectId));
      }
    }
    return out;
  }

  pullAccounts(cursor: SyncCursor, opts: PullOptions = {}): AsyncIterable<Page<CrmAccountRecord>> {
    return this.search('accounts', this.accountProperties(), cursor, opts, async (rows) =>
      Promise.all(rows.map((o) => this.toAccount(o))),
    );
  }

  pullOpportunities(cursor: SyncCursor, opts: PullOptions = {}): AsyncIterable<Page<CrmOpportunityRecord>> {
    return this.search('opportunities', this.dealProperties(), cursor, opts, async (rows) => {
      const companyOf = await this.companiesOf(rows.map((r) => String(r.id)));
      return Promise.all(rows.map((o) => this.toDeal(o, companyOf)));
    });
  }

  /**
   * The search walk (FACTS §H4, derived pattern): sort hs_lastmodifieddate ascending, filter GTE cursor, page
   * with `after` until the next page would pass the 10,000 cap, then restart from the last row's timestamp.
   * Rows at exactly that timestamp already read are skipped (their ids travel in the resume token).
   */
  private async *search<T extends { lastModified: number; crmId: string }>(
    object: CrmObject,
    properties: string[],
    cursor: SyncCursor,
    opts: PullOptions,
    map: (rows: HsObject[]) => Promise<T[]>,
  ): AsyncGenerator<Page<T>> {
    const type = OBJECT_TYPE[object];
    const api = type === 'companies' ? this.client.crm.companies.searchApi : this.client.crm.deals.searchApi;
    const limit = Math.min(200, Math.max(1, opts.pageSize ?? this.opts.pageSize ?? 200));
    const cap = this.opts.searchCap ?? 10_000;
    let since = opts.full ? null : cursor.lastModified;
    let seenAtSince = opts.full ? new Set<string>() : readResume(cursor.resumeToken);
    /** The query's GTE value: fixed for one walk of ≤ 10,000 results, moved on restart only. */
    let from = since;
    let after = 0;
    let progressed = true;
    for (;;) {
      opts.signal?.throwIfAborted();
      const body = {
        filterGroups:
          from === null
            ? []
            : [{ filters: [{ propertyName: LAST_MODIFIED, operator: 'GTE', value: String(from) }] }],
        sorts: [{ propertyName: LAST_MODIFIED, direction: 'ASCENDING' }] as unknown as string[],
        properties,
        limit,
        after: String(after),
      };
      await this.searchGap();
      const res = await this.call(`search ${type}`, () => api.doSearch(body as never));
      const rows = (res.results as unknown as HsObject[]).filter(
        (o) =>
          !(since !== null && time(o.properties[LAST_MODIFIED]) === since && seenAtSince.has(String(o.id))),
      );
      const records = await map(rows);
      let last = since;
      for (const r of records) {
        if (last === null || r.lastModified > last) {
          last = r.lastModified;
          seenAtSince = new Set();
        }
        if (r.lastModified === last) seenAtSince.add(r.crmId);
      }
      if (last !== since) progressed = true;
      since = last;
      yield {
        records,
        cursor: { lastModified: since, resumeToken: JSON.stringify({ ids: [...seenAtSince] }) },
      };
      const next = res.paging?.next?.after;
      if (!next) return;
      after = Number(next);
      if (after + limit > cap) {
        // Restart from the newest timestamp read. A whole window sharing one timestamp cannot be walked.
        if (!progressed) {
          throw new CrmPermanentError(
            `HubSpot search for ${type}: more than ${cap} records share the last-modified time ${since}`,
            'Run the sync again later; if it persists, contact support with this message.',
          );
        }
        progressed = false;
        after = 0;
        from = since;
      }
    }
  }

  async *pullDeleted(object: CrmObject, since: number, _until: number): AsyncGenerator<CrmDeletedRecord[]> {
    const type = OBJECT_TYPE[object];
    const api = type === 'companies' ? this.client.crm.companies.basicApi : this.client.crm.deals.basicApi;
    let after: string | undefined;
    do {
      const page = await this.call(`list archived ${type}`, () =>
        api.getPage(100, after, [LAST_MODIFIED], undefined, undefined, true),
      );
      const batch: CrmDeletedRecord[] = [];
      for (const o of page.results as unknown as HsObject[]) {
        const at = o.archivedAt ? new Date(o.archivedAt).getTime() : Date.now();
        if (at >= since) batch.push({ crmId: String(o.id), deletedAt: at });
      }
      if (batch.length > 0) yield batch;
      after = page.paging?.next?.after;
    } while (after);
  }

  async listStages(): Promise<CrmStage[]> {
    const res = await this.call('list deal pipelines', () =>
      this.client.crm.pipelines.pipelinesApi.getAll('deals'),
    );
    const out: CrmStage[] = [];
    for (const p of res.results) {
      for (const s of p.stages) {
        const meta = (s.metadata ?? {}) as Record<string, string>;
        const isClosed = meta.isClosed === 'true';
        // Stage metadata values are strings; probability 1.0 = won, 0.0 = lost on closed stages (§H7).
        out.push({
          id: s.id,
          label: s.label,
          isClosed,
          isWon: isClosed && Number(meta.probability) === 1,
          pipelineId: p.id,
        });
      }
    }
    return out;
  }

  async writeBack(write: CrmWrite): Promise<CrmWriteResult> {
    const type = write.object === 'account' ? 'companies' : 'deals';
    const keyField = (
      write.object === 'account' ? this.opts.writeBack.account : this.opts.writeBack.opportunity
    ).writeKey;
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(write.fields)) properties[k] = v === null ? '' : String(v);
    if (keyField) properties[keyField] = write.writeKey;
    try {
      if (Object.keys(properties).length > 0) {
        const api =
          type === 'companies' ? this.client.crm.companies.basicApi : this.client.crm.deals.basicApi;
        await withTimeout(api.update(write.crmId, { properties }), this.timeoutMs, `HubSpot update ${type}`);
      }
      let noteId: string | null = null;
      const noteKey = this.opts.writeBack.noteKeyField;
      if (write.note && noteKey) {
        // Upsert by a unique-value note property holding the write key (§H5): a replay finds the same note.
        const res = await withTimeout(
          this.client.crm.objects.notes.batchApi.upsert({
            inputs: [
              {
                id: write.writeKey,
                idProperty: noteKey,
                properties: {
                  [noteKey]: write.writeKey,
                  hs_timestamp: new Date(write.note.timestamp).toISOString(),
                  hs_note_body: write.note.body.slice(0, 65_536),
                },
              },
            ],
          }),
          this.timeoutMs,
          'HubSpot upsert note',
        );
        const failed = (res as { errors?: Array<{ status?: string; category?: string; message?: string }> })
          .errors;
        if (failed && failed.length > 0) {
          throw classifyHubSpotError(
            Object.assign(new Error(failed[0]?.message ?? 'note upsert failed'), {
              code: Number(failed[0]?.status) || 400,
              body: failed[0],
            }),
            'upsert note',
          );
        }
        noteId = res.results[0]?.id ?? null;
        if (noteId) {
          // The default (unlabelled) association PUT is idempotent (§H6): note→company 190, note→deal 214.
          await withTimeout(
            this.client.crm.associations.v4.basicApi.createDefault('notes', noteId, type, write.crmId),
            this.timeoutMs,
            'HubSpot associate note',
          );
        }
      }
      return { status: 'ok', noteId };
    } catch (err) {
      return toWriteResult(classifyHubSpotError(err, `write-back to ${type} ${write.crmId}`));
    }
  }
}

function mergedIds(v: string | null | undefined): string[] {
  const s = str(v);
  return s
    ? s
        .split(/[;,]/)
        .map((x) => x.trim())
        .filter((x) => x !== '')
    : [];
}

interface HsErrorBody {
  message?: string;
  category?: string;
  policyName?: string;
  errors?: Array<{ code?: string; message?: string; context?: Record<string, string[]> }>;
}

/** ApiException (`code` = HTTP status, `body`, `headers` lower-case, §H1) → retryable or permanent with a fix. */
export function classifyHubSpotError(err: unknown, what: string): Error {
  if (err instanceof CrmRetryableError || err instanceof CrmPermanentError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const status =
    typeof (e as { code?: unknown }).code === 'number' ? (e as unknown as { code: number }).code : null;
  const rawBody = (e as { body?: unknown }).body;
  const body: HsErrorBody = (typeof rawBody === 'string' ? safeJson(rawBody) : rawBody) ?? {};
  const headers = ((e as { headers?: Record<string, string> }).headers ?? {}) as Record<string, string>;
  const detail = body.message ?? e.message;
  const message = `HubSpot ${what}: ${status ?? 'network'} ${body.category ?? ''} ${detail}`
    .replace(/\s+/g, ' ')
    .trim();
  if (status === null) {
    return isNetworkError(e) || e.name === 'AbortError'
      ? new CrmRetryableError(message, null)
      : new CrmPermanentError(message, 'See the error above.');
  }
  const retryAfter = parseRetryAfter(headers['retry-after']);
  if (status === 429) {
    if (body.policyName === 'DAILY') {
      return new CrmRetryableError(message, msUntilUtcMidnight());
    }
    const windowMs = body.policyName === 'TEN_SECONDLY_ROLLING' ? 10_000 : 1_000;
    return new CrmRetryableError(message, retryAfter ?? windowMs);
  }
  if (status === 423) return new CrmRetryableError(message, retryAfter ?? 2_000);
  if (status === 477 || status >= 500) return new CrmRetryableError(message, retryAfter);
  if (status === 401) {
    return new CrmPermanentError(
      message,
      'HUBSPOT_ACCESS_TOKEN was refused: copy the token again from the private app (or service key), without a "Bearer " prefix.',
    );
  }
  if (status === 403) {
    const scopes = body.errors?.flatMap((x) => x.context?.requiredGranularScopes ?? []) ?? [];
    return new CrmPermanentError(
      message,
      `Add the missing scopes to the private app / service key${scopes.length ? `: ${scopes.join(', ')}` : ''}.`,
    );
  }
  const missing =
    body.errors?.flatMap((x) =>
      x.code === 'PROPERTY_DOESNT_EXIST' ? (x.context?.propertyName ?? []) : [],
    ) ?? [];
  if (missing.length > 0 || /PROPERTY_DOESNT_EXIST|does not exist/i.test(detail)) {
    return new CrmPermanentError(
      message,
      `Create the propert${missing.length === 1 ? 'y' : 'ies'} ${missing.join(', ') || 'named above'} in HubSpot (Settings → Properties), or fix the name in the crm section of the config.`,
    );
  }
  if (status === 404)
    return new CrmPermanentError(message, 'The record no longer exists in HubSpot; nothing to write.');
  return new CrmPermanentError(message, 'See the HubSpot error above; retrying will not change it.');
}

function safeJson(s: string): HsErrorBody | null {
  try {
    return JSON.parse(s) as HsErrorBody;
  } catch {
    return null;
  }
}

function msUntilUtcMidnight(now = Date.now()): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

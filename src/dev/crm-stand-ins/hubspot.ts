/**
 * A loopback stand-in for the HubSpot CRM endpoints Foothold uses, driven through the real
 * @hubspot/api-client 13.5. Shapes follow /work/shared/crm/FACTS.md (keys in brackets) and the specs it cites:
 * - `Authorization: Bearer <token>`; anything else gets 401 `{status:'error', category:'INVALID_AUTHENTICATION',
 *   message:'Authentication credentials not found…', correlationId}` with `X-HubSpot-Auth-Failure` [H-auth]
 *   [I-hs432]. Error bodies: `{status:'error', message, correlationId, category, errors?}` [H-errors].
 * - Search `POST /crm/v3/objects/{type}/search` [H-search] [S-companies]: limit ≤ 200 (default 10), `after` an
 *   integer offset, **no result past 10,000** (400), body ≤ 3,000 chars, ≤ 5 filterGroups × 6 filters and 18
 *   filters in all, ONE sort, epoch-ms date values, archived records never returned, response
 *   `{total, results, paging?.next.after}`, and the `x-hubspot-rate-limit-exemptions: ten-secondly` header.
 * - Objects list `GET /crm/v3/objects/{type}` (limit ≤ 100, `after` = next id, `archived=true` returns only
 *   archived) [H3] [S-companies]; single `PATCH /crm/v3/objects/{type}/{id}` (unknown property → 400
 *   VALIDATION_ERROR with `PROPERTY_DOESNT_EXIST`) [H-objects].
 * - Batch read/update/upsert `/crm/v3/objects/{type}/batch/*` ≤ 100 inputs, 200 or **207** with
 *   `{status:'COMPLETE', results, numErrors, errors}`; upsert needs a unique-value `idProperty` and answers
 *   `new: true|false` per result [H5] [S-companies].
 * - Associations v4 batch read `POST /crm/v4/associations/{from}/{to}/batch/read` ≤ 1,000 inputs, results
 *   `{from:{id}, to:[{toObjectId, associationTypes:[{category, typeId, label}]}]}`; default association
 *   `PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}` [H6] [S-assoc]. Type ids: deal→company
 *   341, deal→primary company 5, note→company 190, note→deal 214 [H-assoc].
 * - Owners `GET /crm/v3/owners` (`hubspot_owner_id` holds the owner `id`) [S-owners] [H7]; deal pipelines
 *   `GET /crm/v3/pipelines/deals` with string stage metadata (`isClosed`, `probability`) [S-pipelines] [H7].
 * - Rate limits are scripted faults: 429 `{status:'error', errorType:'RATE_LIMIT', policyName, message,
 *   correlationId}` with or without `Retry-After` [H8] [I-mk84].
 */

import { randomUUID } from 'node:crypto';
import { type FaultRule, type HttpStandIn, jsonBody, type Reply, startHttpStandIn } from './http-kit.ts';

export type HsType = 'companies' | 'deals' | 'notes';

export interface HsRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt: number | null;
}

export interface HsOwner {
  id: string;
  email: string;
  firstName?: string;
  lastName?: string;
  archived?: boolean;
}

export interface HsStage {
  id: string;
  label: string;
  isClosed: boolean;
  probability: number;
}

export interface HubSpotStandInOptions {
  token?: string;
  /** Extra properties per type (custom ones); `unique` lists unique-value properties usable as idProperty. */
  customProperties?: Partial<Record<HsType, string[]>>;
  uniqueProperties?: Partial<Record<HsType, string[]>>;
  owners?: HsOwner[];
  stages?: HsStage[];
  /** The search cap (10,000 in HubSpot). */
  searchCap?: number;
  now?: () => number;
}

const STANDARD: Record<HsType, string[]> = {
  companies: [
    'name',
    'domain',
    'industry',
    'numberofemployees',
    'country',
    'annualrevenue',
    'lifecyclestage',
    'hubspot_owner_id',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
    'hs_merged_object_ids',
  ],
  deals: [
    'dealname',
    'dealstage',
    'pipeline',
    'amount',
    'closedate',
    'deal_currency_code',
    'closed_lost_reason',
    'hubspot_owner_id',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
    'hs_merged_object_ids',
  ],
  notes: [
    'hs_timestamp',
    'hs_note_body',
    'hubspot_owner_id',
    'hs_lastmodifieddate',
    'hs_object_id',
    'createdate',
  ],
};
const DEFAULT_RETURNED: Record<HsType, string[]> = {
  companies: ['name', 'domain', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  deals: [
    'dealname',
    'amount',
    'closedate',
    'pipeline',
    'dealstage',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
  ],
  notes: ['hs_timestamp', 'hs_lastmodifieddate', 'hs_object_id', 'createdate'],
};
const READ_ONLY = new Set(['hs_lastmodifieddate', 'hs_object_id', 'createdate', 'hs_merged_object_ids']);
const ASSOC = { dealToCompany: 341, dealToPrimaryCompany: 5, noteToCompany: 190, noteToDeal: 214 };

export const DEFAULT_HS_STAGES: HsStage[] = [
  { id: 'appointmentscheduled', label: 'Appointment Scheduled', isClosed: false, probability: 0.2 },
  { id: 'qualifiedtobuy', label: 'Qualified To Buy', isClosed: false, probability: 0.4 },
  { id: 'presentationscheduled', label: 'Presentation Scheduled', isClosed: false, probability: 0.6 },
  { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In', isClosed: false, probability: 0.8 },
  { id: 'contractsent', label: 'Contract Sent', isClosed: false, probability: 0.9 },
  { id: 'closedwon', label: 'Closed Won', isClosed: true, probability: 1 },
  { id: 'closedlost', label: 'Closed Lost', isClosed: true, probability: 0 },
];

function hsError(
  status: number,
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: { status: 'error', message, correlationId: randomUUID(), category, ...extra } };
}

interface Filter {
  propertyName?: string;
  operator?: string;
  value?: string;
  values?: string[];
}

export interface HubSpotStandIn {
  url: string;
  http: HttpStandIn;
  /** Adds a record; `hs_lastmodifieddate` defaults to `updatedAt` (default: the clock). Returns its id. */
  put(
    type: HsType,
    properties: Record<string, string | number | null>,
    options?: { id?: string; updatedAt?: number },
  ): string;
  get(type: HsType, id: string): HsRecord | undefined;
  /** Changes properties as a user would (hs_lastmodifieddate moves to `at`, default the clock). */
  update(type: HsType, id: string, properties: Record<string, string | number | null>, at?: number): void;
  archive(type: HsType, id: string, at?: number): void;
  /** Merges `loser` into `survivor` (the survivor lists the loser in hs_merged_object_ids; the loser is archived). */
  merge(type: HsType, survivor: string, loser: string, at?: number): void;
  associate(dealId: string, companyId: string, primary?: boolean): void;
  notesOn(type: 'companies' | 'deals', id: string): HsRecord[];
  count(type: HsType): number;
  fault(rule: FaultRule): void;
  close(): Promise<void>;
}

export async function startHubSpotStandIn(options: HubSpotStandInOptions = {}): Promise<HubSpotStandIn> {
  const token = options.token ?? 'pat-na1-standin-token';
  const now = options.now ?? Date.now;
  const cap = options.searchCap ?? 10_000;
  const owners = options.owners ?? [];
  const stages = options.stages ?? DEFAULT_HS_STAGES;
  const store: Record<HsType, Map<string, HsRecord>> = {
    companies: new Map(),
    deals: new Map(),
    notes: new Map(),
  };
  /** dealId → [companyId, primary] */
  const dealCompanies = new Map<string, Array<{ id: string; primary: boolean }>>();
  /** noteId → associated object keys (`companies:123`). */
  const noteLinks = new Map<string, Set<string>>();
  let seq = 1000;

  const props = (type: HsType) => new Set([...STANDARD[type], ...(options.customProperties?.[type] ?? [])]);
  const unique = (type: HsType) => new Set(options.uniqueProperties?.[type] ?? []);

  function view(type: HsType, r: HsRecord, wanted: string[] | null): Record<string, unknown> {
    const names = wanted && wanted.length > 0 ? wanted : DEFAULT_RETURNED[type];
    const properties: Record<string, string | null> = {};
    const known = props(type);
    // Requested properties that do not exist are ignored on reads [H3].
    for (const n of names) if (known.has(n)) properties[n] = r.properties[n] ?? null;
    return {
      id: r.id,
      properties,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
      archived: r.archived,
      ...(r.archived && r.archivedAt ? { archivedAt: new Date(r.archivedAt).toISOString() } : {}),
    };
  }

  function setProps(type: HsType, r: HsRecord, input: Record<string, unknown>, at: number): Reply | null {
    const known = props(type);
    const missing = Object.keys(input).filter((k) => !known.has(k) || READ_ONLY.has(k));
    if (missing.length > 0) {
      const errors = missing.map((name) => ({
        message: `Property "${name}" does not exist`,
        code: 'PROPERTY_DOESNT_EXIST',
        context: { propertyName: [name] },
      }));
      return hsError(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(errors)}`, {
        errors,
      });
    }
    for (const [k, v] of Object.entries(input))
      r.properties[k] = v === null || v === undefined ? null : String(v);
    r.updatedAt = at;
    r.properties.hs_lastmodifieddate = String(at);
    invalidate(type);
    return null;
  }

  function matches(r: HsRecord, f: Filter): boolean {
    const raw = f.propertyName === 'hs_object_id' ? r.id : (r.properties[f.propertyName ?? ''] ?? null);
    const num = (x: string | null | undefined) => (x === null || x === undefined ? Number.NaN : Number(x));
    switch (f.operator) {
      case 'EQ':
        return raw !== null && raw.toLowerCase() === String(f.value ?? '').toLowerCase();
      case 'NEQ':
        return raw === null || raw.toLowerCase() !== String(f.value ?? '').toLowerCase();
      case 'GT':
        return num(raw) > num(f.value);
      case 'GTE':
        return num(raw) >= num(f.value);
      case 'LT':
        return num(raw) < num(f.value);
      case 'LTE':
        return num(raw) <= num(f.value);
      case 'HAS_PROPERTY':
        return raw !== null && raw !== '';
      case 'NOT_HAS_PROPERTY':
        return raw === null || raw === '';
      case 'IN':
        return raw !== null && (f.values ?? []).includes(raw.toLowerCase());
      default:
        return false;
    }
  }

  /** Live records by (hs_lastmodifieddate, id), rebuilt after any write: the sync's walk reads it 500 times. */
  const byModified: Record<HsType, HsRecord[] | null> = { companies: null, deals: null, notes: null };
  const modifiedOf = (r: HsRecord) => Number(r.properties.hs_lastmodifieddate ?? 0);
  function invalidate(type: HsType) {
    byModified[type] = null;
  }

  /** The fast path for `hs_lastmodifieddate GTE x` (or no filter) sorted by it ascending; null otherwise. */
  function lastModifiedWalk(
    type: HsType,
    groups: Array<{ filters?: Filter[] }>,
    sort: { propertyName?: string; direction?: string } | string | undefined,
  ): { rows: HsRecord[]; start: number } | null {
    if (
      !sort ||
      typeof sort !== 'object' ||
      sort.propertyName !== 'hs_lastmodifieddate' ||
      sort.direction === 'DESCENDING'
    ) {
      return null;
    }
    let from = Number.NEGATIVE_INFINITY;
    if (groups.length > 1) return null;
    const filters = groups[0]?.filters ?? [];
    if (filters.length > 1) return null;
    const f = filters[0];
    if (f) {
      if (f.propertyName !== 'hs_lastmodifieddate' || f.operator !== 'GTE') return null;
      from = Number(f.value);
    }
    let sorted = byModified[type];
    if (!sorted) {
      sorted = [...store[type].values()]
        .filter((r) => !r.archived)
        .sort((a, b) => modifiedOf(a) - modifiedOf(b) || Number(a.id) - Number(b.id));
      byModified[type] = sorted;
    }
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (modifiedOf(sorted[mid] as HsRecord) < from) lo = mid + 1;
      else hi = mid;
    }
    return { rows: sorted, start: lo };
  }

  function search(type: HsType, bodyText: string): Reply {
    if (bodyText.length > 3000)
      return hsError(400, 'VALIDATION_ERROR', 'Search query is too long (3000 characters at most)');
    const body = (jsonBody(bodyText) ?? {}) as {
      filterGroups?: Array<{ filters?: Filter[] }>;
      sorts?: Array<{ propertyName?: string; direction?: string } | string>;
      properties?: string[];
      limit?: number;
      after?: string | number;
    };
    const limit = body.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      return hsError(400, 'VALIDATION_ERROR', 'limit must be between 1 and 200');
    }
    const groups = body.filterGroups ?? [];
    const filterCount = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
    if (groups.length > 5 || groups.some((g) => (g.filters?.length ?? 0) > 6) || filterCount > 18) {
      return hsError(400, 'VALIDATION_ERROR', 'too many filters (5 groups of 6, 18 in all)');
    }
    const known = new Set(['EQ', 'NEQ', 'GT', 'GTE', 'LT', 'LTE', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN']);
    for (const g of groups) {
      for (const f of g.filters ?? []) {
        if (!f.operator || !known.has(f.operator))
          return hsError(
            400,
            'VALIDATION_ERROR',
            `operator ${String(f.operator)} not supported by the stand-in`,
          );
      }
    }
    const sorts = body.sorts ?? [];
    if (sorts.length > 1) return hsError(400, 'VALIDATION_ERROR', 'only one sort is allowed');
    const after = Number(body.after ?? 0);
    if (!Number.isInteger(after) || after < 0)
      return hsError(400, 'VALIDATION_ERROR', 'after must be an integer offset');
    if (after + limit > cap) {
      return hsError(
        400,
        'VALIDATION_ERROR',
        `Search results are limited to ${cap}; narrow the query instead of paging further`,
      );
    }
    const sort = sorts[0];
    const fast = lastModifiedWalk(type, groups, sort);
    let rows: HsRecord[];
    let start = 0;
    if (fast) {
      rows = fast.rows;
      start = fast.start;
    } else {
      rows = [...store[type].values()].filter(
        (r) =>
          !r.archived &&
          (groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matches(r, f)))),
      );
      if (sort && typeof sort === 'object' && sort.propertyName) {
        const p = sort.propertyName;
        const dir = sort.direction === 'DESCENDING' ? -1 : 1;
        const key = (r: HsRecord) =>
          p === 'hs_object_id' ? Number(r.id) : Number(r.properties[p] ?? Number.NaN);
        rows = rows.sort((a, b) => dir * (key(a) - key(b)));
      } else {
        rows = rows.sort((a, b) => Number(a.id) - Number(b.id));
      }
    }
    const slice = rows.slice(start + after, start + after + limit);
    const next = after + slice.length;
    const total = rows.length - start;
    return {
      status: 200,
      headers: { 'x-hubspot-rate-limit-exemptions': '["ten-secondly"]' },
      body: {
        total,
        results: slice.map((r) => view(type, r, body.properties ?? null)),
        ...(next < total ? { paging: { next: { after: String(next), link: '' } } } : {}),
      },
    };
  }

  const typeOf = (s: string | undefined): HsType | null =>
    s === 'companies' || s === 'deals' || s === 'notes' ? s : null;

  const http = await startHttpStandIn(async (req) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      return {
        ...hsError(
          401,
          'INVALID_AUTHENTICATION',
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        ),
        headers: { 'X-HubSpot-Auth-Failure': '401 Unauthorized' },
      };
    }
    const p = req.path.length > 1 ? req.path.replace(/\/$/, '') : req.path;
    const at = now();
    let m = /^\/crm\/v3\/objects\/(\w+)\/search$/.exec(p);
    if (m && req.method === 'POST') {
      const type = typeOf(m[1]);
      return type ? search(type, req.body) : hsError(404, 'OBJECT_NOT_FOUND', 'unknown object type');
    }
    m = /^\/crm\/v3\/objects\/(\w+)$/.exec(p);
    if (m && req.method === 'GET') {
      const type = typeOf(m[1]);
      if (!type) return hsError(404, 'OBJECT_NOT_FOUND', 'unknown object type');
      const limit = Math.min(100, Number(req.query.get('limit') ?? '10') || 10);
      const archived = req.query.get('archived') === 'true';
      const after = req.query.get('after');
      const wanted = req.query.getAll('properties');
      const rows = [...store[type].values()]
        .filter((r) => r.archived === archived)
        .sort((a, b) => Number(a.id) - Number(b.id))
        .filter((r) => after === null || Number(r.id) >= Number(after));
      const slice = rows.slice(0, limit);
      const next = rows[limit];
      return {
        status: 200,
        body: {
          results: slice.map((r) => view(type, r, wanted)),
          ...(next ? { paging: { next: { after: next.id, link: '' } } } : {}),
        },
      };
    }
    m = /^\/crm\/v3\/objects\/(\w+)\/(\d+)$/.exec(p);
    if (m && req.method === 'PATCH') {
      const type = typeOf(m[1]);
      const r = type ? store[type].get(m[2] ?? '') : undefined;
      if (!type || !r || r.archived) return hsError(404, 'OBJECT_NOT_FOUND', 'resource not found');
      const body = (jsonBody(req.body) ?? {}) as { properties?: Record<string, unknown> };
      const copy: HsRecord = { ...r, properties: { ...r.properties } };
      const bad = setProps(type, copy, body.properties ?? {}, at);
      if (bad) return bad;
      store[type].set(copy.id, copy);
      return { status: 200, body: view(type, copy, Object.keys(body.properties ?? {})) };
    }
    m = /^\/crm\/v3\/objects\/(\w+)\/batch\/(read|update|upsert)$/.exec(p);
    if (m && req.method === 'POST') {
      const type = typeOf(m[1]);
      if (!type) return hsError(404, 'OBJECT_NOT_FOUND', 'unknown object type');
      const body = (jsonBody(req.body) ?? {}) as {
        inputs?: Array<{ id?: string; idProperty?: string; properties?: Record<string, unknown> }>;
        properties?: string[];
      };
      const inputs = body.inputs ?? [];
      if (inputs.length > 100) return hsError(400, 'VALIDATION_ERROR', 'at most 100 inputs per batch');
      const results: unknown[] = [];
      const errors: unknown[] = [];
      const startedAt = new Date(at).toISOString();
      for (const input of inputs) {
        const id = String(input.id ?? '');
        if (m[2] === 'upsert') {
          const idProperty = input.idProperty ?? '';
          if (!unique(type).has(idProperty)) {
            return hsError(400, 'VALIDATION_ERROR', `${idProperty} is not a unique value property`);
          }
          const existing = [...store[type].values()].find(
            (r) => !r.archived && r.properties[idProperty] === id,
          );
          const r: HsRecord = existing
            ? { ...existing, properties: { ...existing.properties } }
            : {
                id: String(++seq),
                properties: { [idProperty]: id },
                createdAt: at,
                updatedAt: at,
                archived: false,
                archivedAt: null,
              };
          r.properties.hs_object_id = r.id;
          r.properties.createdate ??= String(at);
          const bad = setProps(type, r, input.properties ?? {}, at);
          if (bad) {
            errors.push({
              status: 'error',
              category: 'VALIDATION_ERROR',
              message: (bad.body as { message: string }).message,
              context: { id: [id] },
            });
            continue;
          }
          store[type].set(r.id, r);
          results.push({ ...view(type, r, Object.keys(input.properties ?? {})), new: !existing });
          continue;
        }
        const r = store[type].get(id);
        if (!r || r.archived) {
          errors.push({
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            message: `Could not get some ${type} objects, they may be deleted or not exist.`,
            context: { ids: [id] },
          });
          continue;
        }
        if (m[2] === 'read') {
          results.push(view(type, r, body.properties ?? null));
          continue;
        }
        const copy: HsRecord = { ...r, properties: { ...r.properties } };
        const bad = setProps(type, copy, input.properties ?? {}, at);
        if (bad) {
          errors.push({
            status: 'error',
            category: 'VALIDATION_ERROR',
            message: (bad.body as { message: string }).message,
            context: { id: [id] },
          });
          continue;
        }
        store[type].set(id, copy);
        results.push(view(type, copy, Object.keys(input.properties ?? {})));
      }
      const completedAt = new Date(now()).toISOString();
      return {
        status: errors.length > 0 ? 207 : 200,
        body: {
          status: 'COMPLETE',
          results,
          ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
          startedAt,
          completedAt,
        },
      };
    }
    m = /^\/crm\/v4\/associations\/(\w+)\/(\w+)\/batch\/read$/.exec(p);
    if (m && req.method === 'POST') {
      if (m[1] !== 'deals' || m[2] !== 'companies')
        return hsError(400, 'VALIDATION_ERROR', 'stand-in reads deal→company only');
      const inputs = ((jsonBody(req.body) ?? {}) as { inputs?: Array<{ id?: string }> }).inputs ?? [];
      if (inputs.length > 1000) return hsError(400, 'VALIDATION_ERROR', 'at most 1000 inputs per batch');
      const results = inputs.flatMap((input) => {
        const links = dealCompanies.get(String(input.id)) ?? [];
        if (links.length === 0) return [];
        return [
          {
            from: { id: String(input.id) },
            to: links.map((l) => ({
              toObjectId: Number(l.id),
              associationTypes: [
                ...(l.primary
                  ? [{ category: 'HUBSPOT_DEFINED', typeId: ASSOC.dealToPrimaryCompany, label: 'Primary' }]
                  : []),
                { category: 'HUBSPOT_DEFINED', typeId: ASSOC.dealToCompany, label: null },
              ],
            })),
          },
        ];
      });
      return {
        status: 200,
        body: {
          status: 'COMPLETE',
          results,
          startedAt: new Date(at).toISOString(),
          completedAt: new Date(now()).toISOString(),
        },
      };
    }
    m = /^\/crm\/v4\/objects\/(\w+)\/(\d+)\/associations\/default\/(\w+)\/(\d+)$/.exec(p);
    if (m && req.method === 'PUT') {
      const fromType = typeOf(m[1]);
      const toType = typeOf(m[3]);
      const from = fromType ? store[fromType].get(m[2] ?? '') : undefined;
      const to = toType ? store[toType].get(m[4] ?? '') : undefined;
      if (!from || !to || fromType !== 'notes' || toType === 'notes' || !toType)
        return hsError(404, 'OBJECT_NOT_FOUND', 'resource not found');
      const links = noteLinks.get(from.id) ?? new Set<string>();
      links.add(`${toType}:${to.id}`);
      noteLinks.set(from.id, links);
      const typeId = toType === 'companies' ? ASSOC.noteToCompany : ASSOC.noteToDeal;
      return {
        status: 200,
        body: {
          status: 'COMPLETE',
          results: [
            {
              from: { id: from.id },
              to: { id: to.id },
              associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
            },
          ],
          startedAt: new Date(at).toISOString(),
          completedAt: new Date(now()).toISOString(),
        },
      };
    }
    if (p === '/crm/v3/owners' && req.method === 'GET') {
      const archived = req.query.get('archived') === 'true';
      const email = req.query.get('email');
      const limit = Math.min(500, Number(req.query.get('limit') ?? '100') || 100);
      const after = Number(req.query.get('after') ?? '0') || 0;
      const rows = owners.filter(
        (o) =>
          (o.archived ?? false) === archived && (!email || o.email.toLowerCase() === email.toLowerCase()),
      );
      const slice = rows.slice(after, after + limit);
      return {
        status: 200,
        body: {
          results: slice.map((o) => ({
            id: o.id,
            email: o.email,
            firstName: o.firstName ?? '',
            lastName: o.lastName ?? '',
            userId: Number(o.id) + 1,
            userIdIncludingInactive: Number(o.id) + 1,
            type: 'PERSON',
            createdAt: new Date(0).toISOString(),
            updatedAt: new Date(0).toISOString(),
            archived: o.archived ?? false,
          })),
          ...(after + limit < rows.length
            ? { paging: { next: { after: String(after + limit), link: '' } } }
            : {}),
        },
      };
    }
    if (p === '/crm/v3/pipelines/deals' && req.method === 'GET') {
      return {
        status: 200,
        body: {
          results: [
            {
              id: 'default',
              label: 'Sales Pipeline',
              displayOrder: 0,
              archived: false,
              createdAt: new Date(0).toISOString(),
              updatedAt: new Date(0).toISOString(),
              stages: stages.map((s, i) => ({
                id: s.id,
                label: s.label,
                displayOrder: i,
                archived: false,
                createdAt: new Date(0).toISOString(),
                updatedAt: new Date(0).toISOString(),
                writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
                metadata: { isClosed: String(s.isClosed), probability: s.probability.toFixed(1) },
              })),
            },
          ],
        },
      };
    }
    return hsError(404, 'OBJECT_NOT_FOUND', `no route for ${req.method} ${p}`);
  });

  const toStrings = (o: Record<string, string | number | null>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? null : String(v)]));

  return {
    url: http.url,
    http,
    put(type, properties, opts = {}) {
      const id = opts.id ?? String(++seq);
      const at = opts.updatedAt ?? now();
      invalidate(type);
      store[type].set(id, {
        id,
        properties: {
          createdate: String(at),
          ...toStrings(properties),
          hs_object_id: id,
          hs_lastmodifieddate: String(at),
        },
        createdAt: at,
        updatedAt: at,
        archived: false,
        archivedAt: null,
      });
      return id;
    },
    get: (type, id) => store[type].get(id),
    update(type, id, properties, at = now()) {
      const r = store[type].get(id);
      if (!r) throw new Error(`no ${type} ${id}`);
      invalidate(type);
      Object.assign(r.properties, toStrings(properties));
      r.updatedAt = at;
      r.properties.hs_lastmodifieddate = String(at);
    },
    archive(type, id, at = now()) {
      const r = store[type].get(id);
      if (!r) throw new Error(`no ${type} ${id}`);
      invalidate(type);
      r.archived = true;
      r.archivedAt = at;
    },
    merge(type, survivor, loser, at = now()) {
      const s = store[type].get(survivor);
      const l = store[type].get(loser);
      if (!s || !l) throw new Error('merge: unknown record');
      invalidate(type);
      const ids = (s.properties.hs_merged_object_ids ?? '').split(';').filter((x) => x !== '');
      ids.push(loser);
      s.properties.hs_merged_object_ids = ids.join(';');
      s.updatedAt = at;
      s.properties.hs_lastmodifieddate = String(at);
      l.archived = true;
      l.archivedAt = at;
    },
    associate(dealId, companyId, primary = true) {
      const links = dealCompanies.get(dealId) ?? [];
      links.push({ id: companyId, primary });
      dealCompanies.set(dealId, links);
    },
    notesOn(type, id) {
      return [...store.notes.values()].filter((n) => noteLinks.get(n.id)?.has(`${type}:${id}`));
    },
    count: (type) => store[type].size,
    fault: (rule) => http.fault(rule),
    close: () => http.close(),
  };
}

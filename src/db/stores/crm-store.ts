// Storage side of the CRM sync (PRODUCT.md section 11). The sync (src/crm/sync.ts) hands each page here
// already normalised; `applyAccountsPage` / `applyOpportunitiesPage` write it and advance the cursor in ONE
// transaction, so a crash leaves either the whole page and its cursor or neither. Applying a page
// twice changes nothing (every write is an upsert of absolute values), which is what makes resuming safe.
//
// `crm_accounts` stays the one account table the gates read: a synced account upserts the row of its
// registrable domain (a CSV-imported row of the same domain is taken over and linked to its CRM id).
// A page is read and written in bulk (a few multi-row statements per page, see "batched page writes" below):
// a full sync writes 100k rows, and on PostgreSQL each statement is a round trip. The small fixed statements
// (cursor, owner map) stay drizzle prepared queries (prepared.ts).

import { and, type Column, eq, getTableColumns, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { CrmObject, CrmProviderKind, SyncCursor } from '../../crm/types.ts';
import { type Db, type Tx, transaction, withRollback } from '../connection.ts';
import { crmAccounts, crmOpportunities, crmOwnerMap, crmSyncCursors } from '../schema.ts';
import { prepared } from './prepared.ts';

/** An account ready to write (domain resolved, country normalised). */
export interface AccountWrite {
  crmId: string;
  domain: string;
  name: string;
  industry: string | null;
  employees: number | null;
  country: string | null;
  revenue: number | null;
  ownerEmail: string | null;
  isCustomer: boolean | null;
  crmUpdatedAt: number;
}

export interface OpportunityWrite {
  crmId: string;
  accountCrmId: string | null;
  name: string;
  stageId: string;
  isClosed: boolean;
  isWon: boolean;
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  ownerEmail: string | null;
  lossReason: string | null;
  crmCreatedAt: number | null;
  crmUpdatedAt: number;
}

export interface Removal {
  crmId: string;
  at: number;
  mergedInto: string | null;
}

export interface AccountsPage {
  upserts: AccountWrite[];
  removals: Removal[];
}

export interface OpportunitiesPage {
  upserts: OpportunityWrite[];
  removals: Removal[];
}

export interface PageCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
}

/** A CRM account whose domain already belongs to another CRM account: reported, not applied. */
export interface DomainClash {
  domain: string;
  crmId: string;
  keptCrmId: string;
}

export interface AccountPageCounts extends PageCounts {
  clashes: DomainClash[];
}

const p = sql.placeholder;
const PROVIDER = p('provider');

const anyOpportunity = prepared((h) =>
  h
    .select({ crmId: crmOpportunities.crmId })
    .from(crmOpportunities)
    .where(eq(crmOpportunities.crmProvider, PROVIDER))
    .limit(1)
    .prepare(),
);

/** `excluded.<column>`: the value the INSERT proposed for a conflicting row. */
const ex = (name: string) => sql.raw(`excluded."${name}"`);

const cursorRow = prepared((h) =>
  h
    .select({
      lastModified: crmSyncCursors.lastModified,
      resumeToken: crmSyncCursors.resumeToken,
      deletedThrough: crmSyncCursors.deletedThrough,
    })
    .from(crmSyncCursors)
    .where(and(eq(crmSyncCursors.crmProvider, PROVIDER), eq(crmSyncCursors.object, p('object'))))
    .prepare(),
);

const saveCursorQuery = prepared((h) =>
  h
    .insert(crmSyncCursors)
    .values({
      crmProvider: sql`${PROVIDER}`,
      object: sql`${p('object')}`,
      lastModified: sql`${p('lastModified')}`,
      resumeToken: sql`${p('resumeToken')}`,
      deletedThrough: null,
      updatedAt: sql`${p('now')}`,
    })
    .onConflictDoUpdate({
      target: [crmSyncCursors.crmProvider, crmSyncCursors.object],
      set: {
        lastModified: ex('last_modified'),
        resumeToken: ex('resume_token'),
        updatedAt: ex('updated_at'),
      },
    })
    .prepare(),
);

const saveDeletedThroughQuery = prepared((h) =>
  h
    .insert(crmSyncCursors)
    .values({
      crmProvider: sql`${PROVIDER}`,
      object: sql`${p('object')}`,
      lastModified: null,
      resumeToken: null,
      deletedThrough: sql`${p('through')}`,
      updatedAt: sql`${p('now')}`,
    })
    .onConflictDoUpdate({
      target: [crmSyncCursors.crmProvider, crmSyncCursors.object],
      set: { deletedThrough: ex('deleted_through'), updatedAt: ex('updated_at') },
    })
    .prepare(),
);

const ownerEntryQuery = prepared((h) =>
  h
    .select()
    .from(crmOwnerMap)
    .where(eq(crmOwnerMap.email, p('email')))
    .prepare(),
);

const saveOwner = prepared((h) =>
  h
    .insert(crmOwnerMap)
    .values({
      email: sql`${p('email')}`,
      slackUserId: sql`${p('slackUserId')}`,
      lookedUpAt: sql`${p('now')}`,
      miss: sql`${p('miss')}`,
      error: sql`${p('error')}`,
    })
    .onConflictDoUpdate({
      target: crmOwnerMap.email,
      set: {
        slackUserId: ex('slack_user_id'),
        lookedUpAt: ex('looked_up_at'),
        miss: ex('miss'),
        error: ex('error'),
      },
    })
    .prepare(),
);

// IS DISTINCT FROM: the rows whose owner differs, null counting as a value (both engines speak it).
const ownerToAccounts = prepared((h) =>
  h
    .update(crmAccounts)
    .set({ ownerUserId: sql`${p('user')}` })
    .where(
      and(
        eq(crmAccounts.ownerEmail, p('email')),
        sql`${crmAccounts.ownerUserId} is distinct from ${p('user')}`,
      ),
    )
    .prepare(),
);

const ownerToOpportunities = prepared((h) =>
  h
    .update(crmOpportunities)
    .set({ ownerUserId: sql`${p('user')}` })
    .where(
      and(
        eq(crmOpportunities.ownerEmail, p('email')),
        sql`${crmOpportunities.ownerUserId} is distinct from ${p('user')}`,
      ),
    )
    .prepare(),
);

/**
 * Runs `fn` in one transaction; a dry run rolls it back and still returns its result. A page is applied from rows
 * read at its start and written back whole, so on PostgreSQL it runs at `serializable`: a row another writer (a
 * CSV import) changed in between makes the page run again on fresh rows instead of overwriting that change.
 */
function transact<T>(db: Db, dryRun: boolean, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return dryRun ? withRollback(db, fn) : transaction(db, fn, { isolation: 'serializable' });
}

export async function getSyncCursor(
  db: Db,
  provider: CrmProviderKind,
  object: CrmObject,
): Promise<SyncCursor & { deletedThrough: number | null }> {
  const row = await cursorRow(db).get({ provider, object });
  return {
    lastModified: row?.lastModified ?? null,
    resumeToken: row?.resumeToken ?? null,
    deletedThrough: row?.deletedThrough ?? null,
  };
}

const b = (v: boolean) => (v ? 1 : 0);

// ---------------------------------------------------------------- batched page writes
//
// A page of 2,000 records is applied in a few dozen statements instead of three or more per record (PostgreSQL
// pays a round trip per statement, which made the row-by-row apply of a 20k-account sync time out there). The page's rows are read in bulk,
// the sync's rules (change detection, domain clashes, moves, takeovers, removals) run on those rows in memory in
// the page's order, exactly as if each record were written in turn, and the rows that changed are written back
// with multi-row upserts (`insert … on conflict do update set col = excluded.col`), in batches under both engines'
// bind-parameter limits.

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMS = 30_000;
/**
 * Rows (or keys) per statement. Each size is one prepared statement, built once per connection (building a
 * 1,000-row insert in drizzle costs more than SQLite takes to run it); a batch is split greedily into these.
 * 64 rows at most: larger statements saved PostgreSQL little and cost SQLite CPU (their parameter objects),
 * measured on a 20k-account + 4k-opportunity sync.
 */
const BATCH_SIZES = [64, 16, 4, 1];

/** Splits `items` into runs of BATCH_SIZES lengths whose bound parameters stay under MAX_PARAMS. */
function batches<T>(items: readonly T[], paramsPerItem: number): T[][] {
  const out: T[][] = [];
  let i = 0;
  for (const size of BATCH_SIZES.filter((n) => n === 1 || n * paramsPerItem <= MAX_PARAMS)) {
    for (; items.length - i >= size; i += size) out.push(items.slice(i, i + size));
  }
  return out;
}

/** One prepared query per batch size, built on its first use. */
function preparedBySize<Q>(build: (h: Tx, size: number) => Q) {
  const bySize = new Map<number, ReturnType<typeof prepared<Q>>>();
  return (h: Tx, size: number) => {
    let q = bySize.get(size);
    if (q === undefined) {
      q = prepared((handle) => build(handle, size));
      bySize.set(size, q);
    }
    return q(h);
  };
}

/** `k0 … k<size-1>` placeholders, and the parameters that fill them. */
const keyPlaceholders = (size: number) => Array.from({ length: size }, (_, i) => p(`k${i}`));
const keyParams = (keys: readonly string[]) => Object.fromEntries(keys.map((k, i) => [`k${i}`, k]));

type AccountRow = typeof crmAccounts.$inferSelect;
type OpportunityRow = typeof crmOpportunities.$inferSelect;
type Columns = Record<string, Column>;

/** `set col = excluded.col` for every column but the key (and those named in `keep`, left as they are). */
function excludedSet(columns: Columns, keep: readonly string[]) {
  return Object.fromEntries(
    Object.entries(columns)
      .filter(([field]) => !keep.includes(field))
      .map(([field, column]) => [field, ex(column.name)]),
  );
}

/** Row `i` of a multi-row insert as placeholders (`r<i>_<field>`). */
function rowPlaceholders(columns: Columns, i: number): Record<string, SQL> {
  return Object.fromEntries(Object.keys(columns).map((field) => [field, sql`${p(`r${i}_${field}`)}`]));
}

/** Placeholder names by row, per column set (`r<i>_<field>`), made once. */
const placeholderNames = new WeakMap<Columns, string[][]>();

/** The parameters of a multi-row insert: each value encoded as its column does (placeholders skip encoders). */
function rowParams(columns: Columns, rows: readonly object[]): Record<string, unknown> {
  const entries = Object.entries(columns);
  let names = placeholderNames.get(columns);
  if (names === undefined) {
    names = [];
    placeholderNames.set(columns, names);
  }
  const params: Record<string, unknown> = {};
  for (let i = 0; i < rows.length; i++) {
    names[i] ??= entries.map(([field]) => `r${i}_${field}`);
    const row = rows[i] as Record<string, unknown>;
    const rowNames = names[i] as string[];
    for (let j = 0; j < entries.length; j++) {
      const [field, column] = entries[j] as [string, Column];
      const v = row[field];
      params[rowNames[j] as string] = v === null || v === undefined ? null : column.mapToDriverValue(v);
    }
  }
  return params;
}

const accountColumns: Columns = getTableColumns(crmAccounts);
const opportunityColumns: Columns = getTableColumns(crmOpportunities);

const accountsByCrmId = preparedBySize((h, size) =>
  h
    .select()
    .from(crmAccounts)
    .where(and(eq(crmAccounts.crmProvider, PROVIDER), inArray(crmAccounts.crmId, keyPlaceholders(size))))
    .prepare(),
);

const accountsByDomain = preparedBySize((h, size) =>
  h
    .select()
    .from(crmAccounts)
    .where(inArray(crmAccounts.domain, keyPlaceholders(size)))
    .prepare(),
);

const liveAccountDomains = preparedBySize((h, size) =>
  h
    .select({ crmId: crmAccounts.crmId, domain: crmAccounts.domain })
    .from(crmAccounts)
    .where(
      and(
        eq(crmAccounts.crmProvider, PROVIDER),
        inArray(crmAccounts.crmId, keyPlaceholders(size)),
        isNull(crmAccounts.crmDeletedAt),
      ),
    )
    .prepare(),
);

const opportunitiesByCrmId = preparedBySize((h, size) =>
  h
    .select()
    .from(crmOpportunities)
    .where(
      and(eq(crmOpportunities.crmProvider, PROVIDER), inArray(crmOpportunities.crmId, keyPlaceholders(size))),
    )
    .prepare(),
);

const ownersByEmail = preparedBySize((h, size) =>
  h
    .select({ email: crmOwnerMap.email, slackUserId: crmOwnerMap.slackUserId })
    .from(crmOwnerMap)
    .where(inArray(crmOwnerMap.email, keyPlaceholders(size)))
    .prepare(),
);

/** A synced row's values replace the stored ones; the open-opportunity flag is the opportunities' to set. */
const upsertAccounts = preparedBySize((h, size) =>
  h
    .insert(crmAccounts)
    .values(
      Array.from(
        { length: size },
        // Placeholders in every column (drizzle's insert type has no room for them, hence the cast).
        (_, i) => rowPlaceholders(accountColumns, i) as unknown as typeof crmAccounts.$inferInsert,
      ),
    )
    .onConflictDoUpdate({
      target: crmAccounts.domain,
      set: excludedSet(accountColumns, ['domain', 'hasOpenOpportunity']),
    })
    .prepare(),
);

const upsertOpportunities = preparedBySize((h, size) =>
  h
    .insert(crmOpportunities)
    .values(
      Array.from(
        { length: size },
        (_, i) => rowPlaceholders(opportunityColumns, i) as unknown as typeof crmOpportunities.$inferInsert,
      ),
    )
    .onConflictDoUpdate({
      target: [crmOpportunities.crmProvider, crmOpportunities.crmId],
      set: excludedSet(opportunityColumns, ['crmProvider', 'crmId']),
    })
    .prepare(),
);

/** A row whose record did not change: only its sync times are written (the other columns fill the insert). */
const accountTimeColumns: Columns = {
  domain: crmAccounts.domain,
  name: crmAccounts.name,
  importedAt: crmAccounts.importedAt,
  crmUpdatedAt: crmAccounts.crmUpdatedAt,
  syncedAt: crmAccounts.syncedAt,
};
const opportunityTimeColumns: Columns = {
  crmProvider: crmOpportunities.crmProvider,
  crmId: crmOpportunities.crmId,
  name: crmOpportunities.name,
  stageId: crmOpportunities.stageId,
  crmUpdatedAt: crmOpportunities.crmUpdatedAt,
  syncedAt: crmOpportunities.syncedAt,
};
const TIMES_SET = { crmUpdatedAt: ex('crm_updated_at'), syncedAt: ex('synced_at') };

const touchAccounts = preparedBySize((h, size) =>
  h
    .insert(crmAccounts)
    .values(
      Array.from(
        { length: size },
        (_, i) => rowPlaceholders(accountTimeColumns, i) as unknown as typeof crmAccounts.$inferInsert,
      ),
    )
    .onConflictDoUpdate({ target: crmAccounts.domain, set: TIMES_SET })
    .prepare(),
);

const touchOpportunities = preparedBySize((h, size) =>
  h
    .insert(crmOpportunities)
    .values(
      Array.from(
        { length: size },
        (_, i) =>
          rowPlaceholders(opportunityTimeColumns, i) as unknown as typeof crmOpportunities.$inferInsert,
      ),
    )
    .onConflictDoUpdate({ target: [crmOpportunities.crmProvider, crmOpportunities.crmId], set: TIMES_SET })
    .prepare(),
);

const openFlags = preparedBySize((h, size) =>
  h
    .update(crmAccounts)
    .set({
      hasOpenOpportunity: sql`exists (select 1 from ${crmOpportunities} o where o.account_domain = ${crmAccounts.domain}
        and o.is_closed = false and o.crm_deleted_at is null)`,
    })
    .where(and(inArray(crmAccounts.domain, keyPlaceholders(size)), sql`${crmAccounts.crmId} is not null`))
    .prepare(),
);

async function accountsIn(
  tx: Tx,
  provider: CrmProviderKind,
  crmIds: readonly string[],
  domains: readonly string[],
): Promise<Map<string, AccountRow>> {
  const byDomain = new Map<string, AccountRow>();
  for (const ids of batches([...new Set(crmIds)], 1)) {
    for (const row of await accountsByCrmId(tx, ids.length).all({ provider, ...keyParams(ids) }))
      byDomain.set(row.domain, row);
  }
  for (const ds of batches([...new Set(domains)], 1)) {
    for (const row of await accountsByDomain(tx, ds.length).all(keyParams(ds))) byDomain.set(row.domain, row);
  }
  return byDomain;
}

async function opportunitiesIn(
  tx: Tx,
  provider: CrmProviderKind,
  crmIds: readonly string[],
): Promise<Map<string, OpportunityRow>> {
  const byCrmId = new Map<string, OpportunityRow>();
  for (const ids of batches([...new Set(crmIds)], 1)) {
    for (const row of await opportunitiesByCrmId(tx, ids.length).all({ provider, ...keyParams(ids) }))
      byCrmId.set(row.crmId, row);
  }
  return byCrmId;
}

/** The live account domain of each of these CRM account ids that has one. */
async function accountDomains(
  tx: Tx,
  provider: CrmProviderKind,
  crmIds: readonly string[],
): Promise<Map<string, string>> {
  const domains = new Map<string, string>();
  for (const ids of batches([...new Set(crmIds)], 1)) {
    for (const row of await liveAccountDomains(tx, ids.length).all({ provider, ...keyParams(ids) }))
      if (row.crmId !== null) domains.set(row.crmId, row.domain);
  }
  return domains;
}

/** Slack user ids of the owner emails that map to one. */
async function ownersOf(tx: Tx, emails: Iterable<string>): Promise<Map<string, string | null>> {
  const owners = new Map<string, string | null>();
  for (const es of batches([...new Set(emails)], 1)) {
    for (const row of await ownersByEmail(tx, es.length).all(keyParams(es)))
      owners.set(row.email, row.slackUserId);
  }
  return owners;
}

/**
 * Writes account rows back. The rows giving up a CRM id they held first let go of it, so that no statement
 * meets the (provider, crm id) unique index half-way through a move or a clash.
 */
async function writeAccounts(
  tx: Tx,
  rows: readonly AccountRow[],
  timesOnly: readonly AccountRow[],
  released: readonly string[],
): Promise<void> {
  for (const ds of batches(released, 1)) {
    await tx
      .update(crmAccounts)
      .set({ crmProvider: null, crmId: null })
      .where(inArray(crmAccounts.domain, ds));
  }
  const columns = Object.keys(accountColumns).length;
  for (const batch of batches(rows, columns))
    await upsertAccounts(tx, batch.length).run(rowParams(accountColumns, batch));
  for (const batch of batches(timesOnly, Object.keys(accountTimeColumns).length))
    await touchAccounts(tx, batch.length).run(rowParams(accountTimeColumns, batch));
}

async function writeOpportunities(
  tx: Tx,
  rows: Map<string, OpportunityRow>,
  changes: Changes,
): Promise<void> {
  const pick = (keys: Set<string>) => [...keys].map((id) => rows.get(id) as OpportunityRow);
  const columns = Object.keys(opportunityColumns).length;
  for (const batch of batches(pick(changes.full), columns))
    await upsertOpportunities(tx, batch.length).run(rowParams(opportunityColumns, batch));
  for (const batch of batches(pick(changes.timesOnly), Object.keys(opportunityTimeColumns).length))
    await touchOpportunities(tx, batch.length).run(rowParams(opportunityTimeColumns, batch));
}

/** Recomputes the open-opportunity flag of these (CRM-linked) accounts. */
async function refreshOpenFlags(tx: Tx, domains: Iterable<string>): Promise<void> {
  for (const ds of batches([...new Set(domains)], 1)) await openFlags(tx, ds.length).run(keyParams(ds));
}

/**
 * Points the opportunities of these CRM accounts at the domain their account now has; returns the domains that
 * gained at least one opportunity (their open flag needs refreshing).
 */
async function relinkOpportunities(
  tx: Tx,
  provider: CrmProviderKind,
  domainOf: ReadonlyMap<string, string>,
): Promise<string[]> {
  const domains: string[] = [];
  for (const ids of batches([...domainOf.keys()], 3)) {
    const cases = sql.join(
      ids.map((id) => sql`when ${id} then cast(${domainOf.get(id)} as text)`),
      sql` `,
    );
    const rows = await tx
      .update(crmOpportunities)
      .set({ accountDomain: sql`case ${crmOpportunities.accountCrmId} ${cases} end` })
      .where(and(eq(crmOpportunities.crmProvider, provider), inArray(crmOpportunities.accountCrmId, ids)))
      .returning({ domain: crmOpportunities.accountDomain });
    for (const row of rows) if (row.domain !== null) domains.push(row.domain);
  }
  return domains;
}

/** Keys of the rows to write back: in full, or only their sync times (a record that did not change). */
class Changes {
  readonly full = new Set<string>();
  readonly timesOnly = new Set<string>();

  mark(key: string): void {
    this.full.add(key);
    this.timesOnly.delete(key);
  }

  touch(key: string): void {
    if (!this.full.has(key)) this.timesOnly.add(key);
  }
}

/** The page's account rows in memory: what the database holds, as the page's writes change it. */
class AccountState {
  /** CRM id of this provider → the domain of the row linked to it (the unique index allows one). */
  private readonly linked = new Map<string, string>();
  /** The CRM id each row held when read, for the rows that change it. */
  private readonly heldBefore = new Map<string, string | null>();
  readonly changes = new Changes();

  constructor(
    readonly provider: CrmProviderKind,
    readonly rows: Map<string, AccountRow>,
  ) {
    for (const row of rows.values())
      if (row.crmProvider === provider && row.crmId) this.linked.set(row.crmId, row.domain);
  }

  linkedDomain(crmId: string): string | undefined {
    return this.linked.get(crmId);
  }

  /** Records a change of `row`'s CRM link (call before changing it). */
  private relinking(row: AccountRow): void {
    if (!this.heldBefore.has(row.domain)) this.heldBefore.set(row.domain, row.crmProvider ? row.crmId : null);
    if (row.crmProvider === this.provider && row.crmId && this.linked.get(row.crmId) === row.domain)
      this.linked.delete(row.crmId);
  }

  link(row: AccountRow, crmId: string | null): void {
    if (row.crmId !== crmId || row.crmProvider !== (crmId === null ? null : this.provider)) {
      this.relinking(row);
      row.crmProvider = crmId === null ? null : this.provider;
      row.crmId = crmId;
      if (crmId !== null) this.linked.set(crmId, row.domain);
    }
    this.changes.mark(row.domain);
  }

  /** Rows that held a CRM id before and hold another (or none) now: they let go of it before the write. */
  released(): string[] {
    return [...this.heldBefore].flatMap(([domain, before]) => {
      const row = this.rows.get(domain);
      return before !== null && row?.crmId !== before ? [domain] : [];
    });
  }

  /** Writes the rows the page changed back. */
  async write(tx: Tx): Promise<void> {
    const pick = (keys: Set<string>) => [...keys].map((domain) => this.rows.get(domain) as AccountRow);
    await writeAccounts(tx, pick(this.changes.full), pick(this.changes.timesOnly), this.released());
  }
}

/** Marks the linked, live accounts of `removals` deleted (or merged); returns how many it marked. */
function removeAccounts(state: AccountState, removals: readonly Removal[]): number {
  let n = 0;
  for (const r of removals) {
    const domain = state.linkedDomain(r.crmId);
    const row = domain === undefined ? undefined : state.rows.get(domain);
    if (!row || row.crmDeletedAt !== null) continue;
    row.crmDeletedAt = r.at;
    row.crmMergedInto = r.mergedInto;
    state.changes.mark(row.domain);
    n += 1;
  }
  return n;
}

/** Writes one page of accounts and the cursor after it, in one transaction. */
export async function applyAccountsPage(
  db: Db,
  provider: CrmProviderKind,
  page: AccountsPage,
  cursor: SyncCursor,
  now: number,
  dryRun = false,
): Promise<AccountPageCounts> {
  return transact(db, dryRun, async (tx) => {
    const counts: AccountPageCounts = { inserted: 0, updated: 0, unchanged: 0, removed: 0, clashes: [] };
    const state = new AccountState(
      provider,
      await accountsIn(
        tx,
        provider,
        [...page.removals.map((r) => r.crmId), ...page.upserts.map((a) => a.crmId)],
        page.upserts.map((a) => a.domain),
      ),
    );
    const owners = await ownersOf(
      tx,
      page.upserts.flatMap((a) => (a.ownerEmail ? [a.ownerEmail] : [])),
    );
    // Before the first opportunity sync there is nothing to relink.
    const relink = (await anyOpportunity(tx).get({ provider })) !== undefined;
    /** CRM id → the domain its opportunities move to (the last write of the page wins, as it would in turn). */
    const relinks = new Map<string, string>();
    // Removals first: a merge's loser gives up its domain before the survivor is written.
    counts.removed += removeAccounts(state, page.removals);
    for (const a of page.upserts) {
      const linkedDomain = state.linkedDomain(a.crmId);
      if (linkedDomain !== undefined && linkedDomain !== a.domain) {
        // The website changed: the old domain's row no longer describes this CRM account.
        const old = state.rows.get(linkedDomain) as AccountRow;
        state.link(old, null);
        old.crmDeletedAt = now;
      }
      const row = state.rows.get(a.domain);
      if (
        row?.crmId &&
        row.crmDeletedAt === null &&
        !(row.crmProvider === provider && row.crmId === a.crmId)
      ) {
        // Two live CRM accounts share a domain: the most recently modified one owns the row (a merge's
        // survivor is modified last), the other is reported.
        if ((row.crmUpdatedAt ?? 0) > a.crmUpdatedAt) {
          counts.clashes.push({ domain: a.domain, crmId: a.crmId, keptCrmId: row.crmId });
          continue;
        }
        counts.clashes.push({ domain: a.domain, crmId: row.crmId, keptCrmId: a.crmId });
      }
      const ownerUserId = a.ownerEmail ? (owners.get(a.ownerEmail) ?? null) : null;
      const isCustomer = a.isCustomer ?? (row ? row.isCustomer : false);
      const values = {
        name: a.name,
        industry: a.industry,
        employees: a.employees,
        country: a.country,
        revenue: a.revenue,
        ownerUserId,
        ownerEmail: a.ownerEmail,
        isCustomer,
        importedAt: now,
        crmUpdatedAt: a.crmUpdatedAt,
        syncedAt: now,
        crmDeletedAt: null,
        crmMergedInto: null,
      };
      if (!row) {
        const created: AccountRow = {
          domain: a.domain,
          ...values,
          hasOpenOpportunity: false,
          crmProvider: null,
          crmId: null,
        };
        state.rows.set(a.domain, created);
        state.link(created, a.crmId);
        if (relink) relinks.set(a.crmId, a.domain);
        counts.inserted += 1;
      } else if (
        row.name === a.name &&
        row.industry === a.industry &&
        row.employees === a.employees &&
        row.country === a.country &&
        row.revenue === a.revenue &&
        row.ownerUserId === ownerUserId &&
        row.ownerEmail === a.ownerEmail &&
        row.isCustomer === isCustomer &&
        row.crmProvider === provider &&
        row.crmId === a.crmId &&
        row.crmDeletedAt === null
      ) {
        row.crmUpdatedAt = a.crmUpdatedAt;
        row.syncedAt = now;
        state.changes.touch(row.domain);
        counts.unchanged += 1;
      } else {
        if (relink && row.crmId !== a.crmId) relinks.set(a.crmId, a.domain);
        Object.assign(row, values);
        state.link(row, a.crmId);
        counts.updated += 1;
      }
    }
    await state.write(tx);
    if (relinks.size > 0) await refreshOpenFlags(tx, await relinkOpportunities(tx, provider, relinks));
    await saveCursor(tx, provider, 'accounts', cursor, now);
    return counts;
  });
}

/**
 * Marks the live opportunities of `removals` deleted (or merged); adds to `touched` the account domains whose
 * open flag may change (`onlyChanged`: only those of the rows it marked). Returns how many it marked.
 */
function removeOpportunities(
  rows: Map<string, OpportunityRow>,
  changes: Changes,
  removals: readonly Removal[],
  touched: Set<string>,
  onlyChanged: boolean,
): number {
  let n = 0;
  for (const r of removals) {
    const row = rows.get(r.crmId);
    if (!row) continue;
    const live = row.crmDeletedAt === null;
    if (row.accountDomain && (live || !onlyChanged)) touched.add(row.accountDomain);
    if (!live) continue;
    row.crmDeletedAt = r.at;
    row.crmMergedInto = r.mergedInto;
    changes.mark(row.crmId);
    n += 1;
  }
  return n;
}

/** Writes one page of opportunities, the accounts' open-opportunity flags and the cursor, in one transaction. */
export async function applyOpportunitiesPage(
  db: Db,
  provider: CrmProviderKind,
  page: OpportunitiesPage,
  cursor: SyncCursor,
  now: number,
  dryRun = false,
): Promise<PageCounts> {
  return transact(db, dryRun, async (tx) => {
    const counts: PageCounts = { inserted: 0, updated: 0, unchanged: 0, removed: 0 };
    const accounts = await accountDomains(
      tx,
      provider,
      page.upserts.flatMap((o) => (o.accountCrmId ? [o.accountCrmId] : [])),
    );
    const owners = await ownersOf(
      tx,
      page.upserts.flatMap((o) => (o.ownerEmail ? [o.ownerEmail] : [])),
    );
    const rows = await opportunitiesIn(tx, provider, [
      ...page.upserts.map((o) => o.crmId),
      ...page.removals.map((r) => r.crmId),
    ]);
    const changes = new Changes();
    const touched = new Set<string>();
    for (const o of page.upserts) {
      const accountDomain = o.accountCrmId ? (accounts.get(o.accountCrmId) ?? null) : null;
      const ownerUserId = o.ownerEmail ? (owners.get(o.ownerEmail) ?? null) : null;
      const row = rows.get(o.crmId);
      if (row?.accountDomain) touched.add(row.accountDomain);
      if (accountDomain) touched.add(accountDomain);
      if (
        row &&
        row.accountCrmId === o.accountCrmId &&
        row.accountDomain === accountDomain &&
        row.name === o.name &&
        row.stageId === o.stageId &&
        row.isClosed === o.isClosed &&
        row.isWon === o.isWon &&
        row.amount === o.amount &&
        row.currency === o.currency &&
        row.closeDate === o.closeDate &&
        row.ownerEmail === o.ownerEmail &&
        row.ownerUserId === ownerUserId &&
        row.lossReason === o.lossReason &&
        row.crmCreatedAt === o.crmCreatedAt &&
        row.crmDeletedAt === null
      ) {
        row.crmUpdatedAt = o.crmUpdatedAt;
        row.syncedAt = now;
        changes.touch(o.crmId);
        counts.unchanged += 1;
        continue;
      }
      rows.set(o.crmId, {
        crmProvider: provider,
        crmId: o.crmId,
        accountCrmId: o.accountCrmId,
        accountDomain,
        name: o.name,
        stageId: o.stageId,
        isClosed: o.isClosed,
        isWon: o.isWon,
        amount: o.amount,
        currency: o.currency,
        closeDate: o.closeDate,
        ownerEmail: o.ownerEmail,
        ownerUserId,
        lossReason: o.lossReason,
        crmCreatedAt: o.crmCreatedAt,
        crmUpdatedAt: o.crmUpdatedAt,
        crmDeletedAt: null,
        crmMergedInto: null,
        syncedAt: now,
      });
      changes.mark(o.crmId);
      if (row) counts.updated += 1;
      else counts.inserted += 1;
    }
    counts.removed += removeOpportunities(rows, changes, page.removals, touched, false);
    await writeOpportunities(tx, rows, changes);
    await refreshOpenFlags(tx, touched);
    await saveCursor(tx, provider, 'opportunities', cursor, now);
    return counts;
  });
}

async function saveCursor(
  tx: Tx,
  provider: string,
  object: CrmObject,
  cursor: SyncCursor,
  now: number,
): Promise<void> {
  await saveCursorQuery(tx).run({
    provider,
    object,
    lastModified: cursor.lastModified,
    resumeToken: cursor.resumeToken,
    now,
  });
}

/** Marks records the CRM reports deleted (a batch of getDeleted / archived ids) and, last, how far that reaches. */
export async function applyDeleted(
  db: Db,
  provider: CrmProviderKind,
  object: CrmObject,
  removals: Removal[],
  dryRun = false,
): Promise<number> {
  return transact(db, dryRun, async (tx) => {
    const crmIds = removals.map((r) => r.crmId);
    if (object === 'accounts') {
      const state = new AccountState(provider, await accountsIn(tx, provider, crmIds, []));
      const n = removeAccounts(state, removals);
      await state.write(tx);
      return n;
    }
    const rows = await opportunitiesIn(tx, provider, crmIds);
    const changes = new Changes();
    const touched = new Set<string>();
    const n = removeOpportunities(rows, changes, removals, touched, true);
    await writeOpportunities(tx, rows, changes);
    await refreshOpenFlags(tx, touched);
    return n;
  });
}

export async function saveDeletedThrough(
  db: Db,
  provider: CrmProviderKind,
  object: CrmObject,
  through: number,
  now: number,
): Promise<void> {
  await saveDeletedThroughQuery(db).run({ provider, object, through, now });
}

// ---------------------------------------------------------------- owner map (email → Slack user)

export interface OwnerEntry {
  slackUserId: string | null;
  lookedUpAt: number;
  miss: boolean;
  error: string | null;
}

export async function getOwnerEntry(db: Db, email: string): Promise<OwnerEntry | null> {
  const row = await ownerEntryQuery(db).get({ email });
  return row
    ? { slackUserId: row.slackUserId, lookedUpAt: row.lookedUpAt, miss: row.miss, error: row.error }
    : null;
}

/**
 * Remembers a lookup and, when the answer changed, re-points the accounts and opportunities owned by that
 * email (so a rep who joins Slack later gets their accounts on the next sync). Returns the rows re-pointed.
 */
export async function saveOwnerEntry(
  db: Db,
  email: string,
  entry: Omit<OwnerEntry, 'lookedUpAt'>,
  now: number,
): Promise<number> {
  return transact(db, false, async (tx) => {
    await saveOwner(tx).run({
      email,
      slackUserId: entry.slackUserId,
      now,
      miss: b(entry.miss),
      error: entry.error,
    });
    // A failed lookup (not a miss) keeps whatever the rows had.
    if (entry.error !== null) return 0;
    return (
      (await ownerToAccounts(tx).run({ user: entry.slackUserId, email })) +
      (await ownerToOpportunities(tx).run({ user: entry.slackUserId, email }))
    );
  });
}

// Storage side of the CRM sync (PRODUCT.md section 11). The sync (src/crm/sync.ts) hands each page here
// already normalised; `applyAccountsPage` / `applyOpportunitiesPage` write it and advance the cursor in ONE
// IMMEDIATE transaction, so a crash leaves either the whole page and its cursor or neither. Applying a page
// twice changes nothing (every write is an upsert of absolute values), which is what makes resuming safe.
//
// `crm_accounts` stays the one account table the gates read: a synced account upserts the row of its
// registrable domain (a CSV-imported row of the same domain is taken over and linked to its CRM id).
// The per-row statements are drizzle prepared queries (prepared.ts): a full sync writes 100k rows, and on SQLite
// a prepared query costs what a raw better-sqlite3 statement does; the same queries run on PostgreSQL.

import { and, eq, isNull, sql } from 'drizzle-orm';
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

const accountByCrmId = prepared((h) =>
  h
    .select({ domain: crmAccounts.domain })
    .from(crmAccounts)
    .where(and(eq(crmAccounts.crmProvider, PROVIDER), eq(crmAccounts.crmId, p('crmId'))))
    .limit(1)
    .prepare(),
);

const accountByDomain = prepared((h) =>
  h
    .select({
      name: crmAccounts.name,
      industry: crmAccounts.industry,
      employees: crmAccounts.employees,
      country: crmAccounts.country,
      revenue: crmAccounts.revenue,
      ownerUserId: crmAccounts.ownerUserId,
      ownerEmail: crmAccounts.ownerEmail,
      isCustomer: crmAccounts.isCustomer,
      crmProvider: crmAccounts.crmProvider,
      crmId: crmAccounts.crmId,
      crmUpdatedAt: crmAccounts.crmUpdatedAt,
      crmDeletedAt: crmAccounts.crmDeletedAt,
    })
    .from(crmAccounts)
    .where(eq(crmAccounts.domain, p('domain')))
    .prepare(),
);

const ownerUser = prepared((h) =>
  h
    .select({ slackUserId: crmOwnerMap.slackUserId })
    .from(crmOwnerMap)
    .where(eq(crmOwnerMap.email, p('email')))
    .prepare(),
);

const unlinkAccount = prepared((h) =>
  h
    .update(crmAccounts)
    .set({ crmProvider: null, crmId: null, crmDeletedAt: sql`${p('at')}` })
    .where(and(eq(crmAccounts.crmProvider, PROVIDER), eq(crmAccounts.crmId, p('crmId'))))
    .prepare(),
);

/** An account's values as a sync writes them (booleans as 0/1: placeholders bypass the column encoders). */
const ACCOUNT_VALUES = {
  name: sql`${p('name')}`,
  industry: sql`${p('industry')}`,
  employees: sql`${p('employees')}`,
  country: sql`${p('country')}`,
  revenue: sql`${p('revenue')}`,
  ownerUserId: sql`${p('ownerUserId')}`,
  isCustomer: sql`${p('isCustomer')}`,
  importedAt: sql`${p('now')}`,
  crmProvider: sql`${PROVIDER}`,
  crmId: sql`${p('crmId')}`,
  ownerEmail: sql`${p('ownerEmail')}`,
  crmUpdatedAt: sql`${p('crmUpdatedAt')}`,
  syncedAt: sql`${p('now')}`,
};

const insertAccount = prepared((h) =>
  h
    .insert(crmAccounts)
    .values({
      domain: sql`${p('domain')}`,
      ...ACCOUNT_VALUES,
      hasOpenOpportunity: false,
      crmDeletedAt: null,
      crmMergedInto: null,
    })
    .prepare(),
);

const updateAccount = prepared((h) =>
  h
    .update(crmAccounts)
    .set({ ...ACCOUNT_VALUES, crmDeletedAt: null, crmMergedInto: null })
    .where(eq(crmAccounts.domain, p('domain')))
    .prepare(),
);

const touchAccount = prepared((h) =>
  h
    .update(crmAccounts)
    .set({ crmUpdatedAt: sql`${p('crmUpdatedAt')}`, syncedAt: sql`${p('now')}` })
    .where(eq(crmAccounts.domain, p('domain')))
    .prepare(),
);

const removeAccount = prepared((h) =>
  h
    .update(crmAccounts)
    .set({ crmDeletedAt: sql`${p('at')}`, crmMergedInto: sql`${p('mergedInto')}` })
    .where(
      and(
        eq(crmAccounts.crmProvider, PROVIDER),
        eq(crmAccounts.crmId, p('crmId')),
        isNull(crmAccounts.crmDeletedAt),
      ),
    )
    .prepare(),
);

const anyOpportunity = prepared((h) =>
  h
    .select({ crmId: crmOpportunities.crmId })
    .from(crmOpportunities)
    .where(eq(crmOpportunities.crmProvider, PROVIDER))
    .limit(1)
    .prepare(),
);

const relinkOpportunities = prepared((h) =>
  h
    .update(crmOpportunities)
    .set({ accountDomain: sql`${p('domain')}` })
    .where(and(eq(crmOpportunities.crmProvider, PROVIDER), eq(crmOpportunities.accountCrmId, p('crmId'))))
    .prepare(),
);

const opportunity = prepared((h) =>
  h
    .select({
      accountCrmId: crmOpportunities.accountCrmId,
      accountDomain: crmOpportunities.accountDomain,
      name: crmOpportunities.name,
      stageId: crmOpportunities.stageId,
      isClosed: crmOpportunities.isClosed,
      isWon: crmOpportunities.isWon,
      amount: crmOpportunities.amount,
      currency: crmOpportunities.currency,
      closeDate: crmOpportunities.closeDate,
      ownerEmail: crmOpportunities.ownerEmail,
      ownerUserId: crmOpportunities.ownerUserId,
      lossReason: crmOpportunities.lossReason,
      crmCreatedAt: crmOpportunities.crmCreatedAt,
      crmDeletedAt: crmOpportunities.crmDeletedAt,
    })
    .from(crmOpportunities)
    .where(and(eq(crmOpportunities.crmProvider, PROVIDER), eq(crmOpportunities.crmId, p('crmId'))))
    .prepare(),
);

const OPPORTUNITY_VALUES = {
  accountCrmId: sql`${p('accountCrmId')}`,
  accountDomain: sql`${p('accountDomain')}`,
  name: sql`${p('name')}`,
  stageId: sql`${p('stageId')}`,
  isClosed: sql`${p('isClosed')}`,
  isWon: sql`${p('isWon')}`,
  amount: sql`${p('amount')}`,
  currency: sql`${p('currency')}`,
  closeDate: sql`${p('closeDate')}`,
  ownerEmail: sql`${p('ownerEmail')}`,
  ownerUserId: sql`${p('ownerUserId')}`,
  lossReason: sql`${p('lossReason')}`,
  crmCreatedAt: sql`${p('crmCreatedAt')}`,
  crmUpdatedAt: sql`${p('crmUpdatedAt')}`,
  syncedAt: sql`${p('now')}`,
};

/** `excluded.<column>`: the value the INSERT proposed for a conflicting row. */
const ex = (name: string) => sql.raw(`excluded."${name}"`);

const upsertOpportunity = prepared((h) =>
  h
    .insert(crmOpportunities)
    .values({
      crmProvider: sql`${PROVIDER}`,
      crmId: sql`${p('crmId')}`,
      ...OPPORTUNITY_VALUES,
      crmDeletedAt: null,
      crmMergedInto: null,
    })
    .onConflictDoUpdate({
      target: [crmOpportunities.crmProvider, crmOpportunities.crmId],
      set: {
        ...Object.fromEntries(
          Object.keys(OPPORTUNITY_VALUES).map((field) => [
            field,
            ex(crmOpportunities[field as keyof typeof OPPORTUNITY_VALUES].name),
          ]),
        ),
        crmDeletedAt: null,
        crmMergedInto: null,
      },
    })
    .prepare(),
);

const touchOpportunity = prepared((h) =>
  h
    .update(crmOpportunities)
    .set({ crmUpdatedAt: sql`${p('crmUpdatedAt')}`, syncedAt: sql`${p('now')}` })
    .where(and(eq(crmOpportunities.crmProvider, PROVIDER), eq(crmOpportunities.crmId, p('crmId'))))
    .prepare(),
);

const removeOpportunity = prepared((h) =>
  h
    .update(crmOpportunities)
    .set({ crmDeletedAt: sql`${p('at')}`, crmMergedInto: sql`${p('mergedInto')}` })
    .where(
      and(
        eq(crmOpportunities.crmProvider, PROVIDER),
        eq(crmOpportunities.crmId, p('crmId')),
        isNull(crmOpportunities.crmDeletedAt),
      ),
    )
    .prepare(),
);

const accountDomainOf = prepared((h) =>
  h
    .select({ domain: crmAccounts.domain })
    .from(crmAccounts)
    .where(
      and(
        eq(crmAccounts.crmProvider, PROVIDER),
        eq(crmAccounts.crmId, p('crmId')),
        isNull(crmAccounts.crmDeletedAt),
      ),
    )
    .limit(1)
    .prepare(),
);

const openFlag = prepared((h) =>
  h
    .update(crmAccounts)
    .set({
      hasOpenOpportunity: sql`exists (select 1 from ${crmOpportunities} o where o.account_domain = ${crmAccounts.domain}
        and o.is_closed = false and o.crm_deleted_at is null)`,
    })
    .where(and(eq(crmAccounts.domain, p('domain')), sql`${crmAccounts.crmId} is not null`))
    .prepare(),
);

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

/** Runs `fn` in one transaction; a dry run rolls it back and still returns its result. */
function transact<T>(db: Db, dryRun: boolean, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return dryRun ? withRollback(db, fn) : transaction(db, fn);
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
    // Removals first: a merge's loser gives up its domain before the survivor is written.
    for (const r of page.removals) {
      counts.removed += await removeAccount(tx).run({
        at: r.at,
        mergedInto: r.mergedInto,
        provider,
        crmId: r.crmId,
      });
    }
    // Per page: owners repeat across accounts, and before the first opportunity sync there is nothing to relink.
    const owners = new Map<string, string | null>();
    const ownerOf = async (email: string) => {
      let id = owners.get(email);
      if (id === undefined) {
        id = (await ownerUser(tx).get({ email }))?.slackUserId ?? null;
        owners.set(email, id);
      }
      return id;
    };
    const relink = (await anyOpportunity(tx).get({ provider })) !== undefined;
    for (const a of page.upserts) {
      const linked = await accountByCrmId(tx).get({ provider, crmId: a.crmId });
      if (linked && linked.domain !== a.domain) {
        // The website changed: the old domain's row no longer describes this CRM account.
        await unlinkAccount(tx).run({ at: now, provider, crmId: a.crmId });
      }
      const row = await accountByDomain(tx).get({ domain: a.domain });
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
      const ownerUserId = a.ownerEmail ? await ownerOf(a.ownerEmail) : null;
      const isCustomer = a.isCustomer ?? (row ? row.isCustomer : false);
      const values = {
        domain: a.domain,
        name: a.name,
        industry: a.industry,
        employees: a.employees,
        country: a.country,
        revenue: a.revenue,
        ownerUserId,
        isCustomer: b(isCustomer),
        now,
        provider,
        crmId: a.crmId,
        ownerEmail: a.ownerEmail,
        crmUpdatedAt: a.crmUpdatedAt,
      };
      if (!row) {
        await insertAccount(tx).run(values);
        if (relink && (await relinkOpportunities(tx).run({ domain: a.domain, provider, crmId: a.crmId })) > 0)
          await openFlag(tx).run({ domain: a.domain });
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
        await touchAccount(tx).run({ crmUpdatedAt: a.crmUpdatedAt, now, domain: a.domain });
        counts.unchanged += 1;
      } else {
        await updateAccount(tx).run(values);
        if (
          relink &&
          row.crmId !== a.crmId &&
          (await relinkOpportunities(tx).run({ domain: a.domain, provider, crmId: a.crmId })) > 0
        ) {
          await openFlag(tx).run({ domain: a.domain });
        }
        counts.updated += 1;
      }
    }
    await saveCursor(tx, provider, 'accounts', cursor, now);
    return counts;
  });
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
    const touched = new Set<string>();
    for (const o of page.upserts) {
      const accountDomain = o.accountCrmId
        ? ((await accountDomainOf(tx).get({ provider, crmId: o.accountCrmId }))?.domain ?? null)
        : null;
      const ownerUserId = o.ownerEmail
        ? ((await ownerUser(tx).get({ email: o.ownerEmail }))?.slackUserId ?? null)
        : null;
      const row = await opportunity(tx).get({ provider, crmId: o.crmId });
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
        await touchOpportunity(tx).run({ crmUpdatedAt: o.crmUpdatedAt, now, provider, crmId: o.crmId });
        counts.unchanged += 1;
        continue;
      }
      await upsertOpportunity(tx).run({
        provider,
        crmId: o.crmId,
        accountCrmId: o.accountCrmId,
        accountDomain,
        name: o.name,
        stageId: o.stageId,
        isClosed: b(o.isClosed),
        isWon: b(o.isWon),
        amount: o.amount,
        currency: o.currency,
        closeDate: o.closeDate,
        ownerEmail: o.ownerEmail,
        ownerUserId,
        lossReason: o.lossReason,
        crmCreatedAt: o.crmCreatedAt,
        crmUpdatedAt: o.crmUpdatedAt,
        now,
      });
      if (row) counts.updated += 1;
      else counts.inserted += 1;
    }
    for (const r of page.removals) {
      const row = await opportunity(tx).get({ provider, crmId: r.crmId });
      if (row?.accountDomain) touched.add(row.accountDomain);
      counts.removed += await removeOpportunity(tx).run({
        at: r.at,
        mergedInto: r.mergedInto,
        provider,
        crmId: r.crmId,
      });
    }
    for (const domain of touched) await openFlag(tx).run({ domain });
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
    let n = 0;
    for (const r of removals) {
      const key = { at: r.at, mergedInto: r.mergedInto, provider, crmId: r.crmId };
      if (object === 'accounts') n += await removeAccount(tx).run(key);
      else {
        const row = await opportunity(tx).get({ provider, crmId: r.crmId });
        const changed = await removeOpportunity(tx).run(key);
        if (changed && row?.accountDomain) await openFlag(tx).run({ domain: row.accountDomain });
        n += changed;
      }
    }
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

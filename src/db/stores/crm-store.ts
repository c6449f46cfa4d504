// Storage side of the CRM sync (PRODUCT.md section 11). The sync (src/crm/sync.ts) hands each page here
// already normalised; `applyAccountsPage` / `applyOpportunitiesPage` write it and advance the cursor in ONE
// IMMEDIATE transaction, so a crash leaves either the whole page and its cursor or neither. Applying a page
// twice changes nothing (every write is an upsert of absolute values), which is what makes resuming safe.
//
// `crm_accounts` stays the one account table the gates read: a synced account upserts the row of its
// registrable domain (a CSV-imported row of the same domain is taken over and linked to its CRM id).
// Statements are prepared once per connection on the raw better-sqlite3 handle: a full sync writes 100k rows.

import type Database from 'better-sqlite3';
import type { CrmObject, CrmProviderKind, SyncCursor } from '../../crm/types.ts';
import type { Db } from '../connection.ts';

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

type Client = Database.Database;
type Statements = ReturnType<typeof prepare>;
const cache = new WeakMap<Client, Statements>();

function prepare(c: Client) {
  return {
    accountByCrmId: c.prepare<[string, string], { domain: string }>(
      'SELECT domain FROM crm_accounts WHERE crm_provider = ? AND crm_id = ?',
    ),
    accountByDomain: c.prepare<
      [string],
      {
        name: string;
        industry: string | null;
        employees: number | null;
        country: string | null;
        revenue: number | null;
        owner_user_id: string | null;
        owner_email: string | null;
        is_customer: number;
        crm_provider: string | null;
        crm_id: string | null;
        crm_updated_at: number | null;
        crm_deleted_at: number | null;
      }
    >(
      `SELECT name, industry, employees, country, revenue, owner_user_id, owner_email, is_customer, crm_provider,
              crm_id, crm_updated_at, crm_deleted_at FROM crm_accounts WHERE domain = ?`,
    ),
    ownerUser: c.prepare<[string], { slack_user_id: string | null }>(
      'SELECT slack_user_id FROM crm_owner_map WHERE email = ?',
    ),
    unlinkAccount: c.prepare<[number, string, string]>(
      `UPDATE crm_accounts SET crm_provider = NULL, crm_id = NULL, crm_deleted_at = ?
        WHERE crm_provider = ? AND crm_id = ?`,
    ),
    insertAccount: c.prepare(
      `INSERT INTO crm_accounts (domain, name, industry, employees, country, revenue, owner_user_id, is_customer,
         has_open_opportunity, imported_at, crm_provider, crm_id, owner_email, crm_updated_at, crm_deleted_at,
         crm_merged_into, synced_at)
       VALUES (@domain, @name, @industry, @employees, @country, @revenue, @ownerUserId, @isCustomer, 0, @now,
         @provider, @crmId, @ownerEmail, @crmUpdatedAt, NULL, NULL, @now)`,
    ),
    updateAccount: c.prepare(
      `UPDATE crm_accounts SET name = @name, industry = @industry, employees = @employees, country = @country,
         revenue = @revenue, owner_user_id = @ownerUserId, is_customer = @isCustomer, imported_at = @now,
         crm_provider = @provider, crm_id = @crmId, owner_email = @ownerEmail, crm_updated_at = @crmUpdatedAt,
         crm_deleted_at = NULL, crm_merged_into = NULL, synced_at = @now
       WHERE domain = @domain`,
    ),
    touchAccount: c.prepare<[number, number, string]>(
      'UPDATE crm_accounts SET crm_updated_at = ?, synced_at = ? WHERE domain = ?',
    ),
    removeAccount: c.prepare<[number, string | null, string, string]>(
      `UPDATE crm_accounts SET crm_deleted_at = ?, crm_merged_into = ?
        WHERE crm_provider = ? AND crm_id = ? AND crm_deleted_at IS NULL`,
    ),
    relinkOpportunities: c.prepare<[string, string, string]>(
      'UPDATE crm_opportunities SET account_domain = ? WHERE crm_provider = ? AND account_crm_id = ?',
    ),
    opportunity: c.prepare<
      [string, string],
      {
        account_crm_id: string | null;
        account_domain: string | null;
        name: string;
        stage_id: string;
        is_closed: number;
        is_won: number;
        amount: number | null;
        currency: string | null;
        close_date: string | null;
        owner_email: string | null;
        owner_user_id: string | null;
        loss_reason: string | null;
        crm_created_at: number | null;
        crm_deleted_at: number | null;
      }
    >(
      `SELECT account_crm_id, account_domain, name, stage_id, is_closed, is_won, amount, currency, close_date,
              owner_email, owner_user_id, loss_reason, crm_created_at, crm_deleted_at
         FROM crm_opportunities WHERE crm_provider = ? AND crm_id = ?`,
    ),
    upsertOpportunity: c.prepare(
      `INSERT INTO crm_opportunities (crm_provider, crm_id, account_crm_id, account_domain, name, stage_id,
         is_closed, is_won, amount, currency, close_date, owner_email, owner_user_id, loss_reason, crm_created_at,
         crm_updated_at, crm_deleted_at, crm_merged_into, synced_at)
       VALUES (@provider, @crmId, @accountCrmId, @accountDomain, @name, @stageId, @isClosed, @isWon, @amount,
         @currency, @closeDate, @ownerEmail, @ownerUserId, @lossReason, @crmCreatedAt, @crmUpdatedAt, NULL, NULL,
         @now)
       ON CONFLICT (crm_provider, crm_id) DO UPDATE SET account_crm_id = excluded.account_crm_id,
         account_domain = excluded.account_domain, name = excluded.name, stage_id = excluded.stage_id,
         is_closed = excluded.is_closed, is_won = excluded.is_won, amount = excluded.amount,
         currency = excluded.currency, close_date = excluded.close_date, owner_email = excluded.owner_email,
         owner_user_id = excluded.owner_user_id, loss_reason = excluded.loss_reason,
         crm_created_at = excluded.crm_created_at, crm_updated_at = excluded.crm_updated_at,
         crm_deleted_at = NULL, crm_merged_into = NULL, synced_at = excluded.synced_at`,
    ),
    touchOpportunity: c.prepare<[number, number, string, string]>(
      'UPDATE crm_opportunities SET crm_updated_at = ?, synced_at = ? WHERE crm_provider = ? AND crm_id = ?',
    ),
    removeOpportunity: c.prepare<[number, string | null, string, string]>(
      `UPDATE crm_opportunities SET crm_deleted_at = ?, crm_merged_into = ?
        WHERE crm_provider = ? AND crm_id = ? AND crm_deleted_at IS NULL`,
    ),
    accountDomainOf: c.prepare<[string, string], { domain: string }>(
      'SELECT domain FROM crm_accounts WHERE crm_provider = ? AND crm_id = ? AND crm_deleted_at IS NULL',
    ),
    openFlag: c.prepare<[string]>(
      `UPDATE crm_accounts SET has_open_opportunity = EXISTS (
         SELECT 1 FROM crm_opportunities o WHERE o.account_domain = crm_accounts.domain AND o.is_closed = 0
           AND o.crm_deleted_at IS NULL)
       WHERE domain = ? AND crm_id IS NOT NULL`,
    ),
    cursor: c.prepare<
      [string, string],
      { last_modified: number | null; resume_token: string | null; deleted_through: number | null }
    >(
      'SELECT last_modified, resume_token, deleted_through FROM crm_sync_cursors WHERE crm_provider = ? AND object = ?',
    ),
    saveCursor: c.prepare(
      `INSERT INTO crm_sync_cursors (crm_provider, object, last_modified, resume_token, deleted_through, updated_at)
       VALUES (@provider, @object, @lastModified, @resumeToken, NULL, @now)
       ON CONFLICT (crm_provider, object) DO UPDATE SET last_modified = excluded.last_modified,
         resume_token = excluded.resume_token, updated_at = excluded.updated_at`,
    ),
    saveDeletedThrough: c.prepare(
      `INSERT INTO crm_sync_cursors (crm_provider, object, last_modified, resume_token, deleted_through, updated_at)
       VALUES (@provider, @object, NULL, NULL, @through, @now)
       ON CONFLICT (crm_provider, object) DO UPDATE SET deleted_through = excluded.deleted_through,
         updated_at = excluded.updated_at`,
    ),
    ownerEntry: c.prepare<
      [string],
      { slack_user_id: string | null; looked_up_at: number; miss: number; error: string | null }
    >('SELECT slack_user_id, looked_up_at, miss, error FROM crm_owner_map WHERE email = ?'),
    saveOwner: c.prepare(
      `INSERT INTO crm_owner_map (email, slack_user_id, looked_up_at, miss, error)
       VALUES (@email, @slackUserId, @now, @miss, @error)
       ON CONFLICT (email) DO UPDATE SET slack_user_id = excluded.slack_user_id,
         looked_up_at = excluded.looked_up_at, miss = excluded.miss, error = excluded.error`,
    ),
    ownerToAccounts: c.prepare<[string | null, string, string | null]>(
      'UPDATE crm_accounts SET owner_user_id = ? WHERE owner_email = ? AND owner_user_id IS NOT ?',
    ),
    ownerToOpportunities: c.prepare<[string | null, string, string | null]>(
      'UPDATE crm_opportunities SET owner_user_id = ? WHERE owner_email = ? AND owner_user_id IS NOT ?',
    ),
  };
}

function statements(db: Db): Statements {
  const c = db.$client;
  let s = cache.get(c);
  if (!s) {
    s = prepare(c);
    cache.set(c, s);
  }
  return s;
}

class Rollback extends Error {}

/** Runs `fn` in one IMMEDIATE transaction; a dry run rolls it back and still returns its result. */
function transact<T>(db: Db, dryRun: boolean, fn: () => T): T {
  let out: { value: T } | null = null;
  const tx = db.$client.transaction(() => {
    out = { value: fn() };
    if (dryRun) throw new Rollback();
  });
  try {
    tx.immediate();
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  if (!out) throw new Error('transaction produced no result');
  return (out as { value: T }).value;
}

export function getSyncCursor(
  db: Db,
  provider: CrmProviderKind,
  object: CrmObject,
): SyncCursor & { deletedThrough: number | null } {
  const row = statements(db).cursor.get(provider, object);
  return {
    lastModified: row?.last_modified ?? null,
    resumeToken: row?.resume_token ?? null,
    deletedThrough: row?.deleted_through ?? null,
  };
}

const b = (v: boolean) => (v ? 1 : 0);

/** Writes one page of accounts and the cursor after it, in one transaction. */
export function applyAccountsPage(
  db: Db,
  provider: CrmProviderKind,
  page: AccountsPage,
  cursor: SyncCursor,
  now: number,
  dryRun = false,
): AccountPageCounts {
  const s = statements(db);
  return transact(db, dryRun, () => {
    const counts: AccountPageCounts = { inserted: 0, updated: 0, unchanged: 0, removed: 0, clashes: [] };
    // Removals first: a merge's loser gives up its domain before the survivor is written.
    for (const r of page.removals) {
      counts.removed += s.removeAccount.run(r.at, r.mergedInto, provider, r.crmId).changes;
    }
    for (const a of page.upserts) {
      const linked = s.accountByCrmId.get(provider, a.crmId);
      if (linked && linked.domain !== a.domain) {
        // The website changed: the old domain's row no longer describes this CRM account.
        s.unlinkAccount.run(now, provider, a.crmId);
      }
      const row = s.accountByDomain.get(a.domain);
      if (
        row?.crm_id &&
        row.crm_deleted_at === null &&
        !(row.crm_provider === provider && row.crm_id === a.crmId)
      ) {
        // Two live CRM accounts share a domain: the most recently modified one owns the row (a merge's
        // survivor is modified last), the other is reported.
        if ((row.crm_updated_at ?? 0) > a.crmUpdatedAt) {
          counts.clashes.push({ domain: a.domain, crmId: a.crmId, keptCrmId: row.crm_id });
          continue;
        }
        counts.clashes.push({ domain: a.domain, crmId: row.crm_id, keptCrmId: a.crmId });
      }
      const ownerUserId = a.ownerEmail ? (s.ownerUser.get(a.ownerEmail)?.slack_user_id ?? null) : null;
      const isCustomer = a.isCustomer ?? (row ? row.is_customer === 1 : false);
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
        s.insertAccount.run(values);
        s.relinkOpportunities.run(a.domain, provider, a.crmId);
        counts.inserted += 1;
      } else if (
        row.name === a.name &&
        row.industry === a.industry &&
        row.employees === a.employees &&
        row.country === a.country &&
        row.revenue === a.revenue &&
        row.owner_user_id === ownerUserId &&
        row.owner_email === a.ownerEmail &&
        row.is_customer === b(isCustomer) &&
        row.crm_provider === provider &&
        row.crm_id === a.crmId &&
        row.crm_deleted_at === null
      ) {
        s.touchAccount.run(a.crmUpdatedAt, now, a.domain);
        counts.unchanged += 1;
      } else {
        s.updateAccount.run(values);
        if (row.crm_id !== a.crmId) s.relinkOpportunities.run(a.domain, provider, a.crmId);
        counts.updated += 1;
      }
    }
    saveCursor(s, provider, 'accounts', cursor, now);
    return counts;
  });
}

/** Writes one page of opportunities, the accounts' open-opportunity flags and the cursor, in one transaction. */
export function applyOpportunitiesPage(
  db: Db,
  provider: CrmProviderKind,
  page: OpportunitiesPage,
  cursor: SyncCursor,
  now: number,
  dryRun = false,
): PageCounts {
  const s = statements(db);
  return transact(db, dryRun, () => {
    const counts: PageCounts = { inserted: 0, updated: 0, unchanged: 0, removed: 0 };
    const touched = new Set<string>();
    for (const o of page.upserts) {
      const accountDomain = o.accountCrmId
        ? (s.accountDomainOf.get(provider, o.accountCrmId)?.domain ?? null)
        : null;
      const ownerUserId = o.ownerEmail ? (s.ownerUser.get(o.ownerEmail)?.slack_user_id ?? null) : null;
      const row = s.opportunity.get(provider, o.crmId);
      if (row?.account_domain) touched.add(row.account_domain);
      if (accountDomain) touched.add(accountDomain);
      if (
        row &&
        row.account_crm_id === o.accountCrmId &&
        row.account_domain === accountDomain &&
        row.name === o.name &&
        row.stage_id === o.stageId &&
        row.is_closed === b(o.isClosed) &&
        row.is_won === b(o.isWon) &&
        row.amount === o.amount &&
        row.currency === o.currency &&
        row.close_date === o.closeDate &&
        row.owner_email === o.ownerEmail &&
        row.owner_user_id === ownerUserId &&
        row.loss_reason === o.lossReason &&
        row.crm_created_at === o.crmCreatedAt &&
        row.crm_deleted_at === null
      ) {
        s.touchOpportunity.run(o.crmUpdatedAt, now, provider, o.crmId);
        counts.unchanged += 1;
        continue;
      }
      s.upsertOpportunity.run({
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
      const row = s.opportunity.get(provider, r.crmId);
      if (row?.account_domain) touched.add(row.account_domain);
      counts.removed += s.removeOpportunity.run(r.at, r.mergedInto, provider, r.crmId).changes;
    }
    for (const domain of touched) s.openFlag.run(domain);
    saveCursor(s, provider, 'opportunities', cursor, now);
    return counts;
  });
}

function saveCursor(
  s: Statements,
  provider: string,
  object: CrmObject,
  cursor: SyncCursor,
  now: number,
): void {
  s.saveCursor.run({
    provider,
    object,
    lastModified: cursor.lastModified,
    resumeToken: cursor.resumeToken,
    now,
  });
}

/** Marks records the CRM reports deleted (a batch of getDeleted / archived ids) and, last, how far that reaches. */
export function applyDeleted(
  db: Db,
  provider: CrmProviderKind,
  object: CrmObject,
  removals: Removal[],
  dryRun = false,
): number {
  const s = statements(db);
  return transact(db, dryRun, () => {
    let n = 0;
    for (const r of removals) {
      if (object === 'accounts') n += s.removeAccount.run(r.at, r.mergedInto, provider, r.crmId).changes;
      else {
        const row = s.opportunity.get(provider, r.crmId);
        const changed = s.removeOpportunity.run(r.at, r.mergedInto, provider, r.crmId).changes;
        if (changed && row?.account_domain) s.openFlag.run(row.account_domain);
        n += changed;
      }
    }
    return n;
  });
}

export function saveDeletedThrough(
  db: Db,
  provider: CrmProviderKind,
  object: CrmObject,
  through: number,
  now: number,
): void {
  statements(db).saveDeletedThrough.run({ provider, object, through, now });
}

// ---------------------------------------------------------------- owner map (email → Slack user)

export interface OwnerEntry {
  slackUserId: string | null;
  lookedUpAt: number;
  miss: boolean;
  error: string | null;
}

export function getOwnerEntry(db: Db, email: string): OwnerEntry | null {
  const row = statements(db).ownerEntry.get(email);
  return row
    ? { slackUserId: row.slack_user_id, lookedUpAt: row.looked_up_at, miss: row.miss === 1, error: row.error }
    : null;
}

/**
 * Remembers a lookup and, when the answer changed, re-points the accounts and opportunities owned by that
 * email (so a rep who joins Slack later gets their accounts on the next sync). Returns the rows re-pointed.
 */
export function saveOwnerEntry(
  db: Db,
  email: string,
  entry: Omit<OwnerEntry, 'lookedUpAt'>,
  now: number,
): number {
  const s = statements(db);
  return transact(db, false, () => {
    s.saveOwner.run({
      email,
      slackUserId: entry.slackUserId,
      now,
      miss: b(entry.miss),
      error: entry.error,
    });
    // A failed lookup (not a miss) keeps whatever the rows had.
    if (entry.error !== null) return 0;
    return (
      s.ownerToAccounts.run(entry.slackUserId, email, entry.slackUserId).changes +
      s.ownerToOpportunities.run(entry.slackUserId, email, entry.slackUserId).changes
    );
  });
}

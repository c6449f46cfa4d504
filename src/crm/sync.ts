import type { CrmConfig } from '../config/program-config.ts';
import { normalizeDomain } from '../core/domain.ts';
import { type Db, driverError } from '../db/connection.ts';
import {
  type AccountWrite,
  applyAccountsPage,
  applyDeleted,
  applyOpportunitiesPage,
  type DomainClash,
  getSyncCursor,
  type OpportunityWrite,
  type Removal,
  saveDeletedThrough,
} from '../db/stores/crm-store.ts';
import { countryCode } from '../imports/countries.ts';
import { CrmPermanentError, CrmRetryableError } from './http.ts';
import type { OwnerResolver, OwnerStats } from './owners.ts';
import type {
  CrmAccountRecord,
  CrmObject,
  CrmOpportunityRecord,
  CrmProvider,
  CrmProviderKind,
} from './types.ts';
import { CRM_PROVIDER_LABELS } from './types.ts';

// The pull (PRODUCT.md section 11): accounts, then deleted accounts, then opportunities, then deleted
// opportunities. Each page the provider yields is normalised here and written with its cursor in one
// transaction (src/db/stores/crm-store.ts), so memory holds one page at a time and a crash resumes from the
// last page written. Errors stop the run and are reported with what to fix; the next run resumes.

const DAY_MS = 86_400_000;
/** The first incremental deleted-records window (Salesforce getDeleted reaches back 15 days). */
const FIRST_DELETED_WINDOW_MS = 14 * DAY_MS;
/**
 * Each deleted-records read starts this long before the last one ended: Salesforce's getDeleted works in whole
 * seconds (jsforce drops the milliseconds) and deletions near "now" may not be listed yet. Marking a record
 * deleted twice changes nothing.
 */
const DELETED_OVERLAP_MS = 5 * 60_000;
/** Lists in the summary stop at this many entries (the counts stay exact). */
const LIST_MAX = 20;

export interface CrmSyncOptions {
  full?: boolean;
  dryRun?: boolean;
  now: () => number;
  pageSize?: number;
  signal?: AbortSignal;
  /** Called after each page is written (progress output; tests use it to stop a run). */
  onPage?: (object: CrmObject, page: number, records: number) => void;
}

export interface ObjectCounts {
  read: number;
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Marked deleted or merged away. */
  removed: number;
}

export interface CrmSyncSummary {
  provider: CrmProviderKind;
  full: boolean;
  dryRun: boolean;
  startedAt: number;
  finishedAt: number;
  accounts: ObjectCounts & {
    /** Accounts without a usable website/domain: they cannot be matched to leads. */
    noDomain: number;
    noDomainExamples: string[];
    /** CRM accounts sharing a registrable domain: the most recently modified one is kept. */
    domainClashes: number;
    clashExamples: DomainClash[];
  };
  opportunities: ObjectCounts & {
    /** CRM stage ids not in `crm.stages`, with how many records carry each (stored, not acted on). */
    unknownStages: Record<string, number>;
  };
  owners: OwnerStats;
  cursors: Record<CrmObject, number | null>;
  error: { object: CrmObject | 'deleted'; message: string; fix: string | null; retryable: boolean } | null;
}

function emptyCounts(): ObjectCounts {
  return { read: 0, pages: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0 };
}

function addPage(
  to: ObjectCounts,
  read: number,
  c: { inserted: number; updated: number; unchanged: number; removed: number },
): void {
  to.read += read;
  to.pages += 1;
  to.inserted += c.inserted;
  to.updated += c.updated;
  to.unchanged += c.unchanged;
  to.removed += c.removed;
}

export interface CrmSyncDeps {
  db: Db;
  crm: CrmConfig;
  provider: CrmProvider;
  owners: OwnerResolver;
}

/** Country names/codes → ISO code; CRMs repeat a few hundred values, so each is resolved once. */
const countries = new Map<string, string | null>();
function country(value: string): string | null {
  let code = countries.get(value);
  if (code === undefined) {
    code = countryCode(value) ?? null;
    if (countries.size < 10_000) countries.set(value, code);
  }
  return code;
}

/**
 * Adds the removals a record implies (the ids merged into it; itself when deleted or merged away) and says
 * whether the record itself is gone.
 */
function removalsOf(r: CrmAccountRecord | CrmOpportunityRecord, now: number, out: Removal[]): boolean {
  const at = r.lastModified || now;
  for (const id of r.mergedFrom) if (id !== r.crmId) out.push({ crmId: id, at, mergedInto: r.crmId });
  if (!r.deleted && !r.mergedInto) return false;
  out.push({ crmId: r.crmId, at, mergedInto: r.mergedInto });
  return true;
}

/** Turns a page of CRM accounts into rows to write and removals. */
export function normaliseAccounts(
  records: readonly CrmAccountRecord[],
  now: number,
): { upserts: AccountWrite[]; removals: Removal[]; noDomain: CrmAccountRecord[] } {
  const upserts: AccountWrite[] = [];
  const removals: Removal[] = [];
  const noDomain: CrmAccountRecord[] = [];
  for (const r of records) {
    if (removalsOf(r, now, removals)) continue;
    const domain = r.website ? normalizeDomain(r.website) : null;
    if (!domain?.ok) {
      noDomain.push(r);
      continue;
    }
    upserts.push({
      crmId: r.crmId,
      domain: domain.domain,
      name: r.name.trim() === '' ? domain.domain : r.name.trim(),
      industry: r.industry,
      employees: r.employees === null ? null : Math.max(0, Math.round(r.employees)),
      country: r.country ? country(r.country) : null,
      revenue: r.revenue,
      ownerEmail: r.ownerEmail,
      isCustomer: r.isCustomer,
      crmUpdatedAt: r.lastModified,
    });
  }
  return { upserts, removals, noDomain };
}

export function normaliseOpportunities(
  records: readonly CrmOpportunityRecord[],
  crm: CrmConfig,
  now: number,
  unknownStages: Record<string, number>,
): { upserts: OpportunityWrite[]; removals: Removal[] } {
  const upserts: OpportunityWrite[] = [];
  const removals: Removal[] = [];
  for (const r of records) {
    if (removalsOf(r, now, removals)) continue;
    if (!Object.hasOwn(crm.stages, r.stageId)) unknownStages[r.stageId] = (unknownStages[r.stageId] ?? 0) + 1;
    upserts.push({
      crmId: r.crmId,
      accountCrmId: r.accountCrmId,
      name: r.name.trim() === '' ? r.crmId : r.name.trim(),
      stageId: r.stageId,
      isClosed: r.isClosed ?? false,
      isWon: r.isWon ?? false,
      amount: r.amount,
      currency: r.currency?.toUpperCase() ?? crm.defaultCurrency ?? null,
      closeDate: r.closeDate,
      ownerEmail: r.ownerEmail,
      lossReason: r.lossReason,
      crmCreatedAt: r.createdAt,
      crmUpdatedAt: r.lastModified,
    });
  }
  return { upserts, removals };
}

export async function runCrmSync(deps: CrmSyncDeps, options: CrmSyncOptions): Promise<CrmSyncSummary> {
  const { db, crm, provider, owners } = deps;
  const kind = provider.kind;
  const full = options.full === true;
  const dryRun = options.dryRun === true;
  const startedAt = options.now();
  const summary: CrmSyncSummary = {
    provider: kind,
    full,
    dryRun,
    startedAt,
    finishedAt: startedAt,
    accounts: {
      ...emptyCounts(),
      noDomain: 0,
      noDomainExamples: [],
      domainClashes: 0,
      clashExamples: [],
    },
    opportunities: { ...emptyCounts(), unknownStages: {} },
    owners: owners.stats(),
    cursors: { accounts: null, opportunities: null },
    error: null,
  };
  const pull = {
    full,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let phase: CrmObject | 'deleted' = 'accounts';
  try {
    // ---- accounts
    const acc = summary.accounts;
    for await (const page of provider.pullAccounts(await getSyncCursor(db, kind, 'accounts'), pull)) {
      const now = options.now();
      const n = normaliseAccounts(page.records, now);
      await owners.resolve(n.upserts.flatMap((a) => (a.ownerEmail ? [a.ownerEmail] : [])));
      const counts = await applyAccountsPage(db, kind, n, page.cursor, now, dryRun);
      addPage(acc, page.records.length, counts);
      acc.noDomain += n.noDomain.length;
      for (const r of n.noDomain) {
        if (acc.noDomainExamples.length < LIST_MAX)
          acc.noDomainExamples.push(`${r.name || '(no name)'} (${r.crmId})`);
      }
      acc.domainClashes += counts.clashes.length;
      for (const c of counts.clashes) if (acc.clashExamples.length < LIST_MAX) acc.clashExamples.push(c);
      summary.cursors.accounts = page.cursor.lastModified;
      options.onPage?.('accounts', acc.pages, page.records.length);
    }
    phase = 'deleted';
    acc.removed += await pullDeleted(deps, 'accounts', options, dryRun);

    // ---- opportunities
    phase = 'opportunities';
    const opp = summary.opportunities;
    for await (const page of provider.pullOpportunities(
      await getSyncCursor(db, kind, 'opportunities'),
      pull,
    )) {
      const now = options.now();
      const n = normaliseOpportunities(page.records, crm, now, opp.unknownStages);
      await owners.resolve(n.upserts.flatMap((o) => (o.ownerEmail ? [o.ownerEmail] : [])));
      const counts = await applyOpportunitiesPage(db, kind, n, page.cursor, now, dryRun);
      addPage(opp, page.records.length, counts);
      summary.cursors.opportunities = page.cursor.lastModified;
      options.onPage?.('opportunities', opp.pages, page.records.length);
    }
    phase = 'deleted';
    opp.removed += await pullDeleted(deps, 'opportunities', options, dryRun);
  } catch (err) {
    // The driver's reason, not drizzle's "Failed query: <sql>" wrapper (which would print people's data).
    const cause = driverError(err);
    const e = cause instanceof Error ? cause : new Error(String(cause));
    summary.error = {
      object: phase,
      message: e.message,
      fix: e instanceof CrmPermanentError ? e.fix : null,
      retryable: e instanceof CrmRetryableError,
    };
  }
  summary.owners = owners.stats();
  summary.cursors.accounts ??= (await getSyncCursor(db, kind, 'accounts')).lastModified;
  summary.cursors.opportunities ??= (await getSyncCursor(db, kind, 'opportunities')).lastModified;
  summary.finishedAt = options.now();
  return summary;
}

async function pullDeleted(
  deps: CrmSyncDeps,
  object: CrmObject,
  options: CrmSyncOptions,
  dryRun: boolean,
): Promise<number> {
  const { db, provider } = deps;
  const until = options.now();
  const through = (await getSyncCursor(db, provider.kind, object)).deletedThrough;
  const since = through === null ? until - FIRST_DELETED_WINDOW_MS : through - DELETED_OVERLAP_MS;
  let removed = 0;
  for await (const batch of provider.pullDeleted(object, since, until)) {
    removed += await applyDeleted(
      db,
      provider.kind,
      object,
      batch.map((d) => ({ crmId: d.crmId, at: d.deletedAt, mergedInto: null })),
      dryRun,
    );
  }
  if (!dryRun) await saveDeletedThrough(db, provider.kind, object, until, options.now());
  return removed;
}

/** The run in a few lines, for the CLI and the job log. */
export function formatCrmSyncSummary(s: CrmSyncSummary): string[] {
  const label = CRM_PROVIDER_LABELS[s.provider];
  const lines: string[] = [];
  const verb = s.dryRun ? 'would write' : 'wrote';
  const mode = `${s.full ? 'full' : 'incremental'}${s.dryRun ? ', dry run: nothing was written' : ''}`;
  lines.push(`${label} sync (${mode}) in ${((s.finishedAt - s.startedAt) / 1000).toFixed(1)} s`);
  const a = s.accounts;
  lines.push(
    `  accounts: ${a.read} read in ${a.pages} page${a.pages === 1 ? '' : 's'}; ${verb} ${a.inserted} new, ${a.updated} updated, ${a.unchanged} unchanged, ${a.removed} deleted or merged`,
  );
  if (a.noDomain > 0) {
    lines.push(
      `  ${a.noDomain} account${a.noDomain === 1 ? ' has' : 's have'} no usable website/domain and cannot match leads: ${a.noDomainExamples.join(', ')}${a.noDomain > a.noDomainExamples.length ? ', …' : ''}`,
    );
  }
  if (a.domainClashes > 0) {
    lines.push(
      `  ${a.domainClashes} account${a.domainClashes === 1 ? ' shares' : 's share'} a domain with another CRM account (the most recently modified is kept): ${a.clashExamples.map((c) => `${c.domain} (${c.crmId}; kept ${c.keptCrmId})`).join(', ')}`,
    );
  }
  const o = s.opportunities;
  lines.push(
    `  opportunities: ${o.read} read in ${o.pages} page${o.pages === 1 ? '' : 's'}; ${verb} ${o.inserted} new, ${o.updated} updated, ${o.unchanged} unchanged, ${o.removed} deleted`,
  );
  const unknown = Object.entries(o.unknownStages).sort((x, y) => y[1] - x[1]);
  if (unknown.length > 0) {
    lines.push(
      `  stages not in crm.stages (stored, not acted on; add them to the config): ${unknown
        .slice(0, LIST_MAX)
        .map(([id, n]) => `"${id}" (${n})`)
        .join(', ')}`,
    );
  }
  const w = s.owners;
  lines.push(
    `  owners: ${w.seen} email${w.seen === 1 ? '' : 's'}, ${w.mapped} matched to Slack users, ${w.misses.length} without a Slack user${w.lookups > 0 ? ` (${w.lookups} looked up)` : ''}`,
  );
  if (w.misses.length > 0) {
    lines.push(
      `  no Slack user for: ${w.misses.slice(0, LIST_MAX).join(', ')}${w.misses.length > LIST_MAX ? ', …' : ''}`,
    );
  }
  if (w.notLookedUp > 0)
    lines.push(
      `  ${w.notLookedUp} owner email${w.notLookedUp === 1 ? '' : 's'} not looked up (set SLACK_BOT_TOKEN)`,
    );
  for (const f of w.failed.slice(0, LIST_MAX)) lines.push(`  lookup failed for ${f.email}: ${f.error}`);
  if (s.error) {
    lines.push(`  stopped while syncing ${s.error.object}: ${s.error.message}`);
    lines.push(s.error.fix ? `  fix: ${s.error.fix}` : '  the next run resumes from the last page written');
  }
  return lines;
}

import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { CrmLinkChoice } from '../core/crm-outcomes.ts';
import type {
  Attribution,
  GateName,
  GateOutcome,
  LeadStatus,
  Relationship,
  Role,
  SurfacedBy,
} from '../core/types.ts';
import type { CrmObject, CrmProviderKind } from '../crm/types.ts';

// Times are stored as integer milliseconds since the epoch (UTC); calendar dates as ISO `YYYY-MM-DD` text.
// Booleans are integers (drizzle's `mode: 'boolean'`).

const createdAt = () => integer('created_at').notNull();

/** Partner organisations, synced from the program config at start-up (config is the source of truth). */
export const partnerOrgs = sqliteTable('partner_orgs', {
  slug: text('slug').primaryKey(),
  name: text('name').notNull(),
  managerUserId: text('manager_user_id').notNull(),
  /** False once the org is removed from the config: its leads stay, it can submit no more. */
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  updatedAt: integer('updated_at').notNull(),
});

/** Slack team ids and shared channel ids that identify a partner org. */
export const partnerSlackIds = sqliteTable(
  'partner_slack_ids',
  {
    kind: text('kind').$type<'team' | 'channel'>().notNull(),
    slackId: text('slack_id').notNull(),
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
  },
  (t) => [primaryKey({ columns: [t.kind, t.slackId] }), index('partner_slack_ids_partner').on(t.partnerSlug)],
);

/** Everyone Foothold has met: internal people (roles from config) and partner people (first-use primer). */
export const people = sqliteTable(
  'people',
  {
    userId: text('user_id').primaryKey(),
    /** The person's own workspace and Grid organisation: which installation reaches them. */
    teamId: text('team_id'),
    enterpriseId: text('enterprise_id'),
    partnerSlug: text('partner_slug').references(() => partnerOrgs.slug),
    displayName: text('display_name'),
    timeZone: text('time_zone'),
    /** When `timeZone` was last read from users.info (cached; quiet hours need it). */
    timeZoneCheckedAt: integer('time_zone_checked_at'),
    primerSentAt: integer('primer_sent_at'),
    firstSeenAt: integer('first_seen_at').notNull(),
  },
  (t) => [index('people_team').on(t.teamId, t.enterpriseId)],
);

export const personRoles = sqliteTable(
  'person_roles',
  {
    userId: text('user_id').notNull(),
    role: text('role').$type<Role>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.role] })],
);

/** CRM accounts, upserted by registrable domain from CSV imports. */
export const crmAccounts = sqliteTable(
  'crm_accounts',
  {
    domain: text('domain').primaryKey(),
    name: text('name').notNull(),
    industry: text('industry'),
    employees: integer('employees'),
    country: text('country'),
    revenue: real('revenue'),
    ownerUserId: text('owner_user_id'),
    isCustomer: integer('is_customer', { mode: 'boolean' }).notNull().default(false),
    hasOpenOpportunity: integer('has_open_opportunity', { mode: 'boolean' }).notNull().default(false),
    importedAt: integer('imported_at').notNull(),
    /** Set when the row is synced from a CRM (section 11); CSV-only rows leave these null. */
    crmProvider: text('crm_provider').$type<CrmProviderKind>(),
    /** Salesforce Account Id / HubSpot company id. */
    crmId: text('crm_id'),
    /** The CRM owner's email; `ownerUserId` is filled from `crm_owner_map` when it maps to a Slack user. */
    ownerEmail: text('owner_email'),
    /** CRM last-modified time (Salesforce SystemModstamp, HubSpot hs_lastmodifieddate), ms. */
    crmUpdatedAt: integer('crm_updated_at'),
    /** Deleted (or merged away) in the CRM: the gates ignore the row from then on. */
    crmDeletedAt: integer('crm_deleted_at'),
    /** The surviving CRM id when this account was merged into another. */
    crmMergedInto: text('crm_merged_into'),
    syncedAt: integer('synced_at'),
  },
  (t) => [
    index('crm_accounts_owner').on(t.ownerUserId),
    uniqueIndex('crm_accounts_crm_id').on(t.crmProvider, t.crmId),
    index('crm_accounts_owner_email').on(t.ownerEmail),
  ],
);

/** Opportunities (Salesforce) / deals (HubSpot), synced from the CRM by last-modified cursor. */
export const crmOpportunities = sqliteTable(
  'crm_opportunities',
  {
    crmProvider: text('crm_provider').$type<CrmProviderKind>().notNull(),
    crmId: text('crm_id').notNull(),
    accountCrmId: text('account_crm_id'),
    /** The account's registrable domain when the account is known (joins `crm_accounts` and `leads`). */
    accountDomain: text('account_domain'),
    name: text('name').notNull(),
    /** The CRM's own stage id (Salesforce StageName API value, HubSpot dealstage id). */
    stageId: text('stage_id').notNull(),
    isClosed: integer('is_closed', { mode: 'boolean' }).notNull().default(false),
    isWon: integer('is_won', { mode: 'boolean' }).notNull().default(false),
    amount: real('amount'),
    /** ISO 4217; null when the CRM has no per-record currency. */
    currency: text('currency'),
    /** `YYYY-MM-DD`. */
    closeDate: text('close_date'),
    ownerEmail: text('owner_email'),
    ownerUserId: text('owner_user_id'),
    lossReason: text('loss_reason'),
    crmCreatedAt: integer('crm_created_at'),
    crmUpdatedAt: integer('crm_updated_at').notNull(),
    crmDeletedAt: integer('crm_deleted_at'),
    crmMergedInto: text('crm_merged_into'),
    syncedAt: integer('synced_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.crmProvider, t.crmId] }),
    index('crm_opportunities_account').on(t.crmProvider, t.accountCrmId),
    index('crm_opportunities_domain').on(t.accountDomain, t.crmCreatedAt),
  ],
);

/** Where each CRM pull stands: advanced in the same transaction as the page it follows. */
export const crmSyncCursors = sqliteTable(
  'crm_sync_cursors',
  {
    crmProvider: text('crm_provider').$type<CrmProviderKind>().notNull(),
    object: text('object').$type<CrmObject>().notNull(),
    /** Newest CRM last-modified time applied, ms. */
    lastModified: integer('last_modified'),
    /** The provider's opaque resume state (ids already applied at `lastModified`). */
    resumeToken: text('resume_token'),
    /** Up to when deleted records have been read (Salesforce getDeleted / HubSpot archived), ms. */
    deletedThrough: integer('deleted_through'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.crmProvider, t.object] })],
);

/** CRM owner email → Slack user (users.lookupByEmail), cached; a miss is remembered and retried after a TTL. */
export const crmOwnerMap = sqliteTable('crm_owner_map', {
  /** Lower-cased. */
  email: text('email').primaryKey(),
  slackUserId: text('slack_user_id'),
  lookedUpAt: integer('looked_up_at').notNull(),
  /** True when Slack had no user for the email (`users_not_found`). */
  miss: integer('miss', { mode: 'boolean' }).notNull().default(false),
  /** The Slack error when the lookup failed for another reason. */
  error: text('error'),
});

/** Account-mapping overlaps per partner (CSV import): what makes an overlap "verified". */
export const partnerOverlaps = sqliteTable(
  'partner_overlaps',
  {
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
    domain: text('domain').notNull(),
    relationship: text('relationship').$type<Relationship>().notNull(),
    importedAt: integer('imported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.partnerSlug, t.domain] }), index('partner_overlaps_domain').on(t.domain)],
);

export const leads = sqliteTable(
  'leads',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    domain: text('domain').notNull(),
    accountName: text('account_name').notNull(),
    /** The partner org that registered the lead first; it keeps the lead in its view (see creditedPartnerSlug). */
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
    surfacedBy: text('surfaced_by').$type<SurfacedBy>().notNull(),
    submittedByUserId: text('submitted_by_user_id').notNull(),
    submittedByTeamId: text('submitted_by_team_id'),
    status: text('status').$type<LeadStatus>().notNull(),
    relationship: text('relationship').$type<Relationship>(),
    overlapVerified: integer('overlap_verified', { mode: 'boolean' }).notNull().default(false),
    need: text('need'),
    notes: text('notes'),
    /** Link to the Slack message a lead was flagged from (message shortcut). */
    sourceMessageUrl: text('source_message_url'),
    /** Partner-supplied firmographics; CRM values, when imported, take precedence at evaluation. */
    partnerIndustry: text('partner_industry'),
    partnerEmployees: integer('partner_employees'),
    partnerCountry: text('partner_country'),
    icpScore: real('icp_score'),
    attribution: text('attribution').$type<Attribution>().notNull(),
    /**
     * Set only by a leader's logged override: the corroborating partner now holding primary credit. Null means
     * the submitting partner (`partnerSlug`) holds it. The lead stays in the submitter's view either way.
     */
    creditedPartnerSlug: text('credited_partner_slug').references(() => partnerOrgs.slug),
    routeChannel: text('route_channel'),
    routeRuleIndex: integer('route_rule_index'),
    /** JSON array of Slack user ids who may claim (a route's pool); null means any rep. */
    routePool: text('route_pool', { mode: 'json' }).$type<string[]>(),
    suggestedUserId: text('suggested_user_id'),
    ownerUserId: text('owner_user_id'),
    routingPostChannel: text('routing_post_channel'),
    routingPostTs: text('routing_post_ts'),
    introStatus: text('intro_status').$type<'requested' | 'made' | 'declined'>(),
    reasonCode: text('reason_code'),
    reasonText: text('reason_text'),
    mergedIntoLeadId: integer('merged_into_lead_id'),
    /** Incremented on every change: optimistic concurrency for first-click-wins buttons. */
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
    qualifiedAt: integer('qualified_at'),
    claimedAt: integer('claimed_at'),
    opportunityAt: integer('opportunity_at'),
    closedAt: integer('closed_at'),
    /** Last forward motion; SLA nudges and expiry count from here. */
    lastProgressAt: integer('last_progress_at').notNull(),
    /** Extra days granted by extensions, added to the expiry period. */
    extensionDays: integer('extension_days').notNull().default(0),
    // The CRM opportunity (Salesforce Opportunity, HubSpot deal) linked to the lead after its claim, and the
    // revenue facts copied from it on every sync (PRODUCT.md section 11).
    crmOpportunityId: text('crm_opportunity_id'),
    crmOpportunityName: text('crm_opportunity_name'),
    crmLinkedAt: integer('crm_linked_at'),
    /**
     * The account's opportunities the owner picks from when more than one was opened after the claim (the
     * routing post's Link opportunity select); null once linked or when there is nothing to choose.
     */
    crmLinkChoices: text('crm_link_choices', { mode: 'json' }).$type<CrmLinkChoice[]>(),
    /** The CRM stage id last applied to the lifecycle, so a sync applies each stage change once. */
    crmStage: text('crm_stage'),
    opportunityAmount: real('opportunity_amount'),
    /** ISO 4217; null when the CRM gives none (a Salesforce org without multicurrency) and no default is set. */
    opportunityCurrency: text('opportunity_currency'),
    /** The opportunity's (expected or actual) close date, `YYYY-MM-DD`. */
    opportunityCloseDate: text('opportunity_close_date'),
    crmOpportunityCreatedAt: integer('crm_opportunity_created_at'),
    crmOpportunityClosedAt: integer('crm_opportunity_closed_at'),
  },
  (t) => [
    index('leads_domain').on(t.domain),
    index('leads_status').on(t.status),
    index('leads_owner').on(t.ownerUserId),
    index('leads_partner').on(t.partnerSlug),
    index('leads_submitter').on(t.submittedByUserId),
    index('leads_created').on(t.createdAt),
    index('leads_updated').on(t.updatedAt),
    index('leads_progress').on(t.status, t.lastProgressAt),
    index('leads_crm_opportunity').on(t.crmOpportunityId),
  ],
);

export const warmthAttestations = sqliteTable(
  'warmth_attestations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
    attestedByUserId: text('attested_by_user_id').notNull(),
    strength: integer('strength').notNull(),
    contactName: text('contact_name'),
    contactTitle: text('contact_title'),
    contactEmail: text('contact_email'),
    lastInteractionOn: text('last_interaction_on'),
    willingToIntroduce: integer('willing_to_introduce', { mode: 'boolean' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('warmth_attestations_lead').on(t.leadId, t.createdAt)],
);

/** The latest result of each gate for each lead; history is in `lead_events`. */
export const gateResults = sqliteTable(
  'gate_results',
  {
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    gate: text('gate').$type<GateName>().notNull(),
    outcome: text('outcome').$type<GateOutcome>().notNull(),
    reason: text('reason').notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    evaluatedAt: integer('evaluated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.leadId, t.gate] }), index('gate_results_outcome').on(t.gate, t.outcome)],
);

/** Other partner orgs that surfaced an open lead's account after it was registered. */
export const corroborations = sqliteTable(
  'corroborations',
  {
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
    /** The corroborating partner's own submission (a lead row in `merged`). */
    sourceLeadId: integer('source_lead_id')
      .notNull()
      .references(() => leads.id),
    relationship: text('relationship').$type<Relationship>(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.leadId, t.partnerSlug] })],
);

/** Append-only audit log: every transition and every change worth explaining later. */
export const leadEvents = sqliteTable(
  'lead_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    leadId: integer('lead_id').references(() => leads.id),
    type: text('type').notNull(),
    fromStatus: text('from_status').$type<LeadStatus>(),
    toStatus: text('to_status').$type<LeadStatus>(),
    actorUserId: text('actor_user_id'),
    reason: text('reason'),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
    at: integer('at').notNull(),
  },
  (t) => [index('lead_events_lead').on(t.leadId, t.id), index('lead_events_type_at').on(t.type, t.at)],
);

/**
 * Slack messages to send, written in the same transaction as the state change that causes them.
 * `deliveryKey` is unique, so re-running a use case or a job never queues the same message twice.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryKey: text('delivery_key').notNull(),
    /** Messages to one recipient go out in id order. */
    recipient: text('recipient').notNull(),
    /**
     * The recipient's own Slack team (a person's workspace) when known; null for channels and unknown people.
     * The sender delivers through that workspace's installation when it has one (src/slack/outbox-sender.ts).
     */
    teamId: text('team_id'),
    /** The recipient's Enterprise Grid organisation, when known (an org-wide install serves every workspace). */
    enterpriseId: text('enterprise_id'),
    /**
     * Ordering lane: rows of one lane go out in id order, lanes are independent. One lane per lead's post
     * (the post, its updates and its thread), per DM conversation, per other channel (see `laneOf`).
     */
    lane: text('lane'),
    /** Which sender holds the row right now, and until when (the lease; see outbox-store.ts). */
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    /** Why a pending row is held (no way to reach the recipient yet); null when it is not held. */
    heldReason: text('held_reason'),
    method: text('method').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    leadId: integer('lead_id').references(() => leads.id),
    /** What the sender should do with Slack's answer, e.g. remember the routing post's ts on the lead. */
    onSent: text('on_sent'),
    /** `discarded`: set aside by an operator (`foothold outbox discard`), never sent. */
    status: text('status').$type<'pending' | 'sent' | 'failed' | 'discarded'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    notBefore: integer('not_before').notNull(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: integer('sent_at'),
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('outbox_delivery_key').on(t.deliveryKey),
    index('outbox_pending').on(t.status, t.notBefore),
    index('outbox_recipient').on(t.recipient, t.status, t.id),
    index('outbox_lane').on(t.lane, t.status, t.id),
  ],
);

/**
 * Delivery state of the program's internal channels (routing and digest channels). A channel that becomes
 * shared with another organisation (or is archived, deleted, or changes id) is `held`: nothing is posted there
 * until it is internal again. Survives restarts; Slack events and start-up checks keep it current.
 */
export const channelStates = sqliteTable('channel_states', {
  channelId: text('channel_id').primaryKey(),
  state: text('state').$type<ChannelState>().notNull(),
  /** What Slack said (connected teams, the new id after a `channel_id_changed`), for admins. */
  detail: text('detail'),
  changedAt: integer('changed_at').notNull(),
});

export type ChannelState = 'internal' | 'shared' | 'pending_share' | 'archived' | 'deleted' | 'moved';

/** Imported conversion of other lead types per period, the yardstick EQLs are measured against. */
export const baselines = sqliteTable(
  'baselines',
  {
    leadType: text('lead_type').notNull(),
    /** `YYYY`, `YYYY-Qn` or `YYYY-MM`. */
    period: text('period').notNull(),
    leads: integer('leads'),
    opportunities: integer('opportunities'),
    won: integer('won'),
    opportunityRate: real('opportunity_rate').notNull(),
    winRate: real('win_rate').notNull(),
    /** Average won deal of that lead type, in `currency`. */
    avgDealSize: real('avg_deal_size'),
    currency: text('currency'),
    /** Average days from lead to opportunity and from lead to a won close. */
    daysToOpportunity: real('days_to_opportunity'),
    daysToClose: real('days_to_close'),
    importedAt: integer('imported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.leadType, t.period] })],
);

/** Round-robin position of each routing pool, keyed by the pool's members. */
export const poolCursors = sqliteTable('pool_cursors', {
  poolKey: text('pool_key').primaryKey(),
  position: integer('position').notNull().default(0),
});

/** Bolt's OAuth installation store: one row per installed workspace (or org-wide install). */
export const slackInstallations = sqliteTable('slack_installations', {
  /** `T…` for a workspace install, `E…` for an org-wide (enterprise) install. */
  installKey: text('install_key').primaryKey(),
  teamId: text('team_id'),
  enterpriseId: text('enterprise_id'),
  botUserId: text('bot_user_id'),
  installation: text('installation', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  installedAt: integer('installed_at').notNull(),
});

/**
 * Which Grid organisation a workspace belongs to, learnt from the requests Slack sends (a command's `team_id`
 * with its `enterprise_id`, an interaction's `team`, an event's `authorizations`): identity uses it when a
 * request names only a person's workspace.
 */
export const slackWorkspaces = sqliteTable('slack_workspaces', {
  teamId: text('team_id').primaryKey(),
  enterpriseId: text('enterprise_id').notNull(),
  learnedAt: integer('learned_at').notNull(),
});

/** The pinned "Flag an account" card in each registered shared channel, so setup refreshes instead of reposting. */
export const channelCards = sqliteTable('channel_cards', {
  channelId: text('channel_id').primaryKey(),
  partnerSlug: text('partner_slug')
    .notNull()
    .references(() => partnerOrgs.slug),
  ts: text('ts'),
  pinned: integer('pinned', { mode: 'boolean' }).notNull().default(false),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * The run ledger: one row per job and period (or per lead and ladder step). A job inserts its key before
 * acting, in the same transaction as the messages it queues, so a re-run or an overlapping instance finds
 * the key taken and does nothing.
 */
export const jobRuns = sqliteTable(
  'job_runs',
  {
    job: text('job').notNull(),
    periodKey: text('period_key').notNull(),
    ranAt: integer('ran_at').notNull(),
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.job, t.periodKey] }), index('job_runs_ran_at').on(t.ranAt)],
);

/**
 * CRM write-backs to deliver (PRODUCT.md section 11), written in the same transaction as the state change
 * that causes them, like `outbox` for Slack. `deliveryKey` is unique so a re-run never queues twice; the
 * provider's external-id upsert makes a resend after a crash land once. Writes to one CRM record
 * (`recordKey`) go out in id order.
 */
export const crmOutbox = sqliteTable(
  'crm_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryKey: text('delivery_key').notNull(),
    /** `account:<crm id>` or `opportunity:<crm id>`: writes to one record are ordered. */
    recordKey: text('record_key').notNull(),
    leadId: integer('lead_id').references(() => leads.id),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<'pending' | 'sent' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    notBefore: integer('not_before').notNull(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: integer('sent_at'),
  },
  (t) => [
    uniqueIndex('crm_outbox_delivery_key').on(t.deliveryKey),
    index('crm_outbox_pending').on(t.status, t.notBefore),
    index('crm_outbox_record').on(t.recordKey, t.status, t.id),
  ],
);

/**
 * The EQL score's fits (PRODUCT.md section 12), one row per nightly `model-fit` run; the newest row is what
 * routing posts and App Homes use. `use` says whether the regression (it beat the prior on held-out data) or
 * the prior (warmth strength's smoothed rates) is shown.
 */
export const eqlModels = sqliteTable(
  'eql_models',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    fittedAt: integer('fitted_at').notNull(),
    use: text('use').$type<'model' | 'prior'>().notNull(),
    /** Why the model is not used, or null. */
    reason: text('reason'),
    /** Judged EQLs it was fitted on, how many reached opportunity, and the time-ordered split. */
    n: integer('n').notNull(),
    positives: integer('positives').notNull(),
    nTrain: integer('n_train').notNull(),
    nTest: integer('n_test').notNull(),
    /** `{ intercept, coefficients: { "strength=5": 1.2, … }, iterations }`, null when not fitted. */
    model: text('model', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** `{ overall, strength: { "5": { rate, n, opportunity } … }, n }`. */
    prior: text('prior', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** Held-out AUC, Brier score and calibration table of the model and of the prior. */
    heldOut: text('held_out', { mode: 'json' }).$type<Record<string, unknown>>(),
    settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** Partner × segment cells at the fit (the ecosystem map), so a lead's "partners to ask" hint costs no scan. */
    segments: text('segments', { mode: 'json' }).$type<unknown[]>(),
  },
  (t) => [index('eql_models_fitted').on(t.fittedAt)],
);

/**
 * CSV imports being written (PRODUCT.md section 10): an import validates and stages the whole file first, then
 * writes it in short batches so the running bot is never locked out for long. While that goes on the row says
 * `applying`, with its progress; `done` at the end. A row left `applying` by a process that died is marked
 * `interrupted` by the next import, which tells the operator to run it again (re-importing is safe).
 */
export const importRuns = sqliteTable(
  'import_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `accounts`, `overlaps:<partner slug>` or `baselines`. */
    kind: text('kind').notNull(),
    status: text('status', { enum: ['applying', 'done', 'interrupted'] }).notNull(),
    rowsTotal: integer('rows_total').notNull(),
    rowsApplied: integer('rows_applied').notNull(),
    pid: integer('pid').notNull(),
    host: text('host').notNull(),
    startedAt: integer('started_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('import_runs_status').on(t.status)],
);

/**
 * OAuth install states (issue 10, finding 7): one row per `/slack/install` visit, consumed by the first
 * redirect that presents it, so a completed (or failed) install's state cannot be used again. Only a hash of
 * the state is kept; rows are purged a day after they expire.
 */
export const oauthStates = sqliteTable(
  'oauth_states',
  {
    stateHash: text('state_hash').primaryKey(),
    installOptions: text('install_options', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('oauth_states_expires_at').on(t.expiresAt)],
);

// ---------------------------------------------------------------- the learning loop: partners (issue 13)

/**
 * Tracked intro requests to a lead's CORROBORATING partners (the submitting partner's own intro is
 * `leads.intro_status`). One per lead and partner; the partner answers from its own (merged) submission.
 */
export const corroboratorIntros = sqliteTable(
  'corroborator_intros',
  {
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
    /** The corroborating partner's own submission: what its DM and buttons refer to. */
    sourceLeadId: integer('source_lead_id')
      .notNull()
      .references(() => leads.id),
    status: text('status').$type<'requested' | 'made' | 'declined'>().notNull(),
    requestedByUserId: text('requested_by_user_id').notNull(),
    requestedAt: integer('requested_at').notNull(),
    answeredByUserId: text('answered_by_user_id'),
    answeredAt: integer('answered_at'),
  },
  (t) => [
    primaryKey({ columns: [t.leadId, t.partnerSlug] }),
    index('corroborator_intros_source').on(t.sourceLeadId),
  ],
);

/**
 * Overlap first: which imported overlap accounts a partner was asked about, and what it answered. `unknown`
 * ("we don't know them") is never asked again; `snoozed` waits until `snoozedUntil`; `known` opened the
 * attestation. An ask nobody answers is asked again after the snooze period.
 */
export const overlapAsks = sqliteTable(
  'overlap_asks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
    domain: text('domain').notNull(),
    status: text('status').$type<'asked' | 'known' | 'snoozed' | 'unknown'>().notNull(),
    /** The weekly batch that asked last (`YYYY-Www`). */
    batchKey: text('batch_key').notNull(),
    timesAsked: integer('times_asked').notNull().default(1),
    askedAt: integer('asked_at').notNull(),
    answeredAt: integer('answered_at'),
    answeredByUserId: text('answered_by_user_id'),
    snoozedUntil: integer('snoozed_until'),
  },
  (t) => [
    uniqueIndex('overlap_asks_partner_domain').on(t.partnerSlug, t.domain),
    index('overlap_asks_status').on(t.partnerSlug, t.status),
  ],
);

/**
 * Partner rewards: one row per lead, milestone and reward rule, created pending in the transaction that
 * reaches the milestone, credited to the partner holding the credit, then approved or rejected by a leader.
 */
export const rewardAwards = sqliteTable(
  'reward_awards',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    partnerSlug: text('partner_slug')
      .notNull()
      .references(() => partnerOrgs.slug),
    milestone: text('milestone').$type<'opportunity' | 'won'>().notNull(),
    /** Index of the rule in `rewards.rules` when it was awarded. */
    ruleIndex: integer('rule_index').notNull(),
    kind: text('kind').$type<'points' | 'amount'>().notNull(),
    value: real('value').notNull(),
    /** ISO 4217 for amounts; null for points. */
    currency: text('currency'),
    /** How it was computed, e.g. "2% of 50,000 EUR won". */
    basis: text('basis').notNull(),
    status: text('status').$type<'pending' | 'approved' | 'rejected'>().notNull(),
    createdAt: createdAt(),
    decidedAt: integer('decided_at'),
    decidedByUserId: text('decided_by_user_id'),
    decisionReason: text('decision_reason'),
  },
  (t) => [
    uniqueIndex('reward_awards_lead_rule').on(t.leadId, t.milestone, t.ruleIndex),
    index('reward_awards_status').on(t.status, t.createdAt),
    index('reward_awards_partner').on(t.partnerSlug, t.status),
  ],
);

import { readFileSync } from 'node:fs';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';
import { RELATIONSHIPS } from '../core/types.ts';

// The program configuration file (PRODUCT.md section 9). Every field is documented in README.md;
// keep the two in step. Defaults here are the product's defaults, so a minimal file works.

const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U0123ABCD (Profile → ⋮ → Copy member ID)');
const slackChannelId = z
  .string()
  .regex(
    /^[CG][A-Z0-9]{2,}$/,
    'expected a Slack channel id such as C0123ABCD (channel details → About, at the bottom)',
  );
const slackTeamId = z.string().regex(/^[TE][A-Z0-9]{2,}$/, 'expected a Slack team id such as T0123ABCD');

const ianaTimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as America/New_York' },
);

const weight = z
  .number({ message: 'expected a number between 0 and 100' })
  .min(0, 'expected a number between 0 and 100')
  .max(100, 'expected a number between 0 and 100');

const stringList = z.array(z.string().min(1)).min(1, 'expected at least one value');

const icpCriterion = z.discriminatedUnion(
  'field',
  [
    z.strictObject({ field: z.literal('industry'), in: stringList, weight }),
    z.strictObject({ field: z.literal('country'), in: stringList, weight }),
    z
      .strictObject({
        field: z.literal('employees'),
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().positive().optional(),
        weight,
      })
      .refine((c) => c.min !== undefined || c.max !== undefined, { message: 'expected min, max or both' })
      .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, {
        message: 'expected min to be at most max',
      }),
    z
      .strictObject({
        field: z.literal('revenue'),
        min: z.number().nonnegative().optional(),
        max: z.number().positive().optional(),
        weight,
      })
      .refine((c) => c.min !== undefined || c.max !== undefined, { message: 'expected min, max or both' })
      .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, {
        message: 'expected min to be at most max',
      }),
  ],
  { message: 'expected field to be one of industry, country, employees, revenue' },
);
export type IcpCriterion = z.infer<typeof icpCriterion>;

const employeeBand = z
  .strictObject({
    min: z.number().int().nonnegative().optional(),
    max: z.number().int().positive().optional(),
  })
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, {
    message: 'expected min to be at most max',
  });

const routingRule = z.strictObject({
  /** Every key given must match; an empty `when` matches everything (use it last, as the fallback). */
  when: z.strictObject({
    country: stringList.optional(),
    industry: stringList.optional(),
    partner: stringList.optional(),
    employees: employeeBand.optional(),
    /** Matches accounts that have a CRM owner; the owner is then assigned the lead directly. */
    crmOwner: z.literal(true).optional(),
  }),
  channel: slackChannelId,
  /** Reps who may claim leads on this route; the next in rotation is suggested on each new lead. */
  pool: z.array(slackUserId).min(1, 'expected at least one rep in the pool, or leave pool out').optional(),
});
export type RoutingRule = z.infer<typeof routingRule>;

const partner = z.strictObject({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected lower-case letters, digits and dashes'),
  name: z.string().min(1).max(80),
  teamIds: z.array(slackTeamId).default([]),
  channels: z.array(slackChannelId).default([]),
  manager: slackUserId,
});
export type PartnerConfig = z.infer<typeof partner>;

const reasonCode = z.strictObject({
  code: z.string().regex(/^[a-z0-9_]{1,40}$/, 'expected lower-case letters, digits and underscores'),
  label: z.string().min(1).max(75),
});
export type ReasonCode = z.infer<typeof reasonCode>;

const DEFAULT_DISQUALIFY_REASONS: ReasonCode[] = [
  { code: 'no_need', label: 'No need or use case' },
  { code: 'no_budget', label: 'No budget' },
  { code: 'bad_timing', label: 'Bad timing' },
  { code: 'unreachable', label: 'Could not reach the contact' },
  { code: 'duplicate', label: 'Duplicate of another lead' },
  { code: 'other', label: 'Other' },
];
const DEFAULT_LOST_REASONS: ReasonCode[] = [
  { code: 'competitor', label: 'Lost to a competitor' },
  { code: 'price', label: 'Price' },
  { code: 'no_decision', label: 'No decision' },
  { code: 'product_gap', label: 'Product gap' },
  { code: 'timing', label: 'Timing' },
  { code: 'other', label: 'Other' },
];

const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code in capitals, such as USD or EUR');

const baseline = z.strictObject({
  leadType: z.string().min(1).max(40),
  opportunityRate: z
    .number()
    .min(0, 'expected a rate between 0 and 1')
    .max(1, 'expected a rate between 0 and 1'),
  winRate: z.number().min(0, 'expected a rate between 0 and 1').max(1, 'expected a rate between 0 and 1'),
  avgDealSize: z.number().min(0, 'expected an amount of 0 or more').optional(),
  currency: currencyCode.optional(),
  daysToOpportunity: z.number().min(0, 'expected a number of days').optional(),
  daysToClose: z.number().min(0, 'expected a number of days').optional(),
});

/**
 * How money is reported: `currency` is the reporting currency (and the currency of CRM amounts that come
 * without one, as in a Salesforce org without multicurrency); `rates` convert other currencies into it.
 * Without a rate, amounts in another currency are shown apart, never summed with these.
 */
const revenueConfig = z
  .strictObject({
    currency: currencyCode,
    rates: z.record(currencyCode, z.number().positive('expected a positive exchange rate')).default({}),
  })
  .superRefine((r, ctx) => {
    if (r.rates[r.currency] !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['rates', r.currency],
        message: 'the reporting currency needs no rate',
      });
  });
// ---------------------------------------------------------------- CRM (PRODUCT.md section 11)

/** What a CRM stage means to the lifecycle; stages left out of the map are ignored (and reported). */
export const CRM_STAGE_TARGETS = ['meeting_held', 'opportunity', 'won', 'lost'] as const;
export type CrmStageTarget = (typeof CRM_STAGE_TARGETS)[number];

const crmFieldName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_.]{0,79}$/,
    'expected a field API name such as Industry, Foothold_Status__c or foothold_status',
  );

/** CRM field/property API names read for accounts (Salesforce Account / HubSpot company). */
const crmAccountFields = z.strictObject({
  name: crmFieldName.optional(),
  website: crmFieldName.optional(),
  industry: crmFieldName.optional(),
  employees: crmFieldName.optional(),
  country: crmFieldName.optional(),
  revenue: crmFieldName.optional(),
  /** The account is a customer when this field holds one of `values` (case-insensitive). */
  customer: z.strictObject({ field: crmFieldName, values: stringList }).optional(),
});

/** CRM field/property API names read for opportunities (Salesforce Opportunity / HubSpot deal). */
const crmOpportunityFields = z.strictObject({
  amount: crmFieldName.optional(),
  /** Leave out for single-currency orgs/portals; `defaultCurrency` is used then. */
  currency: crmFieldName.optional(),
  closeDate: crmFieldName.optional(),
  lossReason: crmFieldName.optional(),
});

/** Field/property API names Foothold writes on one object; leave a field out to not write it. */
const crmWriteFields = z.strictObject({
  eqlStatus: crmFieldName.optional(),
  partner: crmFieldName.optional(),
  /** `sourced` or `influenced`. */
  attribution: crmFieldName.optional(),
  leadId: crmFieldName.optional(),
  leadUrl: crmFieldName.optional(),
  /** Holds the key of the last write, so a replay is recognisable. */
  writeKey: crmFieldName.optional(),
});
export type CrmWriteFields = z.infer<typeof crmWriteFields>;

const crmConfig = z.strictObject({
  provider: z.enum(['salesforce', 'hubspot'], { message: 'expected "salesforce" or "hubspot"' }),
  /** When the `crm-sync` job runs (program time zone). */
  schedule: z
    .string()
    .min(1)
    .refine((c) => isCronExpression(c), {
      message: 'expected a cron expression such as "*/15 * * * *" (every 15 minutes)',
    })
    .default('*/15 * * * *'),
  /** Records per page requested (Salesforce batch 200–2000, HubSpot search ≤ 200). */
  pageSize: z.number().int().min(1).max(2000).optional(),
  /** Salesforce: a pull expected to return more rows than this uses a Bulk API 2.0 query job. */
  bulkThreshold: z.number().int().positive().default(50_000),
  /** Amount currency when the CRM has no per-record currency field (ISO 4217). */
  defaultCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
    .optional(),
  fields: z
    .strictObject({
      accounts: crmAccountFields.default({}),
      opportunities: crmOpportunityFields.default({}),
    })
    .default({ accounts: {}, opportunities: {} }),
  /**
   * CRM stage id → lifecycle step, keyed by the CRM's own ids: Salesforce StageName API values
   * (e.g. "Closed Won"), HubSpot dealstage ids (e.g. "closedwon", or numeric ids of custom pipelines).
   */
  stages: z
    .record(
      z.string().min(1),
      z.enum(CRM_STAGE_TARGETS, { message: `expected one of ${CRM_STAGE_TARGETS.join(', ')}` }),
    )
    .refine((m) => Object.keys(m).length > 0, {
      message: 'expected at least one stage, e.g. { "closedwon": "won", "closedlost": "lost" }',
    }),
  writeBack: z
    .strictObject({
      enabled: z.boolean().default(true),
      account: crmWriteFields.default({}),
      opportunity: crmWriteFields.default({}),
      /**
       * Also attach a note per write (HubSpot: a note on the company, upserted by this unique-value note
       * property; Salesforce: a Task upserted on this external-id field). Leave out for no notes.
       */
      noteKeyField: crmFieldName.optional(),
    })
    .default({ enabled: true, account: {}, opportunity: {} }),
  /** How long an owner email → Slack user lookup (hit or miss) is trusted before it is asked again. */
  ownerLookupTtlHours: z.number().positive().default(24),
});
export type CrmConfig = z.infer<typeof crmConfig>;
export type CrmAccountFieldMap = Required<Omit<z.infer<typeof crmAccountFields>, 'customer'>> & {
  customer: { field: string; values: string[] } | null;
};
export type CrmOpportunityFieldMap = { [K in keyof z.infer<typeof crmOpportunityFields>]-?: string | null };

/** Each provider's standard fields, used for every field the config leaves out. */
export const DEFAULT_CRM_FIELDS: Record<
  'salesforce' | 'hubspot',
  { accounts: CrmAccountFieldMap; opportunities: CrmOpportunityFieldMap }
> = {
  salesforce: {
    accounts: {
      name: 'Name',
      website: 'Website',
      industry: 'Industry',
      employees: 'NumberOfEmployees',
      country: 'BillingCountry',
      revenue: 'AnnualRevenue',
      customer: { field: 'Type', values: ['Customer', 'Customer - Direct', 'Customer - Channel'] },
    },
    opportunities: { amount: 'Amount', currency: null, closeDate: 'CloseDate', lossReason: null },
  },
  hubspot: {
    accounts: {
      name: 'name',
      website: 'domain',
      industry: 'industry',
      employees: 'numberofemployees',
      country: 'country',
      revenue: 'annualrevenue',
      customer: { field: 'lifecyclestage', values: ['customer'] },
    },
    opportunities: {
      amount: 'amount',
      currency: 'deal_currency_code',
      closeDate: 'closedate',
      lossReason: 'closed_lost_reason',
    },
  },
};

/** The field map in force: the config's names over the provider's defaults. */
export function resolveCrmFields(crm: CrmConfig): {
  accounts: CrmAccountFieldMap;
  opportunities: CrmOpportunityFieldMap;
} {
  const d = DEFAULT_CRM_FIELDS[crm.provider];
  const a = crm.fields.accounts;
  const o = crm.fields.opportunities;
  return {
    accounts: {
      name: a.name ?? d.accounts.name,
      website: a.website ?? d.accounts.website,
      industry: a.industry ?? d.accounts.industry,
      employees: a.employees ?? d.accounts.employees,
      country: a.country ?? d.accounts.country,
      revenue: a.revenue ?? d.accounts.revenue,
      customer: a.customer ?? d.accounts.customer,
    },
    opportunities: {
      amount: o.amount ?? d.opportunities.amount,
      currency: o.currency ?? d.opportunities.currency,
      closeDate: o.closeDate ?? d.opportunities.closeDate,
      lossReason: o.lossReason ?? d.opportunities.lossReason,
    },
  };
}

/**
 * A partner reward rule (PRODUCT.md section 12): it pays only when a lead credited to the partner reaches a
 * conversion milestone, never for volume. Exactly one of `points`, `amount` (in `rewards.currency`) or
 * `shareOfWon` (a fraction of the won amount, in the deal's own currency; `on: "won"` only).
 */
const rewardRule = z
  .strictObject({
    on: z.enum(['opportunity', 'won'], { message: 'expected "opportunity" or "won"' }),
    points: z.number().int().positive('expected a positive whole number of points').optional(),
    amount: z.number().positive('expected a positive amount').optional(),
    shareOfWon: z
      .number()
      .gt(0, 'expected a fraction between 0 and 1, such as 0.02 for 2%')
      .max(1, 'expected a fraction between 0 and 1, such as 0.02 for 2%')
      .optional(),
    /** Only leads with this attribution earn it (default: both). */
    attribution: z.enum(['sourced', 'influenced']).optional(),
  })
  .refine((r) => [r.points, r.amount, r.shareOfWon].filter((v) => v !== undefined).length === 1, {
    message: 'expected exactly one of points, amount or shareOfWon',
  })
  .refine((r) => r.shareOfWon === undefined || r.on === 'won', {
    message: 'shareOfWon pays on "won" only (there is no won amount before)',
    path: ['shareOfWon'],
  });
export type RewardRule = z.infer<typeof rewardRule>;

export const programConfigSchema = z
  .strictObject({
    timezone: ianaTimeZone,
    routingChannel: slackChannelId,
    digest: z
      .strictObject({
        cron: z
          .string()
          .min(1)
          .refine((c) => isCronExpression(c), {
            message:
              'expected a cron expression such as "0 9 * * 1" (minute hour day-of-month month weekday)',
          })
          .default('0 9 * * 1'),
        channel: slackChannelId.optional(),
        /** DM each leader as well as posting to the channel. */
        dmLeaders: z.boolean().default(true),
      })
      .default({ cron: '0 9 * * 1', dmLeaders: true }),
    roles: z.strictObject({
      admins: z.array(slackUserId).min(1, 'expected at least one admin'),
      leaders: z.array(slackUserId).default([]),
      reps: z.array(slackUserId).default([]),
    }),
    partners: z.array(partner).default([]),
    warmth: z
      .strictObject({
        minStrength: z
          .number()
          .int()
          .min(1, 'expected a whole number from 1 to 5')
          .max(5, 'expected a whole number from 1 to 5')
          .default(3),
        maxAgeDays: z.number().int().positive('expected a positive number of days').default(90),
      })
      .default({ minStrength: 3, maxAgeDays: 90 }),
    icp: z.strictObject({
      minScore: z
        .number()
        .min(0, 'expected a number between 0 and 100')
        .max(100, 'expected a number between 0 and 100'),
      criteria: z.array(icpCriterion).min(1, 'expected at least one criterion'),
      exclude: z
        .strictObject({
          domains: z.array(z.string().min(1)).default([]),
          customers: z.boolean().default(true),
        })
        .default({ domains: [], customers: true }),
    }),
    routing: z
      .array(routingRule)
      .min(1, 'expected at least one routing rule (end with a fallback: "when": {})'),
    sla: z
      .strictObject({
        claimHours: z.number().positive('expected a positive number of hours').default(24),
        progressDays: z.number().int().positive('expected a positive number of days').default(14),
        /** Business hours in the program time zone, 24-hour clock. */
        businessHours: z
          .strictObject({ start: z.number().int().min(0).max(23), end: z.number().int().min(1).max(24) })
          .refine((h) => h.start < h.end, { message: 'expected start before end' })
          .default({ start: 9, end: 17 }),
      })
      .default({ claimHours: 24, progressDays: 14, businessHours: { start: 9, end: 17 } }),
    expiry: z
      .strictObject({
        days: z.number().int().positive('expected a positive number of days').default(90),
        warnDays: z.number().int().positive().default(7),
        extensionDays: z.number().int().positive().default(30),
      })
      .default({ days: 90, warnDays: 7, extensionDays: 30 }),
    reasons: z
      .strictObject({
        disqualify: z.array(reasonCode).min(1).max(100).default(DEFAULT_DISQUALIFY_REASONS),
        lost: z.array(reasonCode).min(1).max(100).default(DEFAULT_LOST_REASONS),
      })
      .default({ disqualify: DEFAULT_DISQUALIFY_REASONS, lost: DEFAULT_LOST_REASONS }),
    leaderboard: z
      .strictObject({ minSample: z.number().int().positive().default(5) })
      .default({ minSample: 5 }),
    baselines: z.array(baseline).default([]),
    rewards: z
      .strictObject({
        currency: currencyCode.default('USD'),
        rules: z.array(rewardRule).max(20).default([]),
      })
      .default({ currency: 'USD', rules: [] }),
    overlapFirst: z
      .strictObject({
        enabled: z.boolean().default(true),
        cron: z
          .string()
          .min(1)
          .refine((c) => isCronExpression(c), { message: 'expected a cron expression such as "0 10 * * 1"' })
          .default('0 10 * * 1'),
        maxPerBatch: z.number().int().min(1).max(20, 'expected at most 20 accounts per batch').default(5),
        snoozeDays: z.number().int().positive('expected a positive number of days').default(30),
      })
      .default({ enabled: true, cron: '0 10 * * 1', maxPerBatch: 5, snoozeDays: 30 }),
    partnerScorecards: z
      .strictObject({
        /** The program average is shown to a partner only when at least this many other partners make it up. */
        minPeers: z.number().int().min(2, 'expected at least 2 (one peer would be identifiable)').default(3),
      })
      .default({ minPeers: 3 }),
    revenue: revenueConfig.optional(),
    /** CRM sync and write-back (section 11); leave out for programs without a CRM. */
    crm: crmConfig.optional(),
    /** The learning loop (PRODUCT.md section 12): the calibration report, the ecosystem map, product input. */
    insight: z
      .strictObject({
        /** Cells with fewer judged EQLs are greyed out and never drive a suggestion. */
        minSample: z.number().int().positive().default(30),
        /** Open EQLs at least this old are judged (with what they reached so far). */
        matureDays: z.number().int().positive('expected a positive number of days').default(90),
        /** Count disqualified and expired EQLs as judged outcomes (they did not convert). */
        includeDisqualified: z.boolean().default(true),
        includeExpired: z.boolean().default(true),
        /** A cell is weak when its interval's upper bound is below this share of the overall rate. */
        weakRatio: z.number().gt(0).max(1).default(0.5),
        /** Where the monthly calibration and ecosystem-map messages go besides leaders' and admins' DMs. */
        channel: slackChannelId.optional(),
      })
      .default({
        minSample: 30,
        matureDays: 90,
        includeDisqualified: true,
        includeExpired: true,
        weakRatio: 0.5,
      }),
    /** The EQL score: a model that prioritises (never gates). */
    score: z
      .strictObject({
        minOutcomes: z.number().int().positive().default(200),
        l2: z.number().positive().default(1),
        priorWeight: z.number().positive().default(20),
        holdoutShare: z.number().gt(0).lt(1).default(0.2),
        /** Nightly fit (cron, program time zone). */
        cron: z
          .string()
          .refine((c) => isCronExpression(c), { message: 'expected a cron expression such as "30 2 * * *"' })
          .default('30 2 * * *'),
      })
      .default({ minOutcomes: 200, l2: 1, priorWeight: 20, holdoutShare: 0.2, cron: '30 2 * * *' }),
    /** Product input: what accounts need, as themes, monthly to a product channel (never naming partners). */
    needs: z
      .strictObject({
        channel: slackChannelId.optional(),
        themes: z
          .array(
            z.strictObject({
              name: z.string().min(1).max(60),
              keywords: z.array(z.string().min(1).max(60)).min(1, 'expected at least one keyword'),
            }),
          )
          .default([]),
        minCount: z.number().int().positive().default(2),
        maxThemes: z.number().int().positive().max(20).default(8),
      })
      .default({ themes: [], minCount: 2, maxThemes: 8 }),
    /** Charts (PNG, rendered inside Foothold) on the digest and the monthly insight messages. */
    charts: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.partners.forEach((p, i) => {
      const prev = seen.get(p.slug);
      if (prev !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['partners', i, 'slug'],
          message: `duplicate slug (also partners[${prev}])`,
        });
      }
      seen.set(p.slug, i);
    });
    const teamOwner = new Map<string, string>();
    cfg.partners.forEach((p, i) => {
      p.teamIds.forEach((t, j) => {
        const other = teamOwner.get(t);
        if (other && other !== p.slug) {
          ctx.addIssue({
            code: 'custom',
            path: ['partners', i, 'teamIds', j],
            message: `team id already belongs to ${other}`,
          });
        }
        teamOwner.set(t, p.slug);
      });
    });
    cfg.partners.forEach((p, i) => {
      if (p.teamIds.length === 0 && p.channels.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['partners', i],
          message: 'expected at least one of teamIds or channels',
        });
      }
      p.channels.forEach((c, j) => {
        if (c === cfg.routingChannel || cfg.routing.some((r) => r.channel === c)) {
          ctx.addIssue({
            code: 'custom',
            path: ['partners', i, 'channels', j],
            message: 'a shared partner channel cannot also be a routing channel',
          });
        }
      });
    });
    cfg.routing.forEach((r, i) => {
      r.when.partner?.forEach((slug, j) => {
        if (!seen.has(slug)) {
          ctx.addIssue({
            code: 'custom',
            path: ['routing', i, 'when', 'partner', j],
            message: `unknown partner slug "${slug}"`,
          });
        }
      });
    });
    const partnerChannels = new Set(cfg.partners.flatMap((p) => p.channels));
    for (const [path, channel] of [
      [['insight', 'channel'], cfg.insight.channel],
      [['needs', 'channel'], cfg.needs.channel],
    ] as const) {
      if (channel && partnerChannels.has(channel))
        ctx.addIssue({
          code: 'custom',
          path: [...path],
          message: 'must be an internal channel, not a channel shared with a partner',
        });
    }
    checkRouting(cfg, ctx);
    checkVocabularies(cfg, ctx);
    const sumWeights = cfg.icp.criteria.reduce((s, c) => s + c.weight, 0);
    if (sumWeights <= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['icp', 'criteria'],
        message: 'expected the weights to add up to more than 0',
      });
  });

type ParsedConfig = z.output<typeof programConfigSchema>;
type Refinement = z.core.$RefinementCtx<ParsedConfig>;

/**
 * Routing mistakes that each field's own check cannot see: no fallback (a lead matching no rule would have
 * nowhere to go), rules after the fallback (never reached), pools naming people who are not reps (they could
 * never claim), and country codes that are not ISO codes (`UK` never matches: accounts say `GB`).
 */
function checkRouting(cfg: ParsedConfig, ctx: Refinement): void {
  const reps = new Set(cfg.roles.reps);
  const fallback = cfg.routing.findIndex((r) => Object.keys(r.when).length === 0);
  if (fallback === -1) {
    ctx.addIssue({
      code: 'custom',
      path: ['routing'],
      message: 'expected a final fallback rule ("when": {}) so that every lead has a channel',
    });
  } else if (fallback < cfg.routing.length - 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['routing', fallback + 1],
      message: `never used: routing[${fallback}] matches every lead first (put the fallback rule last)`,
    });
  }
  cfg.routing.forEach((r, i) => {
    r.pool?.forEach((userId, j) => {
      if (!reps.has(userId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routing', i, 'pool', j],
          message: `${userId} is not in roles.reps, so they could never claim a lead; add them to roles.reps or remove them here`,
        });
      }
    });
    r.when.country?.forEach((code, j) => {
      checkCountry(code, ['routing', i, 'when', 'country', j], ctx);
    });
  });
  cfg.icp.criteria.forEach((c, i) => {
    if (c.field !== 'country') return;
    c.in.forEach((code, j) => {
      checkCountry(code, ['icp', 'criteria', i, 'in', j], ctx);
    });
  });
}

function checkCountry(code: string, path: PropertyKey[], ctx: Refinement): void {
  if (/^[A-Z]{2}$/.test(code) && code !== 'UK') return;
  const hint = code.toUpperCase() === 'UK' ? 'GB' : /^[a-z]{2}$/.test(code) ? code.toUpperCase() : null;
  ctx.addIssue({
    code: 'custom',
    path,
    message: `expected an ISO 3166-1 alpha-2 country code such as US or GB${hint ? ` (did you mean ${hint}?)` : ''}`,
  });
}

/** Lists whose members must be unique, and windows that must fit inside each other. */
function checkVocabularies(cfg: ParsedConfig, ctx: Refinement): void {
  for (const list of ['disqualify', 'lost'] as const) {
    const seen = new Set<string>();
    cfg.reasons[list].forEach((r, i) => {
      if (seen.has(r.code))
        ctx.addIssue({
          code: 'custom',
          path: ['reasons', list, i, 'code'],
          message: `duplicate code "${r.code}"`,
        });
      seen.add(r.code);
    });
  }
  const leadTypes = new Set<string>();
  cfg.baselines.forEach((b, i) => {
    if (leadTypes.has(b.leadType))
      ctx.addIssue({
        code: 'custom',
        path: ['baselines', i, 'leadType'],
        message: `duplicate lead type "${b.leadType}"`,
      });
    leadTypes.add(b.leadType);
  });
  if (cfg.expiry.warnDays >= cfg.expiry.days) {
    ctx.addIssue({
      code: 'custom',
      path: ['expiry', 'warnDays'],
      message: `expected fewer days than expiry.days (${cfg.expiry.days}): the warning must come before the lead expires`,
    });
  }
}

export type ProgramConfig = z.infer<typeof programConfigSchema>;
export { RELATIONSHIPS };

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`${source} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `['icp','criteria',1,'weight']` → `icp.criteria[1].weight`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `${formatPath(issue.path)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    // A field that is missing says so, rather than the message written for a wrong value.
    if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) {
      return `${formatPath(issue.path)}: required`;
    }
    return `${formatPath(issue.path)}: ${issue.message}`;
  });
}

/** `Unexpected token } in JSON at position 120` → `line 7, column 3: Unexpected token }`. */
export function describeJsonError(text: string, err: Error): string {
  const at = /at position (\d+)/.exec(err.message);
  const reason = err.message
    .replace(/\s*in JSON at position \d+.*$/, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '');
  if (!at?.[1]) return `not valid JSON: ${reason}`;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = Number(at[1]) - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}: ${reason}`;
}

export function parseProgramConfig(raw: unknown, source = 'configuration'): ProgramConfig {
  const parsed = programConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  return parsed.data;
}

export function loadProgramConfig(path: string): ProgramConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [
      code === 'ENOENT'
        ? `file not found; copy foothold.config.example.json to ${path} or set FOOTHOLD_CONFIG`
        : `cannot read file (${code ?? String(err)})`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [describeJsonError(text, err as Error)]);
  }
  return parseProgramConfig(json, path);
}

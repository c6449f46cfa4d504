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

const baseline = z.strictObject({
  leadType: z.string().min(1).max(40),
  opportunityRate: z
    .number()
    .min(0, 'expected a rate between 0 and 1')
    .max(1, 'expected a rate between 0 and 1'),
  winRate: z.number().min(0, 'expected a rate between 0 and 1').max(1, 'expected a rate between 0 and 1'),
});

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

const isoCurrency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD');

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
        currency: isoCurrency.default('USD'),
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
    const sumWeights = cfg.icp.criteria.reduce((s, c) => s + c.weight, 0);
    if (sumWeights <= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['icp', 'criteria'],
        message: 'expected the weights to add up to more than 0',
      });
  });

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
    return `${formatPath(issue.path)}: ${issue.message}`;
  });
}

export function parseProgramConfig(raw: unknown, source = 'configuration'): ProgramConfig {
  const parsed = programConfigSchema.safeParse(raw);
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
    throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseProgramConfig(json, path);
}

import { z } from 'zod';
import { LOG_FORMATS } from '../logger.ts';
import { decodeKey } from './encryption-key.ts';
import { formatPath } from './program-config.ts';

// Deployment settings and secrets (PRODUCT.md section 9), parsed once at start-up. Each problem names the
// variable and where to find its value, so an operator can fix a bad deploy without reading code.

const WHERE = {
  SLACK_BOT_TOKEN: 'Slack app settings → OAuth & Permissions → Bot User OAuth Token (starts with xoxb-)',
  SLACK_SIGNING_SECRET: 'Slack app settings → Basic Information → App Credentials → Signing Secret',
  SLACK_APP_TOKEN:
    'Slack app settings → Basic Information → App-Level Tokens → generate one with connections:write (starts with xapp-)',
  SLACK_CLIENT_ID: 'Slack app settings → Basic Information → App Credentials → Client ID',
  SLACK_CLIENT_SECRET: 'Slack app settings → Basic Information → App Credentials → Client Secret',
  SLACK_STATE_SECRET: 'any long random string you choose (it signs the OAuth state parameter)',
  FOOTHOLD_ENCRYPTION_KEY: 'generate one with `openssl rand -base64 32` and keep it with your other secrets',
  HUBSPOT_ACCESS_TOKEN:
    'HubSpot → Settings → Integrations → Private Apps (or Development → Keys → Service keys) → the access token',
  SALESFORCE_CLIENT_ID:
    'Salesforce Setup → External Client App Manager (or App Manager) → your app → Consumer Key',
  SALESFORCE_CLIENT_SECRET: 'Salesforce Setup → the same app → Consumer Secret',
} as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = (schema: z.ZodString) => z.preprocess(blankToUndefined, schema.optional());
/** A 32-byte AES-256 key, as base64 or hex. The error never echoes the value. */
const encryptionKey = optionalString(
  z.string().refine((v) => decodeKey(v) !== null, {
    message: `expected 32 random bytes as base64 (44 characters) or hex (64 digits); ${WHERE.FOOTHOLD_ENCRYPTION_KEY}`,
  }),
);

const crmEnvShape = {
  // CRM (PRODUCT.md section 11). Salesforce's client-credentials flow needs the org's My Domain host:
  // login.salesforce.com answers "request not supported on this domain" (FACTS.md §S1).
  SALESFORCE_LOGIN_URL: z.preprocess(
    blankToUndefined,
    z
      .url({ message: 'expected your My Domain URL such as https://acme.my.salesforce.com' })
      .default('https://login.salesforce.com'),
  ),
  SALESFORCE_CLIENT_ID: optionalString(z.string().min(1)),
  SALESFORCE_CLIENT_SECRET: optionalString(z.string().min(1)),
  SALESFORCE_API_VERSION: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d{2,3}\.0$/, 'expected an API version number such as 66.0 (no "v")')
      .default('66.0'),
  ),
  HUBSPOT_ACCESS_TOKEN: optionalString(
    z
      .string()
      .min(10, `too short; ${WHERE.HUBSPOT_ACCESS_TOKEN}`)
      .refine((t) => !/^bearer\s/i.test(t), 'remove the "Bearer " prefix: give the token alone'),
  ),
  HUBSPOT_API_URL: z.preprocess(
    blankToUndefined,
    z.url({ message: 'expected a URL such as https://api.hubapi.com' }).optional(),
  ),
};

// The database (PRODUCT.md section 13): PostgreSQL when DATABASE_URL is set, otherwise the SQLite file at
// DATABASE_PATH. The pool size and statement timeout only apply to PostgreSQL. Messages never echo the URL (it
// holds the password).
const databaseEnvShape = {
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((v) => /^postgres(ql)?:\/\/./i.test(v) && URL.canParse(v), {
        message:
          'expected a PostgreSQL URL such as postgres://foothold:<password>@db.example.com:5432/foothold (leave it unset to use the SQLite file at DATABASE_PATH)',
      })
      .optional(),
  ),
  DATABASE_PATH: z.preprocess(blankToUndefined, z.string().default('./data/foothold.db')),
  DATABASE_POOL_SIZE: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ message: 'expected a whole number of connections from 1 to 1000' })
      .int('expected a whole number of connections from 1 to 1000')
      .min(1, 'expected a whole number of connections from 1 to 1000')
      .max(1000, 'expected a whole number of connections from 1 to 1000')
      .default(10),
  ),
  DATABASE_STATEMENT_TIMEOUT_MS: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ message: 'expected milliseconds, such as 15000 (0 turns the timeout off)' })
      .int('expected whole milliseconds, such as 15000 (0 turns the timeout off)')
      .min(0, 'expected milliseconds, such as 15000 (0 turns the timeout off)')
      .default(15_000),
  ),
};

const portNumber = z.coerce
  .number()
  .int()
  .min(1, 'expected a port from 1 to 65535')
  .max(65535, 'expected a port from 1 to 65535');

export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: optionalString(
      z
        .string()
        .startsWith('xoxb-', `expected a bot token starting with xoxb-; find it at ${WHERE.SLACK_BOT_TOKEN}`),
    ),
    SLACK_SIGNING_SECRET: optionalString(
      z.string().min(8, `expected at least 8 characters; find it at ${WHERE.SLACK_SIGNING_SECRET}`),
    ),
    SLACK_APP_TOKEN: optionalString(
      z
        .string()
        .startsWith('xapp-', `expected an app-level token starting with xapp-; ${WHERE.SLACK_APP_TOKEN}`),
    ),
    SLACK_CLIENT_ID: optionalString(z.string()),
    SLACK_CLIENT_SECRET: optionalString(z.string()),
    SLACK_STATE_SECRET: optionalString(
      z.string().min(16, `expected at least 16 characters: ${WHERE.SLACK_STATE_SECRET}`),
    ),
    SLACK_API_URL: z.preprocess(
      blankToUndefined,
      z.url({ message: 'expected a URL such as https://slack.com/api/' }).optional(),
    ),
    ...crmEnvShape,
    PORT: z.preprocess(blankToUndefined, portNumber.default(3000)),
    /** `foothold worker`'s own `/healthz` port (the worker serves no Slack requests; without it, no port). */
    WORKER_HEALTH_PORT: z.preprocess(blankToUndefined, portNumber.optional()),
    ...databaseEnvShape,
    /**
     * `npm start` on SQLite: `on` runs the outbox sender, the CRM write-back and the jobs in a worker thread, so
     * heavy job work (a digest for many partners) never delays an acknowledgement; `off` (the default) keeps
     * them on the thread that answers Slack, which costs less memory and CPU (README, Benchmarks: B2 and B6).
     */
    FOOTHOLD_WORKER_THREAD: z.preprocess(
      blankToUndefined,
      z
        .enum(['on', 'off'], { message: 'expected on or off (the default)' })
        .default('off')
        .transform((v) => v === 'on'),
    ),
    /**
     * On SIGTERM, a process with the web role first answers `/healthz` with 503 for this long while it keeps serving
     * requests, so a load balancer stops sending it traffic before the listener closes (closing it resets the
     * connections still waiting in the kernel's queue, which a proxy that does not retry a POST shows as an error).
     */
    SHUTDOWN_DRAIN_MS: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ message: 'expected milliseconds, such as 5000 (0, the default, closes at once)' })
        .int('expected whole milliseconds, such as 5000')
        .min(0, 'expected milliseconds from 0 to 60000')
        .max(60_000, 'expected milliseconds from 0 to 60000')
        .default(0),
    ),
    FOOTHOLD_CONFIG: z.preprocess(blankToUndefined, z.string().default('./foothold.config.json')),
    LOG_FORMAT: z.preprocess(
      blankToUndefined,
      z
        .enum(LOG_FORMATS, {
          message: 'expected json (the default, for log collectors) or pretty (for a terminal)',
        })
        .default('json'),
    ),
    LOG_LEVEL: z.preprocess(
      blankToUndefined,
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ),
    /** Seals installation tokens in the database (AES-256-GCM); required with the OAuth install flow. */
    FOOTHOLD_ENCRYPTION_KEY: encryptionKey,
    /** During a key rotation: the key older rows are still sealed with (see `secrets rotate`). */
    FOOTHOLD_ENCRYPTION_KEY_PREVIOUS: encryptionKey,
  })
  .superRefine((env, ctx) => {
    const oauth = env.SLACK_CLIENT_ID || env.SLACK_CLIENT_SECRET || env.SLACK_STATE_SECRET;
    if (!env.SLACK_BOT_TOKEN && !oauth) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message: `missing; find it at ${WHERE.SLACK_BOT_TOKEN}`,
      });
    }
    if (oauth) {
      for (const key of ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const) {
        if (!env[key]) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `missing (needed for the OAuth install flow); ${WHERE[key]}`,
          });
        }
      }
    }
    if (oauth && !env.FOOTHOLD_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['FOOTHOLD_ENCRYPTION_KEY'],
        message: `missing (the OAuth install flow stores each workspace's bot token, encrypted with it); ${WHERE.FOOTHOLD_ENCRYPTION_KEY}`,
      });
    }
    if (env.FOOTHOLD_ENCRYPTION_KEY_PREVIOUS && !env.FOOTHOLD_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['FOOTHOLD_ENCRYPTION_KEY'],
        message:
          'missing while FOOTHOLD_ENCRYPTION_KEY_PREVIOUS is set (a rotation needs the new key as FOOTHOLD_ENCRYPTION_KEY)',
      });
    }
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: `missing (HTTP mode verifies every request with it); find it at ${WHERE.SLACK_SIGNING_SECRET}, or set SLACK_APP_TOKEN for Socket Mode`,
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `Foothold cannot start; fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'EnvError';
    this.problems = problems;
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  return parsed.data;
}

export const databaseEnvSchema = z.object(databaseEnvShape);
export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;

/** The database variables alone (every CLI command that opens the database reads them). */
export function parseDatabaseEnv(source: Record<string, string | undefined>): DatabaseEnv {
  const parsed = databaseEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  return parsed.data;
}

/** The database settings as `openDatabase` (src/db/connection.ts) takes them. */
export function databaseOptions(env: DatabaseEnv): {
  databaseUrl: string | undefined;
  databasePath: string;
  poolSize: number;
  statementTimeoutMs: number;
} {
  return {
    databaseUrl: env.DATABASE_URL,
    databasePath: env.DATABASE_PATH,
    poolSize: env.DATABASE_POOL_SIZE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  };
}

/** The deployment's own secrets, scrubbed by value from every log line whatever logs them. */
export function deploymentSecrets(env: Env): string[] {
  return [
    env.SLACK_BOT_TOKEN,
    env.SLACK_SIGNING_SECRET,
    env.SLACK_APP_TOKEN,
    env.SLACK_CLIENT_SECRET,
    env.SLACK_STATE_SECRET,
    env.FOOTHOLD_ENCRYPTION_KEY,
    env.FOOTHOLD_ENCRYPTION_KEY_PREVIOUS,
    ...databaseUrlSecrets(env.DATABASE_URL),
  ].filter((s): s is string => Boolean(s));
}

/** The password in DATABASE_URL (scrubbed from the logs by value, like the other secrets). */
export function databaseUrlSecrets(url: string | undefined): string[] {
  if (!url || !URL.canParse(url)) return url ? [url] : [];
  const password = new URL(url).password;
  if (!password) return [url];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed escape: the password is scrubbed as written.
  }
  return [url, password, decoded];
}

/** Settings the CLI needs, without requiring Slack secrets (imports and exports run without Slack). */
export function parseStorageEnv(
  source: Record<string, string | undefined>,
): Pick<Env, 'DATABASE_PATH' | 'FOOTHOLD_CONFIG'> {
  return {
    DATABASE_PATH:
      blankToUndefined(source.DATABASE_PATH) === undefined
        ? './data/foothold.db'
        : String(source.DATABASE_PATH),
    FOOTHOLD_CONFIG:
      blankToUndefined(source.FOOTHOLD_CONFIG) === undefined
        ? './foothold.config.json'
        : String(source.FOOTHOLD_CONFIG),
  };
}

/** Every variable that points Foothold at a Slack app; with none of them set, `npm start` runs the playground. */
export const SLACK_SETTINGS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_CLIENT_ID',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'SLACK_API_URL',
] as const;

/** No Slack settings at all (blank counts as unset): `npm start` opens the playground instead of failing. */
export function playgroundMode(source: Record<string, string | undefined>): boolean {
  return SLACK_SETTINGS.every((key) => blankToUndefined(source[key]) === undefined);
}

/** The encryption settings alone, for CLI commands that handle sealed secrets (`secrets rotate`). */
export function parseEncryptionEnv(
  source: Record<string, string | undefined>,
): Pick<Env, 'FOOTHOLD_ENCRYPTION_KEY' | 'FOOTHOLD_ENCRYPTION_KEY_PREVIOUS'> {
  const parsed = z
    .object({ FOOTHOLD_ENCRYPTION_KEY: encryptionKey, FOOTHOLD_ENCRYPTION_KEY_PREVIOUS: encryptionKey })
    .safeParse(source);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  return parsed.data;
}

export const crmEnvSchema = z.object(crmEnvShape);
export type CrmEnv = z.infer<typeof crmEnvSchema>;

/** The CRM variables alone (the CLI's `crm sync` runs without Slack secrets). */
export function parseCrmEnv(source: Record<string, string | undefined>): CrmEnv {
  const parsed = crmEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  return parsed.data;
}

/** What is missing to talk to the configured CRM, one line per variable (empty when all is set). */
export function missingCrmEnv(env: CrmEnv, provider: 'salesforce' | 'hubspot'): string[] {
  if (provider === 'hubspot') {
    return env.HUBSPOT_ACCESS_TOKEN
      ? []
      : [`HUBSPOT_ACCESS_TOKEN: missing; find it at ${WHERE.HUBSPOT_ACCESS_TOKEN}`];
  }
  const out: string[] = [];
  if (!env.SALESFORCE_CLIENT_ID)
    out.push(`SALESFORCE_CLIENT_ID: missing; find it at ${WHERE.SALESFORCE_CLIENT_ID}`);
  if (!env.SALESFORCE_CLIENT_SECRET) {
    out.push(`SALESFORCE_CLIENT_SECRET: missing; find it at ${WHERE.SALESFORCE_CLIENT_SECRET}`);
  }
  if (/^https:\/\/(login|test)\.salesforce\.com\/?$/.test(env.SALESFORCE_LOGIN_URL)) {
    out.push(
      'SALESFORCE_LOGIN_URL: the client-credentials flow needs your My Domain URL (Setup → My Domain), such as https://acme.my.salesforce.com; login.salesforce.com refuses it',
    );
  }
  return out;
}

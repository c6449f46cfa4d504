import { AsyncLocalStorage } from 'node:async_hooks';
import { type Logger as BoltLogger, type LogLevel as BoltLogLevel, LogLevel } from '@slack/bolt';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * The request being handled (request id, kind, user, team, action…), set by the listeners' global middleware
 * for the duration of one Slack request. Every log line written meanwhile carries it, whichever logger wrote it.
 */
export const logContext = new AsyncLocalStorage<Record<string, unknown>>();

/** Slack tokens (bot, user, app-level, refresh, config) and bearer credentials, wherever they appear. */
const TOKEN_PATTERNS: readonly RegExp[] = [/\bxox[abposre]-[A-Za-z0-9-]+/g, /\bxapp-[A-Za-z0-9-]+/g];
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/**
 * The value of any secret-named field, as JSON (also JSON inside a message string, with escaped quotes) or as a
 * form field: the Web API client's debug lines show request bodies such as `oauth.v2.access`'s client_secret.
 */
const SECRET_FIELDS =
  'client_secret|signing_secret|state_secret|clientSecret|signingSecret|stateSecret|secret|password|refresh_token|access_token|token';
const SECRET_JSON = new RegExp(
  `((?:\\\\)*"(?:${SECRET_FIELDS})(?:\\\\)*"\\s*:\\s*(?:\\\\)*")((?:[^"\\\\]|\\\\(?!"))+)`,
  'g',
);
const SECRET_FORM = new RegExp(`\\b((?:${SECRET_FIELDS})=)([^&\\s"\\\\]+)`, 'g');

/** Replaces token-shaped strings, bearer credentials and the values of secret-named fields with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[redacted]');
  for (const p of TOKEN_PATTERNS) out = out.replace(p, '[redacted]');
  return out
    .replace(BEARER, (_m, scheme: string) => `${scheme} [redacted]`)
    .replace(SECRET_JSON, (_m, key: string) => `${key}[redacted]`)
    .replace(SECRET_FORM, (_m, key: string) => `${key}[redacted]`);
}

/**
 * Errors as pino shows them, minus what carries credentials: @slack/web-api attaches the underlying HTTP
 * client's error (`original`), whose request config holds the `Authorization: Bearer xoxb-…` header.
 */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  for (const key of ['code', 'statusCode', 'retryAfter', 'data']) if (e[key] !== undefined) out[key] = e[key];
  const original = e.original as (Error & { code?: string }) | undefined;
  if (original instanceof Error)
    out.cause = { type: original.name, message: original.message, code: original.code };
  return out;
}

/**
 * Structured JSON logs. Tokens and secrets are redacted wherever they appear: known fields by path, and in
 * every line before it is written, token-shaped strings, bearer credentials, secret-named fields (also inside
 * messages that quote a request body) and the exact values of `secrets` (the deployment's own).
 */
export function createLogger(
  level: string,
  destination?: NodeJS.WritableStream | DestinationStream,
  options: { secrets?: ReadonlyArray<string | undefined>; format?: LogFormat } = {},
): Logger {
  const target = destination ?? process.stdout;
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0);
  const pretty = options.format === 'pretty';
  const scrubbing: DestinationStream = {
    write: (line: string) => {
      const clean = scrubSecrets(line, secrets);
      target.write(pretty ? prettyLine(clean) : clean);
    },
  };
  return pino(
    {
      level,
      base: { app: 'foothold' },
      mixin: () => logContext.getStore() ?? {},
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: [
          'token',
          '*.token',
          'botToken',
          '*.botToken',
          'bot.token',
          'installation.bot.token',
          'headers.authorization',
          '*.headers.authorization',
          'config.headers.Authorization',
          'signingSecret',
          'clientSecret',
          'stateSecret',
          '*.signingSecret',
          '*.clientSecret',
        ],
        censor: '[redacted]',
      },
    },
    scrubbing,
  );
}

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const ALWAYS_SHOWN = new Set(['level', 'time', 'msg', 'app', 'component', 'err', 'error', 'pid', 'hostname']);

/**
 * One JSON log line as a person reads it in a terminal (`LOG_FORMAT=pretty`, for development):
 * `14:03:07.412 WARN  [outbox] delivery failed  channel=C0ROUTING attempt=2`, then an error's message and
 * stack indented below. A line that is not JSON passes through unchanged.
 */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = LEVEL_NAMES[Number(entry.level)] ?? String(entry.level ?? '');
  const component = entry.component ? `[${String(entry.component)}] ` : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !ALWAYS_SHOWN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const out = [
    `${time} ${level} ${component}${String(entry.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}`,
  ];
  const err = (entry.err ?? entry.error) as { message?: string; stack?: string; code?: string } | undefined;
  if (err && typeof err === 'object') {
    const stack = err.stack ?? `${err.message ?? ''}${err.code ? ` (${err.code})` : ''}`;
    out.push(...stack.split('\n').map((l) => `    ${l}`));
  }
  return `${out.join('\n')}\n`;
}

const TO_PINO: Record<BoltLogLevel, string> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Bolt's logger interface over pino, so Bolt's own messages and the listeners' (which receive this logger)
 * land in the same structured stream: `logger.warn({ err }, 'msg')` keeps its fields, `logger.error(err)`
 * logs the error as `err`.
 */
export function boltLogger(logger: Logger): BoltLogger {
  let level: BoltLogLevel = LogLevel.INFO;
  const child = logger.child({ component: 'bolt' });
  const text = (m: unknown) =>
    typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m);
  const emit = (lvl: Level, msgs: unknown[]) => {
    // Bolt and the Web API client log at debug on every request: skip formatting lines nobody will see.
    if (!child.isLevelEnabled(lvl)) return;
    const [first, ...rest] = msgs;
    if (first instanceof Error)
      child[lvl]({ err: first }, rest.length ? rest.map(text).join(' ') : first.message);
    else if (first !== null && typeof first === 'object') child[lvl](first, rest.map(text).join(' '));
    else child[lvl](msgs.map(text).join(' '));
  };
  return {
    debug: (...msgs) => emit('debug', msgs),
    info: (...msgs) => emit('info', msgs),
    warn: (...msgs) => emit('warn', msgs),
    error: (...msgs) => emit('error', msgs),
    setLevel: (l) => {
      level = l;
      child.level = TO_PINO[l];
    },
    getLevel: () => level,
    setName: () => {},
  };
}

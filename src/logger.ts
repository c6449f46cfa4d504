import { type Logger as BoltLogger, type LogLevel as BoltLogLevel, LogLevel } from '@slack/bolt';
import { type Logger, pino } from 'pino';

export type { Logger };

/** Structured JSON logs. Tokens and secrets are redacted wherever they appear in a logged object. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'foothold' },
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
        ],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}

const TO_PINO: Record<BoltLogLevel, string> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/** Bolt's logger interface over pino, so Bolt's own messages land in the same structured stream. */
export function boltLogger(logger: Logger): BoltLogger {
  let level: BoltLogLevel = LogLevel.INFO;
  const child = logger.child({ component: 'bolt' });
  const fmt = (msgs: unknown[]) =>
    msgs
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ');
  return {
    debug: (...msgs) => child.debug(fmt(msgs)),
    info: (...msgs) => child.info(fmt(msgs)),
    warn: (...msgs) => child.warn(fmt(msgs)),
    error: (...msgs) => child.error(fmt(msgs)),
    setLevel: (l) => {
      level = l;
      child.level = TO_PINO[l];
    },
    getLevel: () => level,
    setName: () => {},
  };
}

import type { SenderLogger } from '../../src/delivery/outbox-sender.ts';

/** A logger that keeps what it is given, for tests that check what was logged. */
export function captureLogger(): {
  logger: SenderLogger;
  logged: Array<{ level: string; obj: object; msg?: string }>;
} {
  const logged: Array<{ level: string; obj: object; msg?: string }> = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      logged.push({ level, obj, ...(msg ? { msg } : {}) });
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, logged };
}

import { Writable } from 'node:stream';
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

/** A stream for `createLogger` that keeps each JSON line it is given, parsed. */
export class JsonLines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

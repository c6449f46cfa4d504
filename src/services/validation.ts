import type { z } from 'zod';
import { formatPath } from '../config/program-config.ts';
import { DomainError } from '../core/errors.ts';
import { calendarDate, daysBetween } from '../core/time.ts';
import type { WarmthAttestation } from '../core/types.ts';
import type { WarmthInput } from './inputs.ts';

/**
 * Validates a use case's input; every problem becomes a field error keyed by its path (`warmth.strength`),
 * which the Slack edge maps onto the modal's blocks, and the first becomes the message.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(withoutNul(raw));
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = formatPath(issue.path);
    fields[key] ??= issue.message;
  }
  const first = parsed.error.issues[0];
  throw new DomainError('invalid_input', first ? first.message : 'Check the form', { fields });
}

/**
 * The input with every NUL character removed from its strings. Nobody types one, PostgreSQL's text cannot store
 * one (SQLite can), and a NUL smuggled into a form must not make a submission fail on one engine only.
 */
export function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNul(v)]));
  }
  return value;
}

export function toAttestation(w: WarmthInput): WarmthAttestation {
  return {
    strength: w.strength as WarmthAttestation['strength'],
    contactName: w.contactName,
    contactTitle: w.contactTitle,
    lastInteractionOn: w.lastInteractionOn,
    willingToIntroduce: w.willingToIntroduce,
  };
}

/**
 * A last-interaction date may not be in the future. One day of slack matches the warmth gate: a partner east
 * of the program's time zone may already be on tomorrow's date.
 */
export function assertNotFuture(
  isoDate: string,
  deps: { now: () => number; config: { timezone: string } },
): void {
  if (daysBetween(isoDate, calendarDate(deps.now(), deps.config.timezone)) < -1) {
    throw new DomainError('invalid_input', "The last interaction can't be in the future.", {
      fields: { 'warmth.lastInteractionOn': "The last interaction can't be in the future" },
    });
  }
}

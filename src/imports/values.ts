// Cell parsers shared by the imports, and the glue that turns them into zod fields with plain-language errors.
// Every parser takes a trimmed, non-empty cell (or undefined) and says either the value or why not.

import { z } from 'zod';
import { normalizeDomain } from '../core/domain.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (reason: string): Parsed<never> => ({ ok: false, reason });

/** Quotes a cell for an error message, shortened so one bad cell cannot flood the report. */
export function show(value: string): string {
  const s = value.length > 60 ? `${value.slice(0, 57)}…` : value;
  return `"${s}"`;
}

export function parseDomainCell(raw: string | undefined): Parsed<string> {
  if (raw === undefined) return bad('empty; expected a website or domain such as acme.com');
  const result = normalizeDomain(raw);
  return result.ok ? ok(result.domain) : bad(result.reason);
}

const TRUE = new Set(['true', 'yes', 'y', '1', 't']);
const FALSE = new Set(['false', 'no', 'n', '0', 'f']);

/** true/false, yes/no, y/n, 1/0 in any case; empty is false. */
export function parseBooleanCell(raw: string | undefined): Parsed<boolean> {
  if (raw === undefined) return ok(false);
  const v = raw.toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return bad(`expected yes or no (true/false, 1/0, Y/N), got ${show(raw)}`);
}

/** Whole numbers with optional thousands separators: `1200`, `1,200`, `1 200`. */
export function parseCountCell(raw: string | undefined): Parsed<number | null> {
  if (raw === undefined) return ok(null);
  if (!/^\d{1,3}([, ]\d{3})*$|^\d+$/.test(raw))
    return bad(`expected a whole number such as 1,200, got ${show(raw)}`);
  const n = Number(raw.replace(/[, ]/g, ''));
  if (!Number.isSafeInteger(n)) return bad(`${show(raw)} is too large`);
  return ok(n);
}

const MULTIPLIERS: Record<string, number> = { k: 1e3, m: 1e6, mm: 1e6, b: 1e9, bn: 1e9 };

/** Amounts: `1200000`, `1,200,000.50`, `$1,200,000`, `USD 1,200,000`, `€ 3.5M`; never negative. */
export function parseAmountCell(raw: string | undefined): Parsed<number | null> {
  if (raw === undefined) return ok(null);
  const m =
    /^(?:[$€£¥]|[A-Za-z]{3}\s)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(k|m|mm|b|bn)?\s*(?:[A-Za-z]{3})?$/i.exec(
      raw,
    );
  if (!m) return bad(`expected an amount such as $1,200,000, got ${show(raw)}`);
  const base = Number(`${(m[1] ?? '').replace(/,/g, '')}${m[2] ?? ''}`);
  const mult = m[3] ? (MULTIPLIERS[m[3].toLowerCase()] ?? 1) : 1;
  const value = base * mult;
  if (!Number.isFinite(value)) return bad(`${show(raw)} is too large`);
  return ok(value);
}

/** A number of days, whole or not (`42`, `37.5`); never negative. */
export function parseDaysCell(raw: string | undefined): Parsed<number | null> {
  if (raw === undefined) return ok(null);
  const m = /^(\d{1,5}(?:\.\d+)?)\s*(?:d|days?)?$/i.exec(raw);
  if (!m) return bad(`expected a number of days such as 45, got ${show(raw)}`);
  return ok(Number(m[1]));
}

/** An ISO 4217 currency code (`USD`, `eur`), upper-cased. */
export function parseCurrencyCell(raw: string | undefined): Parsed<string | null> {
  if (raw === undefined) return ok(null);
  if (!/^[A-Za-z]{3}$/.test(raw)) return bad(`expected a currency code such as USD or EUR, got ${show(raw)}`);
  return ok(raw.toUpperCase());
}

/** A rate as a fraction (`0.08`) or a percentage (`8%`, `8.5 %`); must be within 0–1 (0–100%). */
export function parseRateCell(raw: string | undefined): Parsed<number | null> {
  if (raw === undefined) return ok(null);
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(%)?$/.exec(raw);
  if (!m) return bad(`expected a rate between 0 and 1 or a percentage such as 8%, got ${show(raw)}`);
  const n = Number(m[1]);
  const rate = m[2] ? n / 100 : n;
  if (rate > 1) {
    return bad(
      m[2]
        ? `expected a percentage up to 100%, got ${show(raw)}`
        : `expected a rate between 0 and 1 (write percentages with %, e.g. 8%), got ${show(raw)}`,
    );
  }
  return ok(rate);
}

/** A zod field over an optional cell, validated by one of the parsers above. */
export function cell<T>(parser: (raw: string | undefined) => Parsed<T>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      const result = parser(raw);
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', message: result.reason });
        return z.NEVER;
      }
      return result.value;
    });
}

/** A required free-text cell, at most `max` characters. */
export function textCell(max: number, what: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `expected ${what}` : undefined) })
    .max(max, `expected at most ${max} characters`);
}

/** An optional free-text cell, at most `max` characters; empty becomes null. */
export function optionalTextCell(max: number) {
  return z
    .string()
    .max(max, `expected at most ${max} characters`)
    .optional()
    .transform((v) => v ?? null);
}

/** `domain: … ; employees: …` from a zod error, naming fields by their CSV labels. */
export function describeRowIssues(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  labels: Readonly<Record<string, string>>,
): string {
  return issues
    .map((issue) => {
      const key = issue.path[0];
      const label = typeof key === 'string' ? (labels[key] ?? key) : undefined;
      const message = issue.message.replace(/\.$/, '');
      return label ? `${label}: ${message}` : message;
    })
    .join('; ');
}

// Reading CRM field values, which arrive as JSON values (Salesforce REST), CSV strings (Bulk API 2.0) or
// strings only (HubSpot properties). Blank means absent.

export function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

export function number(v: unknown): number | null {
  const s = text(v);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export function flag(v: unknown): boolean {
  return v === true || v === 'true' || v === 'TRUE';
}

/**
 * Epoch ms from epoch-ms digits (HubSpot), ISO 8601 (HubSpot), or Salesforce's `2026-01-01T00:00:00.000+0000`
 * (Date.parse wants `+00:00`).
 */
export function epochMs(v: unknown): number | null {
  const s = text(v);
  if (s === null) return null;
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : t;
}

/** Whether the value is one of `values` (case-insensitive); null when the field is blank. */
export function oneOf(v: unknown, values: readonly string[]): boolean {
  const s = text(v);
  return s !== null && values.some((x) => x.toLowerCase() === s.toLowerCase());
}

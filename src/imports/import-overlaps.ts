// Account-mapping overlaps of one partner (PRODUCT.md sections 1 and 8) → `partner_overlaps`, upserted by
// partner + domain. An overlap in this table is what marks a lead's overlap gate as *verified*.

import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import type { Relationship } from '../core/types.ts';
import type { Db } from '../db/connection.ts';
import { createOverlapStage, findPartner, listPartners } from '../db/stores/import-store.ts';
import type { ColumnSpec, CsvSource } from './csv-rows.ts';
import { type ImportOptions, type ImportResult, runImport } from './run-import.ts';
import { cell, describeRowIssues, type Parsed, parseDomainCell, show } from './values.ts';

export const OVERLAP_COLUMNS = [
  {
    field: 'domain',
    label: 'domain',
    required: true,
    aliases: [
      'Domain',
      'Company Domain Name',
      'Website',
      'Company Website',
      'Web Site',
      'URL',
      'Account Domain',
    ],
  },
  {
    field: 'relationship',
    label: 'relationship',
    required: true,
    aliases: ['Relationship', 'Status', 'Overlap Type', 'Overlap', 'Population'],
  },
] as const satisfies readonly ColumnSpec[];

const LABELS: Record<string, string> = Object.fromEntries(OVERLAP_COLUMNS.map((c) => [c.field, c.label]));

const RELATIONSHIP_ALIASES: Record<string, Relationship> = {
  customer: 'customer',
  customers: 'customer',
  prospect: 'prospect',
  prospects: 'prospect',
  openopportunity: 'open_opportunity',
  openopportunities: 'open_opportunity',
  opportunity: 'open_opportunity',
  opportunities: 'open_opportunity',
  openopp: 'open_opportunity',
  opp: 'open_opportunity',
};

export function parseRelationshipCell(raw: string | undefined): Parsed<Relationship> {
  const expected = 'expected customer, prospect or open opportunity';
  if (raw === undefined) return { ok: false, reason: expected };
  const rel = RELATIONSHIP_ALIASES[raw.toLowerCase().replace(/[^a-z]/g, '')];
  return rel ? { ok: true, value: rel } : { ok: false, reason: `${expected}, got ${show(raw)}` };
}

const overlapRow = z.object({
  domain: cell(parseDomainCell),
  relationship: cell(parseRelationshipCell),
});

/**
 * Imports one partner's account-mapping overlaps. The partner must be registered (and active) in
 * `partner_orgs`; otherwise a DomainError (`not_found` / `invalid_input`) explains which partners exist.
 */
export async function importOverlaps(
  db: Db,
  source: CsvSource,
  options: ImportOptions & { partner: string },
): Promise<ImportResult> {
  const partner = await findPartner(db, options.partner);
  if (!partner) {
    const known = (await listPartners(db)).filter((p) => p.active).map((p) => p.slug);
    throw new DomainError(
      'not_found',
      `unknown partner "${options.partner}": ${
        known.length > 0 ? `known partners are ${known.join(', ')}` : 'no partners are registered'
      } (partners come from the "partners" list of the config file)`,
    );
  }
  if (!partner.active) {
    throw new DomainError(
      'invalid_input',
      `partner "${partner.slug}" is no longer in the config file (inactive); add it back to import its overlaps`,
    );
  }
  const parseRow = (values: Partial<Record<'domain' | 'relationship', string>>) => {
    const parsed = overlapRow.safeParse(values);
    return parsed.success
      ? { ok: true as const, row: parsed.data }
      : { ok: false as const, reason: describeRowIssues(parsed.error.issues, LABELS) };
  };
  return runImport(source, OVERLAP_COLUMNS, parseRow, createOverlapStage(db, partner.slug), options);
}

// Baseline conversion of other lead types per period (PRODUCT.md sections 7 and 8) → `baselines`, upserted by
// lead type + period.
//
// Optional revenue and speed columns: average deal size (with its currency), average days from lead to
// opportunity and from lead to a won close, compared with the same figures for EQLs.
//
// Each row gives counts (Leads, Opportunities, Won), rates (Opportunity Rate, Win Rate) or a mix. Rates are
// lead-based, as in the config's `baselines`: opportunity rate = opportunities / leads, win rate = won / leads.
// A rate is computed from counts when both its counts are present; a rate given alongside them must agree
// (within half a percentage point, to allow for rounding). Counts must satisfy won ≤ opportunities ≤ leads.

import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import { type BaselineImportRow, createBaselineStage } from '../db/stores/import-store.ts';
import type { ColumnSpec, CsvSource } from './csv-rows.ts';
import { type ImportOptions, type ImportResult, runImport } from './run-import.ts';
import {
  cell,
  describeRowIssues,
  type Parsed,
  parseAmountCell,
  parseCountCell,
  parseCurrencyCell,
  parseDaysCell,
  parseRateCell,
  show,
  textCell,
} from './values.ts';

export const BASELINE_COLUMNS = [
  { field: 'leadType', label: 'lead type', required: true, aliases: ['Lead Type', 'Type'] },
  { field: 'period', label: 'period', required: true, aliases: ['Period', 'Quarter', 'Month', 'Year'] },
  { field: 'leads', label: 'leads', aliases: ['Leads', 'Lead Count', 'Number of Leads'] },
  { field: 'opportunities', label: 'opportunities', aliases: ['Opportunities', 'Opportunity Count', 'Opps'] },
  { field: 'won', label: 'won', aliases: ['Won', 'Wins', 'Closed Won', 'Won Count'] },
  {
    field: 'opportunityRate',
    label: 'opportunity rate',
    aliases: ['Opportunity Rate', 'Opp Rate', 'Lead to Opportunity Rate'],
  },
  { field: 'winRate', label: 'win rate', aliases: ['Win Rate', 'Lead to Win Rate', 'Won Rate'] },
  {
    field: 'avgDealSize',
    label: 'average deal size',
    aliases: ['Average Deal Size', 'Avg Deal Size', 'Deal Size', 'Average Won Amount', 'ADS'],
  },
  { field: 'currency', label: 'currency', aliases: ['Currency', 'Currency Code', 'Deal Currency'] },
  {
    field: 'daysToOpportunity',
    label: 'days to opportunity',
    aliases: ['Days to Opportunity', 'Lead to Opportunity Days', 'Days to Opp'],
  },
  {
    field: 'daysToClose',
    label: 'days to close',
    aliases: ['Days to Close', 'Cycle Days', 'Sales Cycle Days', 'Sales Cycle', 'Lead to Close Days'],
  },
] as const satisfies readonly ColumnSpec[];

type BaselineField = (typeof BASELINE_COLUMNS)[number]['field'];

const LABELS: Record<string, string> = Object.fromEntries(BASELINE_COLUMNS.map((c) => [c.field, c.label]));

/** `2024`, `2024-Q1` (also `2024 Q1`, `2024Q1`, `Q1 2024`), `2024-03` (also `2024-3`, `2024/03`). */
export function parsePeriodCell(raw: string | undefined): Parsed<string> {
  const expected = 'expected a year (2024), a quarter (2024-Q1) or a month (2024-03)';
  if (raw === undefined) return { ok: false, reason: expected };
  const v = raw.trim();
  let m = /^(\d{4})$/.exec(v);
  if (m) return { ok: true, value: m[1]! };
  m = /^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$/.exec(v);
  if (m) return { ok: true, value: `${m[1]}-Q${m[2]}` };
  m = /^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$/.exec(v);
  if (m) return { ok: true, value: `${m[2]}-Q${m[1]}` };
  m = /^(\d{4})[-/](\d{1,2})$/.exec(v);
  if (m) {
    const month = Number(m[2]);
    if (month >= 1 && month <= 12) return { ok: true, value: `${m[1]}-${String(month).padStart(2, '0')}` };
  }
  return { ok: false, reason: `${expected}, got ${show(raw)}` };
}

const pct = (rate: number) => `${Number((rate * 100).toFixed(2))}%`;
const RATE_TOLERANCE = 0.005 + 1e-9;

const baselineRow = z
  .object({
    leadType: textCell(40, 'a lead type such as MQL').transform((s) => s.replace(/\s+/g, ' ')),
    period: cell(parsePeriodCell),
    leads: cell(parseCountCell),
    opportunities: cell(parseCountCell),
    won: cell(parseCountCell),
    opportunityRate: cell(parseRateCell),
    winRate: cell(parseRateCell),
    avgDealSize: cell(parseAmountCell),
    currency: cell(parseCurrencyCell),
    daysToOpportunity: cell(parseDaysCell),
    daysToClose: cell(parseDaysCell),
  })
  .transform((r, ctx): BaselineImportRow => {
    const raised = new Set<string>();
    const issue = (path: BaselineField, message: string) => {
      if (raised.has(`${path}:${message}`)) return;
      raised.add(`${path}:${message}`);
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    const { leads, opportunities, won } = r;
    if (opportunities !== null && leads !== null && opportunities > leads) {
      issue('opportunities', `${opportunities} is more than leads (${leads})`);
    }
    if (won !== null && opportunities !== null && won > opportunities) {
      issue('won', `${won} is more than opportunities (${opportunities})`);
    } else if (won !== null && leads !== null && won > leads) {
      issue('won', `${won} is more than leads (${leads})`);
    }
    const rate = (count: number | null, given: number | null, field: BaselineField, what: string): number => {
      if (count !== null && leads !== null) {
        if (leads === 0) {
          issue('leads', 'expected more than 0 leads to compute rates');
          return 0;
        }
        const computed = count / leads;
        if (given !== null && Math.abs(given - computed) > RATE_TOLERANCE) {
          issue(
            field,
            `${pct(given)} does not match ${what} / leads = ${count} / ${leads} = ${pct(computed)}`,
          );
        }
        return computed;
      }
      if (given !== null) return given;
      issue(field, `expected a ${LABELS[field]} column, or ${what} and leads to compute it from`);
      return 0;
    };
    const opportunityRate = rate(opportunities, r.opportunityRate, 'opportunityRate', 'opportunities');
    const winRate = rate(won, r.winRate, 'winRate', 'won');
    if (winRate > opportunityRate + 1e-12 && (won === null || opportunities === null)) {
      issue('winRate', `${pct(winRate)} is more than the opportunity rate (${pct(opportunityRate)})`);
    }
    if (r.currency !== null && r.avgDealSize === null) {
      issue('currency', 'a currency needs an average deal size to apply to');
    }
    if (
      r.daysToOpportunity !== null &&
      r.daysToClose !== null &&
      r.daysToClose + 1e-9 < r.daysToOpportunity
    ) {
      issue('daysToClose', `${r.daysToClose} is fewer than the days to opportunity (${r.daysToOpportunity})`);
    }
    return {
      leadType: r.leadType,
      period: r.period,
      leads,
      opportunities,
      won,
      opportunityRate,
      winRate,
      avgDealSize: r.avgDealSize,
      currency: r.currency,
      daysToOpportunity: r.daysToOpportunity,
      daysToClose: r.daysToClose,
    };
  });

/** Imports baseline conversion per lead type and period. */
export async function importBaselines(
  db: Db,
  source: CsvSource,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const parseRow = (values: Partial<Record<BaselineField, string>>) => {
    const parsed = baselineRow.safeParse(values);
    return parsed.success
      ? { ok: true as const, row: parsed.data }
      : { ok: false as const, reason: describeRowIssues(parsed.error.issues, LABELS) };
  };
  return runImport(source, BASELINE_COLUMNS, parseRow, createBaselineStage(db), options);
}

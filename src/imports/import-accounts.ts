// CRM accounts import (PRODUCT.md section 8) → `crm_accounts`, upserted by registrable domain.
// Column names follow typical Salesforce and HubSpot exports; see ACCOUNT_COLUMNS for every accepted alias.

import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import { type AccountImportRow, createAccountStage } from '../db/stores/import-store.ts';
import { countryCode } from './countries.ts';
import type { ColumnSpec, CsvSource } from './csv-rows.ts';
import { type ImportOptions, type ImportResult, type RowParse, runImport } from './run-import.ts';
import {
  cell,
  describeRowIssues,
  optionalTextCell,
  type Parsed,
  parseAmountCell,
  parseBooleanCell,
  parseCountCell,
  parseDomainCell,
  show,
  textCell,
} from './values.ts';

/** `Type` = `Customer - Direct` (Salesforce) or `Lifecycle Stage` = `Customer` (HubSpot) mark a customer. */
const customerType = (value: string) => (/^customer\b/i.test(value) ? 'yes' : 'no');

export const ACCOUNT_COLUMNS = [
  {
    field: 'name',
    label: 'name',
    required: true,
    aliases: ['Account Name', 'Company Name', 'Company', 'Name'],
  },
  {
    field: 'domain',
    label: 'domain',
    required: true,
    aliases: ['Domain', 'Company Domain Name', 'Website', 'Company Website', 'Web Site', 'URL'],
  },
  { field: 'industry', label: 'industry', aliases: ['Industry'] },
  { field: 'employees', label: 'employees', aliases: ['Employees', 'Number of Employees', 'Employee Count'] },
  { field: 'country', label: 'country', aliases: ['Billing Country', 'Country', 'Country/Region'] },
  { field: 'revenue', label: 'revenue', aliases: ['Annual Revenue', 'Revenue'] },
  {
    field: 'ownerUserId',
    label: 'owner',
    aliases: ['Owner Slack ID', 'Account Owner Slack ID', 'Account Owner', 'Company Owner', 'Owner'],
  },
  {
    field: 'isCustomer',
    label: 'customer',
    aliases: [
      'Customer',
      'Is Customer',
      { header: 'Type', map: customerType },
      { header: 'Lifecycle Stage', map: customerType },
    ],
  },
  {
    field: 'hasOpenOpportunity',
    label: 'open opportunity',
    aliases: ['Open Opportunity', 'Has Open Opportunity'],
  },
] as const satisfies readonly ColumnSpec[];

type AccountField = (typeof ACCOUNT_COLUMNS)[number]['field'];

const LABELS: Record<string, string> = Object.fromEntries(ACCOUNT_COLUMNS.map((c) => [c.field, c.label]));

function parseCountryCell(raw: string | undefined): Parsed<string | null> {
  if (raw === undefined) return { ok: true, value: null };
  const code = countryCode(raw);
  return code
    ? { ok: true, value: code }
    : { ok: false, reason: `unknown country ${show(raw)} (use a 2-letter ISO code such as US, GB, DE)` };
}

/** A Slack user id (`U0123ABCD`, also written `<@U0123ABCD>`), or null for anything else (a CRM user name). */
export function slackOwnerId(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const m = /^<?@?([UW][A-Z0-9]{2,})>?$/.exec(raw);
  return m?.[1] ?? null;
}

const accountRow = z.object({
  name: textCell(255, 'an account name'),
  domain: cell(parseDomainCell),
  industry: optionalTextCell(120),
  employees: cell(parseCountCell),
  country: cell(parseCountryCell),
  revenue: cell(parseAmountCell),
  ownerUserId: z.string().optional(),
  isCustomer: cell(parseBooleanCell),
  hasOpenOpportunity: cell(parseBooleanCell),
});

export type AccountValues = Partial<Record<AccountField, string>>;

/**
 * The row `parseAccountValues` gives for a valid row, checked by hand with the same cell parsers; undefined
 * when any cell is invalid, and then `parseAccountValues` says why, in the words of its messages. zod's
 * general machinery was a fifth of a million-row import's time, spent on rows that are nearly always valid.
 */
export function validAccountRow(v: AccountValues): { ok: true; row: AccountImportRow } | undefined {
  const { name, industry } = v;
  if (name === undefined || name.length > 255) return undefined;
  if (industry !== undefined && industry.length > 120) return undefined;
  const domain = parseDomainCell(v.domain);
  const employees = parseCountCell(v.employees);
  const country = parseCountryCell(v.country);
  const revenue = parseAmountCell(v.revenue);
  const isCustomer = parseBooleanCell(v.isCustomer);
  const hasOpenOpportunity = parseBooleanCell(v.hasOpenOpportunity);
  if (!domain.ok || !employees.ok || !country.ok || !revenue.ok || !isCustomer.ok || !hasOpenOpportunity.ok)
    return undefined;
  const row: AccountImportRow = {
    name,
    domain: domain.value,
    industry: industry ?? null,
    employees: employees.value,
    country: country.value,
    revenue: revenue.value,
    ownerUserId: slackOwnerId(v.ownerUserId),
    isCustomer: isCustomer.value,
    hasOpenOpportunity: hasOpenOpportunity.value,
  };
  return { ok: true, row };
}

/** One row through `accountRow`: the reference for `validAccountRow`, and the messages for invalid rows. */
export function parseAccountValues(values: AccountValues): RowParse<AccountImportRow> {
  const parsed = accountRow.safeParse(values);
  if (!parsed.success) return { ok: false, reason: describeRowIssues(parsed.error.issues, LABELS) };
  const { ownerUserId: owner, ...rest } = parsed.data;
  return { ok: true, row: { ...rest, ownerUserId: slackOwnerId(owner) } };
}

export interface AccountsImportResult extends ImportResult {
  /** Accepted rows with an owner that is not a Slack user id (stored without an owner). */
  unmappedOwners: number;
}

/**
 * Imports a CRM accounts CSV. Required columns: name and domain (website). An owner is kept only when it is a
 * Slack user id (an `Owner Slack ID` column, or an owner cell holding one); other owners are stored empty and
 * counted in `unmappedOwners`.
 */
export async function importAccounts(
  db: Db,
  source: CsvSource,
  options: ImportOptions = {},
): Promise<AccountsImportResult> {
  let unmappedOwners = 0;
  const parseRow = (values: AccountValues): RowParse<AccountImportRow> => {
    const row = validAccountRow(values) ?? parseAccountValues(values);
    if (!row.ok) return row;
    if (values.ownerUserId !== undefined && row.row.ownerUserId === null) unmappedOwners += 1;
    return row;
  };
  const result = await runImport(source, ACCOUNT_COLUMNS, parseRow, createAccountStage(db), options);
  if (unmappedOwners > 0) {
    result.warnings.push(
      `${unmappedOwners.toLocaleString('en-US')} owner${unmappedOwners === 1 ? '' : 's'} could not be mapped to a Slack user id and ${
        unmappedOwners === 1 ? 'was' : 'were'
      } left empty (add an "Owner Slack ID" column with ids such as U0123ABCD)`,
    );
  }
  return { ...result, unmappedOwners };
}

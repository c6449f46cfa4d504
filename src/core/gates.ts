import type { IcpCriterion, ProgramConfig, RoutingRule } from '../config/program-config.ts';
import { normalizeDomain } from './domain.ts';
import { daysBetween, isIsoDate } from './time.ts';
import type {
  CrmAccount,
  FieldSource,
  Firmographics,
  GateResult,
  PartnerOverlap,
  Relationship,
  SourcedFirmographics,
  WarmthAttestation,
} from './types.ts';

// The four EQL gates (PRODUCT.md section 1). Each returns pass | fail | unknown with one plain sentence
// a partner or rep can act on. Partners may read these reasons: never put channel ids, other partners'
// names or internal user ids in them (those go in `details`).

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const fmt = (n: number): string => numberFormat.format(n);

/** "a", "a and b", "a, b and c". */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

const norm = (s: string): string => s.trim().toLowerCase();

// ─── overlap ─────────────────────────────────────────────────────────────────────────────────────────

const RELATIONSHIP_PHRASE: Record<Relationship, string> = {
  customer: 'is a customer',
  prospect: 'is a prospect',
  open_opportunity: 'is an open opportunity',
};

export function evaluateOverlap(input: {
  relationship: Relationship | null;
  partnerName: string;
  overlap: PartnerOverlap | null;
  /** Optional: how to name the account in the reason (falls back to the domain, then "the account"). */
  accountName?: string | null | undefined;
  domain?: string | null | undefined;
}): GateResult {
  const { relationship, partnerName, overlap } = input;
  const account = input.accountName?.trim() || input.domain?.trim() || overlap?.domain || 'the account';
  const verified = overlap !== null;

  if (relationship !== null) {
    let evidence = verified ? 'verified by account mapping' : 'attested';
    if (overlap && overlap.relationship !== relationship) {
      evidence += `, which lists it as ${RELATIONSHIP_PHRASE[overlap.relationship].replace(/^is /, '')}`;
    }
    return {
      gate: 'overlap',
      outcome: 'pass',
      reason: `${partnerName} says ${account} ${RELATIONSHIP_PHRASE[relationship]} (${evidence}).`,
      details: {
        relationship,
        verified,
        ...(overlap ? { mappedRelationship: overlap.relationship } : {}),
      },
    };
  }
  if (overlap) {
    return {
      gate: 'overlap',
      outcome: 'pass',
      reason: `Account mapping shows ${account} ${RELATIONSHIP_PHRASE[overlap.relationship]} of ${partnerName} (verified by account mapping).`,
      details: {
        relationship: overlap.relationship,
        verified: true,
        mappedRelationship: overlap.relationship,
      },
    };
  }
  return {
    gate: 'overlap',
    outcome: 'unknown',
    reason: 'Waiting for the partner to state the relationship (customer, prospect or open opportunity).',
    details: { relationship: null, verified: false },
  };
}

// ─── warmth ──────────────────────────────────────────────────────────────────────────────────────────

/** A partner a day ahead of the program's time zone may legitimately enter "tomorrow". */
const FUTURE_TOLERANCE_DAYS = 1;

function agoPhrase(days: number): string {
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  return `${days} days ago`;
}

export function evaluateWarmth(
  att: WarmthAttestation | null,
  rules: { minStrength: number; maxAgeDays: number },
  today: string,
): GateResult {
  if (!att) {
    return {
      gate: 'warmth',
      outcome: 'unknown',
      reason: 'Waiting for the partner to attest warmth.',
      details: { strength: null, daysSinceInteraction: null, willingToIntroduce: null, failures: [] },
    };
  }

  const failures: string[] = [];
  if (att.strength < rules.minStrength) {
    failures.push(`strength ${att.strength}/5 is below the ${rules.minStrength} required`);
  }

  let daysSinceInteraction: number | null = null;
  const last = att.lastInteractionOn?.trim() || null;
  if (last === null) {
    failures.push('no date of last interaction; add when you last spoke with the contact');
  } else if (!isIsoDate(last)) {
    failures.push(`the last interaction date "${last}" is not a valid date; use the form YYYY-MM-DD`);
  } else {
    daysSinceInteraction = daysBetween(last, today);
    if (daysSinceInteraction < -FUTURE_TOLERANCE_DAYS) {
      failures.push(`the last interaction date ${last} is in the future; enter the date you last spoke`);
    } else if (daysSinceInteraction > rules.maxAgeDays) {
      failures.push(
        `your last interaction is ${daysSinceInteraction} days old (limit ${rules.maxAgeDays}); update the attestation if you have spoken since`,
      );
    }
  }

  if (!att.willingToIntroduce) {
    failures.push(
      'the partner is not willing to introduce; update the attestation when an introduction is possible',
    );
  }

  const details = {
    strength: att.strength,
    daysSinceInteraction,
    willingToIntroduce: att.willingToIntroduce,
    failures,
  };
  if (failures.length > 0) {
    return { gate: 'warmth', outcome: 'fail', reason: sentence(failures.join('; ')), details };
  }

  const name = att.contactName?.trim();
  const title = att.contactTitle?.trim();
  const contact = name ? ` with ${name}${title ? ` (${title})` : ''}` : '';
  return {
    gate: 'warmth',
    outcome: 'pass',
    reason: `Strength ${att.strength}/5${contact}, last spoke ${agoPhrase(daysSinceInteraction ?? 0)}, willing to introduce.`,
    details,
  };
}

// ─── fit ─────────────────────────────────────────────────────────────────────────────────────────────

type FirmKey = keyof Firmographics;
const FIRM_KEYS: readonly FirmKey[] = ['industry', 'employees', 'country', 'revenue'];

function present(v: unknown): v is string | number {
  if (typeof v === 'string') return v.trim() !== '';
  if (typeof v === 'number') return Number.isFinite(v);
  return false;
}

function sourced(v: unknown, source: FieldSource): { value: string | number; source: FieldSource } | null {
  if (!present(v)) return null;
  return { value: typeof v === 'string' ? v.trim() : v, source };
}

/** CRM value first, partner value second, each marked with its source. Blank strings count as missing. */
export function mergeFirmographics(crm: CrmAccount | null, partner: Firmographics): SourcedFirmographics {
  const out: Record<FirmKey, { value: string | number; source: FieldSource } | null> = {
    industry: null,
    employees: null,
    country: null,
    revenue: null,
  };
  for (const key of FIRM_KEYS) {
    out[key] = sourced(crm?.[key], 'crm') ?? sourced(partner[key], 'partner');
  }
  return out as SourcedFirmographics;
}

export interface CriterionLine {
  field: IcpCriterion['field'];
  outcome: 'match' | 'miss' | 'unknown';
  weight: number;
  value: string | number | null;
  source: FieldSource | null;
  reason: string;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function describeValue(field: IcpCriterion['field'], value: string | number, source: FieldSource): string {
  const tag = source === 'partner' ? ' (partner-supplied)' : '';
  if (field === 'employees') return `${fmt(value as number)} employees${tag}`;
  if (field === 'revenue') return `revenue ${fmt(value as number)}${tag}`;
  return `${field} ${value}${tag}`;
}

function describeBand(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${fmt(min)}–${fmt(max)}`;
  if (min !== undefined) return `at least ${fmt(min)}`;
  return `at most ${fmt(max ?? 0)}`;
}

function scoreCriterion(c: IcpCriterion, firm: SourcedFirmographics): CriterionLine {
  const slot = firm[c.field];
  if (!slot) {
    return {
      field: c.field,
      outcome: 'unknown',
      weight: c.weight,
      value: null,
      source: null,
      reason: `${c.field} unknown`,
    };
  }
  const base = { field: c.field, weight: c.weight, value: slot.value, source: slot.source };
  const what = describeValue(c.field, slot.value, slot.source);

  if (c.field === 'industry' || c.field === 'country') {
    const wanted = c.in.map(norm);
    const ok = wanted.includes(norm(String(slot.value)));
    return {
      ...base,
      outcome: ok ? 'match' : 'miss',
      reason: `${what} is ${ok ? '' : 'not '}in ${c.in.join(', ')}`,
    };
  }

  const n = Number(slot.value);
  const band = describeBand(c.min, c.max);
  if (!Number.isFinite(n)) {
    return { ...base, outcome: 'miss', reason: `${what} is not a number` };
  }
  if (c.min !== undefined && n < c.min) {
    return { ...base, outcome: 'miss', reason: `${what} is below ${fmt(c.min)} (wanted ${band})` };
  }
  if (c.max !== undefined && n > c.max) {
    return { ...base, outcome: 'miss', reason: `${what} is above ${fmt(c.max)} (wanted ${band})` };
  }
  return { ...base, outcome: 'match', reason: `${what} is within ${band}` };
}

function isBlocked(domain: string, entries: readonly string[]): string | null {
  const parsed = normalizeDomain(domain);
  const candidates = new Set([norm(domain)]);
  if (parsed.ok) candidates.add(parsed.domain);
  for (const raw of entries) {
    const n = normalizeDomain(raw);
    // Entries the public suffix list does not know (e.g. `competitor.example`) are compared as written.
    const entry = n.ok
      ? n.domain
      : norm(raw)
          .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
          .replace(/^www\./, '');
    if (entry === '') continue;
    for (const d of candidates) {
      if (d === entry || d.endsWith(`.${entry}`)) return entry;
    }
  }
  return null;
}

export function evaluateFit(
  input: { domain: string; firmographics: SourcedFirmographics; crm: CrmAccount | null },
  icp: ProgramConfig['icp'],
): GateResult {
  const criteria = icp.criteria.map((c) => scoreCriterion(c, input.firmographics));
  const total = criteria.reduce((s, c) => s + c.weight, 0);
  const matched = criteria.filter((c) => c.outcome === 'match').reduce((s, c) => s + c.weight, 0);
  const unknownWeight = criteria.filter((c) => c.outcome === 'unknown').reduce((s, c) => s + c.weight, 0);
  const score = total > 0 ? round1((100 * matched) / total) : 0;
  const ceiling = total > 0 ? round1((100 * (matched + unknownWeight)) / total) : 0;
  const unknown = [...new Set(criteria.filter((c) => c.outcome === 'unknown').map((c) => c.field))];
  const details: Record<string, unknown> = { score, minScore: icp.minScore, criteria, unknown };
  const accountName = input.crm?.name?.trim() || input.domain;

  if (icp.exclude.customers && input.crm?.isCustomer) {
    return {
      gate: 'fit',
      outcome: 'fail',
      reason: `${accountName} is already a customer, so it cannot be a new lead.`,
      details: { ...details, excluded: 'customer' },
    };
  }
  const blocked = isBlocked(input.domain, icp.exclude.domains);
  if (blocked !== null) {
    return {
      gate: 'fit',
      outcome: 'fail',
      reason: `${input.domain} is on the excluded list (blocked domain or competitor), so it cannot be a lead.`,
      details: { ...details, excluded: 'domain', blockedDomain: blocked },
    };
  }

  const misses = criteria.filter((c) => c.outcome === 'miss').map((c) => c.reason);
  if (score >= icp.minScore) {
    const lines = criteria.map((c) => c.reason);
    return {
      gate: 'fit',
      outcome: 'pass',
      reason: `ICP score ${score}/100 meets the ${icp.minScore} required: ${lines.join('; ')}.`,
      details,
    };
  }
  if (ceiling >= icp.minScore) {
    return {
      gate: 'fit',
      outcome: 'unknown',
      reason: `ICP score ${score}/100 so far; add ${listPhrase(unknown)} to finish scoring.`,
      details,
    };
  }
  const why = misses.length > 0 ? misses.join('; ') : 'not enough criteria match';
  const unknownNote =
    unknown.length > 0 ? ` (${listPhrase(unknown)} unknown, which cannot close the gap)` : '';
  return {
    gate: 'fit',
    outcome: 'fail',
    reason: `ICP score ${score}/100 is below ${icp.minScore}: ${why}${unknownNote}.`,
    details,
  };
}

// ─── motion ──────────────────────────────────────────────────────────────────────────────────────────

export interface RouteFacts {
  country: string | null;
  industry: string | null;
  employees: number | null;
  partnerSlug: string;
  crmOwnerUserId: string | null;
}

export interface RouteChoice {
  /** 0-based index into `routing` (reasons show it 1-based as "rule N"). */
  ruleIndex: number;
  channel: string;
  pool: string[] | null;
  /** The CRM owner, when the matched rule has `when.crmOwner: true`. */
  assignTo: string | null;
}

function inList(value: string | null, list: readonly string[] | undefined): boolean {
  if (list === undefined) return true;
  if (value === null || value.trim() === '') return false;
  const v = norm(value);
  return list.some((x) => norm(x) === v);
}

function ruleMatches(rule: RoutingRule, facts: RouteFacts): boolean {
  const w = rule.when;
  if (!inList(facts.country, w.country)) return false;
  if (!inList(facts.industry, w.industry)) return false;
  if (!inList(facts.partnerSlug, w.partner)) return false;
  if (w.employees) {
    if (facts.employees === null || !Number.isFinite(facts.employees)) return false;
    if (w.employees.min !== undefined && facts.employees < w.employees.min) return false;
    if (w.employees.max !== undefined && facts.employees > w.employees.max) return false;
  }
  if (w.crmOwner && !facts.crmOwnerUserId) return false;
  return true;
}

/** The first rule whose every given `when` key matches; an empty `when` matches everything. */
export function chooseRoute(rules: RoutingRule[], facts: RouteFacts): RouteChoice | null {
  for (const [i, rule] of rules.entries()) {
    if (!ruleMatches(rule, facts)) continue;
    return {
      ruleIndex: i,
      channel: rule.channel,
      pool: rule.pool ? [...rule.pool] : null,
      assignTo: rule.when.crmOwner ? facts.crmOwnerUserId : null,
    };
  }
  return null;
}

/** What the rule matched on, in words safe to show a partner (no other partners' names, no ids). */
function matchedOn(rule: RoutingRule, facts: RouteFacts): string[] {
  const w = rule.when;
  const out: string[] = [];
  if (w.country) out.push(`country ${facts.country?.trim().toUpperCase()}`);
  if (w.industry) out.push(`industry ${facts.industry?.trim()}`);
  if (w.employees) out.push(`${fmt(facts.employees ?? 0)} employees`);
  if (w.partner) out.push('partner');
  if (w.crmOwner) out.push('CRM owner');
  return out;
}

export function evaluateMotion(
  rules: RoutingRule[],
  facts: RouteFacts,
): { result: GateResult; route: RouteChoice | null } {
  const route = chooseRoute(rules, facts);
  if (!route) {
    return {
      result: {
        gate: 'motion',
        outcome: 'fail',
        reason: 'No routing rule matches; add a fallback rule.',
        details: { ruleIndex: null, channel: null, pool: null, assignTo: null },
      },
      route: null,
    };
  }
  const rule = rules[route.ruleIndex]!;
  const on = matchedOn(rule, facts);
  const which =
    on.length > 0
      ? `rule ${route.ruleIndex + 1} (${on.join(', ')})`
      : `the fallback rule (rule ${route.ruleIndex + 1})`;
  let who = '';
  if (route.assignTo) who = ', assigned to the account owner in the CRM';
  else if (route.pool) who = `, rep pool of ${route.pool.length}`;
  return {
    result: {
      gate: 'motion',
      outcome: 'pass',
      reason: `Routes by ${which} to the team channel${who}.`,
      details: {
        ruleIndex: route.ruleIndex,
        rule: route.ruleIndex + 1,
        matchedOn: on,
        channel: route.channel,
        pool: route.pool,
        assignTo: route.assignTo,
      },
    },
    route,
  };
}

import type { ProgramConfig } from '../config/program-config.ts';
import {
  evaluateFit,
  evaluateMotion,
  evaluateOverlap,
  evaluateWarmth,
  mergeFirmographics,
  type RouteChoice,
} from './gates.ts';
import type {
  CrmAccount,
  Firmographics,
  GateName,
  GateResult,
  PartnerOverlap,
  Relationship,
  WarmthAttestation,
} from './types.ts';

// Runs the four gates and derives the lead's gate status (PRODUCT.md sections 1 and 3).

export interface QualifyInput {
  domain: string;
  relationship: Relationship | null;
  partnerSlug: string;
  partnerName: string;
  warmth: WarmthAttestation | null;
  partnerFirmographics: Firmographics;
  crm: CrmAccount | null;
  overlap: PartnerOverlap | null;
  /** Optional: the account name to use in reasons (defaults to the CRM name, then the domain). */
  accountName?: string | null | undefined;
}

export interface Qualification {
  status: 'qualified' | 'candidate' | 'awaiting_attestation';
  /** Always overlap, warmth, fit, motion. */
  gates: GateResult[];
  icpScore: number | null;
  route: RouteChoice | null;
  /** Gates whose outcome is not pass, in gate order. */
  failing: GateName[];
  overlapVerified: boolean;
}

export function qualify(
  input: QualifyInput,
  rules: Pick<ProgramConfig, 'warmth' | 'icp' | 'routing'>,
  today: string,
): Qualification {
  const overlap = evaluateOverlap({
    relationship: input.relationship,
    partnerName: input.partnerName,
    overlap: input.overlap,
    accountName: input.accountName?.trim() || input.crm?.name,
    domain: input.domain,
  });
  const warmth = evaluateWarmth(input.warmth, rules.warmth, today);
  const firmographics = mergeFirmographics(input.crm, input.partnerFirmographics);
  const fit = evaluateFit({ domain: input.domain, firmographics, crm: input.crm }, rules.icp);
  const motion = evaluateMotion(rules.routing, {
    country: firmographics.country ? String(firmographics.country.value) : null,
    industry: firmographics.industry ? String(firmographics.industry.value) : null,
    employees: firmographics.employees ? Number(firmographics.employees.value) : null,
    partnerSlug: input.partnerSlug,
    crmOwnerUserId: input.crm?.ownerUserId ?? null,
  });

  const gates = [overlap, warmth, fit, motion.result];
  const failing = gates.filter((g) => g.outcome !== 'pass').map((g) => g.gate);
  let status: Qualification['status'];
  if (failing.length === 0) status = 'qualified';
  else if (warmth.outcome === 'unknown' && !gates.some((g) => g.outcome === 'fail'))
    status = 'awaiting_attestation';
  else status = 'candidate';

  const score = fit.details.score;
  return {
    status,
    gates,
    icpScore: typeof score === 'number' ? score : null,
    route: motion.route,
    failing,
    overlapVerified: overlap.details.verified === true,
  };
}

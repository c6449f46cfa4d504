import { writeLeadsCsv } from '../../db/stores/export-store.ts';
import { runExport } from '../export-output.ts';
import type { Command } from '../types.ts';

export const exportLeads: Command = {
  name: 'export leads',
  usage: '[--out <file>]',
  summary: 'Export all leads with gate results and outcomes as CSV (stdout or --out)',
  description: [
    'One row per lead: id, created_at, account_name, domain, partner_slug, partner_name, surfaced_by, status,',
    'relationship, overlap_verified, <gate>_outcome and <gate>_reason for overlap, warmth, fit and motion,',
    'icp_score, owner_user_id, attribution, corroborating_partners (slugs joined with ;), claimed_at,',
    'opportunity_at, closed_at, reason_code, reason_text. Times are ISO 8601 UTC. Cells that a spreadsheet',
    "would run as a formula (starting with = + - @) are prefixed with '. With --out the file is written",
    'under a temporary name and renamed when complete.',
  ].join('\n'),
  options: { out: { type: 'string', short: 'o' } },
  async run(args, ctx) {
    return runExport(ctx, args.values.out, 'lead', writeLeadsCsv);
  },
};

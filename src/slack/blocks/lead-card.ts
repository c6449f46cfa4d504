import type { KnownBlock } from '@slack/types';
import type { LeadView } from '../../core/types.ts';
import { ACTIONS, encodeLeadRef } from '../ids.ts';
import { accountTitle, GATE_EMOJI, GATE_LABEL, PARTNER_STATUS } from '../labels.ts';
import { button, context, section } from '../limits.ts';
import { formatAge, formatDate, mention } from '../mrkdwn.ts';

/**
 * One lead as its partner sees it (App Home, `/eql status`, `/eql mine`): their words for the status, who
 * owns it, the gates while it is still being qualified, and "Update attestation" where that can help.
 */
export function partnerLeadCard(
  lead: LeadView,
  ctx: { timeZone: string; now: number },
  opts: { gates: 'always' | 'while-qualifying' } = { gates: 'while-qualifying' },
): KnownBlock[] {
  const qualifying = lead.status === 'candidate' || lead.status === 'awaiting_attestation';
  const owner = lead.ownerUserId ? ` · owner ${mention(lead.ownerUserId)}` : '';
  const gateLine = lead.gates.map((g) => `${GATE_EMOJI[g.outcome]} ${GATE_LABEL[g.gate]}`).join('   ');
  const gates = (opts.gates === 'always' || qualifying) && gateLine ? `\n${gateLine}` : '';
  const canAttest =
    qualifying &&
    lead.gates.some(
      (g) =>
        ((g.gate === 'warmth' || g.gate === 'overlap') && g.outcome !== 'pass') ||
        (g.gate === 'fit' && g.outcome === 'unknown'),
    );
  return [
    section(`${accountTitle(lead)}\n*${PARTNER_STATUS[lead.status]}*${owner}${gates}`, {
      ...(canAttest
        ? {
            accessory: button({
              text: 'Update attestation',
              actionId: ACTIONS.attestOpen,
              value: encodeLeadRef({ leadId: lead.id, version: lead.version }),
            }),
          }
        : {}),
    }),
    context([
      `Flagged ${formatDate(lead.createdAt, ctx.timeZone)} · updated ${formatAge(lead.updatedAt, ctx.now)} ago`,
    ]),
  ];
}

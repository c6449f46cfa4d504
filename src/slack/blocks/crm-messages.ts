import type { KnownBlock } from '@slack/types';
import type { LeadCrm, LeadView } from '../../core/types.ts';
import { ACTION_BLOCKS, ACTIONS, encodeLinkChoice } from '../ids.ts';
import { context, message, option, type SlackMessage, section, staticSelect } from '../limits.ts';
import { escapeMrkdwn, formatCalendarDate, oneLine, truncate, userText } from '../mrkdwn.ts';
import { leadLink } from '../permalink.ts';
import { money } from './metric-text.ts';

// Slack messages about the CRM side of a lead (PRODUCT.md section 11): the deal on the routing post, the
// Link opportunity select, the owner's "pick the opportunity" DM and the admins' write-back failure DM.

/** "Acme renewal · stage `Negotiation` · $120,000 · closes Dec 12, 2026". */
export function dealLine(
  crm: Pick<LeadCrm, 'opportunityName' | 'stageId' | 'amount' | 'currency' | 'closeDate'>,
): string {
  const parts = [userText(crm.opportunityName ?? 'Opportunity', 120)];
  if (crm.stageId) parts.push(`stage \`${escapeMrkdwn(truncate(oneLine(crm.stageId), 60))}\``);
  if (crm.amount !== null) parts.push(money(crm.amount, crm.currency));
  if (crm.closeDate) parts.push(`closes ${formatCalendarDate(crm.closeDate)}`);
  return parts.join(' · ');
}

function choiceText(c: LeadCrm['choices'][number]): string {
  const parts = [oneLine(c.name)];
  if (c.amount !== null) parts.push(money(c.amount, c.currency));
  parts.push(oneLine(c.stageId));
  return truncate(parts.join(' · '), 75);
}

/** The routing post's CRM blocks: the linked deal, or the select to pick one. */
export function crmBlocks(lead: LeadView): KnownBlock[] {
  const crm = lead.crm;
  if (!crm) return [];
  if (crm.opportunityId) {
    return [
      section(`*CRM opportunity*\n${dealLine(crm)}`),
      context(['Stage changes in the CRM move this lead and tell the partner; update the deal there.']),
    ];
  }
  if (crm.choices.length === 0) return [];
  const options = crm.choices.map((c) =>
    option(choiceText(c), encodeLinkChoice({ leadId: lead.id, version: lead.version, opportunityId: c.id })),
  );
  return [
    section(
      `*Link opportunity* · ${crm.choices.length} opportunities on this account could be this EQL's deal. The owner picks one; its stage then drives this lead.`,
      {
        blockId: ACTION_BLOCKS.crmLink,
        accessory: staticSelect({
          actionId: ACTIONS.linkOpportunity,
          options,
          placeholder: 'Link opportunity',
        }),
      },
    ),
  ];
}

/** To the owner, once per set of choices: pick which opportunity the EQL became. */
export function linkOpportunityDm(lead: LeadView, provider: string): SlackMessage {
  const n = lead.crm?.choices.length ?? 0;
  const text = `${n} ${provider} opportunities were opened on ${oneLine(lead.accountName)} since you claimed it. Pick the one this EQL became on its routing post.`;
  return message(escapeMrkdwn(text), [
    section(
      `🔗 ${n} ${escapeMrkdwn(provider)} opportunities were opened on ${leadLink(lead)} since you claimed it. Pick the one this EQL became with *Link opportunity* on its routing post, so its stage, amount and close date follow the deal.`,
    ),
  ]);
}

/** To each admin, once per kind of problem: a write-back the CRM refuses, and how to fix it. */
export function writeBackFailureDm(p: {
  provider: string;
  object: 'account' | 'opportunity';
  crmId: string;
  error: string;
  fix: string;
  leadId: number | null;
}): SlackMessage {
  const what = p.object === 'account' ? 'account' : 'opportunity';
  const text = `${p.provider} refused a Foothold write-back to ${what} ${p.crmId}: ${p.error}. Fix: ${p.fix}`;
  return message(escapeMrkdwn(text), [
    section(
      `⚠️ *${escapeMrkdwn(p.provider)} refused a Foothold write-back* to ${what} \`${escapeMrkdwn(p.crmId)}\`${p.leadId ? ` (lead #${p.leadId})` : ''}.\n>${userText(oneLine(p.error), 600)}`,
    ),
    section(`*How to fix it*\n${userText(p.fix, 1200)}`),
    context([
      'Foothold stopped retrying this write and will not tell you again until a write of this kind goes through. After the fix, the next change to each lead writes its current values again.',
    ]),
  ]);
}

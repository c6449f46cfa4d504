import type { KnownBlock } from '@slack/types';
import { MOTION_STATUSES } from '../../core/sla.ts';
import type { CorroboratorSignal, IntroStatus, LeadView } from '../../core/types.ts';
import { ACTIONS, encodeCorroboratorRef } from '../ids.ts';
import { RELATIONSHIP_LABEL, STRENGTH_LABEL } from '../labels.ts';
import { button, context, section } from '../limits.ts';
import { formatCalendarDate, formatDate, mention, plural, userText } from '../mrkdwn.ts';

// Corroboration as signal, on the INTERNAL routing post only: each corroborating partner's own warmth
// (strength, recency, willing to introduce) and named contact, the intro asked of it, and a button to ask it.

const MAX_SHOWN = 5;

const INTRO_TEXT: Record<IntroStatus, string> = {
  requested: '🤝 intro requested, waiting',
  made: '✅ intro made',
  declined: '❌ can’t introduce',
};

function warmthText(s: CorroboratorSignal): string {
  const w = s.warmth;
  if (!w) return 'no attestation';
  const parts = [`${w.strength}/5 ${STRENGTH_LABEL[w.strength]}`];
  if (w.contactName)
    parts.push(
      `${userText(w.contactName, 120)}${w.contactTitle ? `, ${userText(w.contactTitle, 120)}` : ''}`,
    );
  parts.push(
    w.lastInteractionOn
      ? `last spoke ${formatCalendarDate(w.lastInteractionOn)}`
      : 'no recent interaction given',
  );
  parts.push(w.willingToIntroduce ? 'willing to introduce' : 'not willing to introduce');
  return parts.join(' · ');
}

/** Whether the owner may ask this partner now: the lead is being worked and no intro is open or made. */
function canAsk(lead: LeadView, s: CorroboratorSignal): boolean {
  return (
    MOTION_STATUSES.includes(lead.status) && s.intro?.status !== 'requested' && s.intro?.status !== 'made'
  );
}

export function corroboratorBlocks(lead: LeadView, ctx: { timeZone: string }): KnownBlock[] {
  const signals = lead.corroboration ?? [];
  if (signals.length === 0) return [];
  const blocks: KnownBlock[] = [];
  for (const s of signals.slice(0, MAX_SHOWN)) {
    const rel = s.relationship ? ` · ${RELATIONSHIP_LABEL[s.relationship]}` : '';
    const intro = s.intro
      ? `\n${INTRO_TEXT[s.intro.status]} (${formatDate(s.intro.answeredAt ?? s.intro.requestedAt, ctx.timeZone)})`
      : '';
    const by = s.warmth ? ` · attested by ${mention(s.warmth.attestedByUserId)}` : '';
    const text = `*Corroborated by ${userText(s.partner.name, 80)}*${rel}\n${warmthText(s)}${intro}\n_flagged ${formatDate(s.corroboratedAt, ctx.timeZone)}${by}_`;
    blocks.push(
      section(
        text,
        canAsk(lead, s)
          ? {
              accessory: button({
                text: s.intro?.status === 'declined' ? 'Ask again' : 'Request intro',
                actionId: ACTIONS.requestCorroboratorIntro,
                value: encodeCorroboratorRef({
                  leadId: lead.id,
                  version: lead.version,
                  partnerSlug: s.partner.slug,
                }),
              }),
            }
          : {},
      ),
    );
  }
  if (signals.length > MAX_SHOWN)
    blocks.push(context([`and ${plural(signals.length - MAX_SHOWN, 'more corroborating partner')}`]));
  return blocks;
}

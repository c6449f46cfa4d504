import type { KnownBlock } from '@slack/types';
import type { Funnel } from '../../core/metrics.ts';
import type { GateName } from '../../core/types.ts';
import type { PartnerOwnScorecard } from '../../services/partner-own-scorecard.ts';
import { GATE_LABEL } from '../labels.ts';
import { context, header, lineSections, message, type SlackMessage } from '../limits.ts';
import { escapeMrkdwn, percent, plural, userText } from '../mrkdwn.ts';
import { intakeLines, num, ofRate, points } from './metric-text.ts';
import { rewardTotalsLine } from './rewards.ts';

// A partner's OWN scorecard (issue 13, item 8), in its App Home and a monthly DM: its own numbers, the
// program's average as rates only (and only with enough peers to stay anonymous), its rewards, and what would
// make more of its accounts qualify. Never another partner's name, count or rank.

const TIP: Record<GateName, string> = {
  overlap: 'say how your organisation knows each account (customer, prospect or open opportunity)',
  warmth: 'flag accounts where you spoke with a named contact recently and are happy to introduce us',
  fit: 'flag accounts that match the kinds of companies we sell to (your partner manager can share the profile)',
  motion: 'some accounts are outside the territories our sales teams cover today',
};

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : (a - b) * 100;
}

function conversionLine(f: Funnel, program: PartnerOwnScorecard['program'], minPeers: number): string {
  const own = `to opportunity ${ofRate(f.opportunity, f.eql, 'EQLs')} · won ${ofRate(f.won, f.eql, 'EQLs')}`;
  if (!program) {
    return `${own}\n_The program average appears once at least ${num(minPeers)} other partners have EQLs old enough to rate, so no single partner can be told apart._`;
  }
  return `${own}\nProgram average: to opportunity *${percent(program.opportunity)}* (you: ${points(diff(f.overall.opportunity, program.opportunity))}) · won *${percent(program.won)}* (you: ${points(diff(f.overall.won, program.won))})`;
}

/** The scorecard's blocks (shared by the App Home section and the monthly DM). */
export function partnerScorecardBlocks(card: PartnerOwnScorecard): KnownBlock[] {
  const gates = card.failingGates.slice(0, 2);
  const lines = [
    `*${card.period.label}* · ${intakeLines(card.month).join(' · ')}`,
    `*Conversion* · your EQLs ${card.minAgeDays}+ days old, last 12 months\n${conversionLine(card.funnel, card.program, card.minPeers)}`,
    `*Rewards* · last 12 months\n${rewardTotalsLine(card.rewards.approved, card.rewards.pending)}`,
  ];
  if (gates.length > 0) {
    lines.push(
      `*To get more of your accounts through* · ${plural(card.trailing.candidates, 'account')} didn’t qualify in 12 months\n${gates
        .map((g) => `• *${GATE_LABEL[g.gate]}* (${num(g.count)}, ${percent(g.rate)}): ${TIP[g.gate]}`)
        .join('\n')}`,
    );
  }
  return lineSections(lines);
}

/** The monthly DM to the partner's people. */
export function partnerScorecardMessage(card: PartnerOwnScorecard): SlackMessage {
  const f = card.funnel;
  const text = `Your ${card.period.label} scorecard: ${num(card.month.surfaced)} flagged, ${num(card.month.qualified)} EQLs; 12-month EQL → opportunity ${percent(f.overall.opportunity)}`;
  return message(escapeMrkdwn(text), [
    header(`📇 Your ${card.period.label} scorecard`),
    context([
      `${userText(card.partner.name, 80)} · how your flagged accounts convert, and what you’ve earned`,
    ]),
    ...partnerScorecardBlocks(card),
    context([
      'Rewards pay on conversion, not volume: an EQL that reaches opportunity or is won is what counts.',
    ]),
  ]);
}

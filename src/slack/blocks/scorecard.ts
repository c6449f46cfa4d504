import type { KnownBlock } from '@slack/types';
import type { Funnel } from '../../core/metrics.ts';
import type { GateName } from '../../core/types.ts';
import type { PartnerScorecard } from '../../services/partner-scorecard.ts';
import { GATE_LABEL } from '../labels.ts';
import { context, fields, header, lineSections, message, type SlackMessage, section } from '../limits.ts';
import { escapeMrkdwn, formatDate, percent, plural, userText } from '../mrkdwn.ts';
import {
  currencyLabel,
  days,
  intakeLines,
  num,
  ofRate,
  points,
  revenueLine,
  withoutAmountNote,
} from './metric-text.ts';

/** "*6* surfaced: *5* EQLs (83% of surfaced) · *1* candidate (17% of surfaced)" on one line. */
function inlineIntake(i: Parameters<typeof intakeLines>[0]): string {
  const [head, ...parts] = intakeLines(i);
  return [head, parts.join(' · ')].filter(Boolean).join(' ');
}

// The monthly partner scorecard, by DM to the partner's manager: one message per partner, so coaching is
// targeted. Counts beside rates, the partner against the program average, and what to coach.

const COACHING: Record<GateName, string> = {
  overlap: 'ask them to say how they know each account (customer, prospect or open opportunity)',
  warmth: 'coach on warmth: a conversation in the last 90 days, a named contact, and a yes to an intro',
  fit: 'share the ideal customer profile so they flag accounts that fit',
  motion: 'some of their accounts have no sales route: check the routing rules for their territories',
};

function funnelColumn(title: string, f: Funnel): string {
  return [
    `*${title}* (${plural(f.eql, 'EQL')})`,
    `claimed ${ofRate(f.claimed, f.eql)}`,
    `to opportunity ${ofRate(f.opportunity, f.eql)}`,
    `won ${ofRate(f.won, f.eql)}`,
  ].join('\n');
}

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : (a - b) * 100;
}

export function scorecardMessage(card: PartnerScorecard): SlackMessage {
  const name = userText(card.partner.name, 80);
  const tz = card.timeZone;
  const p = card.period;
  const f = card.funnel;
  const prog = card.program;
  const blocks: KnownBlock[] = [
    header(`📇 ${card.partner.name} · ${p.label} scorecard`),
    context([
      `For the partner manager of ${name} · ${p.label}, and the 12 months since ${formatDate(p.trailingSince, tz)}`,
    ]),
    section(`*${p.label}*\n${inlineIntake(card.month)}`),
    section(
      `*Conversion against the program average* · EQLs ${card.minAgeDays}+ days old, last 12 months\nTo opportunity: *${percent(f.overall.opportunity)}* vs ${percent(prog.overall.opportunity)} (*${points(diff(f.overall.opportunity, prog.overall.opportunity))}*) · won: *${percent(f.overall.won)}* vs ${percent(prog.overall.won)} (*${points(diff(f.overall.won, prog.overall.won))}*)`,
    ),
    fields(funnelColumn(card.partner.name, f), funnelColumn('Program', prog)),
  ];

  const s = card.standing;
  blocks.push(
    section(
      s && s.rank !== null
        ? `*Standing* · #${s.rank} of ${num(card.rankedPartners)} ranked partners by EQL → opportunity, all EQLs of the 12 months: ${ofRate(s.opportunity, s.eql, 'EQLs')}`
        : `*Standing* · not ranked yet: ${plural(s?.eql ?? 0, 'EQL')} in 12 months, ${num(card.minSample)} needed to be ranked`,
    ),
  );

  const r = card.revenue;
  const pr = card.programRevenue;
  const revenue = [
    `*Revenue* · last 12 months · EQL → opportunity *${days(r.daysToOpportunity.average)}* (program ${days(pr.daysToOpportunity.average)}) · EQL → won *${days(r.daysToClose.average)}* (program ${days(pr.daysToClose.average)})`,
    ...(r.groups.length === 0
      ? ['_No deal amounts yet for their EQLs._']
      : r.groups.slice(0, 3).map((g) => `• *${escapeMrkdwn(currencyLabel(g))}*: ${revenueLine(g)}`)),
  ];
  const missing = withoutAmountNote(r);
  if (missing) revenue.push(`_${missing}._`);
  blocks.push(...lineSections(revenue));

  const gates = card.failingGates;
  blocks.push(
    ...lineSections([
      `*What to coach* · ${plural(card.trailing.candidates, 'candidate')} (${percent(card.trailing.candidateRate)} of ${num(card.trailing.surfaced)} surfaced) in the last 12 months, by failing gate`,
      ...(gates.length === 0
        ? ['_No failing gates: every lead they flagged qualified, or none was flagged._']
        : gates.map(
            (g) =>
              `• *${GATE_LABEL[g.gate]}*: ${num(g.count)} of ${num(card.trailing.candidates)} candidates (${percent(g.rate)}) → ${COACHING[g.gate]}`,
          )),
    ]),
  );

  const o = card.outcomes;
  const reasons = (list: PartnerScorecard['outcomes']['lostReasons'], total: number) =>
    list
      .slice(0, 3)
      .map((r) => `${escapeMrkdwn(r.label)} ${num(r.count)} (${percent(total > 0 ? r.count / total : null)})`)
      .join(', ');
  blocks.push(
    ...lineSections([
      '*Outcomes* · last 12 months',
      `Won ${ofRate(o.won, o.eql, 'EQLs')} · lost ${ofRate(o.lost, o.eql, 'EQLs')}${o.lost > 0 ? `: ${reasons(o.lostReasons, o.lost)}` : ''}`,
      `Disqualified ${ofRate(o.disqualified, o.surfaced, 'surfaced')}${o.disqualified > 0 ? `: ${reasons(o.disqualifiedReasons, o.disqualified)}` : ''} · expired ${ofRate(o.expired, o.surfaced, 'surfaced')}`,
    ]),
    context(['Monthly, one per partner you manage. The weekly digest has the program view.']),
  );
  const text = `${card.partner.name} in ${p.label}: ${num(card.month.surfaced)} surfaced, ${num(card.month.qualified)} EQLs; 12-month EQL → opportunity ${percent(f.overall.opportunity)} vs program ${percent(prog.overall.opportunity)}`;
  return message(escapeMrkdwn(text), blocks);
}

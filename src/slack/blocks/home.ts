import type { HomeView, KnownBlock } from '@slack/types';
import type { LeadScore } from '../../core/eql-score.ts';
import { STATUS_LABELS } from '../../core/lifecycle.ts';
import type { MoneyGroup } from '../../core/metrics.ts';
import type { LeadView } from '../../core/types.ts';
import type { AwardListing, PartnerAward } from '../../db/stores/reward-store.ts';
import type { PartnerOwnScorecard } from '../../services/partner-own-scorecard.ts';
import { ACTIONS, encodeLeadRef } from '../ids.ts';
import { accountTitle, STATUS_EMOJI } from '../labels.ts';
import {
  BLOCK_KIT,
  button,
  context,
  divider,
  fields,
  header,
  homeView,
  lineSections,
  listBlocks,
  section,
} from '../limits.ts';
import {
  channelLink,
  daysSince,
  escapeMrkdwn,
  formatAge,
  formatDate,
  mention,
  percent,
  plural,
  userText,
} from '../mrkdwn.ts';
import { scoreLine } from './insight.ts';
import { partnerLeadCard } from './lead-card.ts';
import { currencyLabel, money } from './metric-text.ts';
import { partnerScorecardBlocks } from './partner-scorecard.ts';
import { awardLine, partnerAwardLine, rewardButtons } from './rewards.ts';

// App Home: each person's own view. Partners see their organisation's submissions (never other
// partners, never channels); reps their claimed leads with what is overdue, and what they can claim;
// leaders the program's numbers, every count beside its rate.

export interface HomeContext {
  timeZone: string;
  now: number;
}

const refOf = (lead: LeadView) => encodeLeadRef({ leadId: lead.id, version: lead.version });

function flagButton() {
  return button({ text: 'Flag an account', actionId: ACTIONS.homeFlag, style: 'primary' });
}

function top(title: string, intro: string): KnownBlock[] {
  return [header(title), section(intro, { accessory: flagButton() })];
}

/** "12 · 40% of surfaced"; the rate is "—" while the base is zero. */
function countWithRate(n: number, rate: number | null | undefined, of: string): string {
  return `${n.toLocaleString('en-US')} · ${percent(rate)} ${of}`;
}

const rateOf = (n: number, d: number): number | null => (d > 0 ? n / d : null);

const isEql = (l: LeadView) => l.gates.length === 4 && l.gates.every((g) => g.outcome === 'pass');

// ─── partner ────────────────────────────────────────────────────────────────────────────────────────

/** What a partner's App Home adds beyond its leads (issue 13): its own scorecard and rewards. */
export interface PartnerHomeExtras {
  scorecard?: PartnerOwnScorecard | null;
  awards?: PartnerAward[];
}

/** The partner's own scorecard and rewards: only its own numbers and the program's rates (see partner-scorecard.ts). */
function partnerExtrasBlocks(extras: PartnerHomeExtras, ctx: HomeContext): KnownBlock[] {
  const out: KnownBlock[] = [];
  if (extras.scorecard) {
    out.push(section(`*📇 Your scorecard*`), ...partnerScorecardBlocks(extras.scorecard));
  }
  const awards = extras.awards ?? [];
  if (awards.length > 0) {
    out.push(
      section(`*🎁 Your rewards*`),
      ...lineSections(awards.slice(0, 10).map((a) => `• ${partnerAwardLine(a, ctx.timeZone)}`)),
    );
  }
  if (out.length > 0) out.push(divider());
  return out;
}

export function partnerHome(leads: LeadView[], ctx: HomeContext, extras: PartnerHomeExtras = {}): HomeView {
  const blocks = top(
    'Your flagged accounts',
    'Flag an account you share with us. When it clears the four checks, it goes straight to a rep, and you hear back here and by DM at every step.',
  );
  blocks.push(...partnerExtrasBlocks(extras, ctx));
  if (leads.length === 0) {
    blocks.push(
      section('Nothing flagged yet. Your first account takes under a minute: press *Flag an account* above.'),
    );
    return homeView(blocks);
  }
  const eqls = leads.filter(isEql).length;
  const won = leads.filter((l) => l.status === 'won').length;
  blocks.push(
    context([
      `${plural(leads.length, 'account')} flagged`,
      `${countWithRate(eqls, rateOf(eqls, leads.length), 'became EQLs')}`,
      `${countWithRate(won, rateOf(won, eqls), 'of EQLs won')}`,
    ]),
    divider(),
  );
  const budget = BLOCK_KIT.viewBlocks - blocks.length;
  blocks.push(
    ...listBlocks(
      leads.map((l) => partnerLeadCard(l, ctx)),
      budget,
      (n) => `and ${plural(n, 'more account')}. Use \`/eql status <domain>\` to look one up.`,
    ),
  );
  return homeView(blocks);
}

// ─── rep ────────────────────────────────────────────────────────────────────────────────────────────

function repLeadBlocks(lead: LeadView, overdue: boolean, ctx: HomeContext, score?: LeadScore): KnownBlock[] {
  const late = overdue
    ? `\n⏰ *Overdue*: no progress for ${plural(daysSince(lead.lastProgressAt, ctx.now), 'day')}`
    : '';
  return [
    section(
      `${STATUS_EMOJI[lead.status]} ${accountTitle(lead)} · *${STATUS_LABELS[lead.status]}*\nfrom ${userText(lead.partner.name, 80)}${lead.icpScore !== null ? ` · ICP ${lead.icpScore}/100` : ''}${late}`,
    ),
    context([
      `Last progress ${formatAge(lead.lastProgressAt, ctx.now)} ago`,
      lead.routeChannel ? `Post in ${channelLink(lead.routeChannel)}` : `Lead #${lead.id}`,
    ]),
    ...(score ? [context([scoreLine(score)])] : []),
  ];
}

function availableBlocks(lead: LeadView, ctx: HomeContext, score?: LeadScore): KnownBlock[] {
  return [
    section(
      `${accountTitle(lead)}\nfrom ${userText(lead.partner.name, 80)}${lead.icpScore !== null ? ` · ICP ${lead.icpScore}/100` : ''} · waiting ${formatAge(lead.createdAt, ctx.now)}`,
      { accessory: button({ text: 'Claim', actionId: ACTIONS.claim, value: refOf(lead), style: 'primary' }) },
    ),
    ...(score ? [context([scoreLine(score)])] : []),
  ];
}

export function repHome(
  data: {
    claimed: LeadView[];
    overdue: number[];
    available: LeadView[];
    /** EQL scores by lead id: shown under each lead (lists arrive sorted by them). */
    scores?: ReadonlyMap<number, LeadScore> | undefined;
  },
  ctx: HomeContext,
): HomeView {
  const overdue = new Set(data.overdue);
  const late = data.claimed.filter((l) => overdue.has(l.id)).length;
  const blocks = top('Your EQLs', 'Leads you own, what needs a nudge, and new EQLs you can claim.');
  blocks.push(
    context([
      `${plural(data.claimed.length, 'lead')} owned`,
      countWithRate(late, rateOf(late, data.claimed.length), 'overdue'),
      `${data.available.length.toLocaleString('en-US')} ready to claim`,
    ]),
    divider(),
    section(`*Your leads (${data.claimed.length})*`),
  );
  // Overdue first: that is what needs attention; within each group, the order they came in (by score).
  const claimed = [...data.claimed].sort((a, b) => Number(overdue.has(b.id)) - Number(overdue.has(a.id)));
  const availableReserve = data.available.length > 0 ? Math.min(31, 3 + data.available.length) : 0;
  const claimedBudget = BLOCK_KIT.viewBlocks - blocks.length - availableReserve;
  if (claimed.length === 0) blocks.push(context(['None yet. Claim one below or from the routing channel.']));
  else {
    blocks.push(
      ...listBlocks(
        claimed.map((l) => repLeadBlocks(l, overdue.has(l.id), ctx, data.scores?.get(l.id))),
        claimedBudget,
        (n) => `and ${plural(n, 'more lead')}. Use \`/eql mine\` for the full list.`,
      ),
    );
  }
  if (data.available.length > 0) {
    blocks.push(divider(), section(`*Ready to claim (${data.available.length})*`));
    blocks.push(
      ...listBlocks(
        data.available.map((l) => availableBlocks(l, ctx, data.scores?.get(l.id))),
        BLOCK_KIT.viewBlocks - blocks.length,
        (n) => `and ${plural(n, 'more')} in the routing channel.`,
      ),
    );
  }
  return homeView(blocks);
}

// ─── leader ─────────────────────────────────────────────────────────────────────────────────────────

export interface LeaderMetrics {
  surfaced: number;
  qualified: number;
  candidates: number;
  claimed: number;
  opportunities: number;
  won: number;
  lost: number;
  /** 0–1, or null with no data. */
  claimRate: number | null;
  opportunityRate: number | null;
  winRate: number | null;
  /** Won and pipeline revenue by currency (the metrics core's groups); empty without linked deals. */
  revenue?: readonly MoneyGroup[];
}

/** Leaders' list of partner rewards waiting for approval (issue 13), each with Approve / Reject. */
function pendingRewardBlocks(
  pending: readonly AwardListing[],
  total: number,
  ctx: HomeContext,
): KnownBlock[] {
  if (total === 0) return [];
  const items = pending.slice(0, 8).map((a) => [section(awardLine(a, ctx.timeZone)), rewardButtons(a)]);
  const out: KnownBlock[] = [
    section(`*Rewards to approve (${total.toLocaleString('en-US')})*`),
    ...items.flat(),
  ];
  if (total > items.length)
    out.push(
      context([
        `and ${plural(total - items.length, 'more')}: \`foothold export rewards --status pending\` lists them all.`,
      ]),
    );
  out.push(divider());
  return out;
}

export function leaderHome(
  data: {
    metrics: LeaderMetrics;
    recent: LeadView[];
    pendingRewards?: { list: AwardListing[]; total: number };
    deliveryProblems?: string[];
  },
  ctx: HomeContext,
): HomeView {
  const m = data.metrics;
  const blocks = top('EQL program', 'How partner signal converts: every count stands beside its rate.');
  // Admins: deliveries waiting on someone (a routing channel no longer internal, a person Foothold cannot reach).
  if (data.deliveryProblems?.length) {
    blocks.push(section('*Delivery problems*'), ...data.deliveryProblems.slice(0, 10).map((l) => section(l)));
    blocks.push(divider());
  }
  blocks.push(...pendingRewardBlocks(data.pendingRewards?.list ?? [], data.pendingRewards?.total ?? 0, ctx));
  blocks.push(
    fields(
      `*Surfaced*\n${m.surfaced.toLocaleString('en-US')} · 100% (the base)`,
      `*Qualified (EQLs)*\n${countWithRate(m.qualified, rateOf(m.qualified, m.surfaced), 'of surfaced')}`,
      `*Candidates*\n${countWithRate(m.candidates, rateOf(m.candidates, m.surfaced), 'of surfaced')}`,
      `*Claimed*\n${countWithRate(m.claimed, m.claimRate, 'claim rate')}`,
      `*Opportunities*\n${countWithRate(m.opportunities, m.opportunityRate, 'opportunity rate')}`,
      `*Won*\n${countWithRate(m.won, m.winRate, 'win rate')}`,
      `*Lost*\n${countWithRate(m.lost, rateOf(m.lost, m.won + m.lost), 'of closed deals')}`,
    ),
    ...(m.revenue && m.revenue.length > 0
      ? [
          section(
            `*Revenue*\n${m.revenue
              .slice(0, 3)
              .map(
                (g) =>
                  `${escapeMrkdwn(currencyLabel(g))}: won *${money(g.won, g.currency)}* · pipeline ${money(g.pipeline, g.currency)}`,
              )
              .join('\n')}`,
          ),
        ]
      : []),
    context(['`/eql digest` has the full funnel, conversion against baselines and the partner leaderboard.']),
    divider(),
    section('*Recent leads*'),
  );
  if (data.recent.length === 0) blocks.push(context(['No leads yet.']));
  const lines = data.recent.map((l) => [
    section(
      `${STATUS_EMOJI[l.status]} ${accountTitle(l)} · *${STATUS_LABELS[l.status]}* · from ${userText(l.partner.name, 80)}${l.ownerUserId ? ` · ${mention(l.ownerUserId)}` : ''}`,
    ),
    context([
      `Flagged ${formatDate(l.createdAt, ctx.timeZone)} · updated ${formatAge(l.updatedAt, ctx.now)} ago`,
    ]),
  ]);
  blocks.push(...listBlocks(lines, BLOCK_KIT.viewBlocks - blocks.length));
  return homeView(blocks);
}

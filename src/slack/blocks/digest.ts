import type { KnownBlock } from '@slack/types';
import { STATUS_LABELS } from '../../core/lifecycle.ts';
import type { Cohort, LeaderboardEntry } from '../../core/metrics.ts';
import { formatBusinessHours } from '../../core/sla.ts';
import type { DigestLead, ProgramDigest, ReasonCount } from '../../services/program-digest.ts';

import {
  context,
  divider,
  fields,
  header,
  lineSections,
  message,
  type SlackMessage,
  section,
} from '../limits.ts';
import { escapeMrkdwn, formatDate, mention, percent, plural, userText } from '../mrkdwn.ts';
import { leadLink } from '../permalink.ts';
import {
  besideText,
  countRate,
  currencyLabel,
  days,
  funnelLines,
  intakeLines,
  money,
  num,
  ofRate,
  percent1,
  points,
  revenueLine,
  withoutAmountNote,
} from './metric-text.ts';

// The program digest for leaders (PRODUCT.md section 7): the weekly DM and channel post, and `/eql digest`.
// It answers "do our EQLs convert better than our other leads, and which partners bring the ones that do?"
// Every count stands next to its rate. Lists are cut (leaderboard top 10, 8 leads per list) with "and N
// more", so the message stays within Slack's 50 blocks and 3,000 characters a section whatever the size
// of the program.

export const LEADERBOARD_ROWS = 10;

function shortDate(ms: number, tz: string): string {
  return formatDate(ms, tz).replace(/, \d{4}$/, '');
}

/** A date Slack shows in each reader's own time zone (`<!date^…>`), with the program-zone text as fallback. */
function readerDate(ms: number, fallback: string): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short}|${fallback}>`;
}

function cohortLine(c: Cohort): string {
  const start = shortDate(Date.parse(`${c.weekStart}T12:00:00Z`), 'UTC');
  const head = `\`${c.week}\` ${start} · ${plural(c.eql, 'EQL')} of ${num(c.surfaced)} surfaced (${percent(c.surfaced > 0 ? c.eql / c.surfaced : null)})`;
  const f = c.funnel;
  if (f.eql === 0) return c.eql === 0 ? head : `${head} · too young to rate`;
  const young = c.young > 0 ? ` · ${num(c.young)} too young` : '';
  return `${head} · claimed ${ofRate(f.claimed, f.eql)} · opp ${ofRate(f.opportunity, f.eql)} · won ${ofRate(f.won, f.eql)}${young}`;
}

function leaderboardLines(d: ProgramDigest): string[] {
  const board = d.trailing.metrics.leaderboard;
  const ranked = board.filter((e) => !e.belowSample);
  const below = board.filter((e) => e.belowSample);
  const name = (e: LeaderboardEntry) => userText(d.partnerNames[e.partnerSlug] ?? e.partnerSlug, 60);
  const interval = (e: LeaderboardEntry) =>
    e.opportunityInterval ? `, at least ${percent(e.opportunityInterval.low)}` : '';
  const lines = ranked
    .slice(0, LEADERBOARD_ROWS)
    .map(
      (e) =>
        `${e.rank}. *${name(e)}*: ${num(e.opportunity)} opportunit${e.opportunity === 1 ? 'y' : 'ies'} of ${plural(e.eql, 'EQL')} (*${percent(e.opportunityRate)}*${interval(e)}) · ${num(e.won)} won (${percent(e.winRate)}) · ${num(e.surfaced)} surfaced`,
    );
  if (ranked.length === 0) {
    const top = below.slice(0, 3).map((e) => `${name(e)} ${num(e.eql)}`);
    lines.push(
      `No partner has ${plural(d.minSample, 'EQL')} in these 90 days yet, so none is ranked${top.length ? ` (most EQLs: ${top.join(', ')})` : ''}.`,
    );
  } else if (ranked.length > LEADERBOARD_ROWS) {
    lines.push(`and ${plural(ranked.length - LEADERBOARD_ROWS, 'more ranked partner')}`);
  }
  if (below.length > 0 && ranked.length > 0) {
    const eqls = below.reduce((n, e) => n + e.eql, 0);
    lines.push(
      `_${plural(below.length, 'partner')} below ${plural(d.minSample, 'EQL')} not ranked (${plural(eqls, 'EQL')} between them)_`,
    );
  }
  return lines;
}

/** "6.5 business hours", "31 business hours", "less than a business hour". */
function medianHours(h: number | null): string {
  if (h === null) return '—';
  if (h < 1) return formatBusinessHours(h);
  const r = h < 10 ? Math.round(h * 10) / 10 : Math.round(h);
  return `${r} business hour${r === 1 ? '' : 's'}`;
}

/** "5 (9% of 54 EQLs)". */
function countOf(count: number, of: number, what: string): string {
  return `*${num(count)}* (${percent(of > 0 ? count / of : null)} of ${num(of)} ${what})`;
}

function reasonList(list: readonly ReasonCount[], total: number): string {
  const shown = list
    .slice(0, 4)
    .map((r) => `${escapeMrkdwn(r.label)} ${num(r.count)} (${percent(total > 0 ? r.count / total : null)})`);
  const more = list.length > 4 ? `, ${plural(list.length - 4, 'other reason')}` : '';
  return shown.join(', ') + more;
}

function leadLine(l: DigestLead, d: ProgramDigest, kind: 'aging' | 'expiring'): string {
  // The status label of an unclaimed EQL already says so.
  const owner = l.ownerUserId
    ? ` · ${mention(l.ownerUserId)}`
    : l.status === 'qualified'
      ? ''
      : ' · no owner';
  const title = `${leadLink(l, 60)} · ${userText(l.partnerName, 40)}`;
  if (kind === 'aging')
    return `• ${title} · ${STATUS_LABELS[l.status]} · idle ${plural(l.idleDays, 'day')}${owner}`;
  const when =
    l.expiresAt !== null && l.expiresAt <= d.generatedAt
      ? 'past expiry, closing on the next run'
      : `expires ${shortDate(l.expiresAt ?? d.generatedAt, d.timeZone)}`;
  return `• ${title} · ${STATUS_LABELS[l.status]} · ${when}${owner}`;
}

function listBlock(titleText: string, lines: string[], total: number, shown: number): KnownBlock[] {
  const all = [titleText, ...lines];
  if (total > shown) all.push(`and ${plural(total - shown, 'more lead')}`);
  return lineSections(all);
}

/** Revenue groups shown; more currencies are summarised as "and N more currencies". */
export const REVENUE_GROUPS = 4;

/**
 * The revenue section (PRODUCT.md section 11): "how much revenue did partner-sourced EQLs bring, how fast,
 * compared with MQLs?" first, then won and pipeline revenue per currency, speed, and each figure beside the
 * baselines. Money is never summed across currencies.
 */
export function revenueLines(d: ProgramDigest): string[] {
  const m = d.trailing.metrics;
  const r = m.revenue;
  const lines = ['*Revenue* · trailing 90 days · by currency, never summed across currencies'];
  const dealsSeen = r.groups.length > 0 || r.withoutAmount.open + r.withoutAmount.won > 0;
  if (!dealsSeen && r.daysToOpportunity.count === 0) {
    lines.push(
      '_No EQL has reached an opportunity with an amount yet. Connect a CRM (`crm` in the config) to see revenue._',
    );
    return lines;
  }
  const sourced = r.speedBy.sourced;
  const top = r.groups[0];
  const vs = m.baselines[0];
  if (top) {
    const more =
      r.groups.length > 1
        ? ` (and ${plural(r.groups.length - 1, 'other currency', 'other currencies')} below)`
        : '';
    let headline = `Partner-sourced EQLs won *${money(top.sourced.won, top.currency)}*${more} and took *${days(sourced.daysToClose.average)}* on average from EQL to close`;
    if (vs) {
      headline += `; ${escapeMrkdwn(vs.leadType)}: ${days(vs.daysToClose.baseline)}`;
      if (vs.currency !== null)
        headline += `, won revenue per lead ${money(vs.revenuePerLead.baseline, vs.currency)} against ${money(vs.revenuePerLead.eql, vs.currency)} per EQL`;
    }
    lines.push(`${headline}.`);
  }
  for (const g of r.groups.slice(0, REVENUE_GROUPS))
    lines.push(`• *${escapeMrkdwn(currencyLabel(g))}*: ${revenueLine(g)}`);
  if (r.groups.length > REVENUE_GROUPS)
    lines.push(
      `and ${plural(r.groups.length - REVENUE_GROUPS, 'more currency', 'more currencies')} (see \`foothold report\`)`,
    );
  const missing = withoutAmountNote(r);
  if (missing) lines.push(`_${missing}._`);
  const mature = m.matureFunnel;
  lines.push(
    `*Speed and win rate* · EQL → opportunity *${days(r.daysToOpportunity.average)}* on average (${plural(r.daysToOpportunity.count, 'EQL')}) · EQL → won *${days(r.daysToClose.average)}* (${plural(r.daysToClose.count, 'deal')}) · partner-sourced ${days(sourced.daysToOpportunity.average)} / ${days(sourced.daysToClose.average)} · opportunities won *${percent(mature.step.won)}* (${num(mature.won)} of ${num(mature.opportunity)}, EQLs ${d.minAgeDays}+ days old)`,
  );
  for (const b of m.baselines) {
    const t = escapeMrkdwn(b.leadType);
    const parts = [
      `win rate ${besideText(b.dealWinRate, (x) => percent(x), t)}`,
      `to opportunity ${besideText(b.daysToOpportunity, days, t)}`,
      `to close ${besideText(b.daysToClose, days, t)}`,
    ];
    if (b.currency !== null) {
      const c = b.currency;
      parts.push(
        `average deal ${besideText(b.avgDealSize, (x) => money(x, c), t)}`,
        `won revenue per lead ${besideText(b.revenuePerLead, (x) => money(x, c), t)}`,
      );
    }
    lines.push(`• EQLs vs *${t}*: ${parts.join(' · ')}`);
  }
  return lines;
}

/** The digest as a Slack message (≤ 50 blocks). */
export function digestMessage(d: ProgramDigest): SlackMessage {
  const tz = d.timeZone;
  const week = d.week.metrics;
  const trailing = d.trailing.metrics;
  const blocks: KnownBlock[] = [
    header('📊 Foothold digest'),
    context([
      `${readerDate(d.week.since, shortDate(d.week.since, tz))} – ${readerDate(d.generatedAt, formatDate(d.generatedAt, tz))} · and the trailing 90 days since ${readerDate(d.trailing.since, formatDate(d.trailing.since, tz))} · every count beside its rate`,
    ]),
    divider(),
    section('*Intake* · surfaced → qualified (EQL) or candidate'),
    fields(
      `*${d.week.label}*\n${intakeLines(week.intake).join('\n')}`,
      `*${d.trailing.label}*\n${intakeLines(trailing.intake).join('\n')}`,
    ),
    section('*Funnel* · EQL → claimed → opportunity → won'),
    fields(
      `*${d.week.label}*\n${funnelLines(week.funnel).join('\n')}`,
      `*${d.trailing.label}*\n${funnelLines(trailing.funnel).join('\n')}`,
    ),
  ];

  // Conversion against the baselines, on mature EQLs only (the cohort rule).
  const mature = trailing.matureFunnel;
  const head = `*Do EQLs convert better?* · EQLs submitted ${d.minAgeDays}+ days ago, trailing 90 days (${plural(mature.eql, 'EQL')})`;
  const eqlLine = `EQLs: *${percent1(mature.overall.opportunity)}* to opportunity (${num(mature.opportunity)} of ${num(mature.eql)}) · *${percent1(mature.overall.won)}* won (${num(mature.won)} of ${num(mature.eql)})`;
  const baseLines =
    trailing.baselines.length === 0
      ? [
          '_No baselines to compare with yet: add `baselines` to the config or run `foothold import baselines <csv>`._',
        ]
      : trailing.baselines.map((b) => {
          const period = d.baselines.find((x) => x.leadType === b.leadType)?.period;
          return `• vs *${escapeMrkdwn(b.leadType)}*${period ? ` (${escapeMrkdwn(period)})` : ''}: ${percent1(b.baseline.opportunityRate)} to opportunity → *${points(b.diffPoints.opportunity)}* · ${percent1(b.baseline.winRate)} won → *${points(b.diffPoints.won)}*`;
        });
  // With no mature EQL there is nothing to compare yet: say why instead of showing dashes.
  const young = trailing.funnel.eql - mature.eql;
  const comparison =
    mature.eql === 0
      ? [
          `_No EQL is ${d.minAgeDays} days old yet${young > 0 ? ` (${plural(young, 'younger EQL')} in these 90 days)` : ''}, so there is no conversion to compare with ${trailing.baselines.length ? trailing.baselines.map((b) => escapeMrkdwn(b.leadType)).join(', ') : 'other lead types'} yet._`,
        ]
      : [eqlLine, ...baseLines];
  blocks.push(divider(), ...lineSections([head, ...comparison]));

  const cohorts = trailing.cohorts;
  blocks.push(
    ...lineSections([
      `*By submission week* · rates over EQLs ${d.minAgeDays}+ days old, so young weeks do not drag them down`,
      ...(cohorts.length > 0 ? cohorts.map(cohortLine) : ['_No leads in the last 90 days._']),
    ]),
  );

  const { sourced, influenced } = trailing.attribution;
  const attr = (label: string, a: typeof sourced) =>
    `*${label}*\n${countRate(a.eql, a.eql === 1 ? 'EQL' : 'EQLs', a.share, 'all EQLs')}\n${countRate(a.opportunity, 'to opportunity', a.overall.opportunity, 'its EQLs')}\n${countRate(a.won, 'won', a.overall.won, 'its EQLs')}`;
  blocks.push(
    divider(),
    section('*Attribution* · trailing 90 days'),
    fields(attr('Partner-sourced', sourced), attr('Partner-influenced', influenced)),
    context([
      '_Partner-sourced_: a partner flagged the account. _Partner-influenced_: our team found the account and a partner vouched for the relationship (attested warmth).',
    ]),
  );

  blocks.push(divider(), ...lineSections(revenueLines(d)));

  const ttc = trailing.timeToClaim;
  const breaches = trailing.slaBreaches;
  blocks.push(
    section(
      `*Speed* · median time to claim: *${medianHours(ttc.medianHours)}* (${plural(ttc.count, 'claimed EQL')}) · SLA breaches: *${breaches ? ofRate(breaches.breaches, breaches.of) : '—'}* EQLs not claimed within ${formatBusinessHours(d.claimHours)}`,
    ),
  );

  blocks.push(
    divider(),
    ...lineSections([
      `*Partner leaderboard* · trailing 90 days, ranked by EQL → opportunity at the low end of its 95% confidence range (so 3 of 5 does not beat 25 of 50), at least ${plural(d.minSample, 'EQL')}`,
      ...leaderboardLines(d),
    ]),
  );

  const fEql = trailing.funnel.eql;
  const surfaced = trailing.intake.surfaced;
  const closedLines = [
    '*Why leads closed* · trailing 90 days',
    `Lost ${countOf(d.closed.lostTotal, fEql, 'EQLs')}${d.closed.lostTotal > 0 ? `: ${reasonList(d.closed.lost, d.closed.lostTotal)}` : ''}`,
    `Disqualified ${countOf(d.closed.disqualifiedTotal, surfaced, 'surfaced')}${d.closed.disqualifiedTotal > 0 ? `: ${reasonList(d.closed.disqualified, d.closed.disqualifiedTotal)}` : ''}`,
    `Expired ${countOf(d.closed.expired, surfaced, 'surfaced')}`,
  ];
  blocks.push(...lineSections(closedLines));

  blocks.push(
    divider(),
    ...listBlock(
      `*Aging* · ${plural(d.aging.total, 'lead')} being worked with no progress for ${d.progressDays}+ days${d.aging.total === 0 ? ': none 🎉' : ''}`,
      d.aging.leads.map((l) => leadLine(l, d, 'aging')),
      d.aging.total,
      d.aging.leads.length,
    ),
    ...listBlock(
      `*About to expire* · ${plural(d.expiring.total, 'open lead')} within ${plural(d.expiryWarnDays, 'day')} of expiring without progress${d.expiring.total === 0 ? ': none' : ''}`,
      d.expiring.leads.map((l) => leadLine(l, d, 'expiring')),
      d.expiring.total,
      d.expiring.leads.length,
    ),
    context([
      '`/eql digest` shows this any time · `foothold report --format csv` for the numbers · — means no data yet',
    ]),
  );

  const vs = trailing.baselines[0];
  const text =
    `Foothold digest: ${num(week.intake.surfaced)} surfaced and ${num(week.intake.qualified)} EQLs in the last 7 days; ` +
    `90 days: ${num(trailing.funnel.eql)} EQLs, ${percent(mature.overall.opportunity)} to opportunity` +
    (vs
      ? ` (${escapeMrkdwn(vs.leadType)} ${percent1(vs.baseline.opportunityRate)}, ${points(vs.diffPoints.opportunity)})`
      : '');
  return message(text, blocks);
}

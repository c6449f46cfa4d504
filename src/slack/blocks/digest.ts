import type { KnownBlock } from '@slack/types';
import type { Cohort, LeaderboardEntry } from '../../core/metrics.ts';
import { formatBusinessHours } from '../../core/sla.ts';
import type { DigestLead, ProgramDigest, ReasonCount } from '../../services/program-digest.ts';
import { STATUS_LABEL } from '../labels.ts';
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
import { countRate, funnelLines, intakeLines, num, ofRate, percent1, points } from './metric-text.ts';

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
    return `• ${title} · ${STATUS_LABEL[l.status]} · idle ${plural(l.idleDays, 'day')}${owner}`;
  const when =
    l.expiresAt !== null && l.expiresAt <= d.generatedAt
      ? 'past expiry, closing on the next run'
      : `expires ${shortDate(l.expiresAt ?? d.generatedAt, d.timeZone)}`;
  return `• ${title} · ${STATUS_LABEL[l.status]} · ${when}${owner}`;
}

function listBlock(titleText: string, lines: string[], total: number, shown: number): KnownBlock[] {
  const all = [titleText, ...lines];
  if (total > shown) all.push(`and ${plural(total - shown, 'more lead')}`);
  return lineSections(all);
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

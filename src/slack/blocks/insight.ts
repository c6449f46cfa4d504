import type { KnownBlock } from '@slack/types';
import type { PartnerHint } from '../../core/ecosystem-map.ts';
import type { LeadScore } from '../../core/eql-score.ts';
import type { CalibrationResult, EcosystemMapResult, NeedsResult } from '../../services/insight.ts';
import { BLOCK_KIT, context, divider, header, message, type SlackMessage, section } from '../limits.ts';
import { escapeMrkdwn, percent, plural, truncate } from '../mrkdwn.ts';
import {
  hintSentence,
  needsText,
  rateText,
  scoreSentence,
  segmentLines,
  segmentTableLines,
  signalTableLines,
} from './insight-text.ts';

// The learning loop in Slack (PRODUCT.md section 12): the monthly calibration report and ecosystem map to
// leaders and admins, product input to the product channel, a section of the weekly digest, and the score
// line on routing posts and reps' App Home. Tables are the CLI's text inside code blocks, escaped, so a
// partner name or a quote can never become a mention or a link.

/** Lines in a code block, escaped and cut to fit one section. */
function codeBlock(lines: readonly string[]): string {
  const body = escapeMrkdwn(lines.join('\n'));
  return `\`\`\`${truncate(body, BLOCK_KIT.sectionText - 8)}\`\`\``;
}

function suggestionLines(r: CalibrationResult): string {
  const s = r.report.suggestions;
  if (s.length === 0) return '*Suggestions*\nNone: no signal the gates admit converts far below the program.';
  return `*Suggestions* (never applied automatically; a person decides)\n${s.map((x) => `• ${escapeMrkdwn(x.text)}`).join('\n')}`;
}

export function calibrationMessage(r: CalibrationResult): SlackMessage {
  const rep = r.report;
  const o = rep.overall;
  const blocks: KnownBlock[] = [
    header('What converts: the calibration report'),
    section(
      `*${o.n.toLocaleString('en-US')} judged EQLs* (${escapeMrkdwn(r.population)}): *${rateText(o.opportunityRate, o.opportunityCi)}* reached opportunity, ${rateText(o.winRate, o.winCi)} were won.`,
    ),
    context([
      `Rates with their 95% Wilson interval. Cells with fewer than ${rep.minSample} EQLs are in brackets and marked ·: too few to judge.`,
    ]),
  ];
  for (const t of rep.signals) blocks.push(section(codeBlock(signalTableLines(t))));
  const seg = segmentTableLines(rep.segments, r.partnerNames, 8).filter((l) => l !== '');
  if (seg.length > 0) blocks.push(section(codeBlock(seg)));
  blocks.push(divider(), section(suggestionLines(r)));
  const text = `Calibration report: ${o.n} judged EQLs, ${percent(o.opportunityRate)} reached opportunity; ${plural(rep.suggestions.length, 'suggestion')}`;
  return message(text, blocks);
}

/** The digest's section: the strength table and the suggestions (the full report is monthly and in the CLI). */
export function calibrationDigestBlocks(r: CalibrationResult): KnownBlock[] {
  const strength = r.report.signals.find((s) => s.signal === 'strength');
  return [
    divider(),
    section(
      `*What converts* (${r.report.overall.n.toLocaleString('en-US')} judged EQLs; \`foothold report calibration\` has every signal)`,
    ),
    ...(strength ? [section(codeBlock(signalTableLines(strength)))] : []),
    section(suggestionLines(r)),
  ];
}

export function mapMessage(r: EcosystemMapResult, maxSegments = 12): SlackMessage {
  const blocks: KnownBlock[] = [
    header('Ecosystem map: who converts where'),
    context([
      `${escapeMrkdwn(r.population)}. Partners ranked by the lower end of their 95% interval; at least ${r.minSample} EQLs to rank.`,
    ]),
  ];
  if (r.segments.length === 0) blocks.push(section('No judged EQLs with a known segment yet.'));
  for (const s of r.segments.slice(0, maxSegments))
    blocks.push(section(codeBlock(segmentLines(s, r.partnerNames))));
  if (r.segments.length > maxSegments)
    blocks.push(context([`and ${r.segments.length - maxSegments} more segments: \`foothold report map\``]));
  return message(`Ecosystem map: ${plural(r.segments.length, 'segment')}`, blocks);
}

/** Product input for the product channel: themes, counts, cleaned quotes. It names no partner. */
export function needsMessage(r: NeedsResult, tz: string): SlackMessage {
  const blocks: KnownBlock[] = [
    header('What accounts need'),
    context([escapeMrkdwn(needsText(r, tz)[0] ?? '')]),
  ];
  if (r.themes.length === 0) blocks.push(section('No theme yet: too few answers share words.'));
  for (const t of r.themes.slice(0, 12)) {
    const segs = t.bySegment
      .slice(0, 5)
      .map((s) => `${escapeMrkdwn(s.segment)} ${s.count}`)
      .join(', ');
    const quotes = t.quotes.map((q) => `> _${escapeMrkdwn(q)}_`).join('\n');
    blocks.push(
      section(
        `*${escapeMrkdwn(t.name)}*: ${t.count} (${percent(t.share)} of answers) · by industry: ${segs}${quotes ? `\n${quotes}` : ''}`,
      ),
    );
  }
  return message(
    `What accounts need: ${plural(r.themes.length, 'theme')} from ${plural(r.needs, 'answer')}`,
    blocks,
  );
}

/** The score line on a routing post or in a rep's App Home. */
export function scoreLine(s: LeadScore): string {
  return `📈 ${escapeMrkdwn(scoreSentence(s)).replace(/^likely to reach opportunity: (\d+%)/, '*likely to reach opportunity: $1*')}`;
}

/** "Partners to ask" on a lead with no partner yet (internal surfaces only). */
export function hintLine(hints: readonly PartnerHint[], names: Record<string, string>): string | null {
  if (hints.length === 0) return null;
  return `🧭 Partners that convert in this segment: ${hints.map((h) => escapeMrkdwn(hintSentence(h, names))).join(' · ')}`;
}

import type { Funnel, Intake, Rate } from '../core/metrics.ts';
import { type AwardTotals, awardTotals } from '../core/rewards.ts';
import type { GateName } from '../core/types.ts';
import type { Db } from '../db/connection.ts';
import { awardsOfPartner } from '../db/stores/reward-store.ts';
import type { ServiceDeps } from './context.ts';
import { buildScorecards, type PartnerScorecard, type ScorecardPeriod } from './partner-scorecard.ts';

// Partners see their own scorecard (issue 13, item 8): their EQLs, conversion and rewards against the
// program average, anonymised. Built from the same scorecards the partner managers get (partner-scorecard.ts,
// src/core/metrics.ts), keeping only what is the partner's own plus the program's RATES, and only when at least
// `partnerScorecards.minPeers` other partners make up the average (with fewer, the average minus one's own
// numbers would identify a peer). Never another partner's name, count, rank or standing.

export interface PartnerOwnScorecard {
  partner: { slug: string; name: string };
  period: ScorecardPeriod;
  timeZone: string;
  minAgeDays: number;
  /** Leads the partner surfaced in the reported month. */
  month: Intake;
  /** The trailing 12 months. */
  trailing: Intake;
  /** Conversion of the partner's mature EQLs (trailing 12 months). */
  funnel: Funnel;
  /** The program's conversion RATES (mature EQLs, trailing 12 months); null while too few peers make it up. */
  program: { opportunity: Rate; won: Rate } | null;
  minPeers: number;
  failingGates: Array<{ gate: GateName; count: number; rate: Rate }>;
  rewards: { approved: AwardTotals; pending: AwardTotals };
}

/** Other partners with at least one EQL old enough to rate: who makes up the average besides `slug`. */
function peersOf(cards: readonly PartnerScorecard[], slug: string): number {
  return cards.filter((c) => c.partner.slug !== slug && c.funnel.eql > 0).length;
}

export async function toOwnScorecard(
  deps: ServiceDeps,
  card: PartnerScorecard,
  cards: readonly PartnerScorecard[],
): Promise<PartnerOwnScorecard> {
  const minPeers = deps.config.partnerScorecards.minPeers;
  const awards = await awardsOfPartner(deps.db, card.partner.slug, { since: card.period.trailingSince });
  return {
    partner: { slug: card.partner.slug, name: card.partner.name },
    period: card.period,
    timeZone: card.timeZone,
    minAgeDays: card.minAgeDays,
    month: card.month,
    trailing: card.trailing,
    funnel: card.funnel,
    program:
      peersOf(cards, card.partner.slug) >= minPeers
        ? { opportunity: card.program.overall.opportunity, won: card.program.overall.won }
        : null,
    minPeers,
    failingGates: card.failingGates,
    rewards: {
      approved: awardTotals(awards.filter((a) => a.status === 'approved')),
      pending: awardTotals(awards.filter((a) => a.status === 'pending')),
    },
  };
}

/** Every active partner's own scorecard for the month before `now` (the monthly DM). */
export async function partnerOwnScorecards(
  deps: ServiceDeps,
  now: number = deps.now(),
): Promise<{ period: ScorecardPeriod; cards: PartnerOwnScorecard[] }> {
  const { period, cards } = await buildScorecards(deps, now);
  const own: PartnerOwnScorecard[] = [];
  for (const c of cards) own.push(await toOwnScorecard(deps, c, cards));
  return { period, cards: own };
}

// App Home is rebuilt whenever a partner opens it; the program part (every lead of 12 months) is shared by
// all partners and changes slowly, so it is kept for a few minutes per database.
const CACHE_MS = 5 * 60_000;
const cache = new WeakMap<Db, { at: number; cards: PartnerScorecard[] }>();

/** One partner's own scorecard (App Home), null for an unknown or inactive partner. */
export async function partnerOwnScorecard(
  deps: ServiceDeps,
  slug: string,
): Promise<PartnerOwnScorecard | null> {
  const now = deps.now();
  let hit = cache.get(deps.db);
  if (!hit || now - hit.at > CACHE_MS || now < hit.at) {
    hit = { at: now, cards: (await buildScorecards(deps, now)).cards };
    cache.set(deps.db, hit);
  }
  const card = hit.cards.find((c) => c.partner.slug === slug);
  return card ? await toOwnScorecard(deps, card, hit.cards) : null;
}

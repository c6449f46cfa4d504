import { normalizeDomain } from '../core/domain.ts';
import type { LeadScore } from '../core/eql-score.ts';
import { DomainError } from '../core/errors.ts';
import { OPEN_STATUSES } from '../core/lifecycle.ts';
import type { ProgramMetrics } from '../core/metrics.ts';
import type { ActorContext } from '../core/permissions.ts';
import type { LeadView } from '../core/types.ts';
import { loadLeadFacts, partnerNames } from '../db/stores/job-store.ts';
import { findLeads, type LeadRow, toLeadView } from '../db/stores/lead-store.ts';
import { hintLine } from '../slack/blocks/insight.ts';
import { reasonLabeler, requirePermission, resolveActor, type ServiceDeps } from './context.ts';
import { currentScore, scoreLeadView } from './eql-score.ts';
import type { Actor } from './inputs.ts';
import { partnerHintsFor } from './insight.ts';
import { computeMetrics } from './program-metrics.ts';

// Read-side use cases: what each person may see. Partners only ever get their own organisation's leads.

export async function whoIs(deps: ServiceDeps, actor: Actor): Promise<ActorContext> {
  // No transaction: this runs on every slash command and submission, and a transaction's begin, commit and
  // drizzle's per-transaction objects cost more than the lookups (issue 6, B1). They read rows that change
  // only with the config (and a person's first visit), and the writes that act on the answer check again.
  return resolveActor(deps.db, deps, actor);
}

async function views(deps: ServiceDeps, rows: readonly LeadRow[]): Promise<LeadView[]> {
  const label = reasonLabeler(deps.config);
  const out: LeadView[] = [];
  for (const r of rows) out.push(await toLeadView(deps.db, r, label));
  return out;
}

/** `/eql status <domain>`: the leads on that account the person may see. */
export async function leadStatus(
  deps: ServiceDeps,
  actor: Actor,
  website: string,
): Promise<{ domain: string; leads: LeadView[]; audience: 'partner' | 'internal'; hint?: string | null }> {
  const parsed = normalizeDomain(website);
  if (!parsed.ok) throw new DomainError('invalid_domain', parsed.reason);
  const who = await whoIs(deps, actor);
  requirePermission('flag', who); // any registered person with a role may look up a status
  if (who.kind === 'partner') {
    return {
      domain: parsed.domain,
      leads: await views(
        deps,
        await findLeads(deps.db, { domain: parsed.domain, partnerSlug: who.partnerSlug, limit: 20 }),
      ),
      audience: 'partner',
    };
  }
  const leads = await views(deps, await findLeads(deps.db, { domain: parsed.domain, limit: 20 }));
  // No partner has it yet (or only one asked to attest): which partners convert in its segment.
  const waiting = leads.every((l) => l.status === 'awaiting_attestation' || l.status === 'merged');
  const hints = waiting
    ? await partnerHintsFor(deps, parsed.domain, { exclude: leads.map((l) => l.partner.slug) })
    : [];
  return {
    domain: parsed.domain,
    leads,
    audience: 'internal',
    hint: hints.length > 0 ? hintLine(hints, Object.fromEntries(await partnerNames(deps.db))) : null,
  };
}

/** `/eql mine`: a partner's own submissions, or the leads a rep or leader owns. */
export async function myLeads(
  deps: ServiceDeps,
  actor: Actor,
): Promise<{ leads: LeadView[]; audience: 'partner' | 'internal' }> {
  const who = await whoIs(deps, actor);
  requirePermission('flag', who);
  if (who.kind === 'partner') {
    return {
      leads: await views(
        deps,
        await findLeads(deps.db, {
          partnerSlug: who.partnerSlug,
          submittedByUserId: actor.userId,
          limit: 50,
        }),
      ),
      audience: 'partner',
    };
  }
  return {
    leads: await views(deps, await findLeads(deps.db, { ownerUserId: actor.userId, limit: 50 })),
    audience: 'internal',
  };
}

export interface HomeData {
  kind: 'partner' | 'rep' | 'leader' | 'none';
  mine: LeadView[];
  available: LeadView[];
  overdue: number[];
  /** Leaders: the program's metrics over the trailing 90 days (src/core/metrics.ts). */
  metrics: ProgramMetrics | null;
  recent: LeadView[];
  /** Reps: the EQL score of each lead shown (by id); queues are sorted by it, most likely first. */
  scores?: Map<number, LeadScore>;
  /** Partners: their org (their own scorecard and rewards are read for it). */
  partnerSlug?: string;
}

/** Scores `leads` with the newest fit; sorts a copy most likely first (unscored last, then oldest first). */
export function byScore(leads: readonly LeadView[], scores: ReadonlyMap<number, LeadScore>): LeadView[] {
  const p = (l: LeadView) => scores.get(l.id)?.probability ?? -1;
  return [...leads].sort((a, b) => p(b) - p(a) || a.createdAt - b.createdAt);
}

const DAY = 86_400_000;

/** What someone's App Home shows, by role. */
export async function homeData(deps: ServiceDeps, actor: Actor): Promise<HomeData> {
  const who = await whoIs(deps, actor);
  const empty: HomeData = { kind: 'none', mine: [], available: [], overdue: [], metrics: null, recent: [] };
  if (who.kind === 'unregistered') return empty;
  if (who.kind === 'partner') {
    return {
      ...empty,
      kind: 'partner',
      partnerSlug: who.partnerSlug,
      mine: await views(deps, await findLeads(deps.db, { partnerSlug: who.partnerSlug, limit: 40 })),
    };
  }
  const now = deps.now();
  const mine = await views(
    deps,
    await findLeads(deps.db, { ownerUserId: actor.userId, statuses: OPEN_STATUSES, limit: 30 }),
  );
  const progressMs = deps.config.sla.progressDays * DAY;
  const overdue = mine.filter((l) => now - l.lastProgressAt > progressMs).map((l) => l.id);
  if (who.roles.includes('leader') || who.roles.includes('admin')) {
    return {
      kind: 'leader',
      mine,
      available: [],
      overdue,
      metrics: computeMetrics(deps.config, await loadLeadFacts(deps.db, { since: now - 90 * DAY }), now),
      recent: await views(deps, await findLeads(deps.db, { limit: 10 })),
    };
  }
  if (!who.roles.includes('rep')) return empty;
  const available = (
    await views(deps, await findLeads(deps.db, { statuses: ['qualified'], limit: 20 }))
  ).filter((l) => !l.routePool || l.routePool.includes(actor.userId));
  const score = await currentScore(deps.db);
  const scores = new Map<number, LeadScore>();
  for (const l of [...mine, ...available]) {
    const s = scoreLeadView(score, l);
    if (s) scores.set(l.id, s);
  }
  return {
    ...empty,
    kind: 'rep',
    mine: byScore(mine, scores),
    available: byScore(available, scores),
    overdue,
    scores,
  };
}

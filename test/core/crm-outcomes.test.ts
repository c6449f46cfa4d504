import { describe, expect, it } from 'vitest';
import {
  type CrmStageTarget,
  decideLink,
  type LinkCandidate,
  mapLossReason,
  planCrmMove,
  sameChoices,
  stageTarget,
} from '../../src/core/crm-outcomes.ts';
import type { LeadStatus } from '../../src/core/types.ts';

const CLAIMED = 1_000;
const opp = (id: string, createdAt: number | null, isClosed = false): LinkCandidate => ({
  id,
  name: `Deal ${id}`,
  stageId: isClosed ? 'closedwon' : 'appointmentscheduled',
  amount: 100,
  currency: 'USD',
  closeDate: null,
  createdAt,
  isClosed,
});

describe('decideLink', () => {
  it.each<[string, LinkCandidate[], string]>([
    ['no opportunities', [], 'none'],
    ['only older ones', [opp('a', 500), opp('b', 999)], 'none'],
    ['no created date', [opp('a', null)], 'none'],
    ['exactly one after the claim', [opp('a', 500), opp('b', 1_000)], 'link:b'],
    ['one after the claim, already closed', [opp('c', 2_000, true)], 'link:c'],
    ['two after the claim', [opp('a', 1_500), opp('b', 2_000)], 'ambiguous:b,a'],
    // Open older ones join the choices after the new ones; closed older ones do not.
    [
      'two new, one open old, one closed old',
      [opp('o', 10), opp('x', 20, true), opp('a', 1_500), opp('b', 2_000)],
      'ambiguous:b,a,o',
    ],
  ])('%s', (_name, candidates, want) => {
    const d = decideLink(CLAIMED, candidates);
    const got =
      d.kind === 'link'
        ? `link:${d.opportunity.id}`
        : d.kind === 'ambiguous'
          ? `ambiguous:${d.choices.map((c) => c.id).join(',')}`
          : 'none';
    expect(got).toBe(want);
  });

  it('offers at most 25 choices and no closed flag', () => {
    const many = Array.from({ length: 40 }, (_, i) => opp(`o${i}`, 2_000 + i));
    const d = decideLink(CLAIMED, many);
    expect(d.kind === 'ambiguous' && d.choices.length).toBe(25);
    expect(d.kind === 'ambiguous' && 'isClosed' in d.choices[0]!).toBe(false);
  });

  it('asks again only when the choices change', () => {
    const a = [opp('a', 1), opp('b', 2)];
    expect(sameChoices(null, a)).toBe(false);
    expect(sameChoices([a[1]!, a[0]!], a)).toBe(true);
    expect(sameChoices([a[0]!], a)).toBe(false);
  });
});

describe('stage targets and moves', () => {
  const stages: Record<string, CrmStageTarget> = {
    closedwon: 'won',
    closedlost: 'lost',
    qualifiedtobuy: 'opportunity',
  };

  it.each([
    ['closedwon', 'won'],
    ['qualifiedtobuy', 'opportunity'],
    ['contractsent', null], // not mapped: ignored (and reported by the sync)
    ['toString', null], // not an own key
  ])('stage %s → %s', (id, want) => {
    expect(stageTarget(id, stages)).toBe(want);
  });

  it.each<[LeadStatus, CrmStageTarget, string]>([
    ['claimed', 'meeting_held', 'step'],
    ['claimed', 'won', 'step'],
    ['intro_requested', 'opportunity', 'step'],
    ['opportunity', 'won', 'step'],
    ['opportunity', 'lost', 'step'],
    ['won', 'won', 'none'],
    ['opportunity', 'meeting_held', 'correction'], // the deal went back a stage in the CRM
    ['won', 'lost', 'correction'], // a Won click, a lost deal: the CRM wins
    ['lost', 'opportunity', 'correction'], // reopened in the CRM
    ['expired', 'won', 'correction'],
    ['expired', 'opportunity', 'step'], // an extension-like revival
    ['disqualified', 'won', 'skip'],
    ['merged', 'opportunity', 'skip'],
    ['qualified', 'won', 'skip'],
    ['candidate', 'won', 'skip'],
  ])('%s → %s is a %s', (from, to, kind) => {
    expect(planCrmMove(from, to).kind).toBe(kind);
  });
});

describe('mapLossReason', () => {
  const reasons = [
    { code: 'competitor', label: 'Lost to a competitor' },
    { code: 'price', label: 'Price' },
    { code: 'no_decision', label: 'No decision' },
    { code: 'other', label: 'Other' },
  ];
  it.each<[string | null, { code: string; text: string | null }]>([
    ['Price', { code: 'price', text: null }],
    ['no decision', { code: 'no_decision', text: null }],
    ['NO_DECISION', { code: 'no_decision', text: null }],
    ['Lost to a Competitor!', { code: 'competitor', text: null }],
    ['Went with an in-house build', { code: 'other', text: 'Went with an in-house build' }],
    [null, { code: 'other', text: null }],
    ['   ', { code: 'other', text: null }],
  ])('%s', (raw, want) => {
    expect(mapLossReason(raw, reasons)).toEqual(want);
  });

  it('falls back to the last code when the program has no "other"', () => {
    expect(mapLossReason('Budget cut', reasons.slice(0, 2))).toEqual({ code: 'price', text: 'Budget cut' });
  });
});

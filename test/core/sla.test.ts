import { describe, expect, it } from 'vitest';
import {
  claimSlaBreached,
  expiryStage,
  formatBusinessHours,
  idleFor,
  progressNudgeDue,
  type SlaConfig,
  type SlaLead,
  slaStage,
  waitedFor,
} from '../../src/core/sla.ts';
import { LEAD_STATUSES, type LeadStatus } from '../../src/core/types.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const NY = 'America/New_York';
const CONFIG: SlaConfig = {
  sla: { claimHours: 24, progressDays: 14, businessHours: { start: 9, end: 17 } },
  expiry: { days: 90, warnDays: 7 },
};

function lead(over: Partial<SlaLead> = {}): SlaLead {
  return {
    id: 42,
    status: 'qualified',
    createdAt: at('2026-03-05T16:00:00Z'),
    qualifiedAt: at('2026-03-05T17:00:00Z'), // Thu 12:00 EST
    claimedAt: null,
    lastProgressAt: at('2026-03-05T17:00:00Z'),
    extensionDays: 0,
    ...over,
  };
}

// Thu 12:00 EST + 24 business hours = Tue Mar 10 12:00 EDT (16:00Z); + 24 more = Fri Mar 13 12:00 EDT.
const QUALIFIED = at('2026-03-05T17:00:00Z');
const REMINDER = '2026-03-10T16:00:00.000Z';
const ESCALATION = '2026-03-13T16:00:00.000Z';

describe('slaStage', () => {
  it.each([
    ['2026-03-05T17:00:00Z', 'none', null],
    ['2026-03-10T15:59:59Z', 'none', null],
    ['2026-03-10T16:00:00Z', 'reminder', `sla:reminder:lead:42:${QUALIFIED}`],
    ['2026-03-13T15:59:59Z', 'reminder', `sla:reminder:lead:42:${QUALIFIED}`],
    ['2026-03-13T16:00:00Z', 'escalation', `sla:escalation:lead:42:${QUALIFIED}`],
    ['2026-04-20T16:00:00Z', 'escalation', `sla:escalation:lead:42:${QUALIFIED}`],
  ])('at %s → %s', (now, stage, key) => {
    const s = slaStage(lead(), CONFIG, NY, at(now));
    expect(s.stage).toBe(stage);
    expect(s.periodKey).toBe(key);
    expect(iso(s.reminderAt)).toBe(REMINDER);
    expect(iso(s.escalationAt)).toBe(ESCALATION);
  });

  it('counts the wait in business hours', () => {
    expect(slaStage(lead(), CONFIG, NY, at(REMINDER)).waitedHours).toBeCloseTo(24, 9);
    expect(slaStage(lead(), CONFIG, NY, at('2026-03-07T12:00:00Z')).waitedHours).toBeCloseTo(13, 9); // Thu 5 + Fri 8
  });

  it.each([
    // Short SLA: Thu 12:00 EST + 4 → Thu 16:00; + 4 → Fri 12:00.
    [
      { ...CONFIG, sla: { ...CONFIG.sla, claimHours: 4 } },
      '2026-03-05T21:00:00.000Z',
      '2026-03-06T17:00:00.000Z',
    ],
    // 5 h: the reminder lands exactly on Thu closing (17:00), the escalation 5 h into Friday (14:00 EST).
    [
      { ...CONFIG, sla: { ...CONFIG.sla, claimHours: 5 } },
      '2026-03-05T22:00:00.000Z',
      '2026-03-06T19:00:00.000Z',
    ],
  ])('follows claimHours (%#)', (config, reminder, escalation) => {
    const s = slaStage(lead(), config, NY, QUALIFIED);
    expect([iso(s.reminderAt), iso(s.escalationAt)]).toEqual([reminder, escalation]);
  });

  it('applies only to unclaimed EQLs', () => {
    for (const status of LEAD_STATUSES.filter((s) => s !== 'qualified')) {
      const s = slaStage(lead({ status }), CONFIG, NY, at('2026-04-20T16:00:00Z'));
      expect([status, s.stage, s.since, s.periodKey]).toEqual([status, 'none', null, null]);
    }
  });

  it('falls back to createdAt when qualifiedAt is missing, and re-qualifying opens new periods', () => {
    const created = at('2026-03-05T16:00:00Z');
    const s = slaStage(lead({ qualifiedAt: null }), CONFIG, NY, at('2026-03-10T15:00:00Z'));
    expect(s).toMatchObject({
      since: created,
      stage: 'reminder',
      periodKey: `sla:reminder:lead:42:${created}`,
    });
    const later = at('2026-03-09T14:00:00Z');
    const again = slaStage(lead({ qualifiedAt: later }), CONFIG, NY, at('2026-03-12T14:00:00Z'));
    expect(again.periodKey).toBe(`sla:reminder:lead:42:${later}`);
  });

  it('is idempotent for a job that keeps a ledger of period keys', () => {
    const ledger = new Set<string>();
    const leads = [lead(), lead({ id: 7 }), lead({ id: 8, status: 'claimed' })];
    const run = (now: number): string[] => {
      const sent: string[] = [];
      for (const l of leads) {
        const key = slaStage(l, CONFIG, NY, now).periodKey;
        if (key && !ledger.has(key)) {
          ledger.add(key);
          sent.push(key);
        }
      }
      return sent;
    };
    expect(run(at(REMINDER))).toEqual([
      `sla:reminder:lead:42:${QUALIFIED}`,
      `sla:reminder:lead:7:${QUALIFIED}`,
    ]);
    expect(run(at(REMINDER))).toEqual([]);
    expect(run(at('2026-03-11T16:00:00Z'))).toEqual([]); // still the reminder period
    expect(run(at(ESCALATION))).toHaveLength(2);
    expect(run(at(ESCALATION) + 3_600_000)).toEqual([]);
  });
});

describe('claimSlaBreached', () => {
  it.each<[Partial<SlaLead>, string, boolean]>([
    [{ status: 'claimed', claimedAt: at(REMINDER) }, '2026-04-01T00:00:00Z', false], // claimed on the deadline
    [{ status: 'claimed', claimedAt: at(REMINDER) + 1000 }, '2026-04-01T00:00:00Z', true],
    [{ status: 'won', claimedAt: at('2026-03-06T15:00:00Z') }, '2026-04-01T00:00:00Z', false],
    [{ status: 'qualified' }, '2026-03-10T15:59:59Z', false],
    [{ status: 'qualified' }, '2026-03-10T16:00:01Z', true],
    [{ status: 'disqualified' }, '2026-04-01T00:00:00Z', false], // left unclaimed, but not waiting any more
    [{ status: 'candidate', qualifiedAt: null }, '2026-04-01T00:00:00Z', false],
  ])('%o at %s → %s', (over, now, expected) => {
    expect(claimSlaBreached(lead(over), CONFIG, NY, at(now))).toBe(expected);
  });
});

describe('progressNudgeDue', () => {
  // Last progress Sun Mar 1 10:00 EST; 14 calendar days later is Sun Mar 15 10:00 EDT (14:00Z), then Mar 29.
  const LAST = at('2026-03-01T15:00:00Z');
  const claimed = (status: LeadStatus = 'claimed'): SlaLead =>
    lead({ status, lastProgressAt: LAST, claimedAt: LAST });

  it.each([
    ['2026-03-01T15:00:00Z', false, 0, '2026-03-15T14:00:00.000Z'],
    ['2026-03-15T13:59:59Z', false, 0, '2026-03-15T14:00:00.000Z'],
    ['2026-03-15T14:00:00Z', true, 1, '2026-03-15T14:00:00.000Z'],
    ['2026-03-29T13:59:59Z', true, 1, '2026-03-15T14:00:00.000Z'],
    ['2026-03-29T14:00:00Z', true, 2, '2026-03-29T14:00:00.000Z'],
    ['2026-05-10T14:00:00Z', true, 5, '2026-05-10T14:00:00.000Z'],
  ])('at %s → due %s (nudge %s)', (now, due, n, dueAt) => {
    const r = progressNudgeDue(claimed(), CONFIG, NY, at(now));
    expect([r.due, r.nudgeNumber, iso(r.dueAt)]).toEqual([due, n, dueAt]);
    expect(r.periodKey).toBe(due ? `sla:nudge:lead:42:${LAST}:${n}` : null);
  });

  it('applies to claimed leads in motion only', () => {
    const now = at('2026-03-20T00:00:00Z');
    const inMotion = LEAD_STATUSES.filter((s) => progressNudgeDue(claimed(s), CONFIG, NY, now).due);
    expect(inMotion).toEqual(['claimed', 'intro_requested', 'meeting_held', 'opportunity']);
  });

  it('restarts its periods when progress is recorded', () => {
    const moved = at('2026-03-10T15:00:00Z'); // Tue 11:00 EDT → first nudge Tue Mar 24 11:00 EDT
    const r = progressNudgeDue(
      lead({ status: 'meeting_held', lastProgressAt: moved }),
      CONFIG,
      NY,
      at('2026-03-24T15:00:00Z'),
    );
    expect(r.periodKey).toBe(`sla:nudge:lead:42:${moved}:1`);
  });
});

describe('expiryStage', () => {
  // Last progress Mon Jan 5 10:00 EST; 90 days later is Sun Apr 5 10:00 EDT (14:00Z); the warning is 7 days before.
  const LAST = at('2026-01-05T15:00:00Z');
  const EXPIRES = at('2026-04-05T14:00:00Z');
  const open = (over: Partial<SlaLead> = {}): SlaLead =>
    lead({ status: 'claimed', lastProgressAt: LAST, ...over });

  it.each([
    ['2026-03-29T13:59:59Z', 'none', null],
    ['2026-03-29T14:00:00Z', 'warning', `expiry:warning:lead:42:${EXPIRES}`],
    ['2026-04-05T13:59:59Z', 'warning', `expiry:warning:lead:42:${EXPIRES}`],
    ['2026-04-05T14:00:00Z', 'expired', `expiry:expired:lead:42:${EXPIRES}`],
  ])('at %s → %s', (now, stage, key) => {
    const e = expiryStage(open(), CONFIG, NY, at(now));
    expect([e.stage, e.periodKey, iso(e.expiresAt), iso(e.warnAt)]).toEqual([
      stage,
      key,
      '2026-04-05T14:00:00.000Z',
      '2026-03-29T14:00:00.000Z',
    ]);
  });

  it('adds extension days, which opens a fresh warning period', () => {
    const e = expiryStage(open({ extensionDays: 30 }), CONFIG, NY, at('2026-04-05T14:00:00Z'));
    expect([e.stage, iso(e.expiresAt), iso(e.warnAt)]).toEqual([
      'none',
      '2026-05-05T14:00:00.000Z',
      '2026-04-28T14:00:00.000Z',
    ]);
    const w = expiryStage(open({ extensionDays: 30 }), CONFIG, NY, at('2026-04-30T00:00:00Z'));
    expect(w.periodKey).toBe(`expiry:warning:lead:42:${at('2026-05-05T14:00:00Z')}`);
  });

  it('applies to open statuses only', () => {
    const now = at('2026-06-01T00:00:00Z');
    const expiring = LEAD_STATUSES.filter(
      (s) => expiryStage(open({ status: s }), CONFIG, NY, now).stage === 'expired',
    );
    expect(expiring).toEqual([
      'awaiting_attestation',
      'candidate',
      'qualified',
      'claimed',
      'intro_requested',
      'meeting_held',
      'opportunity',
    ]);
  });

  it('warns from the start when warnDays exceeds the period', () => {
    const e = expiryStage(open(), { ...CONFIG, expiry: { days: 5, warnDays: 7 } }, NY, LAST);
    expect([e.stage, e.warnAt]).toEqual(['warning', LAST]);
  });
});

describe('human strings', () => {
  it.each([
    ['2026-03-06T19:00:00Z', '2026-03-09T18:00:00Z', 'waiting 8 business hours'],
    ['2026-03-05T17:00:00Z', '2026-03-10T18:00:00Z', 'waiting 26 business hours'],
    ['2026-03-05T17:00:00Z', '2026-03-05T18:30:00Z', 'waiting 1 business hour'],
    ['2026-03-05T17:00:00Z', '2026-03-05T17:40:00Z', 'waiting less than a business hour'],
    ['2026-03-06T22:00:00Z', '2026-03-09T12:00:00Z', 'waiting less than a business hour'], // the weekend
  ])('%s → %s: %s', (from, to, text) => {
    expect(waitedFor(at(from), at(to), NY, CONFIG.sla.businessHours)).toBe(text);
  });

  it('formats hours and idle days', () => {
    expect(formatBusinessHours(2.99)).toBe('2 business hours');
    expect(formatBusinessHours(Number.NaN)).toBe('less than a business hour');
    expect(idleFor(0, 86_400_000 - 1)).toBe('no progress for less than a day');
    expect(idleFor(0, 86_400_000)).toBe('no progress for 1 day');
    expect(idleFor(0, 12.5 * 86_400_000)).toBe('no progress for 12 days');
  });
});

import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transaction } from '../../src/db/connection.ts';
import { corroborations, gateResults, leads } from '../../src/db/schema.ts';
import { LEAD_EXPORT_COLUMNS, neutraliseFormula, writeLeadsCsv } from '../../src/db/stores/export-store.ts';
import { syncPartners } from '../../src/db/stores/import-store.ts';
import { type TempDb, tempDb } from './helpers.ts';

let t: TempDb;
beforeEach(async () => {
  t = await tempDb();
  await syncPartners(
    t.db,
    [
      { slug: 'northwind', name: 'Northwind Consulting', manager: 'U0PAM' },
      { slug: 'contoso', name: 'Contoso, "Systems"', manager: 'U0PAM' },
      { slug: 'fabrikam', name: '=Fabrikam', manager: 'U0PAM' },
    ],
    1,
  );
});
afterEach(() => t.cleanup());

const T0 = Date.UTC(2025, 0, 15, 9, 30);
const HOUR = 3_600_000;

async function insertLead(
  values: Partial<typeof leads.$inferInsert> & { domain: string; accountName: string },
): Promise<number> {
  const row = (
    await t.db
      .insert(leads)
      .values({
        partnerSlug: 'northwind',
        surfacedBy: 'partner',
        submittedByUserId: 'U0PARTNER',
        status: 'qualified',
        attribution: 'sourced',
        createdAt: T0,
        updatedAt: T0,
        lastProgressAt: T0,
        ...values,
      })
      .returning({ id: leads.id })
  )[0];
  return row!.id;
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString('utf8');
    cb();
  }
}

async function exportCsv(): Promise<{ text: string; rows: Record<string, string>[]; count: number }> {
  const sink = new Sink();
  const { rows: count } = await writeLeadsCsv(t.db, sink);
  return { text: sink.text, rows: parse(sink.text, { columns: true }) as Record<string, string>[], count };
}

describe('neutraliseFormula', () => {
  it("prefixes cells a spreadsheet would run as a formula with '", () => {
    expect(neutraliseFormula('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(neutraliseFormula('+1 555 0100')).toBe("'+1 555 0100");
    expect(neutraliseFormula('-2+3')).toBe("'-2+3");
    expect(neutraliseFormula('@cmd')).toBe("'@cmd");
    expect(neutraliseFormula('\t=1')).toBe("'\t=1");
    expect(neutraliseFormula('Acme = good')).toBe('Acme = good');
    expect(neutraliseFormula('')).toBe('');
  });
});

describe('writeLeadsCsv', () => {
  it('writes only the header when there are no leads', async () => {
    const { text, count } = await exportCsv();
    expect(count).toBe(0);
    expect(text).toBe(`${LEAD_EXPORT_COLUMNS.join(',')}\n`);
  });

  it('round-trips: one row per lead with gates, outcomes and corroborating partners; formulas neutralised', async () => {
    const id = await insertLead({
      domain: 'acme.com',
      accountName: '=HYPERLINK("http://evil.example","Click")',
      relationship: 'customer',
      overlapVerified: true,
      icpScore: 70,
      ownerUserId: 'U0REP1',
      status: 'won',
      crmOpportunityId: '0065g00000AbCdE',
      opportunityAmount: 125_000.5,
      opportunityCurrency: 'EUR',
      opportunityCloseDate: '2025-01-31',
      claimedAt: T0 + HOUR,
      opportunityAt: T0 + 2 * HOUR,
      closedAt: T0 + 3 * HOUR,
      reasonCode: 'price',
      reasonText: '+1 call me, "maybe"\nnext week',
    });
    const gates = [
      { gate: 'overlap', outcome: 'pass', reason: 'Northwind says Acme is a customer (verified).' },
      { gate: 'warmth', outcome: 'pass', reason: 'Strength 4, last spoke 10 days ago.' },
      { gate: 'fit', outcome: 'fail', reason: '-20 points: too small' },
      { gate: 'motion', outcome: 'unknown', reason: '@routing: no rule yet' },
    ] as const;
    for (const g of gates)
      await t.db.insert(gateResults).values({ leadId: id, ...g, details: {}, evaluatedAt: T0 });
    const fromFabrikam = await insertLead({
      domain: 'acme.com',
      accountName: 'Acme',
      partnerSlug: 'fabrikam',
      status: 'merged',
    });
    const fromContoso = await insertLead({
      domain: 'acme.com',
      accountName: 'Acme',
      partnerSlug: 'contoso',
      status: 'merged',
    });
    await t.db
      .insert(corroborations)
      .values({ leadId: id, partnerSlug: 'fabrikam', sourceLeadId: fromFabrikam, createdAt: T0 + 5 });
    await t.db
      .insert(corroborations)
      .values({ leadId: id, partnerSlug: 'contoso', sourceLeadId: fromContoso, createdAt: T0 + 9 });
    const bare = await insertLead({
      domain: 'globex.com',
      accountName: 'Globex',
      surfacedBy: 'rep',
      status: 'awaiting_attestation',
      attribution: 'influenced',
    });

    const { rows, count, text } = await exportCsv();
    expect(count).toBe(4);
    expect(text.split('\n')[0]).toBe(LEAD_EXPORT_COLUMNS.join(','));
    expect(rows.map((r) => r.id)).toEqual([
      String(id),
      String(fromFabrikam),
      String(fromContoso),
      String(bare),
    ]);
    expect(rows[0]).toEqual({
      id: String(id),
      created_at: '2025-01-15T09:30:00.000Z',
      account_name: `'=HYPERLINK("http://evil.example","Click")`,
      domain: 'acme.com',
      partner_slug: 'northwind',
      partner_name: 'Northwind Consulting',
      surfaced_by: 'partner',
      status: 'won',
      relationship: 'customer',
      overlap_verified: 'true',
      overlap_outcome: 'pass',
      overlap_reason: 'Northwind says Acme is a customer (verified).',
      warmth_outcome: 'pass',
      warmth_reason: 'Strength 4, last spoke 10 days ago.',
      fit_outcome: 'fail',
      fit_reason: "'-20 points: too small",
      motion_outcome: 'unknown',
      motion_reason: "'@routing: no rule yet",
      icp_score: '70',
      owner_user_id: 'U0REP1',
      attribution: 'sourced',
      corroborating_partners: 'fabrikam;contoso',
      credited_partner_slug: 'northwind',
      claimed_at: '2025-01-15T10:30:00.000Z',
      opportunity_at: '2025-01-15T11:30:00.000Z',
      closed_at: '2025-01-15T12:30:00.000Z',
      reason_code: 'price',
      reason_text: `'+1 call me, "maybe"\nnext week`,
      crm_opportunity_id: '0065g00000AbCdE',
      opportunity_amount: '125000.5',
      opportunity_currency: 'EUR',
      opportunity_close_date: '2025-01-31',
    });
    expect(rows[1]).toMatchObject({ partner_slug: 'fabrikam', partner_name: "'=Fabrikam", status: 'merged' });
    expect(rows[2]).toMatchObject({ partner_name: 'Contoso, "Systems"' });
    expect(rows[3]).toEqual({
      ...Object.fromEntries(LEAD_EXPORT_COLUMNS.map((c) => [c, ''])),
      id: String(bare),
      created_at: '2025-01-15T09:30:00.000Z',
      account_name: 'Globex',
      domain: 'globex.com',
      partner_slug: 'northwind',
      partner_name: 'Northwind Consulting',
      surfaced_by: 'rep',
      status: 'awaiting_attestation',
      overlap_verified: 'false',
      attribution: 'influenced',
      credited_partner_slug: 'northwind',
    });
  });

  it('pages through many leads in id order', async () => {
    const many = Array.from({ length: 1_234 }, (_, i) => ({
      domain: `c${i}.com`,
      accountName: `C${i}`,
      partnerSlug: 'northwind',
      surfacedBy: 'partner' as const,
      submittedByUserId: 'U0P',
      status: 'qualified' as const,
      attribution: 'sourced' as const,
      createdAt: T0,
      updatedAt: T0,
      lastProgressAt: T0,
    }));
    await transaction(t.db, async (tx) => {
      for (let i = 0; i < many.length; i += 200) await tx.insert(leads).values(many.slice(i, i + 200));
    });
    const { rows, count } = await exportCsv();
    expect(count).toBe(1_234);
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 1_234 }, (_, i) => i + 1));
  });
});

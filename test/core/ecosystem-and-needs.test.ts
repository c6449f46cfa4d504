import { describe, expect, it } from 'vitest';
import type { SegmentCell } from '../../src/core/calibration.ts';
import { ecosystemMap, marginalCells, partnersToAsk } from '../../src/core/ecosystem-map.ts';
import { cleanQuote, type NeedText, needThemes } from '../../src/core/needs-themes.ts';

const seg = (
  partnerSlug: string,
  industry: string,
  country: string,
  n: number,
  opportunity: number,
): SegmentCell => ({
  partnerSlug,
  industry,
  country,
  employees: '200-999',
  n,
  opportunity,
  won: 0,
});

describe('ecosystem map', () => {
  const cells = [
    seg('northwind', 'fintech', 'DE', 100, 40),
    seg('contoso', 'fintech', 'DE', 100, 15),
    seg('lucky', 'fintech', 'DE', 5, 5), // 100% of 5: below the sample, never ranked first
    seg('contoso', 'retail', 'US', 80, 30),
  ];
  it('ranks partners per segment by the lower end of their interval, small samples last', () => {
    const map = ecosystemMap(cells, 30);
    const fintech = map.find((s) => s.dimension === 'industry' && s.value === 'fintech')!;
    expect(fintech.total).toBe(205);
    expect(fintech.partners.map((p) => [p.partnerSlug, p.belowSample])).toEqual([
      ['northwind', false],
      ['contoso', false],
      ['lucky', true],
    ]);
    expect(map.map((s) => `${s.dimension}:${s.value}`)).toEqual([
      'industry:fintech',
      'industry:retail',
      'country:DE',
      'country:US',
      'employees:200-999',
    ]);
  });
  it('folds cells to one dimension at a time without changing the map', () => {
    expect(ecosystemMap(marginalCells(cells), 30)).toEqual(ecosystemMap(cells, 30));
    expect(marginalCells(cells)).toHaveLength(4 + 4 + 3); // partner × industry, × country, × employee band
  });

  it('answers "which partner for a fintech account in Germany?"', () => {
    const map = ecosystemMap(cells, 30);
    const hints = partnersToAsk(map, { industry: 'Fintech', country: 'de' });
    expect(hints.map((h) => h.partnerSlug)).toEqual(['northwind', 'contoso']);
    expect(hints[0]!.evidence.map((e) => `${e.dimension}:${e.value}`)).toEqual([
      'industry:fintech',
      'country:DE',
    ]);
    expect(
      partnersToAsk(map, { industry: 'fintech' }, { exclude: ['northwind'] }).map((h) => h.partnerSlug),
    ).toEqual(['contoso']);
    expect(partnersToAsk(map, { industry: 'mining' })).toEqual([]);
  });
});

const need = (
  id: number,
  text: string,
  segment = 'software',
  period = '2026-10',
  redact: string[] = [],
): NeedText => ({
  id,
  text,
  segment,
  period,
  redact,
});

describe('need themes', () => {
  it('extracts shared words and phrases, greedy by how many needs share them', () => {
    const themes = needThemes(
      [
        need(1, 'They need SSO and audit logs'),
        need(2, 'Audit logs for the compliance team', 'fintech'),
        need(3, 'SSO with Okta', 'fintech', '2026-11'),
        need(4, 'audit logs, SOC 2'),
        need(5, 'Pricing questions'),
      ],
      { minCount: 2 },
    );
    // "audit logs" (3) beats "audit" and "logs" (3, same needs: covered); "sso" (2)
    expect(themes.map((t) => [t.name, t.count])).toEqual([
      ['audit logs', 3],
      ['sso', 2],
    ]);
    expect(themes[0]!.bySegment).toEqual([
      { segment: 'software', count: 2 },
      { segment: 'fintech', count: 1 },
    ]);
    expect(themes[1]!.byPeriod).toEqual([
      { period: '2026-10', count: 1 },
      { period: '2026-11', count: 1 },
    ]);
    expect(themes[1]!.quotes).toEqual(['SSO with Okta', 'They need SSO and audit logs']);
    expect(themes[0]!.share).toBeCloseTo(0.6, 10);
  });
  it('uses configured themes when given, matching whole words and phrases', () => {
    const themes = needThemes(
      [need(1, 'Need single sign-on'), need(2, 'SSO please'), need(3, 'Assorted things')],
      {
        themes: [
          { name: 'Identity', keywords: ['sso', 'single sign-on'] },
          { name: 'Billing', keywords: ['invoice'] },
        ],
      },
    );
    expect(themes.map((t) => [t.name, t.count])).toEqual([['Identity', 2]]); // "Assorted" does not contain the word sso
  });
  it('cleans quotes: names, partner names, e-mails, phones, mentions and links are replaced', () => {
    expect(
      cleanQuote(
        'Dana Whitfield at Northwind Consulting (dana@acme.io, +1 415 555 0100) <!channel> https://x.io/a @bob',
        ['Dana Whitfield', 'Northwind Consulting'],
      ),
    ).toBe('[name] at [name] ([email], [phone]) [someone] [link] [someone]');
    expect(cleanQuote('Whitfield said', ['Dana Whitfield'])).toBe('[name] said');
    expect(cleanQuote('x'.repeat(300)).length).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import { countryCode } from '../../src/imports/countries.ts';
import { parsePeriodCell } from '../../src/imports/import-baselines.ts';
import { parseRelationshipCell } from '../../src/imports/import-overlaps.ts';
import {
  parseAmountCell,
  parseBooleanCell,
  parseCountCell,
  parseRateCell,
} from '../../src/imports/values.ts';

const value = <T>(r: { ok: true; value: T } | { ok: false; reason: string }) =>
  r.ok ? r.value : `!${r.reason}`;

describe('cell parsers', () => {
  it('booleans', () => {
    for (const v of ['true', 'TRUE', 'yes', 'Y', 'y', '1']) expect(value(parseBooleanCell(v))).toBe(true);
    for (const v of ['false', 'No', 'N', '0']) expect(value(parseBooleanCell(v))).toBe(false);
    expect(value(parseBooleanCell(undefined))).toBe(false);
    expect(value(parseBooleanCell('maybe'))).toMatch(/^!expected yes or no/);
  });

  it('counts accept thousands separators only', () => {
    expect(value(parseCountCell('1,200'))).toBe(1200);
    expect(value(parseCountCell('1200'))).toBe(1200);
    expect(value(parseCountCell('12 000'))).toBe(12000);
    expect(value(parseCountCell(undefined))).toBeNull();
    for (const bad of ['1,20', '1.5', '-3', 'ten', '201-500'])
      expect(value(parseCountCell(bad))).toMatch(/^!expected a whole number/);
  });

  it('amounts accept currency symbols, codes, separators and K/M/B', () => {
    expect(value(parseAmountCell('$1,200,000'))).toBe(1_200_000);
    expect(value(parseAmountCell('1200000.50'))).toBe(1_200_000.5);
    expect(value(parseAmountCell('USD 3,000'))).toBe(3000);
    expect(value(parseAmountCell('3000 EUR'))).toBe(3000);
    expect(value(parseAmountCell('£2.5M'))).toBe(2_500_000);
    expect(value(parseAmountCell('1.2bn'))).toBe(1_200_000_000);
    for (const bad of ['1.200.000', '-5', 'lots', '1,2'])
      expect(value(parseAmountCell(bad))).toMatch(/^!expected an amount/);
  });

  it('rates accept fractions and percentages', () => {
    expect(value(parseRateCell('0.08'))).toBe(0.08);
    expect(value(parseRateCell('8%'))).toBe(0.08);
    expect(value(parseRateCell('12.5 %'))).toBe(0.125);
    expect(value(parseRateCell('8'))).toMatch(/^!expected a rate between 0 and 1 \(write percentages with %/);
    expect(value(parseRateCell('120%'))).toMatch(/^!expected a percentage up to 100%/);
  });

  it('periods', () => {
    expect(value(parsePeriodCell('2024'))).toBe('2024');
    expect(value(parsePeriodCell('2024-q1'))).toBe('2024-Q1');
    expect(value(parsePeriodCell('2024 Q2'))).toBe('2024-Q2');
    expect(value(parsePeriodCell('Q3 2024'))).toBe('2024-Q3');
    expect(value(parsePeriodCell('2024-3'))).toBe('2024-03');
    expect(value(parsePeriodCell('2024/11'))).toBe('2024-11');
    for (const bad of ['2024-13', '2024-Q5', 'March', '24'])
      expect(value(parsePeriodCell(bad))).toMatch(/^!expected a year/);
  });

  it('relationships', () => {
    expect(value(parseRelationshipCell('Customer'))).toBe('customer');
    expect(value(parseRelationshipCell('Prospects'))).toBe('prospect');
    expect(value(parseRelationshipCell('Open Opportunity'))).toBe('open_opportunity');
    expect(value(parseRelationshipCell('open_opportunity'))).toBe('open_opportunity');
    expect(value(parseRelationshipCell('opportunity'))).toBe('open_opportunity');
    expect(value(parseRelationshipCell('partner'))).toMatch(
      /^!expected customer, prospect or open opportunity, got "partner"/,
    );
  });
});

describe('countryCode', () => {
  it('maps codes and common names to ISO 3166-1 alpha-2', () => {
    const cases: Record<string, string> = {
      US: 'US',
      us: 'US',
      USA: 'US',
      'United States': 'US',
      'United States of America': 'US',
      UK: 'GB',
      'United Kingdom': 'GB',
      'Great Britain': 'GB',
      England: 'GB',
      Canada: 'CA',
      Germany: 'DE',
      Deutschland: 'DE',
      France: 'FR',
      Netherlands: 'NL',
      'The Netherlands': 'NL',
      Holland: 'NL',
      Australia: 'AU',
      India: 'IN',
      Japan: 'JP',
      Spain: 'ES',
      España: 'ES',
      Ireland: 'IE',
      'South Korea': 'KR',
      "Côte d'Ivoire": 'CI',
      'Trinidad & Tobago': 'TT',
      'Bosnia and Herzegovina': 'BA',
      // ISO names and three-letter codes as real CRM exports carry them.
      BRA: 'BR',
      MEX: 'MX',
      CHE: 'CH',
      gbr: 'GB',
      'Korea, Republic of': 'KR',
      "Korea, Democratic People's Republic of": 'KP',
      'Iran, Islamic Republic of': 'IR',
      'Iran (Islamic Republic of)': 'IR',
      'Bolivia, Plurinational State of': 'BO',
      'Venezuela, Bolivarian Republic of': 'VE',
      'Tanzania, United Republic of': 'TZ',
      'Moldova, Republic of': 'MD',
      'Taiwan, Province of China': 'TW',
      'Micronesia, Federated States of': 'FM',
      "Lao People's Democratic Republic": 'LA',
      'Syrian Arab Republic': 'SY',
      'Russian Federation': 'RU',
      'Viet Nam': 'VN',
      Macao: 'MO',
      Macau: 'MO',
      'Hong Kong SAR': 'HK',
      Kosovo: 'XK',
      XK: 'XK',
      XKX: 'XK',
      Czechia: 'CZ',
      Türkiye: 'TR',
      'Myanmar (Burma)': 'MM',
      Congo: 'CG',
      'Congo, The Democratic Republic of the': 'CD',
      'Holy See (Vatican City State)': 'VA',
      'Åland Islands': 'AX',
      Curaçao: 'CW',
    };
    for (const [input, code] of Object.entries(cases))
      expect([input, countryCode(input)]).toEqual([input, code]);
  });

  it('rejects unknown names and unassigned codes', () => {
    expect(countryCode('Atlantis')).toBeUndefined();
    expect(countryCode('XX')).toBeUndefined();
    expect(countryCode('EU')).toBeUndefined();
  });
});

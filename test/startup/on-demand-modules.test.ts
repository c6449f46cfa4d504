import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Memory (B6): the CRM client libraries, the country names and the chart renderer are loaded on first use, so
// a bot that has not synced a CRM, imported a file or drawn a chart does not hold them. Each step runs in a
// fresh process (vitest's own module cache would hide what the bot loads).
describe('packages loaded on demand', () => {
  it('are absent after start-up imports and appear on their first use, which works', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', new URL('./on-demand-modules.ts', import.meta.url).pathname],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    expect(report).toEqual({
      afterImport: [],
      kinds: ['hubspot', 'salesforce'],
      afterBuild: [],
      firstCalls: ['refused', 'refused'],
      afterCrmCalls: ['jsforce', '@hubspot/api-client'],
      country: 'DE',
      afterCountry: ['jsforce', '@hubspot/api-client', 'i18n-iso-countries'],
      chart: [4, 3, 'PNG'],
      afterChart: ['jsforce', '@hubspot/api-client', 'i18n-iso-countries', '@resvg/resvg-js'],
    });
  });
});

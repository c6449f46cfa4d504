// Run by on-demand-modules.test.ts in a fresh `node --import tsx`: prints, as one JSON line, which of the
// on-demand packages are in the module cache after importing the bot, after building both CRM providers, and
// after the first use of each (a CRM call to a closed loopback port, a country lookup, a chart render).

import { createRequire } from 'node:module';

const ON_DEMAND = ['jsforce', '@hubspot/api-client', 'i18n-iso-countries', '@resvg/resvg-js'];
const cache = createRequire(import.meta.url).cache;
const loaded = () =>
  ON_DEMAND.filter((pkg) => Object.keys(cache).some((file) => file.includes(`/node_modules/${pkg}/`)));

const report: Record<string, unknown> = {};
await import('../../src/app.ts');
report.afterImport = loaded();

const { hubspotConfig, hubspotProvider, salesforceConfig, salesforceProvider } = await import(
  '../helpers/crm.ts'
);
const closed = 'http://127.0.0.1:9';
const providers = [
  hubspotProvider(closed, hubspotConfig().crm!, { timeoutMs: 500 }),
  salesforceProvider(closed, salesforceConfig().crm!, { timeoutMs: 500 }),
];
report.kinds = providers.map((p) => p.kind);
report.afterBuild = loaded();
report.firstCalls = await Promise.all(
  providers.map((p) =>
    p.listStages().then(
      () => 'answered',
      (err: unknown) => (err instanceof Error ? 'refused' : 'threw a non-error'),
    ),
  ),
);
report.afterCrmCalls = loaded();

const { countryCode } = await import('../../src/imports/countries.ts');
report.country = countryCode('Deutschland');
report.afterCountry = loaded();

const { renderPng } = await import('../../src/slack/charts/render.ts');
const png = renderPng(
  '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"><rect width="4" height="3"/></svg>',
);
report.chart = [png.width, png.height, png.png.subarray(1, 4).toString('latin1')];
report.afterChart = loaded();
process.stdout.write(`${JSON.stringify(report)}\n`);

import { createRequire } from 'node:module';
import type * as Countries from 'i18n-iso-countries';

// Country cells → ISO 3166-1 alpha-2 codes (what routing rules and ICP criteria use).
// The maintained source is `i18n-iso-countries` (ISO 3166-1 codes, alpha-3 codes and the English names with
// their official and common variants, e.g. `Korea, Republic of`, `Macao`, `Kosovo`). On top of it:
// - the runtime's ICU English region names (`Intl.DisplayNames`), which add forms such as `Myanmar (Burma)`;
// - ISO's inverted form `Name, Qualifier of` read either way (`Iran, Islamic Republic of`);
// - the CRM spellings below that neither source has (`Holland`, `Deutschland`, `Viet Nam`, `XKX`…).
// Matching ignores case, accents and punctuation. An ambiguous name (`Congo`) follows ISO's short name.

// The library (82 modules) and its English names are loaded on the first lookup, by an import or a CRM sync,
// not when the bot starts: a bot that has not imported anything does not hold them (B6, README "Performance").
let library: typeof Countries | undefined;

function countries(): typeof Countries {
  if (library) return library;
  const require = createRequire(import.meta.url);
  const loaded = require('i18n-iso-countries') as typeof Countries;
  loaded.registerLocale(require('i18n-iso-countries/langs/en.json') as Countries.LocaleData);
  library = loaded;
  return loaded;
}

/** Spellings seen in CRM exports that the library and ICU lack. Keys are normalised (see `key`). */
const CRM_ALIASES: Record<string, string> = {
  america: 'US',
  unitedstatesofamerica: 'US',
  gbr: 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  unitedkingdomofgreatbritainandnorthernireland: 'GB',
  deutschland: 'DE',
  holland: 'NL',
  nederland: 'NL',
  espana: 'ES',
  italia: 'IT',
  schweiz: 'CH',
  suisse: 'CH',
  osterreich: 'AT',
  brasil: 'BR',
  prc: 'CN',
  peoplesrepublicofchina: 'CN',
  korea: 'KR',
  democraticpeoplesrepublicofkorea: 'KP',
  dprk: 'KP',
  southkorea: 'KR',
  uae: 'AE',
  turkiye: 'TR',
  vietnam: 'VN',
  burma: 'MM',
  swaziland: 'SZ',
  vaticancity: 'VA',
  holysee: 'VA',
  macau: 'MO',
  macaosar: 'MO',
  hongkongsar: 'HK',
  capeverde: 'CV',
  caboverde: 'CV',
  easttimor: 'TL',
  drc: 'CD',
  drcongo: 'CD',
  congokinshasa: 'CD',
  congobrazzaville: 'CG',
  congo: 'CG',
  russia: 'RU',
  syria: 'SY',
  laos: 'LA',
  moldova: 'MD',
  bolivia: 'BO',
  venezuela: 'VE',
  micronesia: 'FM',
  // Kosovo has no ISO-assigned code; CRMs and the EU use XK, and XKX or XKK as its three-letter form.
  xkx: 'XK',
  xkk: 'XK',
};

function key(value: string): string {
  return value
    .normalize('NFKD')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]/g, '');
}

/**
 * ISO's inverted forms read the natural way: `Iran, Islamic Republic of` and `Iran (Islamic Republic of)` →
 * `Islamic Republic of Iran`; `Congo, The Democratic Republic of the` → `Democratic Republic of the Congo`.
 */
function uninverted(name: string): string | undefined {
  const inverted = /^([^,(]+)(?:,\s*|\s*\()([^)]+)\)?$/.exec(name.trim());
  if (!inverted?.[1] || !inverted[2]) return undefined;
  return `${inverted[2].trim()} ${inverted[1].trim()}`.replace(/^the\s+/i, '');
}

let byName: Map<string, string> | undefined;

function names(): Map<string, string> {
  if (byName) return byName;
  const map = new Map<string, string>();
  const add = (name: string, code: string) => {
    const k = key(name);
    if (k && !map.has(k)) map.set(k, code);
    const flipped = uninverted(name);
    if (flipped && !map.has(key(flipped))) map.set(key(flipped), code);
  };
  // CRM aliases first: they settle the ambiguous names (`Congo`) before the library's lists do.
  for (const [alias, code] of Object.entries(CRM_ALIASES)) map.set(alias, code);
  for (const [code, list] of Object.entries(countries().getNames('en', { select: 'all' }))) {
    for (const name of list) add(name, code);
  }
  try {
    const display = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of Object.keys(countries().getAlpha2Codes())) {
      const name = display.of(code);
      if (!name || name === code) continue;
      add(name, code);
      if (name.startsWith('The ')) add(name.slice(4), code);
      // ICU writes `Myanmar (Burma)`, `Congo - Kinshasa`: the part before the qualifier names it too.
      const plain = name.replace(/\s*[(-].*$/, '');
      if (plain !== name) add(plain, code);
    }
  } catch {
    // No ICU region names in this runtime: the library's names and the aliases still cover every country.
  }
  byName = map;
  return map;
}

/** `United Kingdom` → `GB`, `us` → `US`, `BRA` → `BR`; undefined when the cell names no known country. */
export function countryCode(value: string): string | undefined {
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const upper = trimmed.toUpperCase();
    if (upper === 'UK') return 'GB';
    return countries().isValid(upper) ? upper : undefined;
  }
  if (/^[A-Za-z]{3}$/.test(trimmed)) {
    const fromAlpha3 = countries().alpha3ToAlpha2(trimmed.toUpperCase());
    if (fromAlpha3) return fromAlpha3;
  }
  const named = names().get(key(trimmed));
  if (named) return named;
  const flipped = uninverted(trimmed);
  if (!flipped) return undefined;
  // `Bolivia, Plurinational State of`: the full form is not listed anywhere, the name before the qualifier is.
  return names().get(key(flipped)) ?? names().get(key(trimmed.split(/[,(]/, 1)[0] ?? ''));
}

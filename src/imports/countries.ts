// Country cells → ISO 3166-1 alpha-2 codes (what routing rules and ICP criteria use).
// Accepted: any assigned alpha-2 code (`us`, `GB`), the English short names of all countries (from the
// runtime's ICU data, e.g. `Germany`, `Côte d’Ivoire`), and the common CRM spellings below (`USA`, `UK`,
// `Great Britain`, `Holland`, `The Netherlands`, `South Korea`…). Matching ignores case, accents and punctuation.

/** Officially assigned ISO 3166-1 alpha-2 codes. */
const ISO_CODES = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO ' +
  'JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR ' +
  'MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO ' +
  'RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV ' +
  'TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');
const CODES = new Set(ISO_CODES);

/** Spellings that CRMs and people use, beyond the ICU English names. Keys are normalised (see `key`). */
const ALIASES: Record<string, string> = {
  usa: 'US',
  us: 'US',
  unitedstates: 'US',
  unitedstatesofamerica: 'US',
  america: 'US',
  uk: 'GB',
  gb: 'GB',
  gbr: 'GB',
  greatbritain: 'GB',
  britain: 'GB',
  unitedkingdom: 'GB',
  unitedkingdomofgreatbritainandnorthernireland: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  canada: 'CA',
  can: 'CA',
  germany: 'DE',
  deutschland: 'DE',
  deu: 'DE',
  france: 'FR',
  fra: 'FR',
  netherlands: 'NL',
  thenetherlands: 'NL',
  holland: 'NL',
  nederland: 'NL',
  nld: 'NL',
  australia: 'AU',
  aus: 'AU',
  india: 'IN',
  ind: 'IN',
  japan: 'JP',
  jpn: 'JP',
  spain: 'ES',
  espana: 'ES',
  esp: 'ES',
  ireland: 'IE',
  republicofireland: 'IE',
  irl: 'IE',
  italy: 'IT',
  italia: 'IT',
  switzerland: 'CH',
  schweiz: 'CH',
  austria: 'AT',
  osterreich: 'AT',
  belgium: 'BE',
  sweden: 'SE',
  norway: 'NO',
  denmark: 'DK',
  finland: 'FI',
  poland: 'PL',
  portugal: 'PT',
  brazil: 'BR',
  brasil: 'BR',
  mexico: 'MX',
  singapore: 'SG',
  newzealand: 'NZ',
  southafrica: 'ZA',
  israel: 'IL',
  china: 'CN',
  prc: 'CN',
  peoplesrepublicofchina: 'CN',
  hongkong: 'HK',
  taiwan: 'TW',
  southkorea: 'KR',
  korea: 'KR',
  republicofkorea: 'KR',
  korearepublicof: 'KR',
  northkorea: 'KP',
  russia: 'RU',
  russianfederation: 'RU',
  uae: 'AE',
  unitedarabemirates: 'AE',
  saudiarabia: 'SA',
  czechrepublic: 'CZ',
  czechia: 'CZ',
  turkey: 'TR',
  turkiye: 'TR',
  vietnam: 'VN',
  ivorycoast: 'CI',
  cotedivoire: 'CI',
  macedonia: 'MK',
  northmacedonia: 'MK',
  burma: 'MM',
  myanmar: 'MM',
  eswatini: 'SZ',
  swaziland: 'SZ',
  vaticancity: 'VA',
  holysee: 'VA',
  bolivia: 'BO',
  venezuela: 'VE',
  iran: 'IR',
  syria: 'SY',
  laos: 'LA',
  moldova: 'MD',
  tanzania: 'TZ',
  palestine: 'PS',
  capeverde: 'CV',
  caboverde: 'CV',
  timorleste: 'TL',
  easttimor: 'TL',
  drc: 'CD',
  democraticrepublicofthecongo: 'CD',
  drcongo: 'CD',
  republicofthecongo: 'CG',
  congobrazzaville: 'CG',
  congokinshasa: 'CD',
};

function key(value: string): string {
  return value
    .normalize('NFKD')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]/g, '');
}

let byName: Map<string, string> | undefined;

function names(): Map<string, string> {
  if (byName) return byName;
  const map = new Map<string, string>();
  try {
    const display = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of ISO_CODES) {
      const name = display.of(code);
      if (name && name !== code) {
        map.set(key(name), code);
        if (name.startsWith('The ')) map.set(key(name.slice(4)), code);
      }
    }
  } catch {
    // No ICU region names in this runtime: the alias table still covers the common countries.
  }
  for (const [alias, code] of Object.entries(ALIASES)) map.set(alias, code);
  byName = map;
  return map;
}

/** `United Kingdom` → `GB`, `us` → `US`; undefined when the cell names no known country. */
export function countryCode(value: string): string | undefined {
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const upper = trimmed.toUpperCase();
    if (upper === 'UK') return 'GB';
    return CODES.has(upper) ? upper : undefined;
  }
  return names().get(key(trimmed));
}

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse } from 'tldts';

// An account's key is its registrable domain by the public suffix list (PRODUCT.md section 5).
// `reason` is a complete sentence about what was typed, fit to show as an inline modal error.

export type DomainParse = { ok: true; domain: string } | { ok: false; reason: string };

const EXAMPLE = 'enter the company website, such as acme.com';

function fail(reason: string): DomainParse {
  return { ok: false, reason };
}

/** Shows what the person typed inside a reason, shortened so a pasted paragraph stays readable. */
function shown(raw: string): string {
  const s = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  return `"${s}"`;
}

/** Pulls the host out of a bare domain, a URL (scheme, userinfo, port, path) or an email address. */
function extractHost(raw: string): string {
  let s = raw.replace(/^mailto:/i, '');
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^\/\//, '');
  const end = s.search(/[/?#]/);
  if (end >= 0) s = s.slice(0, end);
  const at = s.lastIndexOf('@');
  if (at >= 0) s = s.slice(at + 1);
  return s;
}

export function normalizeDomain(input: string): DomainParse {
  const raw = input.trim();
  if (raw === '') return fail(`The website is empty; ${EXAMPLE}.`);

  // Bare IPv6 (`::1`, `2001:db8::1`) would be mangled by port stripping, so test the whole string first.
  if (isIP(raw) !== 0 || isIP(raw.replace(/^\[(.*)\]$/, '$1')) !== 0) {
    return fail(`${shown(raw)} is an IP address, not a company website; ${EXAMPLE}.`);
  }

  let host = extractHost(raw);
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) {
    const inner = bracketed[1] ?? '';
    if (isIP(inner) !== 0) return fail(`${shown(raw)} is an IP address, not a company website; ${EXAMPLE}.`);
    return fail(`${shown(raw)} is not a domain; ${EXAMPLE}.`);
  }
  host = host.replace(/:\d*$/, '').replace(/\.$/, '').toLowerCase();

  if (host === '' || /\s/.test(host)) return fail(`${shown(raw)} is not a domain; ${EXAMPLE}.`);
  if (isIP(host) !== 0 || /^[\d.]+$/.test(host)) {
    return fail(`${shown(raw)} is an IP address, not a company website; ${EXAMPLE}.`);
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return fail(`${shown(raw)} is localhost, not a company website; ${EXAMPLE}.`);
  }

  const ascii = domainToASCII(host);
  if (ascii === '') return fail(`${shown(raw)} is not a domain; ${EXAMPLE}.`);

  const parsed = parse(ascii, { allowPrivateDomains: false });
  if (parsed.isIp) return fail(`${shown(raw)} is an IP address, not a company website; ${EXAMPLE}.`);
  if (!parsed.hostname) return fail(`${shown(raw)} is not a domain; ${EXAMPLE}.`);
  if (!parsed.hostname.includes('.')) {
    return fail(`${shown(raw)} is not a domain (it has no ending such as .com); ${EXAMPLE}.`);
  }
  if (parsed.isIcann !== true) {
    const tld = parsed.hostname.slice(parsed.hostname.lastIndexOf('.') + 1);
    return fail(`${shown(raw)} does not end in a known domain ending (".${tld}" is not one); ${EXAMPLE}.`);
  }
  if (!parsed.domain || parsed.hostname === parsed.publicSuffix) {
    return fail(
      `${shown(raw)} is a public domain ending (like co.uk), not a company website; add the company's name in front of it, such as acme.${parsed.publicSuffix ?? 'com'}.`,
    );
  }
  return { ok: true, domain: parsed.domain };
}

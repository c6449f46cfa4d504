import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../src/core/domain.ts';

describe('normalizeDomain accepts', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['https://www.Acme.co.uk/x', 'acme.co.uk'],
    ['sub.acme.com', 'acme.com'],
    ['deep.sub.acme.com', 'acme.com'],
    ['http://acme.com:8080/path?q=1#frag', 'acme.com'],
    ['acme.com:8080', 'acme.com'],
    ['  ACME.COM  ', 'acme.com'],
    ['jane@acme.com', 'acme.com'],
    ['JANE@Acme.COM', 'acme.com'],
    ['mailto:jane@acme.com', 'acme.com'],
    ['https://user:pw@www.acme.com/', 'acme.com'],
    ['//acme.com/x', 'acme.com'],
    ['acme.com.', 'acme.com'],
    ['www.acme.com/a b', 'acme.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['https://www.BÜCHER.de/', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['example.github.io', 'github.io'],
    ['shop.acme.com.au', 'acme.com.au'],
  ])('%j → %s', (input, domain) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, domain });
  });
});

describe('normalizeDomain rejects', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['10.0.0.1', 'is an IP address, not a company website'],
    ['http://1.2.3.4:80/x', 'is an IP address, not a company website'],
    ['::1', 'is an IP address, not a company website'],
    ['2001:db8::1', 'is an IP address, not a company website'],
    ['http://[::1]:80/', 'is an IP address, not a company website'],
    ['localhost', 'is localhost'],
    ['http://localhost:3000', 'is localhost'],
    ['app.localhost', 'is localhost'],
    ['not a domain', 'is not a domain'],
    ['Acme Inc', 'is not a domain'],
    ['-acme.com', 'is not a domain'],
    ['acme..com', 'is not a domain'],
    ['acme', 'no ending such as .com'],
    ['acme.unknowntld', 'known domain ending'],
    ['co.uk', 'public domain ending'],
    ['com', 'no ending such as .com'],
  ])('%j (%s)', (input, reasonPart) => {
    const r = normalizeDomain(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain(reasonPart);
      expect(r.reason).toMatch(/acme\.com|acme\./);
      expect(r.reason).not.toMatch(/[*_`]{2}/);
    }
  });
});

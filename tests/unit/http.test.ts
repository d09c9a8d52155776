import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/server/config';
import { clientAddressOf, isSameOriginRequest, securityHeaders, statusOfFailure } from '../../src/lib/server/http';
import type { ServiceFailure } from '../../src/lib/server/services/kernel/errors';

const OURS = 'https://status.example.com';
const allowed = [OURS];

function post(headers: Record<string, string>): Request {
  return new Request(`${OURS}/admin/components`, { method: 'POST', headers });
}

describe('isSameOriginRequest', () => {
  it('a request whose Origin is ours is accepted', () => {
    expect(isSameOriginRequest(post({ origin: OURS }), allowed)).toBe(true);
  });

  it('a request from another origin is refused', () => {
    expect(isSameOriginRequest(post({ origin: 'https://evil.example' }), allowed)).toBe(false);
  });

  it('an origin differing only in scheme or port is another origin', () => {
    expect(isSameOriginRequest(post({ origin: 'http://status.example.com' }), allowed)).toBe(false);
    expect(isSameOriginRequest(post({ origin: 'https://status.example.com:8443' }), allowed)).toBe(false);
  });

  it('a foreign Origin is refused even when the Referer is ours', () => {
    expect(isSameOriginRequest(post({ origin: 'https://evil.example', referer: `${OURS}/admin` }), allowed)).toBe(false);
  });

  it('Origin: null falls back to the Referer: ours is accepted', () => {
    expect(isSameOriginRequest(post({ origin: 'null', referer: `${OURS}/admin/incidents?x=1` }), allowed)).toBe(true);
  });

  it('Origin: null falls back to the Referer: a foreign one is refused', () => {
    expect(isSameOriginRequest(post({ origin: 'null', referer: 'https://evil.example/page' }), allowed)).toBe(false);
  });

  it('Origin: null with no Referer is refused', () => {
    expect(isSameOriginRequest(post({ origin: 'null' }), allowed)).toBe(false);
  });

  it('with no Origin, a same-origin Referer is accepted', () => {
    expect(isSameOriginRequest(post({ referer: `${OURS}/login` }), allowed)).toBe(true);
  });

  it('with no Origin, a foreign Referer is refused', () => {
    expect(isSameOriginRequest(post({ referer: 'https://evil.example/login' }), allowed)).toBe(false);
  });

  it('with neither Origin nor Referer the request is refused', () => {
    expect(isSameOriginRequest(post({}), allowed)).toBe(false);
  });

  it('a malformed Referer is refused rather than throwing', () => {
    expect(isSameOriginRequest(post({ referer: 'not a url' }), allowed)).toBe(false);
    expect(isSameOriginRequest(post({ referer: '/admin' }), allowed)).toBe(false);
    expect(isSameOriginRequest(post({ referer: 'http://' }), allowed)).toBe(false);
  });

  it('Sec-Fetch-Site: cross-site is refused even with a matching Origin', () => {
    expect(isSameOriginRequest(post({ origin: OURS, 'sec-fetch-site': 'cross-site' }), allowed)).toBe(false);
  });

  it('Sec-Fetch-Site: same-origin with a matching Origin is accepted', () => {
    expect(isSameOriginRequest(post({ origin: OURS, 'sec-fetch-site': 'same-origin' }), allowed)).toBe(true);
  });

  it('any of several allowed origins is accepted', () => {
    const several = [OURS, 'http://localhost:4321'];
    expect(isSameOriginRequest(post({ origin: 'http://localhost:4321' }), several)).toBe(true);
  });

  it('nothing is accepted when no origin is allowed', () => {
    expect(isSameOriginRequest(post({ origin: OURS }), [])).toBe(false);
  });
});

describe('clientAddressOf', () => {
  const trust = (value: string) => parseConfig({ TRUST_PROXY: value }).proxyTrust;
  const none = trust('false');
  const any = trust('true');
  const withForwarded = () => post({ 'x-forwarded-for': '203.0.113.7, 198.51.100.9' });

  it('without a trusted proxy, X-Forwarded-For is ignored and the socket address is used', () => {
    expect(clientAddressOf(withForwarded(), '10.0.0.1', none)).toBe('10.0.0.1');
  });

  it('behind a trusted proxy, the last X-Forwarded-For entry (added by that proxy) is used', () => {
    expect(clientAddressOf(withForwarded(), '10.0.0.1', any)).toBe('198.51.100.9');
  });

  it('a single forwarded entry is trimmed of spaces', () => {
    expect(clientAddressOf(post({ 'x-forwarded-for': '  198.51.100.4  ' }), '10.0.0.1', any)).toBe('198.51.100.4');
  });

  it('behind a trusted proxy without X-Forwarded-For, the socket address is used', () => {
    expect(clientAddressOf(post({}), '10.0.0.1', any)).toBe('10.0.0.1');
  });

  it('an empty last forwarded entry falls back to the socket address', () => {
    expect(clientAddressOf(post({ 'x-forwarded-for': '203.0.113.7, ' }), '10.0.0.1', any)).toBe('10.0.0.1');
  });

  it('with no address known at all the answer is "unknown"', () => {
    expect(clientAddressOf(post({}), undefined, none)).toBe('unknown');
    expect(clientAddressOf(post({}), undefined, any)).toBe('unknown');
  });

  describe('with a list of trusted proxies', () => {
    const listed = trust('10.0.0.0/8, 192.168.1.1, fd00::/8');

    it('believes X-Forwarded-For only when the socket peer is a listed proxy', () => {
      expect(clientAddressOf(withForwarded(), '10.1.2.3', listed)).toBe('198.51.100.9');
      expect(clientAddressOf(withForwarded(), '203.0.113.50', listed)).toBe('203.0.113.50');
      expect(clientAddressOf(withForwarded(), '192.168.1.2', listed)).toBe('192.168.1.2');
      expect(clientAddressOf(withForwarded(), '192.168.1.1', listed)).toBe('198.51.100.9');
    });

    it('takes the right-most address that is not a listed proxy, skipping a chain of them', () => {
      const chain = post({ 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 10.9.9.9, 10.8.8.8' });
      expect(clientAddressOf(chain, '10.0.0.1', listed)).toBe('198.51.100.9');
    });

    it('a forged entry left of the client changes nothing; only proxies all the way gives the left-most', () => {
      expect(clientAddressOf(post({ 'x-forwarded-for': '10.0.0.7, 198.51.100.9' }), '10.0.0.1', listed)).toBe('198.51.100.9');
      expect(clientAddressOf(post({ 'x-forwarded-for': '10.0.0.7, 10.0.0.8' }), '10.0.0.1', listed)).toBe('10.0.0.7');
    });

    it('without X-Forwarded-For, or with an empty last entry, the trusted peer is the address', () => {
      expect(clientAddressOf(post({}), '10.0.0.1', listed)).toBe('10.0.0.1');
      expect(clientAddressOf(post({ 'x-forwarded-for': '203.0.113.7, ' }), '10.0.0.1', listed)).toBe('10.0.0.1');
    });

    it('knows IPv6 proxies, IPv4-mapped peers and zones', () => {
      expect(clientAddressOf(withForwarded(), 'fd12::1', listed)).toBe('198.51.100.9');
      expect(clientAddressOf(withForwarded(), '::ffff:10.0.0.1', listed)).toBe('198.51.100.9');
      expect(clientAddressOf(withForwarded(), 'fe80::1%eth0', trust('fe80::/10'))).toBe('198.51.100.9');
      expect(clientAddressOf(withForwarded(), '2001:db8::1', listed)).toBe('2001:db8::1');
    });

    it('with no address known at all the answer is "unknown"', () => {
      expect(clientAddressOf(withForwarded(), undefined, listed)).toBe('unknown');
    });
  });
});

describe('securityHeaders', () => {
  it("a page that may not be framed has a CSP with frame-ancestors 'none' and X-Frame-Options DENY", () => {
    const headers = securityHeaders({ secure: false, framable: false });
    expect(headers['Content-Security-Policy']).toBeDefined();
    expect(headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(headers['Content-Security-Policy']).toContain("default-src 'self'");
    expect(headers['X-Frame-Options']).toBe('DENY');
  });

  it("a framable page still has a CSP, but no frame-ancestors 'none' and no X-Frame-Options", () => {
    const headers = securityHeaders({ secure: false, framable: true });
    expect(headers['Content-Security-Policy']).toBeDefined();
    expect(headers['Content-Security-Policy']).not.toContain("frame-ancestors 'none'");
    expect(headers).not.toHaveProperty('X-Frame-Options');
  });

  it('HSTS is sent only when the site is served over https', () => {
    expect(securityHeaders({ secure: true, framable: false })['Strict-Transport-Security']).toMatch(/max-age=\d+/);
    expect(securityHeaders({ secure: false, framable: false })).not.toHaveProperty('Strict-Transport-Security');
    expect(securityHeaders({ secure: false, framable: true })).not.toHaveProperty('Strict-Transport-Security');
  });

  it.each([
    { secure: false, framable: false },
    { secure: false, framable: true },
    { secure: true, framable: false },
    { secure: true, framable: true },
  ])('nosniff and a referrer policy are always sent (%o)', (options) => {
    const headers = securityHeaders(options);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Referrer-Policy']).toBe('strict-origin-when-cross-origin');
    expect(headers['Content-Security-Policy']).toBeTruthy();
  });
});

describe('statusOfFailure', () => {
  it.each<[ServiceFailure, number]>([
    [{ kind: 'invalid', message: 'bad', fieldErrors: { name: 'Required.' } }, 422],
    [{ kind: 'not_found', message: 'gone' }, 404],
    [{ kind: 'forbidden', message: 'no' }, 403],
    [{ kind: 'conflict', message: 'taken' }, 409],
  ])('a %o failure becomes HTTP %i', (failure, status) => {
    expect(statusOfFailure(failure)).toBe(status);
  });
});

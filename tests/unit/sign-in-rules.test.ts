import { describe, expect, it } from 'vitest';
import { rateLimitBucket } from '../../src/lib/domain/client-bucket';
import { describeUserAgent } from '../../src/lib/domain/user-agent';

describe('rateLimitBucket', () => {
  it('counts IPv4 clients by their address', () => {
    expect(rateLimitBucket('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one client', () => {
    const bucket = rateLimitBucket('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(bucket).toBe('2001:db8:1:2::/64');
    expect(rateLimitBucket('2001:db8:1:2::1')).toBe(bucket);
    expect(rateLimitBucket('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe(bucket);
    expect(rateLimitBucket('2001:db8:1:3::1')).not.toBe(bucket);
  });

  it('reads IPv4 mapped into IPv6 as the IPv4 address', () => {
    expect(rateLimitBucket('::ffff:198.51.100.4')).toBe('198.51.100.4');
  });

  it('keeps anything that is not an address as it is', () => {
    expect(rateLimitBucket('unknown')).toBe('unknown');
  });
});

describe('describeUserAgent', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0',
      'Edge on Windows',
    ],
    ['Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['', 'Unknown device'],
  ])('%s reads as %s', (userAgent, expected) => {
    expect(describeUserAgent(userAgent)).toBe(expected);
  });
});

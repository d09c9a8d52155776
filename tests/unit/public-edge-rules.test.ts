import { describe, expect, it } from 'vitest';
import { ifNoneMatchMatches, isCompressible, preferredCoding } from '../../src/lib/domain/http-caching';
import { PUBLIC_FRESHNESS_CEILING_MS, publicFreshUntil } from '../../src/lib/domain/public-freshness';
import { publicCacheKey } from '../../src/lib/domain/public-routes';
import { startsInLabel } from '../../src/lib/domain/maintenance';

describe('publicCacheKey: which requests are kept, and under which canonical key', () => {
  it('keeps the public pages, feeds, API and badges', () => {
    for (const path of [
      '/',
      '/history.atom',
      '/api/v2/summary.json',
      '/api/v2/incidents/unresolved.json',
      '/embed/status.js',
      '/robots.txt',
    ]) {
      expect(publicCacheKey(path, ''), path).toBe(path);
    }
    expect(publicCacheKey('/incidents/abcdefgh23456789', '')).toBe('/incidents/abcdefgh23456789');
    expect(publicCacheKey('/components/abcdefgh23456789/history.rss', '')).toBe('/components/abcdefgh23456789/history.rss');
  });

  it('never keeps staff pages, forms or anything unknown', () => {
    for (const path of [
      '/admin',
      '/admin/incidents',
      '/login',
      '/subscribe',
      '/subscription/x',
      '/unsubscribe/x',
      '/readyz',
      '/healthz',
      '/nope',
    ]) {
      expect(publicCacheKey(path, ''), path).toBeNull();
    }
    expect(publicCacheKey('/incidents/../admin', '')).toBeNull();
    expect(publicCacheKey('/incidents/a%2Fb', '')).toBeNull();
  });

  it('answers unknown parameters with the canonical page, so a query string mints no variant', () => {
    expect(publicCacheKey('/', '?utm_source=x&a=1')).toBe('/');
    expect(publicCacheKey('/api/v2/summary.json', '?callback=x')).toBe('/api/v2/summary.json');
    expect(publicCacheKey('/history', '?x=1&page=1')).toBe('/history');
    expect(publicCacheKey('/history', '?page=abc')).toBe('/history');
    expect(publicCacheKey('/history', '?page=10001')).toBe('/history');
    expect(publicCacheKey('/history', '?page=' + '9'.repeat(5000))).toBe('/history');
    expect(publicCacheKey('/history', '?component=%3Cscript%3E')).toBe('/history');
  });

  it('keeps the parameters a page reads, in one order', () => {
    expect(publicCacheKey('/history', '?page=3&component=abc')).toBe('/history?component=abc&page=3');
    expect(publicCacheKey('/history', '?component=abc&page=3&utm=1')).toBe('/history?component=abc&page=3');
    expect(publicCacheKey('/badge.svg', '?label=our%20API&x=1')).toBe('/badge.svg?label=our+API');
    expect(publicCacheKey('/badge.svg', `?label=${'x'.repeat(500)}`)).toBeNull();
  });
});

describe('ifNoneMatchMatches', () => {
  const tags = ['"abc"', '"abc-br"'];
  it('matches any of the tags, weakly, or *', () => {
    expect(ifNoneMatchMatches('"abc-br"', tags)).toBe(true);
    expect(ifNoneMatchMatches('W/"abc"', tags)).toBe(true);
    expect(ifNoneMatchMatches('"x", "abc"', tags)).toBe(true);
    expect(ifNoneMatchMatches('*', tags)).toBe(true);
    expect(ifNoneMatchMatches('"x,abc"', tags)).toBe(false);
    expect(ifNoneMatchMatches(undefined, tags)).toBe(false);
  });

  it('reads a huge header only up to a bound', () => {
    const huge = Array.from({ length: 10_000 }, (_, index) => `"t${index}"`).join(', ') + ', "abc"';
    expect(ifNoneMatchMatches(huge, tags)).toBe(false);
    expect(ifNoneMatchMatches('"'.repeat(100_000), tags)).toBe(false);
  });
});

describe('preferredCoding', () => {
  it('prefers brotli, then gzip, honouring weights and *', () => {
    expect(preferredCoding('gzip, deflate, br, zstd')).toBe('br');
    expect(preferredCoding('gzip, deflate')).toBe('gzip');
    expect(preferredCoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(preferredCoding('*')).toBe('br');
    expect(preferredCoding('*;q=0')).toBe('identity');
    expect(preferredCoding('identity')).toBe('identity');
    expect(preferredCoding(undefined)).toBe('identity');
  });

  it('gives odd or hostile headers the identity', () => {
    expect(preferredCoding('br;q=banana')).toBe('identity');
    expect(preferredCoding(';;;,,,==')).toBe('identity');
    expect(preferredCoding('gzip'.repeat(1000))).toBe('identity');
    expect(preferredCoding('\u0000br')).toBe('identity');
  });
});

describe('isCompressible', () => {
  it('compresses text, JSON, XML, SVG and scripts, not images', () => {
    for (const type of [
      'text/html',
      'application/json; charset=utf-8',
      'application/atom+xml',
      'image/svg+xml',
      'application/javascript',
    ]) {
      expect(isCompressible(type), type).toBe(true);
    }
    for (const type of ['image/png', 'font/woff2', undefined]) expect(isCompressible(type), String(type)).toBe(false);
  });
});

describe('publicFreshUntil: when an answer changes with time alone', () => {
  it('is at most the ceiling away', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(publicFreshUntil({ now, timeZone: 'UTC' }).getTime()).toBe(now.getTime() + PUBLIC_FRESHNESS_CEILING_MS);
  });

  it('ends at the day boundary: UTC midnight for the uptime bars, and midnight in the page zone', () => {
    expect(publicFreshUntil({ now: new Date('2026-03-01T23:59:30Z'), timeZone: 'UTC' }).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    // Paris is UTC+1 in March: its midnight is 23:00 UTC.
    expect(publicFreshUntil({ now: new Date('2026-03-01T22:59:45Z'), timeZone: 'Europe/Paris' }).toISOString()).toBe(
      '2026-03-01T23:00:00.000Z',
    );
  });

  it('ends when a maintenance starts, ends, or enters the announcement horizon', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const moment = new Date('2026-03-01T12:00:20Z');
    expect(publicFreshUntil({ now, timeZone: 'UTC', moments: [null, moment, new Date('2026-03-01T11:00:00Z')] })).toEqual(moment);
  });

  it('ends when a countdown shows its next minute', () => {
    const start = new Date('2026-03-01T12:10:00Z');
    let now = new Date('2026-03-01T12:00:05Z');
    // Until 'starting shortly', half a minute before the start.
    while (now.getTime() < start.getTime() - 30_000) {
      const until = publicFreshUntil({ now, timeZone: 'UTC', countdowns: [start] });
      expect(until.getTime()).toBeGreaterThan(now.getTime());
      // The label holds until then, and changes right after.
      expect(startsInLabel(start, new Date(until.getTime() - 1))).toBe(startsInLabel(start, now));
      if (until.getTime() < now.getTime() + PUBLIC_FRESHNESS_CEILING_MS)
        expect(startsInLabel(start, until)).not.toBe(startsInLabel(start, now));
      now = until;
    }
  });
});

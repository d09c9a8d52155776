import { parseFeed } from '@rowanmanning/feed-parser';
import { XMLParser } from 'fast-xml-parser';
import { xmlError } from '../support/xml';
import { describe, expect, it } from 'vitest';
import {
  buildAtomFeed,
  buildRobotsTxt,
  buildRssFeed,
  buildSitemap,
  clipText,
  entryHtml,
  isIndexablePath,
  rfc3339,
  rfc822,
  tagUri,
  xmlEscape,
  type FeedEntry,
  type FeedMeta,
} from '../../src/lib/domain/feeds';
import { escapeHtml } from '../../src/lib/domain/escape';

/** Text that breaks naive XML and HTML: markup, both quotes, a CDATA end, an entity, emoji, right-to-left. */
const EVIL = `<script>alert("x")</script> & 'quotes' ]]> &amp; 🚨🔥 مرحبا بالعالم שלום`;
/**
 * The lenient feed parser decodes HTML entities once more after XML parsing (titles in the wild
 * are often double-escaped HTML), so a literal "&amp;" typed by staff reads back as "&" there;
 * the strict parser below checks that case exactly.
 */
const asLenientParserReadsIt = (text: string) => text.replaceAll('&amp;', '&');

/** A strict parse: one decoding of the five predefined entities, nothing trimmed, attributes kept. */
const strict = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['entry', 'item', 'link', 'url'].includes(name),
});

function wellFormed(xml: string) {
  expect(xmlError(xml)).toBeNull();
}

const meta: FeedMeta = {
  title: 'Acme status',
  subtitle: 'Incidents and maintenance of Acme, newest first.',
  selfUrl: 'https://status.example.com/history.atom',
  pageUrl: 'https://status.example.com/history',
  author: 'Acme',
  authorUrl: 'https://status.example.com/',
  timeZone: 'UTC',
  generatedAt: new Date('2026-03-01T12:00:00.000Z'),
  iconUrl: 'https://status.example.com/favicon.svg',
};

const incidentEntry: FeedEntry = {
  id: 'tag:status.example.com,2026-02-01:incident/abc',
  title: 'API errors',
  link: 'https://status.example.com/incidents/abc',
  published: new Date('2026-02-01T10:00:00.000Z'),
  updated: new Date('2026-02-01T11:30:00.000Z'),
  summary: 'Resolved: All good again.',
  intro: ['Incident · Resolved · Impact: Minor', 'Affects: API'],
  updates: [
    {
      label: 'Resolved',
      at: new Date('2026-02-01T11:30:00.000Z'),
      body: 'All good again.',
      details: ['API: Partial outage → Operational'],
    },
    {
      label: 'Investigating',
      at: new Date('2026-02-01T10:00:00.000Z'),
      body: 'Errors on the API.\nWe are looking.',
      details: ['API: Operational → Partial outage'],
    },
  ],
  category: 'incident',
};

const maintenanceEntry: FeedEntry = {
  id: 'tag:status.example.com,2026-01-20:maintenance/def',
  title: 'Database upgrade',
  link: 'https://status.example.com/maintenance/def',
  published: new Date('2026-01-20T08:00:00.000Z'),
  updated: new Date('2026-01-25T04:00:00.000Z'),
  summary: 'Completed: Done.',
  intro: ['Scheduled maintenance · Completed'],
  updates: [{ label: 'Completed', at: new Date('2026-01-25T04:00:00.000Z'), body: 'Done.' }],
  category: 'maintenance',
};

const evilEntry: FeedEntry = {
  ...incidentEntry,
  id: 'tag:status.example.com,2026-02-02:incident/evil',
  link: 'https://status.example.com/incidents/evil',
  title: EVIL,
  summary: `Investigating: ${EVIL}`,
  intro: [`Affects: ${EVIL}`],
  updates: [
    { label: 'Investigating', at: new Date('2026-02-02T10:00:00.000Z'), body: EVIL, details: [`${EVIL}: Operational → Major outage`] },
  ],
};

describe('xmlEscape', () => {
  it('escapes the five XML specials and keeps everything else as it is', () => {
    expect(xmlEscape(`<a href="x">Tom & 'Jerry'</a> ]]>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt; ]]&gt;');
    expect(xmlEscape('🚨 مرحبا\tשלום\r\n')).toBe('🚨 مرحبا\tשלום\r\n');
  });

  it('drops characters XML 1.0 cannot carry at all', () => {
    expect(xmlEscape('a\u0000b\u0008c\u000Bd\u001Be\uFFFEf\uD800g')).toBe('abcdefg');
    expect(xmlEscape('\uD83D\uDEA8')).toBe('🚨');
  });
});

describe('small formats', () => {
  it('writes RFC 3339 and RFC 822 dates', () => {
    const time = new Date('2026-01-05T10:00:00.000Z');
    expect(rfc3339(time)).toBe('2026-01-05T10:00:00.000Z');
    expect(rfc822(time)).toBe('Mon, 05 Jan 2026 10:00:00 GMT');
    expect(rfc822(time)).toMatch(
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
  });

  it('names entries with tag: URIs from the host (no port) and the creation day', () => {
    expect(tagUri('https://Status.Example.com', new Date('2026-01-05T23:59:00Z'), 'incident/abc')).toBe(
      'tag:status.example.com,2026-01-05:incident/abc',
    );
    expect(tagUri('http://localhost:4321', new Date('2026-01-05T00:00:00Z'), 'maintenance/x')).toBe(
      'tag:localhost,2026-01-05:maintenance/x',
    );
    expect(tagUri('http://[::1]:4321', new Date('2026-01-05T00:00:00Z'), 'incident/y')).toBe('tag:herald.invalid,2026-01-05:incident/y');
  });

  it('clips text to one line at a word boundary', () => {
    expect(clipText('  short\n text ', 50)).toBe('short text');
    expect(clipText('one two three four five', 12)).toBe('one two…');
    expect(clipText('x'.repeat(30), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(clipText('one two three four five', 12).length).toBeLessThanOrEqual(12);
  });
});

describe('entryHtml', () => {
  it('is HTML built from escaped text only', () => {
    const html = entryHtml(evilEntry, 'UTC');
    expect(html).not.toContain('<script>');
    expect(html).toContain(escapeHtml(EVIL));
    expect(html).toContain('<strong>Investigating</strong> · <small>Mon 2 Feb 2026, 10:00 UTC</small>');
  });

  it('writes update times in the page’s zone and line breaks as <br>', () => {
    const html = entryHtml(incidentEntry, 'Europe/Paris');
    expect(html).toContain('Sun 1 Feb 2026, 12:30 CET');
    expect(html).toContain('Errors on the API.<br>We are looking.');
    expect(html).toContain('<ul><li>API: Partial outage → Operational</li></ul>');
  });
});

describe('buildAtomFeed', () => {
  const xml = buildAtomFeed(meta, [evilEntry, incidentEntry, maintenanceEntry]);

  it('is well-formed Atom 1.0 with every required element', () => {
    wellFormed(xml);
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')).toBe(true);
    const feed = strict.parse(xml).feed;
    // RFC 4287 4.1.1: id, title, updated; an author (here on the feed); a self link is recommended.
    expect(feed.id).toBe(meta.selfUrl);
    expect(feed.title['#text']).toBe('Acme status');
    expect(feed.updated).toBe('2026-02-01T11:30:00.000Z');
    expect(feed.author).toEqual({ name: 'Acme', uri: 'https://status.example.com/' });
    expect(feed.link).toEqual([
      { '@rel': 'self', '@type': 'application/atom+xml', '@href': meta.selfUrl },
      { '@rel': 'alternate', '@type': 'text/html', '@href': meta.pageUrl },
    ]);
    // 4.1.2: each entry has id, title, updated, and (no content src) content, plus its link.
    for (const entry of feed.entry) {
      expect(entry.id).toMatch(/^tag:status\.example\.com,\d{4}-\d{2}-\d{2}:(incident|maintenance)\/\w+$/);
      expect(entry.title['@type']).toBe('text');
      expect(entry.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(entry.published).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(entry.content['@type']).toBe('html');
      expect(entry.link[0]['@rel']).toBe('alternate');
    }
    expect(new Set(feed.entry.map((entry: { id: string }) => entry.id)).size).toBe(3);
  });

  it('reads back with a feed parser: titles, links, ids, dates, in order', () => {
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('atom');
    expect(feed.title).toBe('Acme status');
    expect(feed.self).toBe(meta.selfUrl);
    expect(feed.url).toBe(meta.pageUrl);
    expect(feed.items.map((item) => item.title)).toEqual([asLenientParserReadsIt(EVIL), 'API errors', 'Database upgrade']);
    expect(feed.items.map((item) => item.url)).toEqual([evilEntry.link, incidentEntry.link, maintenanceEntry.link]);
    expect(feed.items.map((item) => item.id)).toEqual([evilEntry.id, incidentEntry.id, maintenanceEntry.id]);
    expect(feed.items[1]!.published).toEqual(incidentEntry.published);
    expect(feed.items[1]!.updated).toEqual(incidentEntry.updated);
    expect(feed.items[1]!.categories.map((category) => category.term)).toEqual(['incident']);
    expect(feed.authors.map((author) => author.name)).toEqual(['Acme']);
  });

  it('keeps hostile text intact: the exact characters come back out', () => {
    const feed = strict.parse(xml).feed;
    const entry = feed.entry[0];
    expect(entry.title['#text']).toBe(EVIL);
    expect(entry.summary['#text']).toBe(`Investigating: ${EVIL}`);
    // The content is HTML carried as text: one XML decoding gives HTML in which the text is escaped once.
    expect(entry.content['#text']).toBe(entryHtml(evilEntry, 'UTC'));
    expect(entry.content['#text']).toContain(escapeHtml(EVIL));
    // Nothing of it is markup in the XML: the only elements are Atom's.
    expect(xml).not.toMatch(/<script/i);
    expect(xml).toContain(']]&gt;');
  });

  it('stays well-formed when staff text holds characters XML cannot carry', () => {
    const odd = { ...incidentEntry, title: 'Bell\u0007 and \u001B[31m escape \uD800 half', summary: '\u0000' };
    for (const xmlText of [buildAtomFeed(meta, [odd]), buildRssFeed(meta, [odd])]) {
      expect(xmlError(xmlText)).toBeNull();
      expect(parseFeed(xmlText).items[0]!.title).toBe('Bell and [31m escape  half');
    }
  });

  it('an empty feed is valid and says when it was generated', () => {
    const empty = buildAtomFeed(meta, []);
    wellFormed(empty);
    expect(strict.parse(empty).feed.updated).toBe('2026-03-01T12:00:00.000Z');
    expect(parseFeed(empty).items).toEqual([]);
  });
});

describe('buildRssFeed', () => {
  const xml = buildRssFeed({ ...meta, selfUrl: 'https://status.example.com/history.rss' }, [evilEntry, incidentEntry, maintenanceEntry]);

  it('is well-formed RSS 2.0 with the required channel and item elements and atom:link self', () => {
    wellFormed(xml);
    const rss = strict.parse(xml).rss;
    expect(rss['@version']).toBe('2.0');
    expect(rss['@xmlns:atom']).toBe('http://www.w3.org/2005/Atom');
    const channel = rss.channel;
    expect(channel.title).toBe('Acme status');
    expect(channel.link).toEqual(['https://status.example.com/history']);
    expect(channel.description).toBe(meta.subtitle);
    expect(channel['atom:link']).toEqual({
      '@href': 'https://status.example.com/history.rss',
      '@rel': 'self',
      '@type': 'application/rss+xml',
    });
    expect(channel.lastBuildDate).toBe('Sun, 01 Feb 2026 11:30:00 GMT');
    for (const item of channel.item) {
      expect(item.title).toBeTruthy();
      expect(item.link[0]).toMatch(/^https:\/\/status\.example\.com\/(incidents|maintenance)\/\w+$/);
      expect(item.guid['@isPermaLink']).toBe('false');
      expect(item.pubDate).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(item['dc:creator']).toBe('Acme');
    }
  });

  it('reads back with a feed parser', () => {
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('rss');
    expect(feed.title).toBe('Acme status');
    expect(feed.self).toBe('https://status.example.com/history.rss');
    expect(feed.items.map((item) => item.title)).toEqual([asLenientParserReadsIt(EVIL), 'API errors', 'Database upgrade']);
    expect(feed.items.map((item) => item.id)).toEqual([evilEntry.id, incidentEntry.id, maintenanceEntry.id]);
    expect(feed.items.map((item) => item.url)).toEqual([evilEntry.link, incidentEntry.link, maintenanceEntry.link]);
    expect(feed.items[1]!.published).toEqual(incidentEntry.published);
    expect(feed.items[1]!.authors.map((author) => author.name)).toEqual(['Acme']);
  });

  it('keeps hostile text intact', () => {
    const item = strict.parse(xml).rss.channel.item[0];
    expect(item.title).toBe(EVIL);
    expect(item.description).toBe(entryHtml(evilEntry, 'UTC'));
    expect(xml).not.toMatch(/<script/i);
  });

  it('an empty channel is valid', () => {
    const empty = buildRssFeed(meta, []);
    wellFormed(empty);
    expect(parseFeed(empty).items).toEqual([]);
  });
});

describe('buildSitemap and robots.txt', () => {
  it('lists absolute URLs with an optional lastmod', () => {
    const xml = buildSitemap([
      { loc: 'https://status.example.com/', lastmod: new Date('2026-02-01T11:30:00.000Z') },
      { loc: 'https://status.example.com/subscribe' },
      { loc: 'https://status.example.com/history?a=1&b=2' },
    ]);
    wellFormed(xml);
    const urlset = strict.parse(xml).urlset;
    expect(urlset['@xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    expect(urlset.url).toEqual([
      { loc: 'https://status.example.com/', lastmod: '2026-02-01T11:30:00.000Z' },
      { loc: 'https://status.example.com/subscribe' },
      { loc: 'https://status.example.com/history?a=1&b=2' },
    ]);
  });

  it('robots.txt allows the public pages, keeps crawlers off staff and token pages, and names the sitemap', () => {
    const text = buildRobotsTxt('https://status.example.com');
    const lines = text.split('\n');
    expect(lines[0]).toBe('User-agent: *');
    for (const path of ['/admin', '/api/admin', '/login', '/setup', '/subscription/', '/unsubscribe/'])
      expect(lines).toContain(`Disallow: ${path}`);
    expect(lines).toContain('Sitemap: https://status.example.com/sitemap.xml');
    expect(lines).not.toContain('Disallow: /');
  });

  it('tells indexable paths from the rest', () => {
    for (const path of ['/', '/history', '/subscribe', '/incidents/abc', '/maintenance/def', '/administrators'])
      expect(isIndexablePath(path)).toBe(true);
    for (const path of [
      '/admin',
      '/admin/incidents',
      '/login',
      '/subscription/tok',
      '/unsubscribe/tok',
      '/subscribe/confirm/tok',
      '/api/admin/v1/x',
    ]) {
      expect(isIndexablePath(path)).toBe(false);
    }
  });
});

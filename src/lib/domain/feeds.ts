/**
 * The documents Herald serves to machines rather than people: Atom 1.0 and RSS 2.0 feeds of the
 * history, the sitemap and robots.txt. Pure builders: plain values in, XML or text out.
 *
 * Every piece of text goes through `xmlEscape`, in text nodes and attribute values alike, so an
 * incident titled `<script>` or `]]>` comes out as that exact text to any XML parser. Feed
 * content is HTML carried as escaped text (`type="html"` in Atom, RSS `description`): the HTML
 * is built here from escaped plain text, so the only markup in it is ours.
 */
import { escapeHtml } from './escape';
import { formatInZone } from './time-format';

/** A code point as a regular-expression escape: 0x1f → `\u001F`. */
const escaped = (code: number) => `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
/** The C0 controls XML forbids (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F), as escapes for a character class. */
const FORBIDDEN_CONTROLS = `${escaped(0x00)}-${escaped(0x08)}${escaped(0x0b)}${escaped(0x0c)}${escaped(0x0e)}-${escaped(0x1f)}`;
/**
 * Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF;
 * unpaired surrogates). They cannot even be written as character references, so they are dropped.
 */
const NOT_XML = new RegExp(
  `[${FORBIDDEN_CONTROLS}\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`,
  'g',
);
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text made safe for an XML text node or a quoted attribute value (only predefined entities). */
export function xmlEscape(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (character) => XML_ENTITIES[character] ?? character);
}

/** At most `max` characters on one line: whitespace runs collapsed, cut at a word with "…". */
export function clipText(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > max / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/** RFC 3339, as Atom wants it ("2026-01-05T10:00:00.000Z"). */
export function rfc3339(time: Date): string {
  return time.toISOString();
}

/** RFC 822 as RSS 2.0 wants it ("Mon, 05 Jan 2026 10:00:00 GMT"). */
export function rfc822(time: Date): string {
  return time.toUTCString();
}

/**
 * A `tag:` URI (RFC 4151) naming an entry for good: the host the page was published on, the day
 * the entry was created, and its kind and id. Neither changes when the entry is edited.
 */
export function tagUri(publicUrl: string, created: Date, specific: string): string {
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  const authority = /^[A-Za-z0-9.-]+$/.test(host) ? host.toLowerCase() : 'herald.invalid';
  return `tag:${authority},${created.toISOString().slice(0, 10)}:${specific}`;
}

/** One public update of an entry. */
export interface FeedUpdate {
  /** Its status in words: "Investigating", "Completed". */
  label: string;
  at: Date;
  /** Plain text, as staff wrote it. */
  body: string;
  /** Extra lines, e.g. the components it changed ("API: Operational → Partial outage"). */
  details?: string[];
}

export interface FeedEntry {
  /** Stable and unique: see `tagUri`. */
  id: string;
  title: string;
  /** The entry's public page, absolute. */
  link: string;
  published: Date;
  updated: Date;
  /** One line of plain text: the gist of the latest state. */
  summary: string;
  /** Plain-text lines shown above the updates (kind, status, impact, components, description). */
  intro: string[];
  /** Newest first. */
  updates: FeedUpdate[];
  /** "incident" or "maintenance". */
  category: string;
}

export interface FeedMeta {
  title: string;
  subtitle: string;
  /** The feed's own URL (Atom `rel="self"`); also the Atom feed id. */
  selfUrl: string;
  /** The HTML page the feed mirrors. */
  pageUrl: string;
  /** The page's name: the author of every entry. */
  author: string;
  authorUrl: string;
  /** Update times in the content are written in this zone. */
  timeZone: string;
  /** When nothing is in the feed, the time it is said to be updated at. */
  generatedAt: Date;
  /** Absolute URL of a square icon. */
  iconUrl?: string;
}

/** The latest moment of the feed: the newest entry's update, or the generation time when empty. */
function feedUpdated(meta: FeedMeta, entries: readonly FeedEntry[]): Date {
  if (entries.length === 0) return meta.generatedAt;
  return new Date(Math.max(...entries.map((entry) => entry.updated.getTime())));
}

/** An entry's content as HTML, every piece of text escaped. */
export function entryHtml(entry: FeedEntry, timeZone: string): string {
  const paragraph = (lines: string[]) => `<p>${lines.map((line) => escapeHtml(line).replace(/\r?\n/g, '<br>')).join('<br>')}</p>`;
  const parts: string[] = [];
  if (entry.intro.length > 0) parts.push(paragraph(entry.intro));
  for (const update of entry.updates) {
    parts.push(
      `<p><strong>${escapeHtml(update.label)}</strong> · <small>${escapeHtml(formatInZone(update.at, timeZone))}</small><br>${escapeHtml(update.body).replace(/\r?\n/g, '<br>')}</p>`,
    );
    if (update.details && update.details.length > 0)
      parts.push(`<ul>${update.details.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`);
  }
  return parts.join('\n');
}

const element = (name: string, text: string, attributes = '') => `<${name}${attributes}>${xmlEscape(text)}</${name}>`;
const attribute = (name: string, value: string) => ` ${name}="${xmlEscape(value)}"`;

/** An Atom 1.0 feed (RFC 4287). */
export function buildAtomFeed(meta: FeedMeta, entries: readonly FeedEntry[]): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  ${element('id', meta.selfUrl)}`,
    `  ${element('title', meta.title, attribute('type', 'text'))}`,
    `  ${element('subtitle', meta.subtitle, attribute('type', 'text'))}`,
    `  ${element('updated', rfc3339(feedUpdated(meta, entries)))}`,
    `  <link${attribute('rel', 'self')}${attribute('type', 'application/atom+xml')}${attribute('href', meta.selfUrl)}/>`,
    `  <link${attribute('rel', 'alternate')}${attribute('type', 'text/html')}${attribute('href', meta.pageUrl)}/>`,
    `  <author>${element('name', meta.author)}${element('uri', meta.authorUrl)}</author>`,
    `  ${element('generator', 'Herald')}`,
    ...(meta.iconUrl ? [`  ${element('icon', meta.iconUrl)}`] : []),
  ];
  for (const entry of entries) {
    lines.push(
      '  <entry>',
      `    ${element('id', entry.id)}`,
      `    ${element('title', entry.title, attribute('type', 'text'))}`,
      `    <link${attribute('rel', 'alternate')}${attribute('type', 'text/html')}${attribute('href', entry.link)}/>`,
      `    ${element('published', rfc3339(entry.published))}`,
      `    ${element('updated', rfc3339(entry.updated))}`,
      `    <category${attribute('term', entry.category)}/>`,
      `    ${element('summary', entry.summary, attribute('type', 'text'))}`,
      `    ${element('content', entryHtml(entry, meta.timeZone), attribute('type', 'html'))}`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

/** An RSS 2.0 feed, with the `atom:link rel="self"` the RSS Advisory Board recommends. */
export function buildRssFeed(meta: FeedMeta, entries: readonly FeedEntry[]): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '  <channel>',
    `    ${element('title', meta.title)}`,
    `    ${element('link', meta.pageUrl)}`,
    `    ${element('description', meta.subtitle)}`,
    `    <atom:link${attribute('href', meta.selfUrl)}${attribute('rel', 'self')}${attribute('type', 'application/rss+xml')}/>`,
    `    ${element('lastBuildDate', rfc822(feedUpdated(meta, entries)))}`,
    `    ${element('generator', 'Herald')}`,
    `    ${element('docs', 'https://www.rssboard.org/rss-specification')}`,
  ];
  for (const entry of entries) {
    lines.push(
      '    <item>',
      `      ${element('title', entry.title)}`,
      `      ${element('link', entry.link)}`,
      `      ${element('guid', entry.id, attribute('isPermaLink', 'false'))}`,
      `      ${element('pubDate', rfc822(entry.published))}`,
      `      ${element('category', entry.category)}`,
      `      ${element('dc:creator', meta.author)}`,
      `      ${element('description', entryHtml(entry, meta.timeZone))}`,
      '    </item>',
    );
  }
  lines.push('  </channel>', '</rss>', '');
  return lines.join('\n');
}

export interface SitemapUrl {
  /** Absolute. */
  loc: string;
  lastmod?: Date | null;
}

/** A sitemap (sitemaps.org 0.9). */
export function buildSitemap(urls: readonly SitemapUrl[]): string {
  const lines = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'];
  for (const url of urls)
    lines.push(`  <url>${element('loc', url.loc)}${url.lastmod ? element('lastmod', rfc3339(url.lastmod)) : ''}</url>`);
  lines.push('</urlset>', '');
  return lines.join('\n');
}

/**
 * Paths no search engine should crawl: staff pages, the management API, and the pages reached
 * by a personal token (a subscriber's settings, unsubscribe and confirmation links).
 */
const unindexedPathPrefixes = [
  '/admin',
  '/api/admin',
  '/api/intake',
  '/login',
  '/logout',
  '/setup',
  '/set-password',
  '/subscription/',
  '/unsubscribe/',
  '/subscribe/confirm/',
] as const;

export function isIndexablePath(pathname: string): boolean {
  return !unindexedPathPrefixes.some((prefix) => pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
}

/** robots.txt: everything public may be crawled, the rest not; the sitemap by absolute URL. */
export function buildRobotsTxt(publicUrl: string): string {
  return [
    'User-agent: *',
    'Allow: /',
    ...unindexedPathPrefixes.map((prefix) => `Disallow: ${prefix}`),
    '',
    `Sitemap: ${publicUrl}/sitemap.xml`,
    '',
  ].join('\n');
}

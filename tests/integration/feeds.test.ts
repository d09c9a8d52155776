import { invalidatePublicReads } from '../../src/lib/server/public-cache';
import { parseFeed } from '@rowanmanning/feed-parser';
import type { APIContext, APIRoute } from 'astro';
import { XMLParser } from 'fast-xml-parser';
import { useTestContext } from '../support/test-database';
import { xmlError } from '../support/xml';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/lib/domain/escape';
import { PUBLIC_PAGE_CACHE_CONTROL } from '../../src/lib/server/http';
import type { ComponentRow, IncidentRow, MaintenanceRow } from '../../src/lib/server/db/schema';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { FEED_SIZE, loadHistoryFeed } from '../../src/lib/server/services/public/feeds';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { cancelMaintenance } from '../../src/lib/server/services/maintenance/maintenance-action-commands';
import { scheduleMaintenance } from '../../src/lib/server/services/maintenance/maintenance-schedule-commands';
import { publishPostmortem } from '../../src/lib/server/services/plan/postmortem';
import { getPublicSnapshot } from '../../src/lib/server/services/public/public-snapshot';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import * as overallBadge from '../../src/pages/badge.svg.ts';
import * as componentBadge from '../../src/pages/components/[id]/badge.svg.ts';
import * as componentAtom from '../../src/pages/components/[id]/history.atom.ts';
import * as componentRss from '../../src/pages/components/[id]/history.rss.ts';
import * as embed from '../../src/pages/embed/status.js.ts';
import * as historyAtom from '../../src/pages/history.atom.ts';
import * as historyRss from '../../src/pages/history.rss.ts';
import * as robots from '../../src/pages/robots.txt.ts';
import * as sitemap from '../../src/pages/sitemap.xml.ts';
import { expectOk, HOUR, MINUTE, testActor } from '../support/factories';

// Read once by config(), on the first request below.
process.env.PUBLIC_URL = 'https://status.example.com';
const ORIGIN = 'https://status.example.com';

/** Markup, both quotes, a CDATA end, emoji and right-to-left text, as staff might type them. */
const EVIL = `<script>alert("x")</script> 'quoted' ]]> 🚨🔥 مرحبا بالعالم שלום`;
const EVIL_BODY = `Body: <img src=x onerror=alert(1)> "double" 'single' ]]> 🚀 עברית العربية`;

const strict = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  trimValues: false,
  parseTagValue: false,
  isArray: (name) => ['entry', 'item', 'link', 'url', 'text'].includes(name),
});

const { clock, context } = useTestContext({ start: '2026-01-01T00:00:00.000Z' });
let api: ComponentRow;
let web: ComponentRow;
let secret: ComponentRow;
let evilIncident: IncidentRow;
let openIncident: IncidentRow;
let evilMaintenance: MaintenanceRow;
let scheduled: MaintenanceRow;
let cancelled: MaintenanceRow;

async function call(
  module: { GET: APIRoute },
  path: string,
  options: { params?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Response> {
  // Writes here go through services, which do not clear the public read cache.
  invalidatePublicReads();
  const url = new URL(path, ORIGIN);
  const request = new Request(url, { headers: options.headers });
  return module.GET({ locals: { context }, params: options.params ?? {}, url, request } as unknown as APIContext);
}

/** A window from `start` for two hours, in UTC as the schedule form posts it. */
async function schedule(
  title: string,
  description: string,
  start: string,
  components: string[],
  backfill = false,
): Promise<MaintenanceRow> {
  const from = new Date(start);
  const to = new Date(from.getTime() + 2 * HOUR);
  const [row] = expectOk(
    await scheduleMaintenance(context, testActor, {
      title,
      description,
      components,
      startsAt: from.toISOString().slice(0, 16),
      endsAt: to.toISOString().slice(0, 16),
      timeZone: 'UTC',
      notifySubscribers: false,
      ...(backfill ? { backfill: 'on' } : {}),
    }),
  );
  return row!;
}

beforeAll(async () => {
  expectOk(await updatePageSettings(context, testActor, { name: 'Acme', timeZone: 'Europe/Paris', upcomingMaintenanceDays: 7 }));
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  web = expectOk(await createComponent(context, testActor, { name: 'Website' }));
  secret = expectOk(await createComponent(context, testActor, { name: 'Secret backend', hidden: true }));

  // A resolved incident with a hostile title and bodies, touching a hidden component, with a post-mortem.
  clock.set('2026-01-05T10:00:00.000Z');
  evilIncident = expectOk(
    await declareIncident(context, testActor, {
      title: EVIL,
      severity: 'high',
      status: 'investigating',
      message: EVIL_BODY,
      components: [
        { componentId: api.id, status: 'partial_outage' },
        { componentId: secret.id, status: 'major_outage' },
      ],
      notifySubscribers: false,
    }),
  );
  clock.advance(30 * MINUTE);
  expectOk(
    await postIncidentUpdate(context, testActor, evilIncident.id, {
      status: 'identified',
      message: 'Found it.\nSecond line.',
      notifySubscribers: false,
    }),
  );
  clock.advance(30 * MINUTE);
  expectOk(
    await postIncidentUpdate(context, testActor, evilIncident.id, { status: 'resolved', message: 'Fixed.', notifySubscribers: false }),
  );
  clock.advance(HOUR);
  expectOk(await publishPostmortem(context, testActor, evilIncident.id, { body: '# What happened\nA thing.', notifySubscribers: false }));

  // A completed (backfilled) maintenance with a hostile title, on the website and the hidden component.
  clock.set('2026-01-12T00:00:00.000Z');
  evilMaintenance = await schedule(
    `Maintenance ${EVIL}`,
    `Description ${EVIL_BODY}`,
    '2026-01-10T02:00:00.000Z',
    [web.id, secret.id],
    true,
  );

  // Not history: one scheduled ahead, one cancelled.
  clock.set('2026-01-15T00:00:00.000Z');
  scheduled = await schedule('Planned later', 'Later.', '2026-02-20T02:00:00.000Z', [api.id]);
  cancelled = await schedule('Called off', 'Never mind.', '2026-02-21T02:00:00.000Z', [api.id]);
  expectOk(await cancelMaintenance(context, testActor, cancelled.id, {}));

  // Still open: on the history and in the feeds.
  clock.set('2026-01-20T08:00:00.000Z');
  openIncident = expectOk(
    await declareIncident(context, testActor, {
      title: 'Website slow',
      severity: 'medium',
      status: 'investigating',
      message: 'Pages load slowly.',
      components: [{ componentId: web.id, status: 'degraded_performance' }],
      notifySubscribers: false,
    }),
  );
  clock.set('2026-01-20T09:00:00.000Z');
});

describe('history feeds', () => {
  it('/history.atom: valid Atom, newest first, each entry with all its updates and its page', async () => {
    const response = await call(historyAtom, '/history.atom');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(PUBLIC_PAGE_CACHE_CONTROL);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const xml = await response.text();
    expect(xmlError(xml)).toBeNull();

    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('atom');
    expect(feed.title).toBe('Acme status');
    expect(feed.self).toBe(`${ORIGIN}/history.atom`);
    expect(feed.url).toBe(`${ORIGIN}/history`);
    expect(feed.items.map((item) => item.title)).toEqual(['Website slow', `Maintenance ${EVIL}`, EVIL]);
    expect(feed.items.map((item) => item.url)).toEqual([
      `${ORIGIN}/incidents/${openIncident.id}`,
      `${ORIGIN}/maintenance/${evilMaintenance.id}`,
      `${ORIGIN}/incidents/${evilIncident.id}`,
    ]);
    expect(feed.items[2]!.id).toBe(`tag:status.example.com,2026-01-05:incident/${evilIncident.id}`);
    expect(feed.items[2]!.published).toEqual(new Date('2026-01-05T10:00:00.000Z'));
    // Updated when the post-mortem went out.
    expect(feed.items[2]!.updated).toEqual(new Date('2026-01-05T12:00:00.000Z'));
    expect(feed.updated).toEqual(new Date('2026-01-20T08:00:00.000Z'));

    // Exact text through a strict parser; the content is HTML whose text is escaped once.
    const entries = strict.parse(xml).feed.entry;
    expect(entries[2].title['#text']).toBe(EVIL);
    expect(entries[1].title['#text']).toBe(`Maintenance ${EVIL}`);
    const content: string = entries[2].content['#text'];
    for (const text of [
      'A post-mortem has been published.',
      'Fixed.',
      'Found it.<br>Second line.',
      escapeHtml(EVIL_BODY),
      'API: Operational → Partial outage',
    ])
      expect(content).toContain(text);
    // Newest first, times in the page's zone.
    expect(content.indexOf('Post-mortem')).toBeLessThan(content.indexOf('Resolved'));
    expect(content.indexOf('Resolved')).toBeLessThan(content.indexOf('Investigating</strong>'));
    expect(content).toContain('Mon 5 Jan 2026, 11:00 CET');
    expect(entries[1].content['#text']).toContain(escapeHtml(`Description ${EVIL_BODY}`));
    expect(xml).not.toMatch(/<script|<img/i);
  });

  it('/history.rss: valid RSS 2.0 with the same entries', async () => {
    const response = await call(historyRss, '/history.rss');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(PUBLIC_PAGE_CACHE_CONTROL);
    const xml = await response.text();
    expect(xmlError(xml)).toBeNull();
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('rss');
    expect(feed.self).toBe(`${ORIGIN}/history.rss`);
    expect(feed.items.map((item) => item.title)).toEqual(['Website slow', `Maintenance ${EVIL}`, EVIL]);
    expect(feed.items[2]!.published).toEqual(new Date('2026-01-05T10:00:00.000Z'));
    const items = strict.parse(xml).rss.channel.item;
    expect(items[2].title).toBe(EVIL);
    expect(items[2].description).toContain(escapeHtml(EVIL_BODY));
    expect(items[2].guid['#text']).toBe(`tag:status.example.com,2026-01-05:incident/${evilIncident.id}`);
  });

  it('never names a hidden component, and leaves out scheduled and cancelled maintenance', async () => {
    for (const module of [historyAtom, historyRss]) {
      const xml = await (await call(module, '/history')).text();
      expect(xml).not.toContain('Secret backend');
      expect(xml).not.toContain(scheduled.id);
      expect(xml).not.toContain(cancelled.id);
      expect(xml).toContain('Affects: Website');
    }
  });

  it('per component: only what affected it; 404 for a hidden, unknown or malformed id', async () => {
    const response = await call(componentAtom, `/components/${api.id}/history.atom`, { params: { id: api.id } });
    expect(response.status).toBe(200);
    const feed = parseFeed(await response.text());
    expect(feed.title).toBe('Acme status · API');
    expect(feed.self).toBe(`${ORIGIN}/components/${api.id}/history.atom`);
    expect(feed.url).toBe(`${ORIGIN}/history?component=${api.id}`);
    expect(feed.items.map((item) => item.title)).toEqual([EVIL]);

    const rss = await call(componentRss, `/components/${web.id}/history.rss`, { params: { id: web.id } });
    expect(rss.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(parseFeed(await rss.text()).items.map((item) => item.title)).toEqual(['Website slow', `Maintenance ${EVIL}`]);

    for (const id of [secret.id, 'nosuchcomponent', 'BAD!id']) {
      for (const module of [componentAtom, componentRss]) {
        const missing = await call(module, `/components/${id}/history`, { params: { id } });
        expect(missing.status).toBe(404);
      }
    }
  });

  it(`carries the newest ${FEED_SIZE} entries`, async () => {
    // 55 more incidents, one an hour from Feb 1: the feed keeps the newest 50.
    clock.set('2026-02-01T00:00:00.000Z');
    for (let index = 0; index < 55; index += 1) {
      clock.advance(HOUR);
      const row = expectOk(
        await declareIncident(context, testActor, {
          title: `Blip ${index}`,
          severity: 'low',
          status: 'investigating',
          message: 'Blip.',
          notifySubscribers: false,
        }),
      );
      expectOk(await postIncidentUpdate(context, testActor, row.id, { status: 'resolved', message: 'Gone.', notifySubscribers: false }));
    }
    const feed = await loadHistoryFeed(context, { publicUrl: ORIGIN, format: 'atom', componentId: null });
    expect(feed!.entries).toHaveLength(FEED_SIZE);
    expect(feed!.entries[0]!.title).toBe('Blip 54');
    expect(feed!.entries.at(-1)!.title).toBe('Blip 5');
    const parsed = parseFeed(await (await call(historyRss, '/history.rss')).text());
    expect(parsed.items).toHaveLength(FEED_SIZE);
  });
});

describe('badges', () => {
  const texts = (svg: string) => strict.parse(svg).svg.g[1].text.map((text: { '#text': string }) => text['#text']);

  it('/badge.svg shows the rolled-up status of the page', async () => {
    const response = await call(overallBadge, '/badge.svg');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=60/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const svg = await response.text();
    expect(xmlError(svg)).toBeNull();
    const { status } = await getPublicSnapshot(context);
    expect(status.description).not.toBe('All Systems Operational');
    expect(strict.parse(svg).svg['@aria-label']).toBe(`status: ${status.description}`);
    expect(texts(svg)).toEqual(['status', 'status', status.description, status.description]);
  });

  it('?label= changes the left text, escaped; a bad one is refused', async () => {
    const label = `<b>"hi" & ]]> 🚨 שלום`;
    const svg = await (await call(overallBadge, `/badge.svg?label=${encodeURIComponent(label)}`)).text();
    expect(svg).not.toContain('<b>');
    expect(texts(svg)[0]).toBe(label);
    expect((await call(overallBadge, `/badge.svg?label=${'x'.repeat(41)}`)).status).toBe(400);
    expect((await call(overallBadge, '/badge.svg?label=')).status).toBe(400);
  });

  it('/components/[id]/badge.svg shows one component; 404 when hidden or unknown', async () => {
    const response = await call(componentBadge, `/components/${web.id}/badge.svg`, { params: { id: web.id } });
    expect(response.status).toBe(200);
    expect(texts(await response.text())).toEqual(['Website', 'Website', 'Degraded performance', 'Degraded performance']);
    const labelled = await call(componentBadge, `/components/${api.id}/badge.svg?label=api`, { params: { id: api.id } });
    expect(texts(await labelled.text())).toEqual(['api', 'api', 'Operational', 'Operational']);
    for (const id of [secret.id, 'nosuchcomponent', '../x']) {
      expect((await call(componentBadge, `/components/${id}/badge.svg`, { params: { id } })).status).toBe(404);
    }
  });
});

describe('sitemap and robots.txt', () => {
  it('lists the public pages and every incident and completed maintenance, with lastmod', async () => {
    const response = await call(sitemap, '/sitemap.xml');
    expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const xml = await response.text();
    expect(xmlError(xml)).toBeNull();
    const urls: { loc: string; lastmod?: string }[] = strict.parse(xml).urlset.url;
    const locs = urls.map((url) => url.loc);
    // /subscribe is kept out: its page asks not to be indexed.
    expect(locs.slice(0, 2)).toEqual([`${ORIGIN}/`, `${ORIGIN}/history`]);
    expect(locs).not.toContain(`${ORIGIN}/subscribe`);
    expect(locs).toContain(`${ORIGIN}/incidents/${evilIncident.id}`);
    expect(locs).toContain(`${ORIGIN}/incidents/${openIncident.id}`);
    expect(locs).toContain(`${ORIGIN}/maintenance/${evilMaintenance.id}`);
    expect(locs).not.toContain(`${ORIGIN}/maintenance/${scheduled.id}`);
    expect(locs).not.toContain(`${ORIGIN}/maintenance/${cancelled.id}`);
    expect(locs).toHaveLength(2 + 2 + 55 + 1);
    expect(urls.find((url) => url.loc === `${ORIGIN}/incidents/${evilIncident.id}`)!.lastmod).toBe('2026-01-05T12:00:00.000Z');
    expect(urls.find((url) => url.loc === `${ORIGIN}/incidents/${openIncident.id}`)!.lastmod).toBe('2026-01-20T08:00:00.000Z');
    expect(urls.every((url) => /^\d{4}-\d{2}-\d{2}T/.test(url.lastmod ?? ''))).toBe(true);
  });

  it('robots.txt points to the sitemap by absolute URL', async () => {
    const response = await call(robots, '/robots.txt');
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(text).toContain(`Sitemap: ${ORIGIN}/sitemap.xml`);
    expect(text).toContain('Disallow: /admin\n');
  });
});

describe('the embeddable widget', () => {
  it('is served as JavaScript to any origin, and cached (its ETag and 304 come from the edge: tests/unit/edge-*.test.ts)', async () => {
    const response = await call(embed, '/embed/status.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    // What the script does in a browser (no cookies, text only, within a strict CSP) is tested in tests/e2e/embed.spec.ts.
    expect(await response.text()).toContain('function');
  });
});

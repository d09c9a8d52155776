/**
 * The public edge (src/lib/server/edge) in front of a stand-in site, over real HTTP: what it
 * keeps, when it renders again (a write, a moment the page named, the ceiling), what it serves
 * when rendering fails, what it persists, and how it takes hostile requests. The clock is the
 * test's; the site counts its renders and can be made to fail, as a site whose database is down.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPublicEdge, type PublicEdge } from '../../src/lib/server/edge/public-edge';
import { FRESH_UNTIL_HEADER, PUBLIC_PAGE_CACHE_CONTROL } from '../../src/lib/server/http';
import { invalidatePublicReads } from '../../src/lib/server/public-cache';
import { FakeClock } from '../support/clock';
import { waitUntil } from '../support/wait';

const clock = new FakeClock('2026-03-01T12:00:00Z');
const site = {
  version: 1,
  failing: false,
  renders: [] as string[],
  freshUntil: undefined as string | undefined,
  setCookie: false,
};
const directories: string[] = [];
const servers: http.Server[] = [];

function standIn(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  site.renders.push(url);
  if (site.failing) {
    res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<p>Something went wrong</p>');
    return;
  }
  const headers: http.OutgoingHttpHeaders = {
    'content-type': url.startsWith('/api/') ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'cache-control': url.startsWith('/admin') ? 'no-store' : PUBLIC_PAGE_CACHE_CONTROL,
    'x-request-id': `request-${site.renders.length}`,
  };
  if (site.freshUntil) headers[FRESH_UNTIL_HEADER] = site.freshUntil;
  if (site.setCookie) headers['set-cookie'] = 'visitor=1; Path=/';
  res.writeHead(url === '/incidents/missing' ? 404 : 200, headers);
  res.end(`<p>version ${site.version} of ${url}; cookies: ${req.headers.cookie ?? 'none'}</p>\n`.repeat(40));
}

function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-edge-'));
  directories.push(directory);
  return directory;
}

const edges: PublicEdge[] = [];

async function startEdge(
  dataDirectory = temporaryDirectory(),
  databaseReady?: () => Promise<boolean>,
): Promise<{ edge: PublicEdge; base: string; dataDirectory: string }> {
  const clientDirectory = temporaryDirectory();
  fs.mkdirSync(path.join(clientDirectory, '_astro'));
  fs.writeFileSync(path.join(clientDirectory, '_astro', 'site.abc123.css'), 'body { color: black; }\n'.repeat(50));
  const edge = await createPublicEdge({
    site: standIn,
    clientDirectory,
    dataDirectory,
    publicHost: 'status.example.com',
    log: pino({ level: 'silent' }),
    now: () => clock.now().getTime(),
    readBudgetMs: 500,
    databaseReady,
  });
  edges.push(edge);
  const server = http.createServer(edge.listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { edge, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dataDirectory };
}

/** A raw GET (fetch would decompress and hide the coding). */
function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

const rendersOf = (url: string) => site.renders.filter((item) => item === url).length;

let base: string;
let edge: PublicEdge;
beforeEach(async () => {
  Object.assign(site, { version: 1, failing: false, renders: [], freshUntil: undefined, setCookie: false });
  clock.set('2026-03-01T12:00:00Z');
  ({ base, edge } = await startEdge());
});
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  for (const started of edges.splice(0)) started.stop();
});
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

describe('a public answer, rendered once and served as finished bytes', () => {
  it('renders once for many requests, in every coding, with one ETag family and 304s', async () => {
    const plain = await get(`${base}/`);
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toContain('version 1 of /');
    const br = await get(`${base}/`, { 'accept-encoding': 'gzip, deflate, br' });
    const gzip = await get(`${base}/`, { 'accept-encoding': 'gzip' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body)).toEqual(plain.body);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzip.body)).toEqual(plain.body);
    expect(br.body.length).toBeLessThan(plain.body.length / 4);
    for (const answer of [plain, br, gzip]) {
      expect(answer.headers.vary).toBe('Accept-Encoding');
      expect(answer.headers['cache-control']).toBe(PUBLIC_PAGE_CACHE_CONTROL);
      // What the site sets per request, or for the edge alone, is not repeated.
      expect(answer.headers['x-request-id']).toBeUndefined();
      expect(answer.headers[FRESH_UNTIL_HEADER.toLowerCase()]).toBeUndefined();
    }
    expect(new Set([plain.headers.etag, br.headers.etag, gzip.headers.etag]).size).toBe(3);
    expect(rendersOf('/')).toBe(1);

    // The renderer is a visitor without cookies, whatever the request carried.
    expect(plain.body.toString()).toContain('cookies: none');
    const withCookie = await get(`${base}/`, { cookie: 'session=secret' });
    expect(withCookie.body.toString()).toContain('cookies: none');

    for (const tag of [plain.headers.etag!, br.headers.etag!, `W/${gzip.headers.etag!}`, `"other", ${plain.headers.etag!}`, '*']) {
      const again = await get(`${base}/`, { 'if-none-match': tag, 'accept-encoding': 'br' });
      expect(again.status, tag).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(br.headers.etag);
      expect(again.headers['cache-control']).toBe(PUBLIC_PAGE_CACHE_CONTROL);
    }
    const head = await get(`${base}/`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBe(plain.body.length);
    expect(rendersOf('/')).toBe(1);
  });

  it('serves the built files from memory, hashed ones for a year, compressed', async () => {
    const css = await get(`${base}/_astro/site.abc123.css`, { 'accept-encoding': 'br' });
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(zlib.brotliDecompressSync(css.body).toString()).toContain('color: black');
    expect(site.renders).toEqual([]);
  });
});

describe('freshness', () => {
  it('a write makes the next load render, and staff see their change at once', async () => {
    await get(`${base}/`);
    site.version = 2;
    expect((await get(`${base}/`)).body.toString()).toContain('version 1');
    invalidatePublicReads();
    expect((await get(`${base}/`)).body.toString()).toContain('version 2');
    expect(rendersOf('/')).toBe(2);
  });

  it('a moment the page names (a day boundary, a countdown, a maintenance horizon) ends its freshness', async () => {
    site.freshUntil = '2026-03-01T12:00:30.000Z';
    await get(`${base}/`);
    site.version = 2;
    clock.set('2026-03-01T12:00:29.999Z');
    expect((await get(`${base}/`)).body.toString()).toContain('version 1');
    expect(rendersOf('/')).toBe(1);
    clock.set('2026-03-01T12:00:30.000Z');
    site.freshUntil = '2026-03-01T12:01:00.000Z';
    // The moment passed: this request gets the previous bytes at once while one render runs.
    expect((await get(`${base}/`)).body.toString()).toContain('version 1');
    await waitUntil('the new render', () => rendersOf('/') === 2);
    await waitUntil('the new answer', async () => (await get(`${base}/`)).body.toString().includes('version 2'));
    expect(rendersOf('/')).toBe(2);
  });

  it('without a moment, an answer is rendered again after the ceiling (60 s)', async () => {
    await get(`${base}/api/v2/summary.json`);
    clock.advance(59_000);
    await get(`${base}/api/v2/summary.json`);
    expect(rendersOf('/api/v2/summary.json')).toBe(1);
    clock.advance(1_000);
    await get(`${base}/api/v2/summary.json`);
    await waitUntil('the render after the ceiling', () => rendersOf('/api/v2/summary.json') === 2);
  });

  it('only one render runs per key, however many requests arrive', async () => {
    invalidatePublicReads();
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(`${base}/history.atom`)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(rendersOf('/history.atom')).toBe(1);
  });
});

describe('when rendering fails (the database down or too slow)', () => {
  it('serves the last good bytes with Herald-Stale, never an error, and recovers by itself', async () => {
    await get(`${base}/`);
    await get(`${base}/history.atom`);
    site.failing = true;
    invalidatePublicReads();
    clock.advance(5_000);
    for (let index = 0; index < 5; index += 1) {
      const answer = await get(`${base}/`);
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toContain('version 1');
      expect(answer.headers['herald-stale']).toBe('5');
    }
    // One try per key each second, not one per request.
    expect(rendersOf('/')).toBe(2);
    // Other answers, still fresh by time, are marked too: the site is failing.
    expect((await get(`${base}/api/v2/status.json`)).status).toBe(503);
    expect((await get(`${base}/history.atom`)).headers['herald-stale']).toBeDefined();

    site.failing = false;
    site.version = 2;
    clock.advance(1_000);
    const recovered = await get(`${base}/`);
    expect(recovered.body.toString()).toContain('version 2');
    expect(recovered.headers['herald-stale']).toBeUndefined();
  });

  it('marks answers still fresh by time as stale while the database probe fails, and renders anew when it answers', async () => {
    let ready = true;
    const probed = await startEdge(undefined, () => Promise.resolve(ready));
    await get(`${probed.base}/`);
    expect((await get(`${probed.base}/`)).headers['herald-stale']).toBeUndefined();
    ready = false;
    await waitUntil(
      'the probe to find the database down',
      async () => (await get(`${probed.base}/`)).headers['herald-stale'] !== undefined,
    );
    expect(rendersOf('/')).toBe(1);
    // Back: changes other processes announced meanwhile were missed, so everything is rendered again.
    site.version = 2;
    ready = true;
    await waitUntil('the probe to find the database back', async () =>
      (await get(`${probed.base}/`)).body.toString().includes('version 2'),
    );
    expect((await get(`${probed.base}/`)).headers['herald-stale']).toBeUndefined();
  });

  it('a URL never rendered answers 503 with Retry-After, never a stack trace', async () => {
    site.failing = true;
    const answer = await get(`${base}/history`);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body.toString()).toContain('Status temporarily unavailable');
  });

  it('keeps the last good pages on disk: a restart with the database down serves them', async () => {
    const first = await startEdge();
    await get(`${first.base}/`);
    await get(`${first.base}/api/v2/summary.json`);
    await first.edge.flush();
    site.failing = true;
    clock.advance(120_000);
    const restarted = await startEdge(first.dataDirectory);
    for (const url of ['/', '/api/v2/summary.json']) {
      const answer = await get(`${restarted.base}${url}`, { 'accept-encoding': 'br' });
      expect(answer.status, url).toBe(200);
      expect(zlib.brotliDecompressSync(answer.body).toString()).toContain(`version 1 of ${url}`);
      expect(answer.headers['herald-stale']).toBe('120');
    }
  });
});

describe('what is never kept', () => {
  it('an answer that sets a cookie is rendered for each request', async () => {
    site.setCookie = true;
    await get(`${base}/history.rss`);
    await get(`${base}/history.rss`);
    expect(rendersOf('/history.rss')).toBe(2);
    expect(edge.store.size().entries).toBe(0);
  });

  it('staff pages pass through with the request as sent, compressed on the fly', async () => {
    const first = await get(`${base}/admin/incidents`, { cookie: 'session=abc', 'accept-encoding': 'gzip' });
    await get(`${base}/admin/incidents`, { cookie: 'session=abc' });
    expect(rendersOf('/admin/incidents')).toBe(2);
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(first.body).toString()).toContain('cookies: session=abc');
    expect(first.headers['x-request-id']).toBeDefined();
    expect(edge.store.size().entries).toBe(0);
  });
});

describe('hostile requests', () => {
  it('query strings cannot mint variants beyond what the pages read, nor grow memory past the bound', async () => {
    for (let index = 0; index < 200; index += 1) await get(`${base}/?utm=${index}&x=${'y'.repeat(index)}`);
    expect(rendersOf('/')).toBe(1);
    for (let index = 2; index < 700; index += 1) await get(`${base}/history?page=${index}`);
    expect(edge.store.size().entries).toBeLessThanOrEqual(501);
  });

  it('a huge If-None-Match or an odd Accept-Encoding gets a correct answer', async () => {
    const huge = Array.from({ length: 1_000 }, (_, index) => `"tag-${index}"`).join(', ');
    expect((await get(`${base}/`, { 'if-none-match': huge })).status).toBe(200);
    // Past Node's 16 KB of headers the request is refused before Herald sees it.
    expect((await get(`${base}/`, { 'if-none-match': `${huge}, ${huge}` })).status).toBe(431);
    for (const coding of ['br;q=banana', '*;q=0', 'identity;q=0', ',,,;;;', 'x'.repeat(4_000), 'gzip;q=0.5, br;q=0.4']) {
      const answer = await get(`${base}/`, { 'accept-encoding': coding });
      expect(answer.status, coding).toBe(200);
      if (coding.startsWith('gzip')) expect(answer.headers['content-encoding']).toBe('gzip');
      else expect(answer.headers['content-encoding'], coding).toBeUndefined();
    }
  });
});

/**
 * Hostile requests as an attacker sends them, each refused with a 4xx before any query, in the
 * shape of its path (problem+json under /api/): the body readers (forms, JSON) through the same
 * functions the pages and endpoints call, the middleware's decisions (refused-request.ts), the
 * public edge over real HTTP for methods that never become a fetch Request, and the log.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostedForm } from '../../src/forms/auth';
import { readForm } from '../../src/forms/form';
import { handleAlertWebhook } from '../../src/lib/server/api/intake-endpoint';
import { API_PREFIX, handleApiRequest } from '../../src/lib/server/api/router';
import { auditLog, incident } from '../../src/lib/server/db/schema';
import { intakeEvent } from '../../src/lib/server/db/schema/automation';
import { createPublicEdge } from '../../src/lib/server/edge/public-edge';
import { loggerOptions } from '../../src/lib/server/logger';
import { failureResponse, refusedInputResponse, refuseRequest } from '../../src/lib/server/refused-request';
import { RefusedInput } from '../../src/lib/server/request-body';
import { createApiKey } from '../../src/lib/server/services/access/api-keys';
import { alertmanagerPayload } from '../support/alert-payloads';
import { countRows, expectOk, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
const silent = pino({ level: 'silent' });
const MB = 1024 * 1024;

/** A body sent chunked: no Content-Length, `total` bytes of `a` in 64 KB pieces; counts what was pulled. */
function chunkedBody(total: number, prefix: string) {
  const encoder = new TextEncoder();
  const piece = encoder.encode('a'.repeat(64 * 1024));
  const pulled = { bytes: 0 };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const head = encoder.encode(prefix);
      pulled.bytes += head.byteLength;
      controller.enqueue(head);
    },
    pull(controller) {
      if (pulled.bytes >= total) {
        controller.close();
        return;
      }
      pulled.bytes += piece.byteLength;
      controller.enqueue(piece);
    },
  });
  return { stream, pulled };
}

const formPost = (url: string, body: BodyInit, headers: Record<string, string> = {}) =>
  new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);

/** What the middleware answers a request whose page or endpoint threw `error`. */
async function answerOf(promise: Promise<unknown>, pathname: string): Promise<Response> {
  const error: unknown = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  const response = refusedInputResponse(error, pathname, 'req-1');
  if (!response) throw new Error(`not refused: ${String(error)}`);
  return response;
}

let adminToken: string;
let responderToken: string;
beforeAll(async () => {
  adminToken = expectOk(await createApiKey(context, testActor, { name: 'deploy-bot', role: 'admin' })).token;
  responderToken = expectOk(await createApiKey(context, testActor, { name: 'pager', role: 'responder' })).token;
});

describe('forms', () => {
  it('answers /login with email=%00 with a 422 naming the field, not a 500', async () => {
    const response = await answerOf(readPostedForm(formPost('http://herald.test/login', 'email=%00&password=x')), '/login');
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('The field &quot;email&quot; holds a control character (U+0000)');
  });

  it('keeps tab, LF and CR in multi-line text, and refuses the other controls in names too', async () => {
    expect(await readForm(formPost('http://herald.test/admin', 'body=line%0D%0A%09two'))).toEqual({ body: 'line\r\n\ttwo' });
    await expect(readForm(formPost('http://herald.test/admin', 'bo%01dy=x'))).rejects.toMatchObject({ status: 422 });
    await expect(readForm(formPost('http://herald.test/admin', 'body=%7F'))).rejects.toMatchObject({ status: 422 });
  });

  it('stops reading a chunked 3 MB form at 256 KB and answers 413', async () => {
    const { stream, pulled } = chunkedBody(3 * MB, 'email=');
    const response = await answerOf(readForm(formPost('http://herald.test/login', stream)), '/login');
    expect(response.status).toBe(413);
    expect(pulled.bytes).toBeLessThan(512 * 1024);
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const request = formPost('http://herald.test/subscribe', 'email=a', { 'content-length': String(MB) });
    await expect(readForm(request)).rejects.toBeInstanceOf(RefusedInput);
  });

  it("answers the adapter's own 2 MB limit (a body read elsewhere) with 413", () => {
    const response = refusedInputResponse(
      new Error('Body size limit exceeded: received more than 2097152 bytes'),
      '/admin/subscribers',
      'r',
    );
    expect(response?.status).toBe(413);
  });
});

describe('the management API and the intake', () => {
  const apiCall = (request: Request, apiPath: string) =>
    handleApiRequest(request, { path: apiPath, context, publicUrl: 'https://status.example.com', limitPerMinute: 100_000, log: silent });

  it('answers a chunked 2 MB JSON body with 413 problem+json, having read no more than the limit', async () => {
    const { stream, pulled } = chunkedBody(2 * MB, '{"title":"');
    const request = new Request(`http://herald.test${API_PREFIX}/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const before = await countRows(context.db, incident);
    const response = await apiCall(request, '/incidents');
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(pulled.bytes).toBeLessThan(MB + 128 * 1024);
    expect(await countRows(context.db, incident)).toBe(before);
  });

  it('answers NUL in a JSON field with 422 problem+json naming its path', async () => {
    const request = new Request(`http://herald.test${API_PREFIX}/components`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'API', nested: { list: ['ok', 'bad\u0000'] } }),
    });
    const response = await apiCall(request, '/components');
    expect(response.status).toBe(422);
    const body = (await response.json()) as { errors: { field: string }[] };
    expect(body.errors).toEqual([{ field: 'nested.list.1', message: expect.stringContaining('U+0000') }]);
  });

  it('answers NUL in an intake alert label with 422 problem+json, and logs or writes nothing', async () => {
    const payload = alertmanagerPayload({ alerts: [{ labels: { alertname: 'High\u0000ErrorRate', component: 'API' } }] });
    const counts = async () => [
      await countRows(context.db, intakeEvent),
      await countRows(context.db, auditLog),
      await countRows(context.db, incident),
    ];
    const before = await counts();
    const response = await handleAlertWebhook(
      new Request('http://herald.test/api/intake/alertmanager', {
        method: 'POST',
        headers: { authorization: `Bearer ${responderToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      }),
      { source: 'alertmanager', context, limitPerMinute: 100_000 },
    );
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const body = (await response.json()) as { errors: { field: string }[] };
    expect(body.errors[0]?.field).toBe('alerts.0.labels.alertname');
    expect(await counts()).toEqual(before);
  });

  it('answers an unexpected failure under /api/ with problem+json, never the HTML page', async () => {
    const failed = failureResponse('/api/admin/v1/incidents', 'req-9', true);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    expect(await failed.text()).toContain('req-9');
    const down = failureResponse('/api/intake/grafana', 'req-9', false);
    expect([down.status, down.headers.get('retry-after'), down.headers.get('content-type')]).toEqual([
      503,
      '5',
      'application/problem+json; charset=utf-8',
    ]);
    expect(failureResponse('/admin', 'req-9', true).headers.get('content-type')).toContain('text/html');
  });
});

describe('the middleware: method, path and query', () => {
  const refused = (method: string, target: string) => refuseRequest(method, new URL(`http://herald.test${target}`), 'req-2');

  it('answers NUL in a query string with 400, NUL or a broken escape in a path with 400', async () => {
    expect(refused('GET', '/history?component=%00')?.status).toBe(400);
    expect(refused('GET', '/incidents/%00')?.status).toBe(400);
    expect(refused('GET', '/incidents/%C0%AF')?.status).toBe(400);
    const api = refused('GET', '/api/admin/v1/incidents/%FF');
    expect(api?.status).toBe(400);
    expect(api?.headers.get('content-type')).toContain('application/problem+json');
    expect(await refused('GET', '/history?component=%00')?.text()).toContain('The query parameter component holds a control character.');
  });

  it('answers an unknown method with 405 and Allow', () => {
    const response = refused('PROPFIND', '/');
    expect(response?.status).toBe(405);
    expect(response?.headers.get('allow')).toBe('GET, HEAD, POST, PATCH, DELETE, OPTIONS');
    expect(refused('GET', '/history?component=api')).toBeNull();
  });
});

describe('the public edge', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-hostile-'));

  beforeAll(async () => {
    fs.mkdirSync(path.join(directory, 'client'));
    const edge = await createPublicEdge({
      site: (req, res) => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('refused by the site');
      },
      clientDirectory: path.join(directory, 'client'),
      dataDirectory: path.join(directory, 'data'),
      publicHost: 'status.example.com',
      log: silent,
    });
    server = http.createServer(edge.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(directory, { recursive: true, force: true });
  });

  const send = (method: string, target: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const request = http.request(`${base}${target}`, { method }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      });
      request.on('error', reject);
      request.end();
    });

  it('answers TRACE / with 405, Allow and the security headers, without reaching the site', async () => {
    const answer = await send('TRACE', '/');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD, POST, PATCH, DELETE, OPTIONS');
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(seen).toEqual([]);
  });

  it('answers an unknown method under /api/ with 405 problem+json', async () => {
    const answer = await send('PROPFIND', '/api/admin/v1/components');
    expect([answer.status, answer.headers['content-type'], answer.headers.allow]).toEqual([
      405,
      'application/problem+json; charset=utf-8',
      'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
    ]);
  });

  it('never looks up or keeps a hostile public URL: the site (its middleware) answers it', async () => {
    expect((await send('GET', '/history?component=%00')).status).toBe(400);
    expect(seen).toEqual(['GET /history?component=%00']);
  });
});

describe('the log', () => {
  it('never carries the parameters of a failed query or an email address', async () => {
    const lines: string[] = [];
    const log = pino(
      loggerOptions('info'),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    // A real failed query whose parameter (and PostgreSQL's own message) holds an address.
    const error: unknown = await context.db.execute(sql`select ${'victim@example.com'}::integer`).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(String(error)).toContain('victim@example.com');
    log.error({ err: error, method: 'POST', path: '/login' }, 'request failed');
    log.info({ email: 'someone@example.org', user: { email: 'other@example.net' } }, 'signed in');
    const written = lines.join('');
    expect(written).toContain('request failed');
    expect(written).toContain('Failed query');
    expect(written).not.toMatch(/victim@example\.com|someone@example\.org|other@example\.net/);
    expect(written).not.toMatch(/"(params|parameters)":/);
  });
});

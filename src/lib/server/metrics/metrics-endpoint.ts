import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { processMetrics } from './registry';
import { sampleState, type MetricsSources } from './state-sampler';

export interface MetricsEndpointOptions {
  /** METRICS_TOKEN, the bearer token a scrape must present. Unset: no /metrics on the main port, no token asked on METRICS_PORT. */
  token: string | undefined;
  sources: MetricsSources;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Whether the Authorization header carries the token, compared in constant time (both hashed to one length). */
function presentsToken(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
  const matches = timingSafeEqual(sha256(given ?? ''), sha256(token));
  return given !== undefined && matches;
}

function sendText(res: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** Answers a request for /metrics: the Prometheus text format, or 401 without the token (and no figure at all). */
async function answerMetrics(req: http.IncomingMessage, res: http.ServerResponse, options: MetricsEndpointOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, `The ${req.method ?? ''} method is not allowed here.`, { allow: 'GET, HEAD' });
    return;
  }
  if (options.token !== undefined && !presentsToken(req.headers.authorization, options.token)) {
    sendText(res, 401, 'Scraping /metrics needs the bearer token set in METRICS_TOKEN.', {
      'www-authenticate': 'Bearer realm="Herald metrics"',
    });
    return;
  }
  const metrics = processMetrics();
  await sampleState(metrics, options.sources);
  const body = Buffer.from(await metrics.registry.metrics());
  res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answers /metrics; a scrape that cannot be rendered ends the connection rather than sending half an answer. */
export function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, options: MetricsEndpointOptions): void {
  answerMetrics(req, res, options).catch(() => res.destroy());
}

/** The path of a request target, without its query. */
export function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? url : url.slice(0, queryAt);
}

import type http from 'node:http';
import path from 'node:path';
import { ALLOWED_METHODS, refusalOfRequest } from '../../domain/hostile-input';
import { PUBLIC_FRESHNESS_CEILING_MS } from '../../domain/public-freshness';
import { publicCacheKey } from '../../domain/public-routes';
import type { Logger } from 'pino';
import { config } from '../config';
import { securityHeaders } from '../http';
import { countCacheOutcome } from '../metrics/registry';
import { invalidatePublicReads, publicGeneration } from '../public-cache';
import { captureResponse, syntheticRequest } from './captured-response';
import { persistedResponses } from './persisted-responses';
import { ResponseStore } from './response-store';
import { loadStaticAssets } from './static-assets';
import { sendCompressed, sendStored } from './stored-response';

/**
 * Herald's request listener, in front of the Astro site: the built files from memory, every
 * public GET or HEAD from the response store (rendered once per change, served stale when the
 * database fails), and everything else rendered for the request and compressed on the fly.
 */
export interface PublicEdgeOptions {
  /** The site: the Astro Node handler. */
  site: http.RequestListener;
  /** The built static files (dist/client). */
  clientDirectory: string;
  /** Where the last good answers are kept across restarts. */
  dataDirectory: string;
  /** The Host the site is rendered for (PUBLIC_URL's). */
  publicHost: string;
  log: Logger;
  now?: () => number;
  readBudgetMs?: number;
  /** Asked every few seconds; while it says no, every public answer goes out marked stale. */
  databaseReady?: () => Promise<boolean>;
}

export interface PublicEdge {
  listener: http.RequestListener;
  store: ResponseStore;
  /** Writes the answers waiting to be persisted. */
  flush(): Promise<void>;
  /** Stops the database probe. */
  stop(): void;
}

const PROBE_INTERVAL_MS = 2_000;

/**
 * Probes the database, so that an outage shows (Herald-Stale) even on answers still within their
 * freshness, which no render would otherwise try. When it answers again everything is rendered
 * anew: another process's changes meanwhile were announced on a connection that was not there.
 */
function watchDatabase(databaseReady: () => Promise<boolean>, store: ResponseStore, log: Logger): ReturnType<typeof setInterval> {
  let down = false;
  let probing = false;
  const timer = setInterval(() => {
    if (probing) return;
    probing = true;
    void databaseReady()
      .catch(() => false)
      .then((ready) => {
        if (ready === down) {
          down = !ready;
          store.setDatabaseDown(down);
          if (ready) invalidatePublicReads();
          log.warn({ database: ready ? 'back' : 'unreachable' }, ready ? 'the database answers again' : 'the database does not answer');
        }
      })
      .finally(() => {
        probing = false;
      });
  }, PROBE_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** A failed render is logged at most this often: with the database down every key fails each second. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** Answers of the site sent as they are made: large files, already compressed, never kept. */
const STREAMED_PATHS = new Set(['/admin/settings/backups/download']);

export async function createPublicEdge(options: PublicEdgeOptions): Promise<PublicEdge> {
  const { site, log } = options;
  const now = options.now ?? Date.now;
  const persisted = persistedResponses(path.join(options.dataDirectory, 'edge-cache'), (error: unknown) =>
    log.warn({ err: error }, 'could not read or write a kept public answer'),
  );
  let lastFailureLog = 0;
  const store = new ResponseStore({
    render: (key) => captureResponse(site, syntheticRequest(key, options.publicHost)),
    now,
    generation: publicGeneration,
    readBudgetMs: options.readBudgetMs ?? 2_000,
    coldBudgetMs: 5_000,
    retryAfterFailureMs: 1_000,
    ceilingMs: PUBLIC_FRESHNESS_CEILING_MS,
    limits: { pages: 1_000, variants: 500, bytes: 128 * 1024 * 1024 },
    onStored: (key, stored) => persisted.save(key, stored),
    onFailure(key, error) {
      if (now() - lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
      lastFailureLog = now();
      log.warn({ key, err: error }, 'could not render a public answer: serving the last good one');
    },
    sendUnavailable,
    onServed: countCacheOutcome,
  });
  for (const { key, stored } of await persisted.load()) store.preload(key, stored);
  const assets = await loadStaticAssets(options.clientDirectory);

  const fail = (res: http.ServerResponse) => (error: unknown) => {
    log.error({ err: error }, 'the edge could not answer');
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('Internal Server Error\n');
    }
  };

  const listener: http.RequestListener = (req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
    const query = queryAt < 0 ? '' : url.slice(queryAt);
    const refusal = refusalOfRequest(req.method ?? '', pathname, query);
    if (refusal?.status === 405) {
      sendMethodNotAllowed(res, req.method ?? '', pathname);
      return;
    }
    // A hostile path or query is never looked up or kept: the site's middleware answers it 400.
    if (!refusal && (req.method === 'GET' || req.method === 'HEAD')) {
      const asset = assets.get(pathname);
      if (asset) {
        sendStored(req, res, asset);
        return;
      }
      const key = publicCacheKey(pathname, query);
      if (key) {
        store.serve(key, req, res).catch(fail(res));
        return;
      }
    }
    // A backup download can be as large as the database: it streams through, never held in memory.
    if (STREAMED_PATHS.has(pathname)) {
      site(req, res);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') countCacheOutcome('uncacheable');
    captureResponse(site, req)
      .then((captured) => sendCompressed(req, res, captured))
      .catch(fail(res));
  };
  const probe = options.databaseReady && watchDatabase(options.databaseReady, store, log);
  return {
    listener,
    store,
    flush: () => persisted.flush(),
    stop() {
      if (probe) clearInterval(probe);
    },
  };
}

/**
 * A method Herald does not answer. Decided here because some (TRACE, TRACK, CONNECT) cannot even
 * become a fetch Request, so they never reach the site's middleware, which refuses the others.
 */
function sendMethodNotAllowed(res: http.ServerResponse, method: string, pathname: string): void {
  const message = `The ${method} method is not allowed here.`;
  // The management API and the intake answer problem+json, whatever went wrong.
  const api = /^\/api(\/|$)/.test(pathname);
  const body = Buffer.from(
    api ? JSON.stringify({ type: 'about:blank', title: 'Method not allowed', status: 405, detail: message }) : `${message}\n`,
  );
  res.writeHead(405, {
    ...securityHeaders({ secure: config().secure, framable: false }),
    allow: ALLOWED_METHODS.join(', '),
    'content-type': api ? 'application/problem+json; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** What a public URL answers when nothing good was ever rendered for it: the database has not been reached. */
function sendUnavailable(res: http.ServerResponse): void {
  const body = Buffer.from(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
      '<title>Status temporarily unavailable</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color-scheme:light dark}</style></head>' +
      '<body><main><h1>Status temporarily unavailable</h1><p>This status page cannot reach its database just now. Please try again in a few seconds.</p></main></body></html>',
  );
  res.writeHead(503, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    'retry-after': '5',
  });
  res.end(body);
}

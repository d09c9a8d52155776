import pino, { type Logger } from 'pino';
import { API_PREFIX, handleApiRequest } from '../../src/lib/server/api/router';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';

/** The origin the test requests pretend to come to. */
const TEST_ORIGIN = 'http://herald.test';
export const TEST_PUBLIC_URL = 'https://status.example.com';

export interface ApiClientOptions {
  /** Requests a key may make per minute; high by default, so only the rate limit tests meet it. */
  limitPerMinute?: number;
  publicUrl?: string;
  log?: Logger;
}

export interface CallOptions {
  /** An object or array is sent as JSON (Content-Type: application/json); a string is sent as it is. */
  body?: unknown;
  query?: Record<string, string | number | boolean>;
  /** Added last: they may replace Content-Type or Authorization. */
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body; null when the body is empty. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on untyped payloads, as the no-unsafe-* overrides for tests/ in eslint.config.js allow
  json: any;
  /** The body as sent, byte for byte. */
  text: string;
}

const silent = pino({ level: 'silent' });

/**
 * Calls the management API router in-process, as the Astro endpoint does: a real Request to
 * `/api/admin/v1<path>` with `Authorization: Bearer <token>` (none when token is null), and
 * `path` handed over without the query string.
 */
export function apiClient(context: ServiceContext, token: string | null, options: ApiClientOptions = {}) {
  const limitPerMinute = options.limitPerMinute ?? 100_000;
  const publicUrl = options.publicUrl ?? TEST_PUBLIC_URL;
  const log = options.log ?? silent;

  async function call(method: string, path: string, callOptions: CallOptions = {}): Promise<ApiAnswer> {
    const url = new URL(`${TEST_ORIGIN}${API_PREFIX}${path}`);
    for (const [name, value] of Object.entries(callOptions.query ?? {})) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (typeof callOptions.body === 'string') {
      body = callOptions.body;
    } else if (callOptions.body !== undefined) {
      body = JSON.stringify(callOptions.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, callOptions.headers ?? {});
    const request = new Request(url, { method, headers, body });
    const response = await handleApiRequest(request, { path, context, publicUrl, limitPerMinute, log });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text === '' ? null : JSON.parse(text), text };
  }

  return { call, token };
}

export type ApiClient = ReturnType<typeof apiClient>;

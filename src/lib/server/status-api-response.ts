import type { APIContext, APIRoute } from 'astro';
import { ifNoneMatchMatches } from '../domain/http-caching';
import type { StatusApiEndpoint } from '../domain/statuspage';
import { config } from './config';
import { entityTagOf } from './edge/stored-response';
import { markFreshUntil } from './http';
import { cachedPublicRead } from './public-cache';
import { getPublicSnapshot } from './services/public/public-snapshot';
import { statusApiBody } from './services/public/status-api';

/**
 * HTTP for the public JSON API: any origin may read it, caches may keep it a few seconds and
 * serve it a little stale while they fetch it again, and a client that sends back the ETag
 * gets a 304 without the body.
 */
export const STATUS_API_CACHE_CONTROL = 'public, max-age=10, s-maxage=10, stale-while-revalidate=30, stale-if-error=86400';
const STATUS_API_CONTENT_TYPE = 'application/json; charset=utf-8';

const corsHeaders = {
  'Access-Control-Allow-Origin': '*',
  // Lets a page on another site read the ETag and send it back in If-None-Match.
  'Access-Control-Expose-Headers': 'ETag',
} as const;

/**
 * The response to a GET or HEAD for a JSON body: 200 with it (HEAD without it), or 304 with the
 * same ETag and cache headers when the client already holds it.
 */
function statusApiResponse(request: Request, body: unknown): Response {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const entityTag = entityTagOf(bytes);
  const common = { ...corsHeaders, 'Cache-Control': STATUS_API_CACHE_CONTROL, ETag: entityTag };
  if (ifNoneMatchMatches(request.headers.get('if-none-match'), entityTag)) {
    return new Response(null, { status: 304, headers: common });
  }
  const headers = { ...common, 'Content-Type': STATUS_API_CONTENT_TYPE, 'Content-Length': String(bytes.byteLength) };
  return new Response(request.method === 'HEAD' ? null : bytes, { status: 200, headers });
}

/** The answer to a CORS preflight: any origin may GET, with any request headers. */
function statusApiPreflight(request: Request): Response {
  const asked = request.headers.get('access-control-request-headers');
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders,
      'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      // Echoes what the browser asks for when it is a plain list of header names.
      ...(asked && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/.test(asked.trim())
        ? { 'Access-Control-Allow-Headers': asked.trim() }
        : {}),
      'Access-Control-Max-Age': '86400',
    },
  });
}

/** The GET, HEAD and OPTIONS handlers of one endpoint; they need no auth and set no cookie. */
export function statusApiRoutes(endpoint: StatusApiEndpoint): { GET: APIRoute; HEAD: APIRoute; OPTIONS: APIRoute } {
  const read = async ({ request, locals }: Pick<APIContext, 'request' | 'locals'>) => {
    const [body, snapshot] = await Promise.all([
      cachedPublicRead(`status-api:${endpoint}`, () => statusApiBody(locals.context, endpoint, config().publicUrl)),
      cachedPublicRead('snapshot', () => getPublicSnapshot(locals.context)),
    ]);
    const response = statusApiResponse(request, body);
    markFreshUntil(response.headers, snapshot.freshUntil);
    return response;
  };
  return { GET: read, HEAD: read, OPTIONS: ({ request }) => statusApiPreflight(request) };
}

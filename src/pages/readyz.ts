import type { APIRoute } from 'astro';
import { isDatabaseReady } from '../lib/server/health';

/** Readiness: the database answers a query. */
export const GET: APIRoute = async () => {
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
  if (await isDatabaseReady()) return new Response(JSON.stringify({ status: 'ok', database: 'ok' }), { headers });
  return new Response(JSON.stringify({ status: 'unavailable', database: 'unreachable' }), { status: 503, headers });
};

import type { APIRoute } from 'astro';
import { sql } from 'drizzle-orm';
import { database } from '../lib/server/db';

/** Readiness: the database answers a query. */
export const GET: APIRoute = async () => {
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
  try {
    await (await database()).execute(sql`select 1`);
    return new Response(JSON.stringify({ status: 'ok', database: 'ok' }), { headers });
  } catch {
    return new Response(JSON.stringify({ status: 'unavailable', database: 'unreachable' }), { status: 503, headers });
  }
};

import type { APIRoute } from 'astro';
import { openApiDocument } from '../../../../lib/server/api/openapi';
import { config } from '../../../../lib/server/config';

/** The OpenAPI 3.1 description of the management API, built from its route table; no key needed. */
export const GET: APIRoute = () =>
  new Response(JSON.stringify(openApiDocument(config().publicUrl), null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
      'Access-Control-Allow-Origin': '*',
    },
  });

import type { APIRoute } from 'astro';
import { buildRobotsTxt } from '../lib/domain/feeds';
import { config } from '../lib/server/config';

/** robots.txt, served rather than static because the sitemap line needs the absolute public URL. */
export const GET: APIRoute = () =>
  new Response(buildRobotsTxt(config().publicUrl), {
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'public, max-age=3600' },
  });

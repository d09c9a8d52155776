import type { APIRoute } from 'astro';
import { buildSitemap, type SitemapUrl } from '../lib/domain/feeds';
import { config } from '../lib/server/config';
import { PUBLIC_PAGE_CACHE_CONTROL } from '../lib/server/http';
import { listSitemapEntries } from '../lib/server/services/public/feeds';

/** The public pages for search engines: the status page, the history, subscribing, and every incident and completed maintenance. */
export const GET: APIRoute = async ({ locals }) => {
  const { publicUrl } = config();
  const entries = await listSitemapEntries(locals.context);
  const newest = entries[0]?.lastmod ?? null;
  const urls: SitemapUrl[] = [
    { loc: `${publicUrl}/`, lastmod: newest },
    { loc: `${publicUrl}/history`, lastmod: newest },
    ...entries.map((entry) => ({ loc: `${publicUrl}${entry.path}`, lastmod: entry.lastmod })),
  ];
  return new Response(buildSitemap(urls), {
    headers: { 'Content-Type': 'application/xml; charset=utf-8', 'Cache-Control': PUBLIC_PAGE_CACHE_CONTROL },
  });
};

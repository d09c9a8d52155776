import type { APIRoute } from 'astro';
import { config } from '../lib/server/config';
import { PUBLIC_PAGE_CACHE_CONTROL } from '../lib/server/http';
import { feedHeaders, renderHistoryFeed } from '../lib/server/services/public/feeds';

/** The history as an RSS 2.0 feed: the newest 50 incidents and completed maintenances. */
export const GET: APIRoute = async ({ locals }) => {
  const body = await renderHistoryFeed(locals.context, { publicUrl: config().publicUrl, format: 'rss', componentId: null });
  return new Response(body, { headers: feedHeaders('rss', PUBLIC_PAGE_CACHE_CONTROL) });
};

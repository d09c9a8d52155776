import type { APIRoute } from 'astro';
import { config } from '../../../lib/server/config';
import { PUBLIC_PAGE_CACHE_CONTROL } from '../../../lib/server/http';
import { feedHeaders, PUBLIC_ID, renderHistoryFeed } from '../../../lib/server/services/public/feeds';

/** One component's history as an RSS 2.0 feed; 404 for an unknown, archived or hidden component. */
export const GET: APIRoute = async ({ locals, params }) => {
  const id = params.id ?? '';
  const body = PUBLIC_ID.test(id)
    ? await renderHistoryFeed(locals.context, { publicUrl: config().publicUrl, format: 'rss', componentId: id })
    : undefined;
  if (body === undefined) {
    return new Response('There is no public component with this id.\n', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': PUBLIC_PAGE_CACHE_CONTROL },
    });
  }
  return new Response(body, { headers: feedHeaders('rss', PUBLIC_PAGE_CACHE_CONTROL) });
};

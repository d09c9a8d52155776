import type { APIRoute } from 'astro';
import { badgeColourOfIndicator, badgeHeaders, buildBadgeSvg, parseBadgeLabel } from '../lib/domain/badge';
import { markFreshUntil } from '../lib/server/http';
import { cachedPublicRead } from '../lib/server/public-cache';
import { getPublicSnapshot } from '../lib/server/services/public/public-snapshot';

/** The page's rolled-up status as a badge: "status | All Systems Operational". `?label=` changes the left text. */
export const GET: APIRoute = async ({ locals, url }) => {
  const parsed = parseBadgeLabel(url.searchParams.get('label'));
  if ('error' in parsed)
    return new Response(`${parsed.error}\n`, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const { status, freshUntil } = await cachedPublicRead('snapshot', () => getPublicSnapshot(locals.context));
  const svg = buildBadgeSvg({
    label: parsed.label ?? 'status',
    message: status.description,
    colour: badgeColourOfIndicator(status.indicator),
  });
  const response = new Response(svg, { headers: badgeHeaders });
  markFreshUntil(response.headers, freshUntil);
  return response;
};

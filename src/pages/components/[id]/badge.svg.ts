import type { APIRoute } from 'astro';
import { badgeColourOfComponentStatus, badgeHeaders, buildBadgeSvg, parseBadgeLabel } from '../../../lib/domain/badge';
import { componentsInOrder } from '../../../lib/domain/component-sections';
import { componentStatusLabels } from '../../../lib/domain/statuses';
import { listComponentTree } from '../../../lib/server/services/components/catalog';
import { PUBLIC_ID } from '../../../lib/server/services/public/feeds';

/** A component's status as a badge: "API | Operational"; 404 for an unknown, archived or hidden component. */
export const GET: APIRoute = async ({ locals, params, url }) => {
  const parsed = parseBadgeLabel(url.searchParams.get('label'));
  if ('error' in parsed)
    return new Response(`${parsed.error}\n`, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const id = params.id ?? '';
  const tree = PUBLIC_ID.test(id) ? await listComponentTree(locals.context, { publicOnly: true }) : null;
  const item = tree && componentsInOrder(tree).find((candidate) => candidate.id === id);
  if (!item) {
    return new Response('There is no public component with this id.\n', {
      status: 404,
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': badgeHeaders['Cache-Control'],
        'Access-Control-Allow-Origin': '*',
      },
    });
  }
  const svg = buildBadgeSvg({
    label: parsed.label ?? item.name,
    message: componentStatusLabels[item.status],
    colour: badgeColourOfComponentStatus(item.status),
  });
  return new Response(svg, { headers: badgeHeaders });
};

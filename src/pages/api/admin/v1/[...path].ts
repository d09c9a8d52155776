import type { APIRoute } from 'astro';
import { API_PREFIX, handleApiRequest } from '../../../../lib/server/api/router';
import { config } from '../../../../lib/server/config';
import { logger } from '../../../../lib/server/logger';

/** The management API: every method and path under /api/admin/v1 goes to its router. */
export const ALL: APIRoute = ({ request, locals, url }) =>
  handleApiRequest(request, {
    path: url.pathname.slice(API_PREFIX.length) || '/',
    context: locals.context,
    publicUrl: config().publicUrl,
    limitPerMinute: config().apiRateLimit,
    log: logger().child({ requestId: locals.requestId }),
  });

import type { APIRoute } from 'astro';
import { handleAlertWebhook } from '../../../lib/server/api/intake-endpoint';
import { config } from '../../../lib/server/config';

/** Grafana alert webhooks: point a webhook receiver here with a responder API key as the bearer token. */
export const POST: APIRoute = ({ request, locals }) =>
  handleAlertWebhook(request, { source: 'grafana', context: locals.context, limitPerMinute: config().apiRateLimit });

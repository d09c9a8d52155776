import type { AlertSource } from '../../domain/alert-intake';
import type { ServiceContext } from '../services/kernel/context';
import { receiveAlerts } from '../services/intake/receive-alerts';
import { admit, readJsonObject } from './access';
import { problemOfFailure } from './problem';

/**
 * One alert webhook call (Alertmanager or Grafana): a responder key, within its rate limit, a
 * JSON payload; answers what was done (200) or why nothing was (a problem, e.g. 422 naming the
 * missing label). Alertmanager and Grafana retry on 5xx only, so a payload we refuse is not resent.
 */
export async function handleAlertWebhook(
  request: Request,
  options: { source: AlertSource; context: ServiceContext; limitPerMinute: number },
): Promise<Response> {
  const admitted = await admit(request, options.context, { role: 'responder', limitPerMinute: options.limitPerMinute });
  if (admitted instanceof Response) return admitted;
  const headers = admitted.rateLimitHeaders;
  const read = await readJsonObject(request);
  if (!read.ok) {
    for (const [name, value] of Object.entries(headers)) read.response.headers.set(name, value);
    return read.response;
  }
  const result = await receiveAlerts(options.context, admitted.principal, options.source, read.body);
  if (!result.ok) {
    const response = problemOfFailure(result.failure);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  }
  const { outcome, incidentId, draftId } = result.value;
  // The detail may quote the alerts' own annotations; the caller sent them, so it may see them.
  return new Response(JSON.stringify({ outcome, detail: result.value.detail, incidentId: incidentId ?? null, draftId: draftId ?? null }), {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

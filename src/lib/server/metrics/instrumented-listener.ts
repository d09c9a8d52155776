import type http from 'node:http';
import { routeKindOf } from '../../domain/route-kinds';
import { pathOf, serveMetrics, type MetricsEndpointOptions } from './metrics-endpoint';
import { processMetrics } from './registry';

/** Counts every request by route kind and status, and times it from arrival to the last byte sent. */
function counted(listener: http.RequestListener): http.RequestListener {
  const { requests, requestDuration } = processMetrics();
  return (req, res) => {
    const started = performance.now();
    const kind = routeKindOf(pathOf(req));
    res.once('close', () => {
      // A visitor gone before the answer was sent is counted apart from any status.
      requests.inc({ kind, status: res.writableFinished ? String(res.statusCode) : 'aborted' });
      requestDuration.observe({ kind }, (performance.now() - started) / 1000);
    });
    listener(req, res);
  };
}

/**
 * Herald's listener on its main port: every request counted, and /metrics answered before the
 * site when METRICS_TOKEN is set (with it only). Without the token /metrics is the site's, a 404.
 */
export function withMetrics(site: http.RequestListener, options: MetricsEndpointOptions): http.RequestListener {
  const { token, sources } = options;
  return counted((req, res) => {
    if (token !== undefined && pathOf(req) === '/metrics') serveMetrics(req, res, { token, sources });
    else site(req, res);
  });
}

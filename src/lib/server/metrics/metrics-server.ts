import http from 'node:http';
import type { Config } from '../config';
import { POSTGRES_POOL_SIZE, processDatabase } from '../db/client';
import { isDatabaseReady } from '../health';
import { StartupError } from '../startup-checks';
import { pathOf, serveMetrics, type MetricsEndpointOptions } from './metrics-endpoint';
import type { MetricsSources } from './state-sampler';

/** Where METRICS_PORT listens: never beyond this machine. */
const METRICS_HOST = '127.0.0.1';

/** What a scrape reads in the server process: its database (the job queue's tables) and the readiness probe. */
export function processMetricsSources(settings: Config): MetricsSources {
  return {
    executor: async () => (await processDatabase(settings)).executor,
    databaseReady: isDatabaseReady,
    pool: settings.databaseUrl ? { driver: 'postgresql', size: POSTGRES_POOL_SIZE } : { driver: 'pglite', size: 1 },
  };
}

/** The listener of METRICS_PORT: /metrics (with the token too when METRICS_TOKEN is set), and 404 for anything else. */
function metricsPortListener(options: MetricsEndpointOptions): http.RequestListener {
  return (req, res) => {
    if (pathOf(req) === '/metrics') {
      serveMetrics(req, res, options);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('Only /metrics is served on this port.\n');
  };
}

/**
 * Serves /metrics on METRICS_PORT at 127.0.0.1. The server does not keep the process alive; a
 * port that cannot be opened is a StartupError naming METRICS_PORT.
 */
export function startMetricsServer(port: number, options: MetricsEndpointOptions): Promise<http.Server> {
  const server = http.createServer(metricsPortListener(options));
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${error.code ?? error.message})`;
      reject(
        new StartupError(`Invalid environment variable METRICS_PORT: port ${port} on ${METRICS_HOST} ${reason}; set it to a free port.`),
      );
    });
    server.listen(port, METRICS_HOST, () => {
      server.unref();
      resolve(server);
    });
  });
}

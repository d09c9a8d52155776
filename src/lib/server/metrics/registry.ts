import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ROUTE_KINDS } from '../../domain/route-kinds';
import type { MaintenanceTransition } from '../jobs/queue';

/** How the public edge answered a GET or HEAD: from the store (hit, stale), rendered for it (miss), or never kept (uncacheable). */
const CACHE_OUTCOMES = ['hit', 'miss', 'stale', 'unavailable', 'uncacheable'] as const;
export type CacheOutcome = (typeof CACHE_OUTCOMES)[number];

const DELIVERY_OUTCOMES = { email: ['sent', 'retrying', 'failed', 'interrupted'], webhook: ['sent', 'retrying', 'failed'] } as const;
const TRANSITIONS: MaintenanceTransition[] = ['reminder', 'start', 'end'];
/** Seconds late: a worker that keeps up stays in the first buckets; the alert rule reads the 60 s one. */
const LATENESS_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 900, 3600];

function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  // prom-client names these three gauges `_total`, which Prometheus keeps for counters (promtool refuses them).
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
    registry.removeSingleMetric(`herald_nodejs_${name}`);
  const metrics = {
    registry,
    requests: new Counter({
      name: 'herald_http_requests_total',
      help: 'Requests answered, by route kind and status.',
      labelNames: ['kind', 'status'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being sent, by route kind.',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    publicCache: new Counter({
      name: 'herald_public_cache_requests_total',
      help: 'GET and HEAD requests by how the public edge answered: kept (hit, stale), rendered for it (miss), or never kept (uncacheable).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'herald_deliveries_total',
      help: 'Subscriber emails and webhook POSTs by outcome (retrying: this attempt failed, another follows).',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    }),
    customerEmailLateness: new Histogram({
      name: 'herald_customer_email_lateness_seconds',
      help: 'How long after its due moment the customer email of an outage was sent.',
      buckets: LATENESS_BUCKETS,
      registers,
    }),
    maintenanceLateness: new Histogram({
      name: 'herald_maintenance_transition_lateness_seconds',
      help: 'How long after its moment a maintenance reminder, start or end was carried out.',
      labelNames: ['transition'] as const,
      buckets: LATENESS_BUCKETS,
      registers,
    }),
    queueWaiting: new Gauge({
      name: 'herald_queue_waiting_jobs',
      help: 'Jobs due and not yet taken by a worker, per queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    queueActive: new Gauge({
      name: 'herald_queue_active_jobs',
      help: 'Jobs a worker is working on, per queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    queueOldestWaiting: new Gauge({
      name: 'herald_queue_oldest_waiting_seconds',
      help: 'How long the oldest due job of each queue has waited past its due moment (0 when none waits).',
      labelNames: ['queue'] as const,
      registers,
    }),
    databaseUp: new Gauge({ name: 'herald_database_up', help: 'Whether the database answered the probe at the last scrape.', registers }),
    databaseProbe: new Gauge({
      name: 'herald_database_probe_seconds',
      help: 'How long the database probe took at the last scrape.',
      registers,
    }),
    databasePool: new Gauge({
      name: 'herald_database_pool_connections',
      help: 'Connections the database pool may open (PGlite has one).',
      labelNames: ['driver'] as const,
      registers,
    }),
  };
  // Every series an alert or a rate reads exists from the start, at zero.
  for (const kind of ROUTE_KINDS) metrics.requestDuration.zero({ kind });
  for (const outcome of CACHE_OUTCOMES) metrics.publicCache.inc({ outcome }, 0);
  for (const [channel, outcomes] of Object.entries(DELIVERY_OUTCOMES))
    for (const outcome of outcomes) metrics.deliveries.inc({ channel, outcome }, 0);
  for (const transition of TRANSITIONS) metrics.maintenanceLateness.zero({ transition });
  return metrics;
}

export type HeraldMetrics = ReturnType<typeof createMetrics>;

const metricsKey = Symbol.for('herald.metrics');
type GlobalWithMetrics = typeof globalThis & { [metricsKey]?: HeraldMetrics };

/**
 * The process's metrics, made once. Kept on `globalThis` like the runtime: the start script and
 * the built server are two module graphs in one process, and the worker may start in either.
 */
export function processMetrics(): HeraldMetrics {
  const store = globalThis as GlobalWithMetrics;
  store[metricsKey] ??= createMetrics();
  return store[metricsKey];
}

/** Counts how the public edge answered one request. */
export function countCacheOutcome(outcome: CacheOutcome): void {
  processMetrics().publicCache.inc({ outcome });
}

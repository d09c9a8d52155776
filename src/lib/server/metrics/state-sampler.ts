import type { SqlExecutor } from '../db/client';
import { jobNames } from '../jobs/queue';
import type { HeraldMetrics } from './registry';

/** What a scrape reads the process's state from. */
export interface MetricsSources {
  /** The job queue's SQL access to the process's database; rejects while it cannot be opened. */
  executor(): Promise<SqlExecutor>;
  /** The database probe (health.ts): whether it answers a trivial query in time. */
  databaseReady(): Promise<boolean>;
  pool: { driver: 'postgresql' | 'pglite'; size: number };
}

/**
 * Per queue: due jobs not yet taken, how long the oldest of them has waited past its due moment,
 * and jobs being worked. The waiting part has the predicate of pg-boss's fetch index (job_i5,
 * `state < 'active'`), so the week of finished jobs the table keeps costs it nothing.
 */
const QUEUE_STATE_SQL = `
  select name, count(*)::int as waiting, extract(epoch from now() - min(start_after))::float8 as oldest, 0 as active
  from pgboss.job where state < 'active' and start_after <= now() group by name
  union all
  select name, 0, 0, count(*)::int from pgboss.job where state = 'active' group by name`;

async function sampleQueues(metrics: HeraldMetrics, sources: MetricsSources): Promise<void> {
  const { rows } = await (await sources.executor()).executeSql(QUEUE_STATE_SQL, []);
  const known = new Set<string>(jobNames);
  for (const queue of jobNames) {
    metrics.queueWaiting.set({ queue }, 0);
    metrics.queueActive.set({ queue }, 0);
    metrics.queueOldestWaiting.set({ queue }, 0);
  }
  for (const row of rows) {
    const queue = String(row.name);
    if (!known.has(queue)) continue;
    // Each queue has up to two rows, the waiting one and the active one: add them up.
    metrics.queueWaiting.inc({ queue }, Number(row.waiting));
    metrics.queueActive.inc({ queue }, Number(row.active));
    metrics.queueOldestWaiting.inc({ queue }, Number(row.oldest));
  }
}

/**
 * Reads what is measured at scrape time into the gauges: the database probe and its latency,
 * the pool, and the queues. It never throws: a database that does not answer is `up 0`, and its
 * queue figures are left out rather than shown as they were when it last answered.
 */
export async function sampleState(metrics: HeraldMetrics, sources: MetricsSources): Promise<void> {
  const started = performance.now();
  const ready = await sources.databaseReady().catch(() => false);
  metrics.databaseProbe.set((performance.now() - started) / 1000);
  metrics.databaseUp.set(ready ? 1 : 0);
  metrics.databasePool.reset();
  metrics.databasePool.set({ driver: sources.pool.driver }, sources.pool.size);
  const sampled =
    ready &&
    (await sampleQueues(metrics, sources).then(
      () => true,
      () => false,
    ));
  if (!sampled) {
    metrics.queueWaiting.reset();
    metrics.queueActive.reset();
    metrics.queueOldestWaiting.reset();
  }
}

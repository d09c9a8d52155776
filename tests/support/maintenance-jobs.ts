import type { DatabaseHandle } from '../../src/lib/server/db/client';
import type { JobData, MaintenanceTransition } from '../../src/lib/server/jobs/queue';

export interface QueuedTransition {
  data: JobData['maintenance-transition'];
  startAfter: Date;
  state: string;
}

/**
 * The maintenance-transition jobs of one maintenance still in pg-boss's table (in any state),
 * ordered by when they are due: what the services queued, for tests that run the handler
 * themselves at chosen moments instead of a worker.
 */
export async function transitionJobs(handle: Pick<DatabaseHandle, 'executor'>, maintenanceId: string): Promise<QueuedTransition[]> {
  const { rows } = await handle.executor.executeSql(
    "select data, start_after, state from pgboss.job where name = 'maintenance-transition' and data->>'maintenanceId' = $1 order by start_after, created_on",
    [maintenanceId],
  );
  return (rows as { data: JobData['maintenance-transition'] | string; start_after: Date | string; state: string }[]).map((row) => ({
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as JobData['maintenance-transition']) : row.data,
    startAfter: new Date(row.start_after),
    state: row.state,
  }));
}

/** The one waiting job of a transition (fails when there is none, or more than one). */
export async function waitingTransition(
  handle: Pick<DatabaseHandle, 'executor'>,
  maintenanceId: string,
  transition: MaintenanceTransition,
): Promise<QueuedTransition> {
  const jobs = (await transitionJobs(handle, maintenanceId)).filter((job) => job.data.transition === transition && job.state === 'created');
  if (jobs.length !== 1) throw new Error(`expected one waiting ${transition} job for ${maintenanceId}, found ${JSON.stringify(jobs)}`);
  return jobs[0]!;
}

/** Due times of the waiting jobs, by transition: a compact picture of what is scheduled. */
export async function waitingTransitions(
  handle: Pick<DatabaseHandle, 'executor'>,
  maintenanceId: string,
): Promise<{ transition: MaintenanceTransition; at: string; version: number }[]> {
  return (await transitionJobs(handle, maintenanceId))
    .filter((job) => job.state === 'created')
    .map((job) => ({ transition: job.data.transition, at: job.startAfter.toISOString(), version: job.data.version }));
}

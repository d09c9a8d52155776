import type { DatabaseHandle } from '../../src/lib/server/db/client';
import type { JobData, JobName } from '../../src/lib/server/jobs/queue';

export interface QueuedJob<Name extends JobName> {
  name: Name;
  data: JobData[Name];
  startAfter: Date;
  state: string;
}

/**
 * The pg-boss jobs of one kind about one incident, oldest first, read straight from its table:
 * what a service queued, for tests that run the handlers themselves instead of a worker.
 */
export async function queuedJobs<Name extends JobName>(
  handle: Pick<DatabaseHandle, 'executor'>,
  name: Name,
  incidentId: string,
): Promise<QueuedJob<Name>[]> {
  const { rows } = await handle.executor.executeSql(
    "select name, data, start_after, state from pgboss.job where name = $1 and data->>'incidentId' = $2 order by created_on, start_after",
    [name, incidentId],
  );
  return (rows as { name: Name; data: JobData[Name] | string; start_after: Date | string; state: string }[]).map((row) => ({
    name: row.name,
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as JobData[Name]) : row.data,
    startAfter: new Date(row.start_after),
    state: row.state,
  }));
}

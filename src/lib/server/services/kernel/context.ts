import type { Clock } from '../../clock';
import type { Database } from '../../db';
import type { JobQueue } from '../../jobs/queue';

/** What every service function needs: the database, the time, and the job queue. */
export interface ServiceContext {
  db: Database;
  clock: Clock;
  queue: JobQueue;
}

/** Who performs a write, as recorded in the audit log. */
export interface Actor {
  userId: string | null;
  label: string;
}

export const systemActor: Actor = { userId: null, label: 'system' };

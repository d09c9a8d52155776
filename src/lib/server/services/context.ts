import type { Clock } from '../clock';
import type { Database } from '../db';

/** What every service function needs: the database and the time. */
export interface ServiceContext {
  db: Database;
  clock: Clock;
}

/** Who performs a write, as recorded in the audit log. */
export interface Actor {
  userId: string | null;
  label: string;
}

export const systemActor: Actor = { userId: null, label: 'system' };

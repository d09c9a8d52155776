import { desc, eq } from 'drizzle-orm';
import { promisedNextUpdateAt, type CommunicationPolicy } from '../../../domain/communication-policy';
import { isIncidentOpen } from '../../../domain/statuses';
import { incidentUpdate, type IncidentRow } from '../../db/schema';
import type { Database } from '../../db';

/** What the next-update rules read of the latest public update: when it was posted, and what it promised. */
export interface PostedUpdate {
  postedAt: Date;
  nextUpdateBy: Date | null;
}

/**
 * The incident's latest public update by when it was written (a backfilled one is displayed
 * earlier than it was posted); before any, the incident's own creation stands in for it.
 */
export async function latestPostedUpdate(db: Database, row: Pick<IncidentRow, 'id' | 'createdAt'>): Promise<PostedUpdate> {
  const [latest] = await db
    .select({ postedAt: incidentUpdate.createdAt, nextUpdateBy: incidentUpdate.nextUpdateBy })
    .from(incidentUpdate)
    .where(eq(incidentUpdate.incidentId, row.id))
    .orderBy(desc(incidentUpdate.createdAt), desc(incidentUpdate.id))
    .limit(1);
  return latest ?? { postedAt: row.createdAt, nextUpdateBy: null };
}

/** When the incident's next public update is owed now (null: closed, or none owed), read from the database. */
export async function nextUpdateOwedAt(db: Database, policy: CommunicationPolicy, row: IncidentRow): Promise<Date | null> {
  if (!isIncidentOpen(row.status)) return null;
  return promisedNextUpdateAt(policy, { ...row, open: true }, await latestPostedUpdate(db, row));
}

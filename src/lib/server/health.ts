import { sql } from 'drizzle-orm';
import { withinDeadline } from './deadline';
import { database } from './db';

/** Past this a database is as good as down for the public pages (their read budget). */
const READINESS_TIMEOUT_MS = 2_000;

/** Readiness: whether this process's database answers a trivial query, in time. */
export async function isDatabaseReady(): Promise<boolean> {
  const query = (async () => {
    await (await database()).execute(sql`select 1`);
    return true;
  })().catch(() => false);
  return withinDeadline(query, READINESS_TIMEOUT_MS, false);
}

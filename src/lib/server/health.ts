import { sql } from 'drizzle-orm';
import { database } from './db';

/** Readiness: whether this process's database answers a trivial query. */
export async function isDatabaseReady(): Promise<boolean> {
  try {
    await (await database()).execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

import { config } from '../config';
import { processDatabase, type Database } from './client';

export type { Database, DatabaseHandle } from './client';

/** The database of this process (PGlite in DATA_DIR, or PostgreSQL when DATABASE_URL is set). */
export async function database(): Promise<Database> {
  const { databaseUrl, dataDir } = config();
  return (await processDatabase({ databaseUrl, dataDir })).db;
}

import postgres from 'postgres';
import { openPglite, openPostgres, type DatabaseHandle } from '../../src/lib/server/db/client';
import { startJobQueue, type QueueSettings, type StartedQueue } from '../../src/lib/server/jobs/queue';

export interface TestDatabase extends DatabaseHandle {
  /** pg-boss on this database, started without workers (a test starts those it needs). */
  jobs: StartedQueue;
  queue: StartedQueue['queue'];
}

/** Quick retries so that tests of failure and recovery finish in seconds. */
export const testQueueSettings: QueueSettings = { retryLimit: 10, retryDelaySeconds: 1, expireInSeconds: 5 };

/**
 * A fresh, migrated database for one test file, with the job queue installed: in-memory
 * PGlite, or a new database on the PostgreSQL server named by TEST_DATABASE_URL (dropped
 * again by `close`).
 */
export async function createTestDatabase(settings: QueueSettings = testQueueSettings): Promise<TestDatabase> {
  const handle = await openTestDatabase();
  const jobs = await startJobQueue(handle, settings, { maintenance: false });
  return {
    ...handle,
    jobs,
    queue: jobs.queue,
    async close() {
      await jobs.stop();
      await handle.close();
    },
  };
}

async function openTestDatabase(): Promise<DatabaseHandle> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const handle = openPglite();
    await handle.migrate();
    return handle;
  }
  const scratch = await createScratchPostgresDatabase(serverUrl);
  const handle = openPostgres(scratch.url, { max: 4 });
  await handle.migrate();
  return {
    ...handle,
    async close() {
      await handle.close();
      await scratch.drop();
    },
  };
}

/** A new, empty database on the PostgreSQL server at `serverUrl`: its URL, and `drop` to remove it. */
export async function createScratchPostgresDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `herald_test_${String(process.pid)}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

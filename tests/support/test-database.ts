import { afterAll, beforeAll } from 'vitest';
import type { QueueSettings } from '../../src/lib/server/jobs/queue';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { FakeClock } from './clock';
import { createTestDatabase, type TestDatabase } from './database';

export interface TestContextOptions {
  /** Where the fake clock starts; FakeClock's default (2026-03-01T12:00:00.000Z) when omitted. */
  start?: Date | string;
  /** pg-boss settings for the file's queue; testQueueSettings when omitted. */
  queueSettings?: QueueSettings;
}

export interface TestContext {
  /** The file's fake clock, the one `context.clock` is. */
  clock: FakeClock;
  /** The file's database (filled in by the beforeAll hook). */
  handle: TestDatabase;
  /** `{ db, clock, queue }` on that database (filled in by the beforeAll hook). */
  context: ServiceContext;
}

/**
 * The setup most integration files share: a fresh migrated database with its job queue (see
 * createTestDatabase: PGlite, or a new database on TEST_DATABASE_URL), a FakeClock, and the
 * ServiceContext on them. Call it at the top of a file (or a describe block): it registers a
 * beforeAll that opens the database and an afterAll that closes it.
 *
 * `handle` and `context` are returned at once, empty, and filled in by that beforeAll, so they
 * can be destructured into consts and used from any later hook or test. With vitest's "stack"
 * hook order the file's own afterAll hooks (registered after this call) run before the database
 * is closed, and its beforeAll hooks run after it is open.
 */
export function useTestContext(options: TestContextOptions = {}): TestContext {
  const clock = new FakeClock(options.start);
  const handle = {} as TestDatabase;
  const context = {} as ServiceContext;

  beforeAll(async () => {
    Object.assign(handle, await createTestDatabase(options.queueSettings));
    Object.assign(context, { db: handle.db, clock, queue: handle.queue } satisfies ServiceContext);
  });

  afterAll(async () => {
    // Absent when the beforeAll failed before the database was open.
    if (typeof handle.close === 'function') await handle.close();
  });

  return { clock, handle, context };
}

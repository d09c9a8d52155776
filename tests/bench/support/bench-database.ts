/**
 * The database a benchmark's Herald starts on, prepared before it starts: opened (PGlite in a
 * data directory, or a PostgreSQL URL), migrated, with a job queue for the services that queue
 * work, then closed again so the Herald process can open it. Plus the pieces benchmarks add: the
 * demo page, many confirmed subscribers, an API key, an owner signed in.
 */
import { sql } from 'drizzle-orm';
import { systemClock } from '../../../src/lib/server/clock';
import { openPglite, openPostgres, type DatabaseHandle } from '../../../src/lib/server/db/client';
import { defaultQueueSettings, startJobQueue } from '../../../src/lib/server/jobs/queue';
import { createSession } from '../../../src/lib/server/auth/session';
import { createApiKey } from '../../../src/lib/server/services/access/api-keys';
import { createUserWithPassword } from '../../../src/lib/server/services/access/users';
import type { ServiceContext } from '../../../src/lib/server/services/kernel/context';
import { seedDemo } from '../../../src/lib/server/seed/demo';

/** Who the benchmarks' writes are recorded as. */
export const benchActor = { userId: null, label: 'bench' };

/** The value of a service result, or a thrown error naming its failure. */
export function unwrap<T>(result: { ok: true; value: T } | { ok: false; failure: unknown }): T {
  if (!result.ok) throw new Error(JSON.stringify(result.failure));
  return result.value;
}

/** PGlite in `dataDir` unless `databaseUrl` names a PostgreSQL database. */
export interface DatabaseTarget {
  dataDir: string;
  databaseUrl?: string;
}

/** Opens and migrates the target, runs `build` on it, and closes it; resolves to what `build` returned. */
export async function prepareDatabase<T>(
  target: DatabaseTarget,
  build: (context: ServiceContext, handle: DatabaseHandle) => Promise<T>,
): Promise<T> {
  const handle = target.databaseUrl ? openPostgres(target.databaseUrl) : openPglite(target.dataDir);
  try {
    await handle.migrate();
    const jobs = await startJobQueue(handle, defaultQueueSettings, { maintenance: false });
    try {
      return await build({ db: handle.db, clock: systemClock, queue: jobs.queue }, handle);
    } finally {
      await jobs.stop();
    }
  } finally {
    await handle.close();
  }
}

/** The demo page: 12 components, 13 incidents (one open), 2 maintenances. */
export async function seedDemoPage(context: ServiceContext): Promise<void> {
  await seedDemo(context, benchActor);
}

/**
 * Drops the subscriber emails the demo's incidents left queued (customer emails and their
 * fan-outs, which pick their recipients when they run): with subscribers added for a benchmark
 * they would mail every one of them as soon as Herald starts, beside what is measured.
 */
export async function dropQueuedSubscriberEmails(context: ServiceContext): Promise<void> {
  await context.db.execute(sql`delete from pgboss.job where name in ('notification-fan-out', 'customer-email') and state = 'created'`);
}

/** The addresses addConfirmedSubscribers gives: reader1@bench.test, reader2@bench.test, … */
export const benchSubscriberAddress = /^reader\d+@bench\.test$/;

/** `count` confirmed subscribers to every component (reader1@bench.test, …), in one statement. */
export async function addConfirmedSubscribers(context: ServiceContext, count: number): Promise<void> {
  await context.db.execute(sql`
    insert into subscriber (id, email, state, source, created_at, confirmed_at, updated_at)
    select 'bench' || n, 'reader' || n || '@bench.test', 'confirmed', 'import', now(), now(), now()
    from generate_series(1, ${count}) as n`);
}

/** A management API key (`herald_<id>.<secret>`) with `role`. */
export async function createBenchApiKey(context: ServiceContext, role: 'viewer' | 'responder' | 'admin'): Promise<string> {
  return unwrap(await createApiKey(context, benchActor, { name: `bench ${role}`, role })).token;
}

/** An owner (owner@bench.test) and a session of theirs: the value of the `herald_session` cookie. */
export async function createOwnerSession(context: ServiceContext, handle: DatabaseHandle): Promise<string> {
  const owner = unwrap(
    await createUserWithPassword(context, benchActor, {
      email: 'owner@bench.test',
      name: 'Owner',
      role: 'owner',
      password: 'bench-password-1',
    }),
  );
  return (await createSession(handle.db, owner.id, new Date())).token;
}

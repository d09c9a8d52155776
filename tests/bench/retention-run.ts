/**
 * What the daily retention job leaves (issue 14): in-process on in-memory PGlite, a week of the
 * rows that used to pile up (sign-in and subscription rate-limit windows, sessions, pending
 * sign-ins, set-password links, subscriptions nobody confirmed, intake log entries), beside rows
 * still in force; then one retention run eight days on. Prints the rows and bytes per table
 * before and after.
 *
 *   npm run bench:retention
 *   ROWS=1000 npx tsx tests/bench/retention-run.ts
 */
import { sql } from 'drizzle-orm';
import { intakeEvent, passwordToken, pendingSignIn, rateLimit, session, subscriber, user } from '../../src/lib/server/db/schema';
import { openPglite } from '../../src/lib/server/db/client';
import { newId } from '../../src/lib/server/ids';
import { defaultQueueSettings, startJobQueue } from '../../src/lib/server/jobs/queue';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { runRetention } from '../../src/lib/server/services/retention/retention';
import { measureTables } from './support/table-sizes';

const ROWS = Number(process.env.ROWS ?? 10_000);
const DAY = 24 * 60 * 60 * 1000;
const start = new Date('2026-06-01T00:00:00.000Z');
let now = start;

const handle = openPglite();
await handle.migrate();
const jobs = await startJobQueue(handle, defaultQueueSettings, { maintenance: false });
const context: ServiceContext = { db: handle.db, clock: { now: () => new Date(now) }, queue: jobs.queue };
const hash = new Uint8Array(32);
/** `count` rows made by `row(index)`, inserted in batches. */
async function fill<T>(count: number, row: (index: number) => T, insert: (rows: T[]) => Promise<unknown>): Promise<void> {
  for (let first = 0; first < count; first += 1000)
    await insert(Array.from({ length: Math.min(1000, count - first) }, (_, i) => row(first + i)));
}

try {
  const userId = newId();
  await handle.db.insert(user).values({ id: userId, email: 'ops@bench.test', name: 'Ops', role: 'owner', createdAt: start });
  // A week: strangers' sign-in and subscription attempts, sessions, half-finished sign-ins and reset links, unconfirmed subscriptions, alerts.
  const during = (index: number) => new Date(start.getTime() + (index % 7) * DAY);
  await fill(
    ROWS,
    (i) => ({ key: `login:client:198.51.${i >> 8}.${i & 255}`, count: 3, resetAt: new Date(during(i).getTime() + 15 * 60_000) }),
    (rows) => handle.db.insert(rateLimit).values(rows),
  );
  await fill(
    ROWS,
    (i) => ({ key: `subscribe:email:reader${i}@bench.test`, count: 1, resetAt: new Date(during(i).getTime() + 60 * 60_000) }),
    (rows) => handle.db.insert(rateLimit).values(rows),
  );
  await fill(
    ROWS / 10,
    (i) => ({ id: newId(), userId, secretHash: hash, createdAt: during(i), lastActiveAt: during(i), verifiedAt: during(i) }),
    (rows) => handle.db.insert(session).values(rows),
  );
  await fill(
    ROWS / 10,
    (i) => ({
      id: newId(),
      userId,
      secretHash: hash,
      next: '/admin',
      createdAt: during(i),
      expiresAt: new Date(during(i).getTime() + 10 * 60_000),
    }),
    (rows) => handle.db.insert(pendingSignIn).values(rows),
  );
  await fill(
    ROWS / 10,
    (i) => ({
      id: newId(),
      userId,
      purpose: 'reset' as const,
      secretHash: hash,
      createdAt: during(i),
      expiresAt: new Date(during(i).getTime() + 60 * 60_000),
    }),
    (rows) => handle.db.insert(passwordToken).values(rows),
  );
  await fill(
    ROWS,
    (i) => ({
      id: newId(),
      email: `pending${i}@bench.test`,
      state: 'pending' as const,
      source: 'web' as const,
      createdAt: start,
      updatedAt: start,
    }),
    (rows) => handle.db.insert(subscriber).values(rows),
  );
  await fill(
    ROWS,
    (i) => ({
      id: newId(),
      email: `reader${i}@bench.test`,
      state: 'confirmed' as const,
      source: 'web' as const,
      createdAt: start,
      confirmedAt: start,
      updatedAt: start,
    }),
    (rows) => handle.db.insert(subscriber).values(rows),
  );
  await fill(
    ROWS,
    () => ({ receivedAt: new Date(start.getTime() - 100 * DAY), source: 'alertmanager', outcome: 'ignored', detail: 'Nothing to do.' }),
    (rows) => handle.db.insert(intakeEvent).values(rows),
  );
  await fill(
    ROWS / 10,
    () => ({ receivedAt: start, source: 'alertmanager', outcome: 'ignored', detail: 'Nothing to do.' }),
    (rows) => handle.db.insert(intakeEvent).values(rows),
  );

  const before = await measureTables(handle);
  now = new Date(start.getTime() + 8 * DAY);
  const started = performance.now();
  const removed = await runRetention(context);
  const ms = Math.round(performance.now() - started);
  await handle.db.execute(sql`vacuum`);
  const after = await measureTables(handle);

  console.log(`One retention run 8 days after a week of ${ROWS} of each (PGlite), ${ms} ms; removed:`, removed);
  console.log(
    `${'table'.padEnd(34)} ${'rows before'.padStart(12)} ${'rows after'.padStart(11)} ${'bytes before'.padStart(13)} ${'bytes after'.padStart(12)}`,
  );
  for (const [name, figures] of after.tables) {
    const earlier = before.tables.get(name) ?? { rows: 0, bytes: 0 };
    if (earlier.rows === 0 && figures.rows === 0) continue;
    console.log(
      `${name.padEnd(34)} ${String(earlier.rows).padStart(12)} ${String(figures.rows).padStart(11)} ${String(earlier.bytes).padStart(13)} ${String(figures.bytes).padStart(12)}`,
    );
  }
} finally {
  await jobs.stop();
  await handle.close();
}

/**
 * The public read cache across processes: a write announces itself with NOTIFY, and every
 * process listening on the channel forgets its copy. Here the listener and the writer share one
 * database (PGlite, or a PostgreSQL server with TEST_DATABASE_URL), as two Herald processes would.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcePublicChange, cachedPublicRead, invalidatePublicReads, PUBLIC_CHANGES_CHANNEL } from '../../src/lib/server/public-cache';
import { useTestContext } from '../support/test-database';
import { waitUntil } from '../support/wait';

const { handle } = useTestContext();
let unlisten: () => Promise<void>;
let notified = 0;

beforeAll(async () => {
  unlisten = await handle.listen(PUBLIC_CHANGES_CHANNEL, () => {
    notified += 1;
    invalidatePublicReads();
  });
});

afterAll(async () => {
  await (unlisten as typeof unlisten | undefined)?.();
});

describe('a public change announced on the database', () => {
  it('clears this process at once and reaches every listener, which then loads afresh', async () => {
    invalidatePublicReads();
    let loads = 0;
    const read = () => cachedPublicRead('snapshot', async () => ++loads);
    expect(await read()).toBe(1);
    expect(await read()).toBe(1);

    // This process's write: forgotten at once, and announced.
    const before = notified;
    await announcePublicChange(handle.db);
    expect(await read()).toBe(2);
    await waitUntil('the notification to arrive', () => notified > before);

    // Another process's write reaches this one only through the notification.
    const current = await read();
    expect(await read()).toBe(current);
    await handle.db.execute(sql`select pg_notify(${PUBLIC_CHANGES_CHANNEL}, '')`);
    await waitUntil("the other process's notification to arrive", () => notified > before + 1);
    expect(await read()).toBe(current + 1);
  });
});

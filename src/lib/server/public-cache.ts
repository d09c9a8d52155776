import { sql } from 'drizzle-orm';
import type { Database } from './db';

/**
 * A few seconds of memory for what every visitor of the public pages reads alike (the public
 * snapshot, the status API bodies), so that an outage's crowd costs one load per key every
 * PUBLIC_CACHE_MS rather than one per request.
 *
 * A write (any form post or API call, a maintenance moving) clears this process's copy at once,
 * so staff see their change on the next load, and NOTIFYs PUBLIC_CHANGES_CHANNEL, on which
 * every Herald process listens (runtime.ts) and clears its own; PUBLIC_CACHE_MS bounds what a
 * lost notification could leave. Only the HTTP layer reads through it: services and tests
 * always load.
 */
export const PUBLIC_CACHE_MS = 2_000;
export const PUBLIC_CHANGES_CHANNEL = 'herald_public_changes';

interface Entry {
  storedAt: number;
  value: Promise<unknown>;
}

interface PublicReads {
  entries: Map<string, Entry>;
  /** Counts the changes seen; the edge (lib/server/edge) compares it with what it rendered under. */
  generation: number;
}

// On `globalThis`: the start script and the built site are two module graphs in one process, and
// a change either sees (a form post in the site, a NOTIFY in the runtime) must reach both.
const readsKey = Symbol.for('herald.public-reads');
const reads: PublicReads = ((globalThis as typeof globalThis & { [readsKey]?: PublicReads })[readsKey] ??= {
  entries: new Map(),
  generation: 0,
});
const entries = reads.entries;

/** Forgets everything (this process only). */
export function invalidatePublicReads(): void {
  reads.generation += 1;
  entries.clear();
}

/** How many public changes this process has seen: a new number means public answers are out of date. */
export function publicGeneration(): number {
  return reads.generation;
}

/** After a write: forgets here at once, and tells every Herald process on the database to. */
export async function announcePublicChange(db: Database): Promise<void> {
  invalidatePublicReads();
  await db.execute(sql`select pg_notify(${PUBLIC_CHANGES_CHANNEL}, '')`);
}

/**
 * The value under `key` if loaded less than PUBLIC_CACHE_MS ago, else a new load (shared by the
 * requests that arrive while it runs). A load that a write overtook is used once but not kept.
 */
export function cachedPublicRead<T>(key: string, load: () => Promise<T>, now: number = Date.now()): Promise<T> {
  const entry = entries.get(key);
  if (entry && now - entry.storedAt < PUBLIC_CACHE_MS) return entry.value as Promise<T>;
  const startedIn = reads.generation;
  const value = load();
  entries.set(key, { storedAt: now, value });
  value.then(
    () => {
      if (reads.generation !== startedIn && entries.get(key)?.value === value) entries.delete(key);
    },
    () => {
      // A failed load is never served again.
      if (entries.get(key)?.value === value) entries.delete(key);
    },
  );
  return value;
}

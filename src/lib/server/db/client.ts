import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { lockDataDir } from '../data-dir-lock';
import * as schema from './schema';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Raw SQL access in the shape pg-boss expects (its `db` option). */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface DatabaseHandle {
  db: Database;
  /** For the job queue: runs pg-boss's SQL on this database, outside any transaction. */
  executor: SqlExecutor;
  /** Applies pending migrations under an advisory lock, so instances starting together are safe. */
  migrate(): Promise<void>;
  /** Calls `onNotify` for every NOTIFY on `channel` (from any process); resolves to the unlisten. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const migrationsFolder = path.resolve(process.cwd(), 'drizzle');
/** An arbitrary constant naming Herald's migration lock among PostgreSQL advisory locks. */
const MIGRATION_LOCK_KEY = 7_414_255_001;

/**
 * The embedded database: in memory, or in `dataDir`, which this process then holds alone
 * (data-dir-lock.ts) until `close()`; `shownAs` is DATA_DIR as the person gave it, for the refusal.
 */
export function openPglite(dataDir?: string, shownAs?: string): DatabaseHandle {
  const lock = dataDir ? lockDataDir(dataDir, shownAs) : undefined;
  const client = dataDir ? new PGlite(path.join(dataDir, 'pglite')) : new PGlite();
  const db = drizzlePglite({ client, schema, casing: 'snake_case' });
  return {
    db,
    executor: {
      async executeSql(text, values) {
        // PGlite's `query` takes one statement; pg-boss's schema scripts (sent without values) hold many.
        if (values && values.length > 0) return { rows: (await client.query<Record<string, unknown>>(text, values)).rows };
        try {
          const results = await client.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        } catch (error) {
          // A script with its own BEGIN that failed midway would leave PGlite's only session aborted.
          await client.exec('rollback').catch(() => {});
          throw error;
        }
      },
    },
    async migrate() {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        await migratePglite(db, { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    },
    async listen(channel, onNotify) {
      const unlisten = await client.listen(channel, () => onNotify());
      return () => unlisten();
    },
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

function asJsonIfPlainObject(value: unknown): unknown {
  const plain =
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value);
  return plain ? JSON.stringify(value) : value;
}

/** Connections a process's PostgreSQL pool may open (the metrics report it). */
export const POSTGRES_POOL_SIZE = 10;

export function openPostgres(url: string, options: { max?: number } = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.max ?? POSTGRES_POOL_SIZE,
    onnotice: () => {},
    // While the server is away a query fails within seconds instead of waiting out postgres.js's
    // default backoff (up to 20 s between tries) and connect timeout (30 s): the public edge then
    // serves what it kept, and picks up within a second of the server's return.
    connect_timeout: 5,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzlePostgres({ client, schema, casing: 'snake_case' });
  return {
    db,
    executor: {
      async executeSql(text, values) {
        // pg-boss is written for node-postgres, which sends a plain object as JSON (updateQueue's options).
        if (values && values.length > 0) return { rows: await client.unsafe(text, values.map(asJsonIfPlainObject) as never[]) };
        // pg-boss's scripts (sent without values) may hold their own BEGIN … COMMIT, which
        // postgres.js refuses on a pooled connection (UNSAFE_TRANSACTION): run them on a reserved one.
        const connection = await client.reserve();
        try {
          return { rows: await connection.unsafe(text) };
        } catch (error) {
          // A failed script leaves its transaction open; end it before the connection goes back.
          await connection.unsafe('rollback').catch(() => {});
          throw error;
        } finally {
          connection.release();
        }
      },
    },
    async migrate() {
      const connection = await client.reserve();
      try {
        await connection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        try {
          // The lock is held by the reserved connection; the migrator runs on the pool.
          await migratePostgres(db, { migrationsFolder });
        } finally {
          await connection`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
        }
      } finally {
        connection.release();
      }
    },
    async listen(channel, onNotify) {
      // postgres.js keeps a connection of its own for LISTEN and re-listens after a reconnect.
      const request = await client.listen(channel, () => onNotify());
      return () => request.unlisten();
    },
    close: () => client.end({ timeout: 5 }),
  };
}

const processHandleKey = Symbol.for('herald.database');
type GlobalWithDatabase = typeof globalThis & { [processHandleKey]?: Promise<DatabaseHandle> };

/**
 * The process's one database handle, migrated before first use. It lives on `globalThis`
 * because the start script and the built Astro server are separate module graphs in one
 * process, and PGlite allows a single open handle per data directory.
 */
export function processDatabase(settings: {
  databaseUrl: string | undefined;
  dataDir: string;
  dataDirAsGiven?: string;
}): Promise<DatabaseHandle> {
  const store = globalThis as GlobalWithDatabase;
  const existing = store[processHandleKey];
  if (existing) return existing;
  const opening = (async () => {
    const handle = settings.databaseUrl ? openPostgres(settings.databaseUrl) : openPglite(settings.dataDir, settings.dataDirAsGiven);
    try {
      await handle.migrate();
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    return handle;
  })();
  store[processHandleKey] = opening;
  // A database that could not be reached is tried again on the next call, with a new connection.
  opening.catch(() => {
    if (store[processHandleKey] === opening) store[processHandleKey] = undefined;
  });
  return opening;
}

/** Closes the process's database handle if one was opened. */
export async function closeProcessDatabase(): Promise<void> {
  const store = globalThis as GlobalWithDatabase;
  const pending = store[processHandleKey];
  store[processHandleKey] = undefined;
  if (pending) await (await pending).close();
}

/** `db.execute` answers with an array (postgres.js) or `{ rows }` (PGlite). */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return (result as { rows?: Record<string, unknown>[] }).rows ?? [];
}

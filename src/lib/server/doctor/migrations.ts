import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client';
import type { DoctorCheck } from './check';
import type { DoctorDatabase } from './database';

interface JournalEntry {
  when: number;
  tag: string;
}

/** The migrations this version of Herald ships, oldest first (drizzle/meta/_journal.json). */
function shippedMigrations(): JournalEntry[] {
  const journal = JSON.parse(fs.readFileSync(path.resolve(process.cwd(), 'drizzle/meta/_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

/** The `created_at` of each applied migration (drizzle's record: the journal's `when`); none for a new database. */
async function appliedMigrations(database: Extract<DoctorDatabase, { kind: 'open' }>): Promise<number[]> {
  const [table] = rowsOf(await database.handle.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as name`));
  if (!table?.name) return [];
  const rows = rowsOf(await database.handle.db.execute(sql`select created_at::text as created_at from drizzle.__drizzle_migrations`));
  return rows.map((row) => Number(row.created_at));
}

/**
 * Applied against shipped, by drizzle's rule (a migration is applied when its time is at most
 * the newest applied one): pending ones warn (the next start applies them, under the advisory
 * lock); applied ones this version does not know mean a newer Herald ran here, and fail.
 */
export async function checkMigrations(database: DoctorDatabase): Promise<DoctorCheck> {
  const shipped = shippedMigrations();
  const latest = shipped.at(-1);
  const total = String(shipped.length);
  if (database.kind === 'held')
    return { name: 'migrations', status: 'ok', line: `applied by the running Herald (pid ${String(database.pid)}) when it started` };
  if (database.kind === 'missing')
    return { name: 'migrations', status: 'warn', line: `not checked (${database.why}): the first start applies all ${total}` };
  const applied = await appliedMigrations(database);
  const newestApplied = Math.max(0, ...applied);
  const newer = applied.filter((when) => when > (latest?.when ?? 0));
  if (newer.length > 0) {
    return {
      name: 'migrations',
      status: 'fail',
      line: `the database has ${String(newer.length)} migration(s) newer than this version of Herald knows`,
      fix: 'run the newer version that migrated it, or restore the backup taken before the upgrade into an empty database',
    };
  }
  const pending = shipped.filter((entry) => entry.when > newestApplied);
  if (pending.length > 0) {
    return {
      name: 'migrations',
      status: 'warn',
      line: `${String(pending.length)} of ${total} pending (up to ${pending.at(-1)?.tag ?? ''})`,
      fix: 'start Herald: it applies them under an advisory lock, so instances starting together are safe',
    };
  }
  return { name: 'migrations', status: 'ok', line: `all ${total} applied (latest ${latest?.tag ?? 'none'})` };
}

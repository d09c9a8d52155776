/**
 * Verifying a backup the only way that proves it: restoring it into a scratch in-memory
 * database, then counting the rows each table holds against the header.
 */
import { sql } from 'drizzle-orm';
import { openPglite, rowsOf } from '../../db/client';
import type { Database } from '../../db';
import { backupRowFilter, backupTables } from './backup-catalog';
import { restoreBackup } from './restore-backup';

/** Row counts per table as the database holds them (pg-boss's waiting jobs only, as a backup takes them). */
async function countRows(db: Database, names: string[]): Promise<Record<string, number>> {
  const byName = new Map((await backupTables(db)).map((table) => [table.name, table]));
  const counts: Record<string, number> = {};
  for (const name of names) {
    const table = byName.get(name);
    if (!table) continue;
    const [counted] = rowsOf(await db.execute(sql.raw(`select count(*)::int as count from ${table.qualified} ${backupRowFilter(table)}`)));
    counts[name] = Number(counted?.count ?? 0);
  }
  return counts;
}

/**
 * Proves a backup restores: loads it into a scratch in-memory database and compares the rows
 * each table then holds with the header's counts.
 */
export async function verifyBackup(file: string): Promise<{ ok: true; tables: Record<string, number> } | { ok: false; message: string }> {
  const scratch = openPglite();
  try {
    // Counted at the backup's own schema: a later migration may add rows of its own.
    const restored = await restoreBackup(scratch, file, { bringForward: false });
    if (!restored.ok) return { ok: false, message: restored.failure.message };
    const expected = restored.value.tables;
    const found = await countRows(scratch.db, Object.keys(expected));
    const wrong = Object.keys(expected).find((name) => found[name] !== expected[name]);
    if (wrong)
      return {
        ok: false,
        message: `Restored, table ${wrong} holds ${String(found[wrong] ?? 0)} rows where the backup's header says ${String(expected[wrong])}.`,
      };
    return { ok: true, tables: found };
  } finally {
    await scratch.close();
  }
}

import { sql } from 'drizzle-orm';
import type { Config } from '../config';
import { rowsOf } from '../db/client';
import { backupHealth } from '../services/backup/backup-history';
import type { DoctorCheck } from './check';
import type { DoctorDatabase } from './database';

/** The last verified backup, recent enough for the schedule (services/backup/backup-history.ts). */
export async function checkBackup(database: DoctorDatabase, settings: Pick<Config, 'backup'>): Promise<DoctorCheck> {
  if (database.kind === 'held')
    return {
      name: 'backup',
      status: 'warn',
      line: 'not checked: the running Herald holds the embedded database',
      fix: 'see /admin/settings/backups, or stop the server and run doctor again',
    };
  if (database.kind === 'missing') return { name: 'backup', status: 'warn', line: `not checked (${database.why})` };
  const [table] = rowsOf(await database.handle.db.execute(sql`select to_regclass('backup_run')::text as name`));
  if (!table?.name)
    return { name: 'backup', status: 'warn', line: 'not checked: the database is not migrated yet', fix: 'start Herald once' };
  const health = await backupHealth(database.handle.db, settings);
  return { name: 'backup', status: health.ok ? 'ok' : 'warn', line: health.line };
}

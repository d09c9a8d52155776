import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';

/** What started a backup run: pg-boss's schedule, or an owner's "Back up now". */
export const backupTriggers = ['schedule', 'manual'] as const;
/** A run ends verified (written, restored into a scratch database, row counts equal) or failed. */
export const backupOutcomes = ['verified', 'failed'] as const;

/** One run of the scheduled backup (services/backup/scheduled-backup.ts) and how it ended. */
export const backupRun = pgTable(
  'backup_run',
  {
    id: text().primaryKey(),
    trigger: text({ enum: backupTriggers }).notNull(),
    /** Who asked for a manual run ("system" for the schedule). */
    requestedBy: text().notNull(),
    startedAt: timestamptz().notNull(),
    finishedAt: timestamptz().notNull(),
    outcome: text({ enum: backupOutcomes }).notNull(),
    /** The file's name in the backup folder; null when no file was written. */
    fileName: text(),
    schemaVersion: integer(),
    rows: integer(),
    bytes: bigint({ mode: 'number' }),
    /** Rows per table, as the verification counted them. */
    tables: jsonb().$type<Record<string, number>>(),
    /** Why a failed run failed, as shown to the owner. */
    error: text(),
  },
  (table) => [index('backup_run_started_at_idx').on(table.startedAt)],
);
export type BackupRunRow = typeof backupRun.$inferSelect;

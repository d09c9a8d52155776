import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { backupFileName } from '../../../domain/backup-files';
import type { Config } from '../../config';
import { backupRun, type BackupRunRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import { systemActor, type Actor, type ServiceContext } from '../kernel/context';
import { insertOne } from '../kernel/rows';
import { verifyBackup } from './verify-backup';
import { writeBackupFile, type BackupSummary } from './write-backup';

/**
 * The scheduled backup: writes `herald-<UTC time>.herald.gz` into the backup folder, restores it
 * into a scratch database to check its row counts, records the run, and keeps the newest
 * BACKUP_KEEP verified files. A failed run deletes only the file it could not verify, so the
 * older good backups stay; the owners are emailed about it (the `backup-failure` job).
 */

type BackupSettings = Pick<Config, 'backup'>;

/** What the run did, for the log and the tests. */
export interface BackupRunOutcome {
  run: BackupRunRow;
  /** Files of older verified runs deleted because more than BACKUP_KEEP were kept. */
  pruned: string[];
}

class BackupRunError extends Error {}

/** Writes the file and verifies it; throws a BackupRunError with the owner's explanation when either fails. */
async function writeVerifiedBackup(
  context: ServiceContext,
  file: string,
): Promise<{ summary: BackupSummary; tables: Record<string, number> }> {
  let summary: BackupSummary;
  try {
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    summary = await writeBackupFile(context.db, file);
  } catch (error) {
    throw new BackupRunError(`the backup could not be written to ${file}: ${messageOf(error)}`);
  }
  const verification = await verifyBackup(file).catch((error: unknown) => ({ ok: false as const, message: messageOf(error) }));
  if (!verification.ok) {
    // A file that does not restore is no backup: it must never count as one of the kept.
    await fs.promises.rm(file, { force: true });
    throw new BackupRunError(`the backup was written but did not verify, so it was deleted: ${verification.message}`);
  }
  return { summary, tables: verification.tables };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One backup run: write, verify, record (with its audit row and, on failure, the owners' email), then prune. */
export async function runScheduledBackup(
  context: ServiceContext,
  settings: BackupSettings,
  options: { trigger: BackupRunRow['trigger']; requestedBy?: Actor },
): Promise<BackupRunOutcome> {
  const startedAt = context.clock.now();
  const fileName = backupFileName(startedAt);
  const actor = options.requestedBy ?? systemActor;
  let result: Awaited<ReturnType<typeof writeVerifiedBackup>> | { error: string };
  try {
    result = await writeVerifiedBackup(context, path.join(settings.backup.dir, fileName));
  } catch (error) {
    if (!(error instanceof BackupRunError)) throw error;
    result = { error: error.message };
  }
  const finishedAt = context.clock.now();
  const run = await context.db.transaction(async (tx) => {
    const values =
      'error' in result
        ? { outcome: 'failed' as const, fileName: null, error: result.error }
        : {
            outcome: 'verified' as const,
            fileName,
            schemaVersion: result.summary.schemaVersion,
            rows: result.summary.rows,
            bytes: result.summary.bytes,
            tables: result.tables,
          };
    const row = await insertOne(tx, backupRun, {
      id: newId(),
      trigger: options.trigger,
      requestedBy: actor.label,
      startedAt,
      finishedAt,
      ...values,
    });
    await recordAudit(tx, actor, finishedAt, { action: `backup.${row.outcome}`, entityType: 'backup_run', entityId: row.id, after: row });
    if (row.outcome === 'failed') await context.queue.send(tx, 'backup-failure', { runId: row.id, backupDir: settings.backup.dir });
    return row;
  });
  const pruned = run.outcome === 'verified' ? await pruneBackups(context, settings) : [];
  return { run, pruned };
}

/**
 * Deletes the files of verified runs past the newest BACKUP_KEEP. Only files Herald recorded as
 * verified are counted or deleted: anything else in the folder is left alone.
 */
async function pruneBackups(context: ServiceContext, settings: BackupSettings): Promise<string[]> {
  const runs = await context.db
    .select({ fileName: backupRun.fileName })
    .from(backupRun)
    .where(and(eq(backupRun.outcome, 'verified'), isNotNull(backupRun.fileName)))
    .orderBy(desc(backupRun.startedAt));
  const present: string[] = [];
  for (const { fileName } of runs) {
    if (fileName && fs.existsSync(path.join(settings.backup.dir, fileName))) present.push(fileName);
  }
  const surplus = present.slice(settings.backup.keep);
  for (const fileName of surplus) await fs.promises.rm(path.join(settings.backup.dir, fileName), { force: true });
  return surplus;
}

/** "Back up now": queues a run of the backup job for the owner who asked, audited. */
export async function requestBackupNow(context: ServiceContext, actor: Actor): Promise<void> {
  await context.db.transaction(async (tx) => {
    await recordAudit(tx, actor, context.clock.now(), { action: 'backup.request', entityType: 'backup_run', entityId: null });
    await context.queue.send(tx, 'backup', { requestedBy: { userId: actor.userId, label: actor.label } });
  });
}

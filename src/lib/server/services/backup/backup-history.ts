import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { desc, eq } from 'drizzle-orm';
import { backupFileName, formatByteSize, isBackupFileName } from '../../../domain/backup-files';
import { formatUtc } from '../../../domain/time-format';
import type { Config } from '../../config';
import type { Database } from '../../db';
import { backupRun, type BackupRunRow } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { backupOverdueAfterMs, nextScheduledBackup } from './backup-schedule';
import { writeBackup } from './write-backup';

/** The runs of the scheduled backup as recorded, and what the backup folder holds. */

type BackupSettings = Pick<Config, 'backup'>;

/** A backup file in the folder, with the run that wrote and verified it (null for a file Herald did not record). */
interface KeptBackup {
  fileName: string;
  bytes: number;
  run: BackupRunRow | null;
}

export interface BackupOverview {
  dir: string;
  keep: number;
  schedule: string;
  nextRunAt: Date;
  lastRun: BackupRunRow | null;
  lastVerified: BackupRunRow | null;
  kept: KeptBackup[];
}

/** The newest run, verified or not. */
async function lastBackupRun(db: Database): Promise<BackupRunRow | null> {
  const [row] = await db.select().from(backupRun).orderBy(desc(backupRun.startedAt)).limit(1);
  return row ?? null;
}

/** The newest verified run. */
export async function lastVerifiedBackup(db: Database): Promise<BackupRunRow | null> {
  const [row] = await db.select().from(backupRun).where(eq(backupRun.outcome, 'verified')).orderBy(desc(backupRun.startedAt)).limit(1);
  return row ?? null;
}

/** The backup files in `dir` (only names of the backup pattern, regular files), newest first. */
async function backupFilesIn(dir: string): Promise<{ fileName: string; bytes: number }[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return [];
  }
  const files = [];
  for (const fileName of names.filter(isBackupFileName)) {
    const stat = await fs.promises.lstat(path.join(dir, fileName)).catch(() => null);
    if (stat?.isFile()) files.push({ fileName, bytes: stat.size });
  }
  // The names hold the UTC time, so their order is the order they were made in.
  return files.sort((a, b) => b.fileName.localeCompare(a.fileName));
}

/** What the admin page shows: the folder, the schedule, the last runs and the files kept. */
export async function getBackupOverview(context: ServiceContext, settings: BackupSettings): Promise<BackupOverview> {
  const [lastRun, lastVerified, files, runs] = await Promise.all([
    lastBackupRun(context.db),
    lastVerifiedBackup(context.db),
    backupFilesIn(settings.backup.dir),
    context.db.select().from(backupRun).where(eq(backupRun.outcome, 'verified')),
  ]);
  const runOf = new Map(runs.map((run) => [run.fileName, run]));
  return {
    dir: settings.backup.dir,
    keep: settings.backup.keep,
    schedule: settings.backup.schedule,
    nextRunAt: nextScheduledBackup(settings.backup.schedule, context.clock.now()),
    lastRun,
    lastVerified,
    kept: files.map((file) => ({ ...file, run: runOf.get(file.fileName) ?? null })),
  };
}

/** A backup as the download answers it: its name and the bytes as a web stream. */
export interface BackupDownload {
  fileName: string;
  body: ReadableStream<Uint8Array>;
}

async function auditDownload(context: ServiceContext, actor: Actor, fileName: string, fresh: boolean): Promise<void> {
  await context.db.transaction(async (tx) => {
    await recordAudit(tx, actor, context.clock.now(), {
      action: 'backup.download',
      entityType: 'backup_run',
      entityId: null,
      after: { fileName, fresh },
    });
  });
}

/**
 * A kept backup to download, audited: null unless `fileName` has the backup pattern and is a
 * regular file in the folder (no other name, folder or link is ever opened).
 */
export async function downloadKeptBackup(
  context: ServiceContext,
  settings: BackupSettings,
  actor: Actor,
  fileName: string,
): Promise<BackupDownload | null> {
  if (!isBackupFileName(fileName)) return null;
  const file = path.join(settings.backup.dir, fileName);
  const stat = await fs.promises.lstat(file).catch(() => null);
  if (!stat?.isFile()) return null;
  await auditDownload(context, actor, fileName, false);
  return { fileName, body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array> };
}

/** A backup made now and streamed as it is written (nothing kept on disk), audited. */
export async function downloadFreshBackup(context: ServiceContext, actor: Actor): Promise<BackupDownload> {
  const fileName = backupFileName(context.clock.now());
  await auditDownload(context, actor, fileName, true);
  const output = new PassThrough();
  // A failure part way breaks the download off, so the browser never keeps a half file as whole.
  writeBackup(context.db, output).catch((error: unknown) => {
    output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return { fileName, body: Readable.toWeb(output) as ReadableStream<Uint8Array> };
}

/** One line about a verified run: its time, rows and size. */
export function describeVerifiedRun(run: BackupRunRow): string {
  return `${formatUtc(run.startedAt)}, ${String(run.rows ?? 0)} rows, ${formatByteSize(run.bytes ?? 0)}`;
}

/**
 * For `herald doctor`: whether a verified backup is recent enough for the schedule (26 hours on
 * the daily default), as one line that says what to do when it is not.
 */
export async function backupHealth(db: Database, settings: BackupSettings, now: Date = new Date()): Promise<{ ok: boolean; line: string }> {
  const [verified, last] = await Promise.all([lastVerifiedBackup(db), lastBackupRun(db)]);
  const limitMs = backupOverdueAfterMs(settings.backup.schedule, now);
  const fix =
    last?.outcome === 'failed'
      ? `the last run failed (${last.error ?? 'no reason recorded'}); fix that, then use "Back up now" on /admin/settings/backups`
      : `check that the worker runs and that ${settings.backup.dir} is writable, then use "Back up now" on /admin/settings/backups`;
  if (!verified) return { ok: false, line: `no verified backup yet: ${fix}` };
  const ageMs = now.getTime() - verified.startedAt.getTime();
  const hours = Math.floor(ageMs / 3_600_000);
  if (ageMs > limitMs) {
    return { ok: false, line: `no verified backup in the last ${String(Math.round(limitMs / 3_600_000))} h: ${fix}` };
  }
  return { ok: true, line: `last verified backup ${String(hours)} h ago (${describeVerifiedRun(verified)}, ${verified.fileName ?? ''})` };
}

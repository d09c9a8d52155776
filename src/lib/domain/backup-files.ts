/**
 * The names of the scheduled backups: `herald-<UTC time>.herald.gz`, such as
 * `herald-20260301T031700Z.herald.gz`. Only a name of this shape is ever read, listed, pruned or
 * downloaded from the backup folder, so no path can be smuggled in through it.
 */
const BACKUP_FILE_NAME = /^herald-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.herald\.gz$/;

/** The file name of a backup started at `at` (to the second, UTC). */
export function backupFileName(at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `herald-${stamp}.herald.gz`;
}

/** Whether `name` is a backup's file name (no folder, no other shape). */
export function isBackupFileName(name: string): boolean {
  return BACKUP_FILE_NAME.test(name);
}

/** A file's size for people: bytes, KB, MB or GB (powers of 1024, one decimal past KB). */
export function formatByteSize(bytes: number): string {
  if (bytes < 1024) return `${String(bytes)} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit] ?? 'TB'}`;
}

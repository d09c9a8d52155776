import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupFileName, formatByteSize, isBackupFileName } from '../../src/lib/domain/backup-files';
import { parseConfig } from '../../src/lib/server/config';
import { backupOverdueAfterMs } from '../../src/lib/server/services/backup/backup-schedule';

describe('the backup settings', () => {
  it('default to DATA_DIR/backups, seven kept, daily at 03:17 UTC', () => {
    expect(parseConfig({ DATA_DIR: '/srv/herald' }).backup).toEqual({ dir: '/srv/herald/backups', keep: 7, schedule: '17 3 * * *' });
  });

  it('take BACKUP_DIR (resolved), BACKUP_KEEP and BACKUP_SCHEDULE', () => {
    const backup = parseConfig({ BACKUP_DIR: 'offsite', BACKUP_KEEP: '30', BACKUP_SCHEDULE: '0 */6 * * *' }).backup;
    expect(backup).toEqual({ dir: path.resolve('offsite'), keep: 30, schedule: '0 */6 * * *' });
  });

  it.each([
    [{ BACKUP_KEEP: '0' }, 'Invalid environment variable BACKUP_KEEP: must be a whole number from 1 to 365'],
    [{ BACKUP_KEEP: 'many' }, 'Invalid environment variable BACKUP_KEEP: must be a whole number from 1 to 365'],
    [{ BACKUP_SCHEDULE: 'daily' }, 'Invalid environment variable BACKUP_SCHEDULE: must be a cron expression of five fields in UTC'],
    [{ BACKUP_SCHEDULE: '61 3 * * *' }, 'Invalid environment variable BACKUP_SCHEDULE: must be a cron expression of five fields in UTC'],
  ])('refuse %o with one line naming the variable', (environment, line) => {
    expect(() => parseConfig(environment)).toThrow(line);
  });

  it('call a backup overdue after the schedule’s gap and two hours', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(backupOverdueAfterMs('17 3 * * *', now)).toBe(26 * 3_600_000);
    expect(backupOverdueAfterMs('0 */6 * * *', now)).toBe(8 * 3_600_000);
  });
});

describe('backup file names', () => {
  it('hold the UTC time and nothing else passes', () => {
    expect(backupFileName(new Date('2026-03-01T03:17:05.123Z'))).toBe('herald-20260301T031705Z.herald.gz');
    expect(isBackupFileName('herald-20260301T031705Z.herald.gz')).toBe(true);
    for (const name of [
      '../herald-20260301T031705Z.herald.gz',
      'herald-20260301T031705Z.herald.gz.partial',
      'x/herald-20260301T031705Z.herald.gz',
      '',
    ]) {
      expect(isBackupFileName(name)).toBe(false);
    }
  });

  it('sizes read in bytes, KB and MB', () => {
    expect([formatByteSize(512), formatByteSize(86_220), formatByteSize(5 * 1024 * 1024)]).toEqual(['512 bytes', '84.2 KB', '5.0 MB']);
  });
});

import type { DoctorCheck } from './check';
import { checkBackup } from './backup';
import { checkConfiguration } from './configuration';
import { openDoctorDatabase } from './database';
import { checkDiskSpace } from './disk-space';
import { checkDkim } from './dkim';
import { checkMigrations } from './migrations';
import { checkPublicUrl } from './public-url';
import { checkSmtp } from './smtp';

/** A check that threw (a query on a half-migrated database, say) is a failed check with its first line, not a stack trace. */
async function guarded(name: string, run: () => Promise<DoctorCheck>): Promise<DoctorCheck> {
  try {
    return await run();
  } catch (error) {
    const [first = ''] = (error instanceof Error ? error.message : String(error)).split('\n');
    return { name, status: 'fail', line: `the check could not run: ${first}` };
  }
}

/**
 * Every check of `npm run herald -- doctor`, in order; a configuration that does not parse is
 * the only finding, since every other check reads it. Changes nothing: no migration is applied,
 * no mail is sent, DATA_DIR is not created.
 */
export async function runDoctor(environment: Record<string, string | undefined>): Promise<DoctorCheck[]> {
  const configuration = checkConfiguration(environment);
  const { settings } = configuration;
  if (!settings) return [configuration.check];
  const opened = await openDoctorDatabase(settings);
  try {
    return [
      configuration.check,
      opened.check,
      await guarded('migrations', () => checkMigrations(opened.database)),
      await guarded('smtp', () => checkSmtp(settings)),
      await guarded('dkim', () => checkDkim(settings)),
      checkPublicUrl(settings),
      await guarded('disk space', () => checkDiskSpace(settings.dataDir)),
      await guarded('backup', () => checkBackup(opened.database, settings)),
    ];
  } finally {
    if (opened.database.kind === 'open') await opened.database.handle.close();
  }
}

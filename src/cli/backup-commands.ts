/**
 * `npm run herald -- backup [--out FILE]` and `npm run herald -- restore FILE`. Both open the
 * database themselves, unmigrated for a backup (it only reads). With the embedded database
 * held by a running server, `backup` asks the server for it over its control socket, and
 * `restore` is refused. Exit codes: 0 done, 1 refused or failed, 2 bad arguments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backupFileName, formatByteSize } from '../lib/domain/backup-files';
import type { Config } from '../lib/server/config';
import { DataDirLockedError } from '../lib/server/data-dir-lock';
import { openPglite, openPostgres, type DatabaseHandle } from '../lib/server/db/client';
import { requestBackupFromServer } from '../lib/server/services/backup/control-socket';
import { restoreBackup } from '../lib/server/services/backup/restore-backup';
import { writeBackupFile, type BackupSummary } from '../lib/server/services/backup/write-backup';

const usage = {
  backup: 'Usage: npm run herald -- backup [--out FILE]',
  restore: 'Usage: npm run herald -- restore FILE   (into an empty database: DATABASE_URL, or the embedded one in DATA_DIR)',
};

/** parseArgs with its complaint as a string instead of a thrown error. */
function parsed<Result>(parse: () => Result): Result | string {
  try {
    return parse();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Where the person typed the command: npm runs scripts in the project's folder and says where it started in INIT_CWD. */
function fromHere(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function describeDatabase(settings: Config): string {
  return settings.databaseUrl ? 'the PostgreSQL database in DATABASE_URL' : `the embedded database in ${settings.dataDirAsGiven}`;
}

/** Opens the configured database; the embedded one only if it exists (a backup must not create it). */
function openDatabase(settings: Config): DatabaseHandle {
  return settings.databaseUrl ? openPostgres(settings.databaseUrl, { max: 2 }) : openPglite(settings.dataDir, settings.dataDirAsGiven);
}

async function takeBackup(settings: Config, file: string): Promise<BackupSummary | string> {
  if (!settings.databaseUrl && !fs.existsSync(path.join(settings.dataDir, 'pglite')))
    return `There is no embedded database in ${settings.dataDirAsGiven} (DATA_DIR) to back up; set DATA_DIR or DATABASE_URL.`;
  let handle: DatabaseHandle;
  try {
    handle = openDatabase(settings);
  } catch (error) {
    // The running server holds DATA_DIR: it writes the backup and this process saves it.
    if (error instanceof DataDirLockedError) return requestBackupFromServer(settings.dataDir, file);
    throw error;
  }
  try {
    return await writeBackupFile(handle.db, file);
  } finally {
    await handle.close();
  }
}

export async function backupCommand(args: string[], settings: Config): Promise<number> {
  const options = parsed(() => parseArgs({ args, options: { out: { type: 'string' } }, strict: true }));
  if (typeof options === 'string' || options.values.out === '') {
    console.error(`backup: ${typeof options === 'string' ? options : '--out needs a file name'}\n${usage.backup}`);
    return 2;
  }
  const file = fromHere(options.values.out ?? backupFileName(new Date()));
  if (!fs.existsSync(path.dirname(file))) {
    console.error(`backup: the folder ${path.dirname(file)} does not exist.`);
    return 2;
  }
  if (fs.existsSync(file)) {
    console.error(`backup: ${file} already exists; give another --out.`);
    return 2;
  }
  const summary = await takeBackup(settings, file);
  if (typeof summary === 'string') {
    console.error(summary);
    return 1;
  }
  const tables = Object.keys(summary.tables).length;
  console.log(
    `Backed up ${describeDatabase(settings)}: ${String(summary.rows)} rows in ${String(tables)} tables (schema ${String(summary.schemaVersion)}), ${formatByteSize(summary.bytes)}, to ${file}`,
  );
  return 0;
}

export async function restoreCommand(args: string[], settings: Config): Promise<number> {
  const options = parsed(() => parseArgs({ args, options: {}, allowPositionals: true, strict: true }));
  const given = typeof options === 'string' || options.positionals.length !== 1 ? undefined : options.positionals[0];
  if (given === undefined) {
    console.error(`restore: ${typeof options === 'string' ? options : 'give exactly one backup file'}\n${usage.restore}`);
    return 2;
  }
  const file = fromHere(given);
  if (!fs.existsSync(file)) {
    console.error(`restore: ${file} does not exist.`);
    return 2;
  }
  // An embedded database made only for this restore goes again if the restore fails: nothing is left changed.
  const embedded = path.join(settings.dataDir, 'pglite');
  const madeHere = !settings.databaseUrl && !fs.existsSync(embedded);
  let handle: DatabaseHandle;
  try {
    handle = openDatabase(settings);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      console.error(
        `Herald is running on ${settings.dataDirAsGiven} (pid ${String(error.pid)}): stop Herald first, then restore. Nothing was changed.`,
      );
      return 1;
    }
    throw error;
  }
  let restored = false;
  try {
    const result = await restoreBackup(handle, file);
    if (!result.ok) {
      // Every failure but a failed upgrade after loading rolls back, or comes before anything was written.
      console.error(result.failure.kind === 'upgrade_failed' ? result.failure.message : `${result.failure.message} Nothing was changed.`);
      restored = result.failure.kind === 'upgrade_failed';
      return 1;
    }
    restored = true;
    const { rows, tables, schemaVersion, createdAt } = result.value;
    console.log(
      `Restored ${String(rows)} rows in ${String(Object.keys(tables).length)} tables (schema ${String(schemaVersion)}, backed up ${createdAt.toISOString()}) into ${describeDatabase(settings)}.`,
    );
    return 0;
  } finally {
    await handle.close();
    if (madeHere && !restored) fs.rmSync(embedded, { recursive: true, force: true });
  }
}

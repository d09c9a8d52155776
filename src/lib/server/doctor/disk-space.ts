import fs from 'node:fs';
import path from 'node:path';
import { formatByteSize } from '../../domain/backup-files';
import type { DoctorCheck } from './check';

const GIB = 1024 ** 3;
/** Below either of these, DATA_DIR's disk is running out (the embedded database, kept pages, backups, the outbox). */
const MIN_FREE_BYTES = GIB;
const MIN_FREE_SHARE = 0.1;

type StatFs = (location: string) => Promise<Pick<fs.StatsFs, 'bavail' | 'blocks' | 'bsize'>>;

/** The nearest folder that exists at or above `location` (DATA_DIR may not be created yet). */
function existingFolder(location: string): string {
  let current = path.resolve(location);
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

/** Free space on the disk that holds DATA_DIR: a warning under 1 GiB or 10 %. */
export async function checkDiskSpace(dataDir: string, statfs: StatFs = (location) => fs.promises.statfs(location)): Promise<DoctorCheck> {
  const folder = existingFolder(dataDir);
  try {
    const stats = await statfs(folder);
    const free = stats.bavail * stats.bsize;
    const total = stats.blocks * stats.bsize;
    const share = total > 0 ? free / total : 0;
    const line = `${formatByteSize(free)} free of ${formatByteSize(total)} (${String(Math.round(share * 100))} %) under ${dataDir}`;
    if (free >= MIN_FREE_BYTES && share >= MIN_FREE_SHARE) return { name: 'disk space', status: 'ok', line };
    return {
      name: 'disk space',
      status: 'warn',
      line: `only ${line}`,
      fix: 'free space or grow the disk: the database, kept pages and backups live there, and a full disk stops writes',
    };
  } catch (error) {
    return {
      name: 'disk space',
      status: 'warn',
      line: `cannot read the free space under ${folder}: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'check that DATA_DIR is readable by this user',
    };
  }
}

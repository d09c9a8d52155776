import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Config } from '../config';
import { DataDirLockedError } from '../data-dir-lock';
import { openPglite, openPostgres, type DatabaseHandle } from '../db/client';
import { databaseHostOf, probePostgres } from '../startup-checks';
import type { DoctorCheck } from './check';

/** Seconds PostgreSQL gets to answer. */
const POSTGRES_TIMEOUT_SECONDS = 5;

/** The database as the doctor found it: open for the later checks, held by a running server, or not there. */
export type DoctorDatabase = { kind: 'open'; handle: DatabaseHandle } | { kind: 'held'; pid: number } | { kind: 'missing'; why: string };

/**
 * PostgreSQL answering within a few seconds; or the embedded database in DATA_DIR, which one
 * process at a time may open: held by the running server is how it should be (then only the
 * server reads it), and nothing there yet is a new install.
 */
export async function openDoctorDatabase(settings: Config): Promise<{ check: DoctorCheck; database: DoctorDatabase }> {
  if (settings.databaseUrl) {
    const host = databaseHostOf(settings.databaseUrl);
    const probe = await probePostgres(settings.databaseUrl, POSTGRES_TIMEOUT_SECONDS);
    if (!probe.ok) {
      const fix = probe.permanent
        ? 'correct the user, password or database name in DATABASE_URL'
        : 'start PostgreSQL, or check the host and port in DATABASE_URL';
      return {
        check: { name: 'database', status: 'fail', line: probe.line, fix },
        database: { kind: 'missing', why: probe.permanent ? 'PostgreSQL refused the connection' : 'PostgreSQL does not answer' },
      };
    }
    const handle = openPostgres(settings.databaseUrl, { max: 1 });
    return { check: { name: 'database', status: 'ok', line: `PostgreSQL at ${host} answers` }, database: { kind: 'open', handle } };
  }
  const shown = settings.dataDirAsGiven;
  if (!fs.existsSync(path.join(settings.dataDir, 'pglite'))) {
    const why = `no embedded database in ${shown} yet`;
    return {
      check: {
        name: 'database',
        status: 'warn',
        line: `${why}: Herald creates it at its first start`,
        fix: 'start Herald once (npm start)',
      },
      database: { kind: 'missing', why },
    };
  }
  let handle: DatabaseHandle | undefined;
  try {
    handle = openPglite(settings.dataDir, shown);
    await handle.db.execute(sql`select 1`);
    return {
      check: { name: 'database', status: 'ok', line: `the embedded database in ${shown} opens (no server is running on it)` },
      database: { kind: 'open', handle },
    };
  } catch (error) {
    await handle?.close().catch(() => {});
    if (error instanceof DataDirLockedError) {
      return {
        check: {
          name: 'database',
          status: 'ok',
          line: `the embedded database in ${shown} is in use by the running Herald (pid ${String(error.pid)})`,
        },
        database: { kind: 'held', pid: error.pid },
      };
    }
    const [first = ''] = (error instanceof Error ? error.message : String(error)).split('\n');
    return {
      check: {
        name: 'database',
        status: 'fail',
        line: `the embedded database in ${shown} cannot be opened: ${first}`,
        fix: `restore ${shown} from a backup (npm run herald -- restore)`,
      },
      database: { kind: 'missing', why: 'the embedded database cannot be opened' },
    };
  }
}

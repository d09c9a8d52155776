/**
 * Writing a backup: every Herald table and pg-boss's waiting work, read in one read-only
 * repeatable-read transaction (a consistent picture while the server keeps writing), each row
 * encoded by PostgreSQL itself (`to_jsonb`), streamed through gzip a thousand rows at a time.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  backupHeaderLine,
  backupRowLine,
  backupTrailerLine,
  type BackupHeader,
} from '../../../domain/backup-format';
import { rowsOf } from '../../db/client';
import type { Database } from '../../db';
import { appliedSchemaVersion, backupRowFilter, backupTables, type TableShape } from './backup-catalog';

export interface BackupSummary {
  schemaVersion: number;
  createdAt: Date;
  tables: Record<string, number>;
  rows: number;
  /** The size of the compressed file. */
  bytes: number;
}

const FETCH_ROWS = 1_000;
const CURSOR = 'herald_backup_rows';

function rowQuery(table: TableShape): string {
  const order = table.primaryKey.length > 0 ? table.primaryKey.map((column) => `t.${column}`).join(', ') : '1';
  return `select to_jsonb(t)::text as line from ${table.qualified} t ${backupRowFilter(table)} order by ${order}`;
}

/** Reads every table in the caller's repeatable-read transaction and hands each line to `writeLine`: header, then rows. */
async function writeTables(tx: Database, writeLine: (line: string) => Promise<void>): Promise<Omit<BackupSummary, 'bytes'>> {
  // Times in the file in UTC, whatever the server's zone.
  await tx.execute(sql`set local timezone to 'UTC'`);
  const [started] = rowsOf(await tx.execute(sql`select floor(extract(epoch from now()) * 1000)::float8 as ms`));
  const createdAt = new Date(Number(started?.ms));
  const schemaVersion = await appliedSchemaVersion(tx);
  const tables = await backupTables(tx);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [counted] = rowsOf(await tx.execute(sql.raw(`select count(*)::int as count from ${table.qualified} ${backupRowFilter(table)}`)));
    counts[table.name] = Number(counted?.count ?? 0);
  }
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    schemaVersion,
    createdAt: createdAt.toISOString(),
    tables: counts,
  };
  await writeLine(backupHeaderLine(header));
  let rows = 0;
  for (const table of tables) {
    await tx.execute(sql.raw(`declare ${CURSOR} no scroll cursor for ${rowQuery(table)}`));
    for (;;) {
      const batch = rowsOf(await tx.execute(sql.raw(`fetch forward ${String(FETCH_ROWS)} from ${CURSOR}`)));
      for (const row of batch) await writeLine(backupRowLine(table.name, String(row.line)));
      rows += batch.length;
      if (batch.length < FETCH_ROWS) break;
    }
    await tx.execute(sql.raw(`close ${CURSOR}`));
  }
  return { schemaVersion, createdAt, tables: counts, rows };
}

/**
 * Writes a backup of `db` to `output` (ended when done) and says what it holds. `db` may be the
 * running server's: on PostgreSQL the reads take no locks that stop its writes; PGlite, with its
 * one connection, answers nothing else until the backup is written.
 */
export async function writeBackup(db: Database, output: NodeJS.WritableStream): Promise<BackupSummary> {
  const gzip = createGzip();
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const written = pipeline(gzip, counter, output);
  // Settles only if the output fails or closes before the end: a write waiting for drain then stops.
  const stopped = written.then(() => {
    throw new Error('the backup output closed before the backup was complete');
  });
  stopped.catch(() => {});
  const hash = createHash('sha256');
  const write = async (text: string) => {
    if (!gzip.write(text)) await Promise.race([once(gzip, 'drain'), stopped]);
  };
  /** A line the trailer's checksum covers: every one before the trailer. */
  const writeLine = async (line: string) => {
    const text = `${line}\n`;
    hash.update(text);
    await write(text);
  };

  try {
    const summary = await db.transaction((tx) => writeTables(tx, writeLine), {
      isolationLevel: 'repeatable read',
      accessMode: 'read only',
    });
    await write(`${backupTrailerLine({ end: true, rows: summary.rows, sha256: hash.digest('hex') })}\n`);
    gzip.end();
    await written;
    return { ...summary, bytes };
  } catch (error) {
    // The output is closed (a file stream too) and the error is the one the caller sees.
    gzip.destroy();
    await written.catch(() => {});
    throw error;
  }
}

/**
 * Writes a backup to `file`: first to `file.partial`, flushed to disk, then renamed, so a file
 * under the final name is always whole. A failed write leaves no file behind.
 */
export async function writeBackupFile(db: Database, file: string): Promise<BackupSummary> {
  const partial = `${file}.partial`;
  try {
    // `flush`: the file is on disk before the stream reports it closed.
    const summary = await writeBackup(db, fs.createWriteStream(partial, { flags: 'w', mode: 0o600, flush: true }));
    fs.renameSync(partial, file);
    return summary;
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
}

/**
 * Reading a backup file as a stream, checking as it goes: gzip's own checks, the header, each
 * line, the rows per table against the header, and at the end the trailer's row count and
 * SHA-256. A file cut short, damaged, or not a backup at all ends the read with a BackupFileError.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { parseBackupHeader, parseBackupLine, type BackupHeader } from '../../../domain/backup-format';

/** Why a file cannot be read as a backup, as one line naming the file. */
export class BackupFileError extends Error {
  override name = 'BackupFileError';
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

interface RawLine {
  text: string;
  /** The line's bytes with its newline, as the checksum covers them. */
  bytes: Buffer;
}

/** The lines of a stream of bytes; a last line without its newline comes too. */
async function* linesOf(input: AsyncIterable<Buffer>): AsyncGenerator<RawLine> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of input) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(0x0a, start); end >= 0; end = data.indexOf(0x0a, start)) {
      yield { text: data.toString('utf8', start, end), bytes: data.subarray(start, end + 1) };
      start = end + 1;
    }
    carry = data.subarray(start);
  }
  if (carry.length > 0) yield { text: carry.toString('utf8'), bytes: carry };
}

/** gzip's complaint in words a person acts on. */
function gzipProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR') return 'it is cut short (the compressed data ends early)';
  const detail = error instanceof Error ? error.message : String(error);
  return `it is damaged (the compressed data does not check out: ${detail})`;
}

/** The file's decompressed lines; a missing file, one that is not gzip, or broken gzip is a BackupFileError. */
async function* fileLines(file: string): AsyncGenerator<RawLine> {
  const shown = path.basename(file);
  let start: Buffer;
  try {
    const handle = await fs.promises.open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      start = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BackupFileError(
      code === 'ENOENT' ? `${file} does not exist.` : `${file} cannot be read: ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
  if (!start.equals(GZIP_MAGIC)) throw new BackupFileError(`${shown} is not a Herald backup: it is not a gzip file.`);
  const gunzip = fs.createReadStream(file).pipe(createGunzip());
  try {
    for await (const line of linesOf(gunzip)) yield line;
  } catch (error) {
    throw new BackupFileError(`${shown} cannot be used: ${gzipProblem(error)}.`);
  } finally {
    gunzip.destroy();
  }
}

/** The header alone (line 1), without reading the rest. */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
  for await (const line of fileLines(file)) {
    const parsed = parseBackupHeader(line.text);
    if (!parsed.ok) throw new BackupFileError(`${path.basename(file)} cannot be used: ${parsed.message}.`);
    return parsed.header;
  }
  throw new BackupFileError(`${path.basename(file)} is not a Herald backup: it is empty.`);
}

/** One row as the file holds it: its table, and the whole line (`{"table":…,"row":…}`) as JSON text. */
export interface BackupRow {
  table: string;
  line: string;
}

interface OpenedBackup {
  header: BackupHeader;
  /** Every row, in the file's order; throws BackupFileError where the file turns out bad (at the latest, at its end). */
  rows: AsyncGenerator<BackupRow>;
}

/** Opens a backup: reads and checks its header, and hands back the checked rows that follow. */
export async function openBackup(file: string): Promise<OpenedBackup> {
  const shown = path.basename(file);
  const damaged = (reason: string) => new BackupFileError(`${shown} cannot be used: it is damaged (${reason}).`);
  const lines = fileLines(file);
  const first = await lines.next();
  if (first.done) throw new BackupFileError(`${shown} is not a Herald backup: it is empty.`);
  const parsed = parseBackupHeader(first.value.text);
  if (!parsed.ok) {
    await lines.return(undefined);
    throw new BackupFileError(`${shown} cannot be used: ${parsed.message}.`);
  }
  const { header } = parsed;
  const hash = createHash('sha256').update(first.value.bytes);
  const tableOrder = Object.keys(header.tables);

  async function* rows(): AsyncGenerator<BackupRow> {
    let lineNumber = 1;
    let tableIndex = 0;
    let inTable = 0;
    let total = 0;
    const closeTable = () => {
      const table = tableOrder[tableIndex];
      if (table !== undefined && inTable !== header.tables[table])
        throw damaged(`table ${table} has ${String(inTable)} rows where the header says ${String(header.tables[table])}`);
    };
    for await (const raw of lines) {
      lineNumber += 1;
      const line = parseBackupLine(raw.text);
      if (line.kind === 'bad') throw damaged(`line ${String(lineNumber)}: ${line.reason}`);
      if (line.kind === 'trailer') {
        // Every table's rows must be there: the ones after the last row seen included.
        for (; tableIndex < tableOrder.length; tableIndex += 1, inTable = 0) closeTable();
        if (line.trailer.rows !== total)
          throw damaged(`the trailer counts ${String(line.trailer.rows)} rows, the file holds ${String(total)}`);
        if (line.trailer.sha256 !== hash.digest('hex')) throw damaged('its checksum does not match its contents');
        const after = await lines.next();
        if (!after.done && after.value.text !== '') throw damaged('lines follow the trailer');
        return;
      }
      hash.update(raw.bytes);
      while (tableOrder[tableIndex] !== line.table) {
        if (tableIndex >= tableOrder.length)
          throw damaged(`line ${String(lineNumber)} holds a row of ${line.table}, which the header does not list here`);
        closeTable();
        tableIndex += 1;
        inTable = 0;
      }
      inTable += 1;
      total += 1;
      yield { table: line.table, line: raw.text };
    }
    throw new BackupFileError(`${shown} cannot be used: it is cut short (it ends before its trailer).`);
  }

  return { header, rows: rows() };
}

/** Reads the whole file once, checking everything, without touching any database. */
export async function checkBackupFile(file: string): Promise<{ ok: true; header: BackupHeader } | { ok: false; message: string }> {
  try {
    const opened = await openBackup(file);
    // Reading to the end is what checks the counts, the trailer and the checksum.
    let step = await opened.rows.next();
    while (!step.done) step = await opened.rows.next();
    return { ok: true, header: opened.header };
  } catch (error) {
    if (error instanceof BackupFileError) return { ok: false, message: error.message };
    throw error;
  }
}

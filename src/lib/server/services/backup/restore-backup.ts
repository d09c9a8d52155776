/**
 * Restoring a backup into an empty database of either kind, in one transaction: any failure (a
 * damaged line, a bad checksum, a file cut short, a constraint) rolls it back and leaves the
 * database as it was. The file is read through once before the database is touched, so a bad
 * file is refused without even migrating the target.
 */
import { sql } from 'drizzle-orm';
import { JOB_TABLE, newerSchema, SELF_WRITTEN_TABLE, targetTooNew } from '../../../domain/backup-format';
import { rowsOf, type DatabaseHandle } from '../../db/client';
import type { Database } from '../../db';
import { startJobQueue } from '../../jobs/queue';
import { appliedSchemaVersion, backupTables, knownSchemaVersion, migrateTo, ownedSequences, type TableShape } from './backup-catalog';
import { BackupFileError, checkBackupFile, openBackup, type BackupRow } from './read-backup';

/** Every kind but `upgrade_failed` leaves the database as it was; that one leaves the backup loaded at its older schema. */
type RestoreFailureKind = 'unreadable' | 'schema' | 'not_empty' | 'refused' | 'upgrade_failed';

type RestoreResult =
  | { ok: true; value: { schemaVersion: number; createdAt: Date; tables: Record<string, number>; rows: number } }
  | { ok: false; failure: { kind: RestoreFailureKind; message: string } };

/** A refusal raised inside the transaction, so that it rolls back. */
class RestoreRefusal extends Error {
  constructor(
    readonly kind: RestoreFailureKind,
    message: string,
  ) {
    super(message);
  }
}

const STAGE = 'herald_restore_stage';
/** Rows per insert, and the most JSON text one insert carries. */
const BATCH_ROWS = 500;
const BATCH_CHARACTERS = 4_000_000;

const failed = (kind: RestoreFailureKind, message: string): RestoreResult => ({ ok: false, failure: { kind, message } });

/** The innermost message of a database error (drizzle wraps the driver's error in its own). */
function causeMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** The first of Herald's own tables that holds rows, apart from the ones Herald fills by itself. */
async function firstFilledTable(tx: Database, tables: TableShape[]): Promise<string | undefined> {
  for (const table of tables) {
    if (table.name === SELF_WRITTEN_TABLE || table.name === JOB_TABLE) continue;
    const [found] = rowsOf(await tx.execute(sql.raw(`select exists (select 1 from ${table.qualified}) as filled`)));
    if (found?.filled === true) return table.name;
  }
  return undefined;
}

/**
 * Loads one table's rows through a staging table, moved into place in one statement: a table
 * that references itself then needs no order among its own rows.
 */
async function loadTable(
  tx: Database,
  table: TableShape,
  rows: AsyncIterator<BackupRow>,
  first: BackupRow,
): Promise<BackupRow | undefined> {
  await tx.execute(sql.raw(`create temporary table ${STAGE} (like ${table.qualified}) on commit drop`));
  let next: BackupRow | undefined = first;
  while (next?.table === table.name) {
    const batch: string[] = [];
    let characters = 0;
    while (next?.table === table.name && batch.length < BATCH_ROWS && characters < BATCH_CHARACTERS) {
      batch.push(next.line);
      characters += next.line.length;
      const step = await rows.next();
      next = step.done ? undefined : step.value;
    }
    await tx.execute(sql`
      insert into ${sql.raw(STAGE)} select r.* from jsonb_array_elements(${`[${batch.join(',')}]`}::jsonb) as e(value)
      cross join lateral jsonb_populate_record(null::${sql.raw(STAGE)}, e.value -> 'row') as r`);
  }
  const columns = table.insertColumns.join(', ');
  await tx.execute(sql.raw(`insert into ${table.qualified} (${columns}) overriding system value select ${columns} from ${STAGE}`));
  await tx.execute(sql.raw(`drop table ${STAGE}`));
  return next;
}

/** Sets each sequence past the highest value restored, so the next row gets a new number. */
async function resetSequences(tx: Database): Promise<void> {
  for (const item of await ownedSequences(tx)) {
    await tx.execute(sql`
      select setval(${item.sequence}::regclass, coalesce(max(${sql.raw(item.column)}), 1), max(${sql.raw(item.column)}) is not null)
      from ${sql.raw(item.table)}`);
  }
}

/**
 * Restores `file` into the database behind `handle`, which must be empty (nothing in Herald's
 * tables but the settings Herald writes by itself at first start, which the backup's replace).
 * Migrates the target to the backup's schema and installs pg-boss's first; a backup of an older
 * schema is brought forward by the remaining migrations after it is loaded (unless `bringForward`
 * is false: verify-backup.ts counts the rows as loaded). A bad file, a newer schema, a non-empty
 * target or a rejected row is a failure with one line to show, and the database as it was.
 */
export async function restoreBackup(
  handle: DatabaseHandle,
  file: string,
  options: { bringForward?: boolean } = {},
): Promise<RestoreResult> {
  const checked = await checkBackupFile(file);
  if (!checked.ok) return failed('unreadable', checked.message);
  const { header } = checked;
  const known = knownSchemaVersion();
  const newer = newerSchema(header.schemaVersion, known);
  if (newer) return failed('schema', newer);

  const applied = await appliedSchemaVersion(handle.db);
  const tooNew = targetTooNew(header.schemaVersion, applied);
  if (tooNew) return failed('schema', tooNew);
  // A database Herald never migrated but with tables of its own belongs to something else: not touched at all.
  if (applied === 0) {
    const foreign = (await backupTables(handle.db)).find((table) => table.name !== JOB_TABLE);
    if (foreign)
      return failed(
        'not_empty',
        `The target database already holds tables Herald did not make (such as ${foreign.name}): restore into a new, empty database.`,
      );
  }
  // The rows load into the schema they were read from; an older one is brought forward afterwards.
  await migrateTo(handle.db, header.schemaVersion);
  // The waiting jobs go into pg-boss's tables, one partition per queue: these must exist first.
  const installer = await startJobQueue(handle, undefined, { maintenance: false });
  await installer.stop();

  let current: string | undefined;
  try {
    await handle.db.transaction(async (tx) => {
      const tables = await backupTables(tx);
      const filled = await firstFilledTable(tx, tables);
      if (filled)
        throw new RestoreRefusal(
          'not_empty',
          `The target database is not empty (table ${filled} has rows): restore only into a new, empty database. Only the settings Herald writes by itself at first start (its page id, a setup token) may be there; the backup replaces them.`,
        );
      const byName = new Map(tables.map((table) => [table.name, table]));
      const selfWritten = byName.get(SELF_WRITTEN_TABLE);
      if (selfWritten) await tx.execute(sql.raw(`delete from ${selfWritten.qualified}`));

      // The file is read again as it loads (it could have changed since): reaching the end of its
      // rows is what checks the counts, the trailer and the checksum once more.
      const { rows } = await openBackup(file);
      const first = await rows.next();
      let next = first.done ? undefined : first.value;
      while (next) {
        current = next.table;
        const table = byName.get(next.table);
        if (!table) throw new RestoreRefusal('schema', `The target database has no table ${next.table}.`);
        next = await loadTable(tx, table, rows, next);
      }
      current = undefined;
      await resetSequences(tx);
    });
  } catch (error) {
    if (error instanceof RestoreRefusal) return failed(error.kind, error.message);
    if (error instanceof BackupFileError) return failed('unreadable', error.message);
    const where = current ? ` (table ${current})` : '';
    return failed('refused', `The database refused the backup${where}: ${causeMessage(error)}.`);
  }
  if (header.schemaVersion < known && (options.bringForward ?? true)) {
    try {
      await handle.migrate();
    } catch (error) {
      return failed(
        'upgrade_failed',
        `Restored the backup at its schema ${String(header.schemaVersion)}, but bringing it to schema ${String(known)} failed: ${causeMessage(error)}. Starting Herald tries the upgrade again.`,
      );
    }
  }
  const total = Object.values(header.tables).reduce((sum, count) => sum + count, 0);
  return {
    ok: true,
    value: { schemaVersion: header.schemaVersion, createdAt: new Date(header.createdAt), tables: header.tables, rows: total },
  };
}

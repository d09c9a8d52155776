import type { InferInsertModel, InferSelectModel, SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../db';
import { notFound, type ServiceResult } from './errors';

/**
 * The one convention for work that joins the caller's transaction: such a function takes
 * `tx: Transaction` (the handle the caller's `db.transaction` gave it) and never opens one of its
 * own. A function that takes a `ServiceContext` opens its own transaction.
 */
export type Transaction = Database;

/** Reads one row and locks it (`for update`) until the transaction ends; undefined when none matches. */
export async function lockRow<TTable extends PgTable>(
  tx: Transaction,
  table: TTable,
  where: SQL | undefined,
): Promise<InferSelectModel<TTable> | undefined> {
  // drizzle's builder types cannot follow a generic table; the row is the table's select model.
  const source: PgTable = table;
  const rows = (await tx.select().from(source).where(where).for('update')) as InferSelectModel<TTable>[];
  return rows[0];
}

/**
 * Opens a transaction, locks the row `where` selects and hands it to `work`; answers
 * `notFound(missing)` when there is no such row. The usual frame of a command on one row.
 */
export async function withLockedRow<TTable extends PgTable, T>(
  db: Database,
  table: TTable,
  where: SQL | undefined,
  missing: string,
  work: (tx: Transaction, row: InferSelectModel<TTable>) => Promise<ServiceResult<T>>,
): Promise<ServiceResult<T>> {
  return db.transaction(async (tx) => {
    const row = await lockRow(tx, table, where);
    if (!row) return notFound(missing);
    return work(tx, row);
  });
}

/** Inserts one row and returns it as stored; an insert that returns nothing is a bug, so it throws. */
export async function insertOne<TTable extends PgTable>(
  tx: Transaction,
  table: TTable,
  values: InferInsertModel<TTable>,
): Promise<InferSelectModel<TTable>> {
  const rows = (await tx.insert(table).values(values).returning()) as InferSelectModel<TTable>[];
  const [row] = rows;
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates the rows `where` selects and returns the first as stored; throws when none matched. */
export async function updateOne<TTable extends PgTable>(
  tx: Transaction,
  table: TTable,
  where: SQL | undefined,
  values: Partial<InferInsertModel<TTable>>,
): Promise<InferSelectModel<TTable>> {
  // As in lockRow: the set() and returning() types cannot follow a generic table.
  const rows = (await tx
    .update(table)
    .set(values as never)
    .where(where)
    .returning()) as InferSelectModel<TTable>[];
  const [row] = rows;
  if (!row) throw new Error('update matched no row');
  return row;
}

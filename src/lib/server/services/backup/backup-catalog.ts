/**
 * What a backup and a restore read from pg_catalog: Herald's tables (the `public` schema drizzle
 * manages), their foreign keys, primary keys, generated columns and sequences, and the schema
 * version (the migrations applied). Read from the database itself, so a new table needs no edit here.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { PgDialect, type PgSession } from 'drizzle-orm/pg-core';
import { JOB_TABLE, loadOrder } from '../../../domain/backup-format';
import { rowsOf } from '../../db/client';
import type { Database } from '../../db';

export interface TableShape {
  /** The name in the file: `component`, or `pgboss.job`. */
  name: string;
  /** The quoted, schema-qualified name for SQL: `"public"."component"`. */
  qualified: string;
  /** The columns a restore inserts (generated ones are computed again), quoted. */
  insertColumns: string[];
  /** The primary key's columns, quoted, for a stable row order; empty when the table has none. */
  primaryKey: string[];
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function rows<Row>(db: Database, query: ReturnType<typeof sql>): Promise<Row[]> {
  return rowsOf(await db.execute(query)) as Row[];
}

/** The shape of one table; `schemaName.tableName` must exist. */
async function tableShape(db: Database, schemaName: string, tableName: string, shownAs: string): Promise<TableShape> {
  const qualified = `${quoteIdentifier(schemaName)}.${quoteIdentifier(tableName)}`;
  const columns = await rows<{ name: string; generated: string }>(
    db,
    sql`select attname as name, attgenerated::text as generated from pg_attribute
        where attrelid = ${qualified}::regclass and attnum > 0 and not attisdropped order by attnum`,
  );
  const key = await rows<{ name: string }>(
    db,
    sql`select a.attname as name from pg_index i
        cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where i.indrelid = ${qualified}::regclass and i.indisprimary order by k.position`,
  );
  return {
    name: shownAs,
    qualified,
    insertColumns: columns.filter((column) => column.generated === '').map((column) => quoteIdentifier(column.name)),
    primaryKey: key.map((column) => quoteIdentifier(column.name)),
  };
}

/**
 * Herald's tables in foreign-key order (a table after those it references), then pg-boss's job
 * table when its schema is installed.
 */
export async function backupTables(db: Database): Promise<TableShape[]> {
  const tables = await rows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`,
  );
  const references = await rows<{ table: string; referenced: string }>(
    db,
    sql`select c.relname as table, r.relname as referenced from pg_constraint f
        join pg_class c on c.oid = f.conrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_class r on r.oid = f.confrelid
        where f.contype = 'f' and n.nspname = 'public'`,
  );
  const order = loadOrder(
    tables.map((table) => table.name),
    references.map((reference) => [reference.table, reference.referenced] as const),
  );
  if (!order) throw new Error('Herald’s tables reference each other in a cycle: no order can load them.');
  const shapes = await Promise.all(order.map((name) => tableShape(db, 'public', name, name)));
  const [jobs] = await rows<{ present: boolean }>(db, sql`select to_regclass('pgboss.job') is not null as present`);
  if (jobs?.present) shapes.push(await tableShape(db, 'pgboss', 'job', JOB_TABLE));
  return shapes;
}

/** Which rows of a table a backup carries: all of Herald's, and of pg-boss's only the work still waiting. */
export function backupRowFilter(table: TableShape): string {
  return table.name === JOB_TABLE ? "where state in ('created', 'retry')" : '';
}

/** The migrations applied to this database: its schema version (0 before the first). */
export async function appliedSchemaVersion(db: Database): Promise<number> {
  const [present] = await rows<{ present: boolean }>(db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!present?.present) return 0;
  const [applied] = await rows<{ count: number }>(db, sql`select count(*)::int as count from drizzle.__drizzle_migrations`);
  return applied?.count ?? 0;
}

/** The folder of Herald's migrations, as db/client.ts finds it. */
const migrationsFolder = path.resolve(process.cwd(), 'drizzle');

/** The migrations this Herald ships: the schema version it knows. */
export function knownSchemaVersion(): number {
  return readMigrationFiles({ migrationsFolder }).length;
}

/**
 * Applies Herald's migrations up to `version` and no further, with drizzle's own migrator (which
 * skips those already applied), so an older backup loads into the schema it was made from;
 * `DatabaseHandle.migrate` then applies the rest.
 */
export async function migrateTo(db: Database, version: number): Promise<void> {
  // The migrator runs plain SQL on the session; only its type is written for a database without a schema.
  const session = db._.session as unknown as PgSession;
  await new PgDialect().migrate(readMigrationFiles({ migrationsFolder }).slice(0, version), session, { migrationsFolder });
}

/** The sequences Herald's tables own (bigserial columns), with their table and column, quoted. */
export async function ownedSequences(db: Database): Promise<{ sequence: string; table: string; column: string }[]> {
  const found = await rows<{ sequence_schema: string; sequence_name: string; table_name: string; column_name: string }>(
    db,
    sql`select sn.nspname as sequence_schema, s.relname as sequence_name, t.relname as table_name, a.attname as column_name
        from pg_class s join pg_namespace sn on sn.oid = s.relnamespace
        join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
        join pg_class t on t.oid = d.refobjid join pg_namespace tn on tn.oid = t.relnamespace
        join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
        where s.relkind = 'S' and tn.nspname = 'public'`,
  );
  return found.map((item) => ({
    sequence: `${quoteIdentifier(item.sequence_schema)}.${quoteIdentifier(item.sequence_name)}`,
    table: `"public".${quoteIdentifier(item.table_name)}`,
    column: quoteIdentifier(item.column_name),
  }));
}

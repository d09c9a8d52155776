import { sql } from 'drizzle-orm';
import { rowsOf, type DatabaseHandle } from '../../../src/lib/server/db/client';

export interface TableFigures {
  rows: number;
  bytes: number;
}

/** Rows and bytes (`pg_total_relation_size`) of every table in Herald's and pg-boss's schemas, and the whole database. */
export async function measureTables(handle: DatabaseHandle): Promise<{ tables: Map<string, TableFigures>; database: number }> {
  const names = rowsOf(
    await handle.db.execute(sql`
      select table_schema || '.' || table_name as name from information_schema.tables
      where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE' order by 1`),
  ) as { name: string }[];
  const tables = new Map<string, TableFigures>();
  for (const { name } of names) {
    const quoted = name
      .split('.')
      .map((part) => `"${part}"`)
      .join('.');
    const [row] = rowsOf(
      await handle.db.execute(sql.raw(`select count(*)::int as rows, pg_total_relation_size('${quoted}')::bigint as bytes from ${quoted}`)),
    ) as { rows: number; bytes: number | string }[];
    tables.set(name, { rows: row?.rows ?? 0, bytes: Number(row?.bytes ?? 0) });
  }
  const [size] = rowsOf(await handle.db.execute(sql`select pg_database_size(current_database())::bigint as bytes`)) as {
    bytes: number | string;
  }[];
  return { tables, database: Number(size?.bytes ?? 0) };
}

/**
 * The backup file's rules (issue 15): a gzip of JSON lines. Line 1 is the header, then one line
 * per row (`{"table":…,"row":…}`, the row as PostgreSQL encoded it), and last a trailer with the
 * row count and the SHA-256 of every byte before it, so a file cut short or damaged is caught
 * even where gzip happens to end cleanly.
 */
import { z } from 'zod';

export const BACKUP_FORMAT = 'herald-backup';
export const BACKUP_FORMAT_VERSION = 1;

/** pg-boss's waiting work travels with the page, under this name, after Herald's tables. */
export const JOB_TABLE = 'pgboss.job';

/** Rows Herald writes by itself at first start (the page id, a setup token, the link secret): a restore replaces them. */
export const SELF_WRITTEN_TABLE = 'setting';

const headerSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().positive(),
  schemaVersion: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  tables: z.record(z.string().min(1), z.number().int().nonnegative()),
});
export type BackupHeader = z.infer<typeof headerSchema>;

const trailerSchema = z.object({ end: z.literal(true), rows: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
type BackupTrailer = z.infer<typeof trailerSchema>;

const rowLineSchema = z.object({ table: z.string().min(1), row: z.record(z.string(), z.unknown()) });

/** What a line of the file holds, or why it is not a line of a backup. */
type BackupLine = { kind: 'row'; table: string } | { kind: 'trailer'; trailer: BackupTrailer } | { kind: 'bad'; reason: string };

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The header (line 1), or a message saying why the file is not a backup this Herald can read. */
export function parseBackupHeader(text: string): { ok: true; header: BackupHeader } | { ok: false; message: string } {
  const parsed = headerSchema.safeParse(parsedJson(text));
  if (!parsed.success) return { ok: false, message: 'it is not a Herald backup (its first line is not a backup header)' };
  if (parsed.data.formatVersion > BACKUP_FORMAT_VERSION)
    return {
      ok: false,
      message: `it was written in backup format ${String(parsed.data.formatVersion)} by a newer Herald; this one reads format ${String(BACKUP_FORMAT_VERSION)}: upgrade first`,
    };
  return { ok: true, header: parsed.data };
}

/** A line after the header: a row of a table, the trailer, or something that does not belong. */
export function parseBackupLine(text: string): BackupLine {
  const json = parsedJson(text);
  const trailer = trailerSchema.safeParse(json);
  if (trailer.success) return { kind: 'trailer', trailer: trailer.data };
  const row = rowLineSchema.safeParse(json);
  if (row.success) return { kind: 'row', table: row.data.table };
  return { kind: 'bad', reason: json === undefined ? 'a line is not valid JSON' : 'a line is neither a row nor the trailer' };
}

export function backupHeaderLine(header: BackupHeader): string {
  return JSON.stringify(header);
}

export function backupTrailerLine(trailer: BackupTrailer): string {
  return JSON.stringify(trailer);
}

/** A row line around PostgreSQL's own JSON text of the row, which is kept as it is (no number loses digits). */
export function backupRowLine(table: string, rowJson: string): string {
  return `{"table":${JSON.stringify(table)},"row":${rowJson}}`;
}

/**
 * Why a backup of schema `backup` cannot be loaded by a Herald that knows `known` migrations, or
 * null when it can: one of the same or an older schema (loaded at its own, then brought forward).
 */
export function newerSchema(backup: number, known: number): string | null {
  return backup > known
    ? `This backup was made by a newer Herald (schema ${String(backup)}); this one knows ${String(known)}: upgrade first.`
    : null;
}

/**
 * Why a database already at schema `target` cannot take a backup of the older schema `backup`
 * (its tables have moved on), or null when it can.
 */
export function targetTooNew(backup: number, target: number): string | null {
  return target > backup
    ? `This backup is of schema ${String(backup)} and the target database is already at schema ${String(target)}: restore an older backup into a new database that Herald has not started on, and it is brought forward after loading.`
    : null;
}

/**
 * The tables in an order where every table comes after the ones it references (a table that
 * references itself is loaded in one statement, so its own rows need no order). `references`
 * pairs are [table, referenced table]. A cycle between tables gives null: no order can load it.
 */
export function loadOrder(tables: readonly string[], references: readonly (readonly [string, string])[]): string[] | null {
  const known = new Set(tables);
  const waitingOn = new Map(tables.map((table) => [table, new Set<string>()]));
  for (const [table, referenced] of references) {
    if (table !== referenced && known.has(referenced)) waitingOn.get(table)?.add(referenced);
  }
  const order: string[] = [];
  const placed = new Set<string>();
  // Alphabetical among the ready ones, so the order (and the file) is the same every time.
  const remaining = [...tables].sort();
  while (remaining.length > 0) {
    const index = remaining.findIndex((table) => [...(waitingOn.get(table) ?? [])].every((other) => placed.has(other)));
    if (index < 0) return null;
    const [next] = remaining.splice(index, 1);
    if (next === undefined) return null;
    order.push(next);
    placed.add(next);
  }
  return order;
}

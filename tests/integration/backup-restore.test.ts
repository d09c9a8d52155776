/**
 * Backups (issue 15): a page filled with the demo seed, a subscriber, a user, an API key and
 * waiting jobs is backed up and restored into an empty database with every row identical;
 * PGlite → PostgreSQL → PGlite when TEST_DATABASE_URL names a server. Every refusal (a target
 * that is not empty, a newer schema, a damaged, cut-short or foreign file, a row the database
 * rejects) says why and leaves the target exactly as it was.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, rowsOf, type DatabaseHandle } from '../../src/lib/server/db/client';
import { subscriber } from '../../src/lib/server/db/schema';
import { newId } from '../../src/lib/server/ids';
import { startJobQueue, type JobQueue, type StartedQueue } from '../../src/lib/server/jobs/queue';
import { seedDemo } from '../../src/lib/server/seed/demo';
import { createApiKey } from '../../src/lib/server/services/access/api-keys';
import { createUserWithPassword } from '../../src/lib/server/services/access/users';
import { createComponent } from '../../src/lib/server/services/components/catalog';
import { appliedSchemaVersion, knownSchemaVersion, migrateTo } from '../../src/lib/server/services/backup/backup-catalog';
import { readBackupHeader } from '../../src/lib/server/services/backup/read-backup';
import { restoreBackup } from '../../src/lib/server/services/backup/restore-backup';
import { verifyBackup } from '../../src/lib/server/services/backup/verify-backup';
import { writeBackupFile } from '../../src/lib/server/services/backup/write-backup';
import type { ServiceContext } from '../../src/lib/server/services/kernel/context';
import { FakeClock } from '../support/clock';
import { createTestDatabase } from '../support/database';
import { expectOk, testActor } from '../support/factories';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-backup-'));
const clock = new FakeClock('2026-03-01T12:00:00.000Z');
let source: DatabaseHandle;
let sourceJobs: StartedQueue;
let backup: string;
const opened: { close(): Promise<void> }[] = [];

/** An empty database as Herald leaves it at first start (migrated, pg-boss installed), with its queue; closed after the file. */
async function emptyDatabase(kind: 'PGlite' | 'PostgreSQL'): Promise<{ handle: DatabaseHandle; queue: JobQueue }> {
  if (kind === 'PostgreSQL') {
    // A new database on TEST_DATABASE_URL's server, dropped again when closed.
    const database = await createTestDatabase();
    opened.push(database);
    return { handle: database, queue: database.queue };
  }
  const handle = openPglite();
  await handle.migrate();
  const jobs = await startJobQueue(handle, undefined, { maintenance: false });
  opened.push({ close: () => jobs.stop().then(() => handle.close()) });
  return { handle, queue: jobs.queue };
}

const emptyPglite = async () => (await emptyDatabase('PGlite')).handle;
const server = process.env.TEST_DATABASE_URL;

/**
 * Every row of every table a backup carries, as PostgreSQL renders it (times in UTC), in primary
 * key order: what "identical" means. pg-boss's waiting jobs count; its finished ones do not.
 */
async function contents(handle: DatabaseHandle): Promise<Record<string, string[]>> {
  return handle.db.transaction(async (tx) => {
    await tx.execute(sql`set local timezone to 'UTC'`);
    const tables = rowsOf(
      await tx.execute(sql`select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`),
    ).map((row) => String(row.name));
    const result: Record<string, string[]> = {};
    for (const table of tables) {
      const rows = rowsOf(await tx.execute(sql.raw(`select to_jsonb(t)::text as row from "${table}" t order by 1`)));
      result[table] = rows.map((row) => String(row.row));
    }
    const jobs = rowsOf(
      await tx.execute(sql`select to_jsonb(j)::text as row from pgboss.job j where state in ('created', 'retry') order by id`),
    );
    result['pgboss.job'] = jobs.map((row) => String(row.row));
    return result;
  });
}

/** The backup's lines, decompressed, to alter and write back as another file. */
function backupLines(file: string): string[] {
  return gunzipSync(fs.readFileSync(file)).toString('utf8').trimEnd().split('\n');
}

/** Writes `lines` as a backup file whose trailer matches them (a well-formed file with altered contents). */
function writeWithTrailer(name: string, lines: string[]): string {
  const body = lines.map((line) => `${line}\n`).join('');
  const rows = lines.length - 1;
  const trailer = JSON.stringify({ end: true, rows, sha256: createHash('sha256').update(body).digest('hex') });
  const file = path.join(folder, name);
  fs.writeFileSync(file, gzipSync(`${body}${trailer}\n`));
  return file;
}

/** A backup made at schema 1 (the first migration, which never changes): one component, as Herald's first version stored it. */
async function oldBackup(): Promise<string> {
  const file = path.join(folder, 'schema-1.herald.gz');
  if (fs.existsSync(file)) return file;
  const old = openPglite();
  opened.push(old);
  await migrateTo(old.db, 1);
  await old.db.execute(sql`insert into component (id, name, position, created_at, updated_at)
    values ('c1', 'Legacy API', 0, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')`);
  await writeBackupFile(old.db, file);
  return file;
}

beforeAll(async () => {
  source = openPglite();
  await source.migrate();
  sourceJobs = await startJobQueue(source, undefined, { maintenance: false });
  const context: ServiceContext = { db: source.db, clock, queue: sourceJobs.queue };
  await seedDemo(context, testActor);
  expectOk(
    await createUserWithPassword(context, testActor, {
      email: 'ops@example.com',
      name: 'Ops',
      role: 'admin',
      password: 'correct horse battery staple 7',
    }),
  );
  expectOk(await createApiKey(context, testActor, { name: 'deploy-bot', role: 'responder', expiresInDays: '30' }));
  const now = clock.now();
  await source.db.insert(subscriber).values({
    id: newId(),
    email: 'reader@example.com',
    state: 'confirmed',
    source: 'web',
    createdAt: now,
    confirmedAt: now,
    updatedAt: now,
  });
  backup = path.join(folder, 'page.herald.gz');
  await writeBackupFile(source.db, backup);
}, 60_000);

afterAll(async () => {
  await sourceJobs.stop();
  await source.close();
  for (const handle of opened) await handle.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('a backup', () => {
  it('holds a header with the schema version and every table’s rows, waiting jobs included', async () => {
    const header = await readBackupHeader(backup);
    const rows = await contents(source);
    expect(header.format).toBe('herald-backup');
    expect(header.schemaVersion).toBe(JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8')).entries.length);
    for (const [table, tableRows] of Object.entries(rows)) expect(header.tables[table], table).toBe(tableRows.length);
    expect(header.tables['pgboss.job']).toBeGreaterThan(0);
    expect(header.tables.user).toBe(1);
    expect(fs.existsSync(`${backup}.partial`)).toBe(false);
  });

  it('leaves no file behind when it fails', async () => {
    const closed = openPglite();
    await closed.close();
    const file = path.join(folder, 'failed.herald.gz');
    await expect(writeBackupFile(closed.db, file)).rejects.toThrow();
    expect(fs.existsSync(file) || fs.existsSync(`${file}.partial`)).toBe(false);
  });

  it('is verified by restoring it into a scratch database and counting the rows', async () => {
    const verified = await verifyBackup(backup);
    expect(verified).toEqual({ ok: true, tables: (await readBackupHeader(backup)).tables });
  });
});

describe('an older backup', () => {
  it('loads into a new database at its own schema, which is then brought forward to this Herald’s', async () => {
    const file = await oldBackup();
    expect((await readBackupHeader(file)).schemaVersion).toBe(1);
    const target = openPglite();
    opened.push(target);
    const restored = await restoreBackup(target, file);
    expect(restored.ok).toBe(true);
    expect(await appliedSchemaVersion(target.db)).toBe(knownSchemaVersion());
    const components = rowsOf(await target.db.execute(sql`select id, name, status from component`));
    expect(components).toEqual([{ id: 'c1', name: 'Legacy API', status: 'operational' }]);
    expect(await verifyBackup(file)).toEqual({ ok: true, tables: (await readBackupHeader(file)).tables });
  });
});

describe('a round trip', () => {
  it('PGlite → PGlite gives identical rows, and the restored page keeps its waiting jobs', async () => {
    const target = await emptyPglite();
    const restored = await restoreBackup(target, backup);
    expect(restored.ok).toBe(true);
    expect(await contents(target)).toEqual(await contents(source));
    // The sequences go on past the restored rows: the next audit entry gets a new id.
    const [numbers] = rowsOf(
      await target.db.execute(
        sql`select (select max(id) from audit_log)::int as highest, nextval(pg_get_serial_sequence('audit_log', 'id'))::int as next`,
      ),
    );
    expect(numbers?.next).toBe(Number(numbers?.highest) + 1);
  });

  it.skipIf(!server)(
    'PGlite → PostgreSQL → PGlite gives identical rows on both (runs only with TEST_DATABASE_URL: it needs a PostgreSQL server)',
    async () => {
      const postgres = (await emptyDatabase('PostgreSQL')).handle;
      const intoPostgres = await restoreBackup(postgres, backup);
      expect(intoPostgres.ok).toBe(true);
      expect(await contents(postgres)).toEqual(await contents(source));
      const second = path.join(folder, 'from-postgres.herald.gz');
      await writeBackupFile(postgres.db, second);
      // The same rows in the same text, whichever database wrote them.
      expect(backupLines(second).slice(1, -1)).toEqual(backupLines(backup).slice(1, -1));
      const back = await emptyPglite();
      expect((await restoreBackup(back, second)).ok).toBe(true);
      expect(await contents(back)).toEqual(await contents(source));
    },
    60_000,
  );
});

const targets = server ? (['PGlite', 'PostgreSQL'] as const) : (['PGlite'] as const);

describe.each(targets)('a restore into %s refuses, says why, and changes nothing', (kind) => {
  // One empty target for every refusal: each must leave it as empty as it was for the next.
  let empty: DatabaseHandle;
  beforeAll(async () => {
    empty = (await emptyDatabase(kind)).handle;
  });

  /** Restores `file` into `target` and checks it failed with `kind` and left every row as it was. */
  async function refused(target: DatabaseHandle, file: string, kind: string): Promise<string> {
    const before = await contents(target);
    const result = await restoreBackup(target, file);
    if (result.ok) throw new Error('the restore went through');
    expect(result.failure.kind).toBe(kind);
    expect(await contents(target)).toEqual(before);
    return result.failure.message;
  }

  it('a target that already holds a page', async () => {
    const { handle: target, queue } = await emptyDatabase(kind);
    expectOk(await createComponent({ db: target.db, clock, queue }, testActor, { name: 'API' }));
    expect(await refused(target, backup, 'not_empty')).toMatch(/^The target database is not empty \(table component has rows\)/);
  });

  it('a backup from a newer Herald', async () => {
    const lines = backupLines(backup).slice(0, -1);
    const header = JSON.parse(lines[0] ?? '{}') as { schemaVersion: number };
    lines[0] = JSON.stringify({ ...header, schemaVersion: header.schemaVersion + 1 });
    const newer = writeWithTrailer('newer.herald.gz', lines);
    const message = await refused(empty, newer, 'schema');
    expect(message).toBe(
      `This backup was made by a newer Herald (schema ${String(header.schemaVersion + 1)}); this one knows ${String(header.schemaVersion)}: upgrade first.`,
    );
  });

  it('an older backup into a database Herald has already brought to a newer schema', async () => {
    expect(await refused(empty, await oldBackup(), 'schema')).toMatch(
      /^This backup is of schema 1 and the target database is already at schema \d+: restore an older backup into a new database/,
    );
  });

  it('a file with one damaged byte', async () => {
    const bytes = fs.readFileSync(backup);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    const damaged = path.join(folder, 'damaged.herald.gz');
    fs.writeFileSync(damaged, bytes);
    expect(await refused(empty, damaged, 'unreadable')).toMatch(/^damaged\.herald\.gz cannot be used: it is (damaged|cut short)/);
  });

  it('a row changed inside a well-formed gzip (the checksum catches it)', async () => {
    const text = gunzipSync(fs.readFileSync(backup)).toString('utf8').replace('"Website"', '"Webs1te"');
    const changed = path.join(folder, 'changed.herald.gz');
    fs.writeFileSync(changed, gzipSync(text));
    expect(await refused(empty, changed, 'unreadable')).toContain('its checksum does not match its contents');
  });

  it('a file cut short, mid-stream and at a clean line and gzip end', async () => {
    const bytes = fs.readFileSync(backup);
    const cut = path.join(folder, 'cut.herald.gz');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expect(await refused(empty, cut, 'unreadable')).toMatch(/^cut\.herald\.gz cannot be used: it is cut short/);
    const lines = backupLines(backup);
    const clean = path.join(folder, 'clean-cut.herald.gz');
    fs.writeFileSync(
      clean,
      gzipSync(
        lines
          .slice(0, -5)
          .map((line) => `${line}\n`)
          .join(''),
      ),
    );
    expect(await refused(empty, clean, 'unreadable')).toBe(
      'clean-cut.herald.gz cannot be used: it is cut short (it ends before its trailer).',
    );
  });

  it('a file that is not a backup', async () => {
    const text = path.join(folder, 'notes.txt');
    fs.writeFileSync(text, 'hello\n');
    expect(await refused(empty, text, 'unreadable')).toBe('notes.txt is not a Herald backup: it is not a gzip file.');
    const json = path.join(folder, 'other.json.gz');
    fs.writeFileSync(json, gzipSync('{"hello":"world"}\n'));
    expect(await refused(empty, json, 'unreadable')).toBe(
      'other.json.gz cannot be used: it is not a Herald backup (its first line is not a backup header).',
    );
  });

  it('a row the database rejects, after earlier tables were loaded (the whole restore rolls back)', async () => {
    const lines = backupLines(backup).slice(0, -1);
    const header = JSON.parse(lines[0] ?? '{}') as { tables: Record<string, number> };
    // The last incident update twice: its primary key is taken, long after components and incidents went in.
    const last = lines.filter((line) => line.startsWith('{"table":"incident_update"')).at(-1) ?? '';
    lines.splice(lines.indexOf(last) + 1, 0, last);
    lines[0] = JSON.stringify({ ...header, tables: { ...header.tables, incident_update: (header.tables.incident_update ?? 0) + 1 } });
    const doubled = writeWithTrailer('doubled.herald.gz', lines);
    expect(await refused(empty, doubled, 'refused')).toMatch(/^The database refused the backup \(table incident_update\): .*duplicate key/);
  });
});

it('a restore refuses a database Herald never used that holds tables of its own, and does not even migrate it', async () => {
  const other = openPglite();
  opened.push(other);
  await other.db.execute(sql`create table notes (id int primary key)`);
  const result = await restoreBackup(other, backup);
  expect(result).toEqual({
    ok: false,
    failure: {
      kind: 'not_empty',
      message: 'The target database already holds tables Herald did not make (such as notes): restore into a new, empty database.',
    },
  });
  const [tables] = rowsOf(
    await other.db.execute(sql`select count(*)::int as count from pg_tables where schemaname in ('public', 'drizzle')`),
  );
  expect(tables?.count).toBe(1);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backUpNowForm } from '../../src/forms/backups';
import { backupFileName } from '../../src/lib/domain/backup-files';
import { auditLog, user } from '../../src/lib/server/db/schema';
import { runBackupJob } from '../../src/lib/server/jobs/handlers/backup';
import type { JobData } from '../../src/lib/server/jobs/queue';
import { newId } from '../../src/lib/server/ids';
import {
  backupHealth,
  downloadFreshBackup,
  downloadKeptBackup,
  getBackupOverview,
} from '../../src/lib/server/services/backup/backup-history';
import { DEFAULT_BACKUP_SCHEDULE } from '../../src/lib/server/services/backup/backup-schedule';
import { controlSocketPath, requestBackupFromServer, serveControlSocket } from '../../src/lib/server/services/backup/control-socket';
import { checkBackupFile, readBackupHeader } from '../../src/lib/server/services/backup/read-backup';
import { runScheduledBackup } from '../../src/lib/server/services/backup/scheduled-backup';
import { HOUR } from '../support/factories';
import { startMailWorkers, type MailWorkers } from '../support/mail-workers';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T03:17:00.000Z' });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-backups-'));
const settings = { backup: { dir: path.join(scratch, 'backups'), keep: 2, schedule: DEFAULT_BACKUP_SCHEDULE } };
const filesKept = () => fs.readdirSync(settings.backup.dir).sort();

const olgaId = newId();
let sink: SmtpSink;
let workers: MailWorkers;

beforeAll(async () => {
  const at = clock.now();
  await handle.db.insert(user).values([
    { id: olgaId, email: 'olga@example.com', name: 'Olga Owner', role: 'owner', createdAt: at },
    { id: newId(), email: 'oscar@example.com', name: 'Oscar Owner', role: 'owner', createdAt: at },
    { id: newId(), email: 'ada@example.com', name: 'Ada Admin', role: 'admin', createdAt: at },
    { id: newId(), email: 'gone@example.com', name: 'Gone Owner', role: 'owner', createdAt: at, disabledAt: at },
  ]);
  sink = await startSmtpSink();
  workers = await startMailWorkers(handle, { smtpUrl: sink.url, clock });
});

afterAll(async () => {
  await workers.stop();
  await sink.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the scheduled backup', () => {
  it('writes, verifies and keeps the newest BACKUP_KEEP backups, one run a day', async () => {
    const names: string[] = [];
    for (let day = 0; day < 3; day += 1) {
      clock.set(new Date(Date.UTC(2026, 2, 1 + day, 3, 17)));
      const { run, pruned } = await runScheduledBackup(context, settings, { trigger: 'schedule' });
      names.push(backupFileName(clock.now()));
      expect(run).toMatchObject({ outcome: 'verified', fileName: names[day], error: null, requestedBy: 'system' });
      expect(run.rows).toBeGreaterThan(0);
      expect(run.tables?.user).toBe(4);
      expect(pruned).toEqual(day === 2 ? [names[0]] : []);
    }
    expect(names[0]).toBe('herald-20260301T031700Z.herald.gz');
    expect(filesKept()).toEqual([names[1], names[2]]);

    // What the admin page shows, and what `herald doctor` says.
    clock.advance(5 * HOUR);
    const overview = await getBackupOverview(context, settings);
    expect(overview.lastVerified?.fileName).toBe(names[2]);
    expect(overview.lastRun?.outcome).toBe('verified');
    expect(overview.kept.map((backup) => [backup.fileName, backup.run?.outcome])).toEqual([
      [names[2], 'verified'],
      [names[1], 'verified'],
    ]);
    expect(overview.nextRunAt).toEqual(new Date('2026-03-04T03:17:00.000Z'));
    const health = await backupHealth(context.db, settings, clock.now());
    expect(health.ok).toBe(true);
    expect(health.line).toMatch(/^last verified backup 5 h ago \(2026-03-03 03:17 UTC, \d+ rows, [\d.]+ KB, herald-20260303T031700Z/);
    const late = await backupHealth(context.db, settings, new Date(clock.now().getTime() + 22 * HOUR));
    expect(late).toEqual({ ok: false, line: expect.stringMatching(/^no verified backup in the last 26 h: check that the worker runs/) });
  });

  it('a failed run keeps the older backups and emails every active owner', async () => {
    clock.set('2026-03-04T03:17:00.000Z');
    // A folder where the new file would go: the rename onto it fails, as on a full or read-only disk.
    const blocked = path.join(settings.backup.dir, backupFileName(clock.now()));
    fs.mkdirSync(blocked);
    fs.writeFileSync(path.join(blocked, 'in-the-way'), '');
    const before = filesKept();

    const { run, pruned } = await runScheduledBackup(context, settings, { trigger: 'schedule' });
    expect(run).toMatchObject({ outcome: 'failed', fileName: null });
    expect(run.error).toContain(`the backup could not be written to ${blocked}`);
    expect(pruned).toEqual([]);
    expect(filesKept()).toEqual(before);

    const mails = await sink.waitFor(2);
    expect(mails.map((mail) => mail.to).sort()).toEqual(['olga@example.com', 'oscar@example.com']);
    const [mail] = mails;
    expect(mail?.parsed.subject).toMatch(/\] The backup failed$/);
    expect(mail?.parsed.text).toContain('at 2026-03-04 03:17 UTC failed: the backup could not be written to');
    expect(mail?.parsed.text).toContain(
      `The older verified backups in ${settings.backup.dir} are kept; the newest is from 2026-03-03 03:17 UTC`,
    );
    expect(mail?.parsed.text).toContain('http://status.test/admin/settings/backups');

    const overview = await getBackupOverview(context, settings);
    expect(overview.lastRun).toMatchObject({ outcome: 'failed', error: run.error });
    expect(overview.lastVerified?.fileName).toBe('herald-20260303T031700Z.herald.gz');
    const health = await backupHealth(context.db, settings, clock.now());
    expect(health.ok).toBe(true);
    fs.rmSync(blocked, { recursive: true });
  });
});

describe('back up now, and the downloads', () => {
  it('queues one run for the owner who asked, which the job records as manual', async () => {
    clock.set('2026-03-04T09:00:00.000Z');
    const owner = { userId: olgaId, label: 'Olga Owner <olga@example.com>', role: 'owner' as const };
    const outcome = await backUpNowForm.run({ values: {}, actor: owner, context });
    // Pressed twice before the worker took it: one run waits.
    await backUpNowForm.run({ values: {}, actor: owner, context });
    expect(outcome).toEqual({
      ok: true,
      value: { location: '/admin/settings/backups', notice: expect.stringContaining('A backup is queued') },
    });
    const { rows } = await handle.executor.executeSql("select data from pgboss.job where name = 'backup' and state = 'created'", []);
    expect(rows).toHaveLength(1);
    const data = rows[0]?.data as JobData['backup'];
    expect(data).toEqual({ requestedBy: { userId: olgaId, label: owner.label } });

    await runBackupJob(context, settings, data, pino({ level: 'silent' }));
    const { lastRun } = await getBackupOverview(context, settings);
    expect(lastRun).toMatchObject({
      trigger: 'manual',
      requestedBy: owner.label,
      outcome: 'verified',
      fileName: 'herald-20260304T090000Z.herald.gz',
    });
    expect(filesKept()).toEqual(['herald-20260303T031700Z.herald.gz', 'herald-20260304T090000Z.herald.gz']);
  });

  it('downloads only backup names from the folder, audited', async () => {
    const owner = { userId: null, label: 'Olga Owner <olga@example.com>' };
    for (const name of ['../../etc/passwd', 'herald-20260304T090000Z.herald.gz/..', 'notes.txt', 'herald-20260101T000000Z.herald.gz']) {
      expect(await downloadKeptBackup(context, settings, owner, name)).toBeNull();
    }
    const kept = await downloadKeptBackup(context, settings, owner, 'herald-20260304T090000Z.herald.gz');
    const bytes = Buffer.from(await new Response(kept?.body).arrayBuffer());
    expect(bytes.equals(fs.readFileSync(path.join(settings.backup.dir, 'herald-20260304T090000Z.herald.gz')))).toBe(true);

    const fresh = await downloadFreshBackup(context, owner);
    expect(fresh.fileName).toBe('herald-20260304T090000Z.herald.gz');
    const file = path.join(scratch, 'fresh.herald.gz');
    fs.writeFileSync(file, Buffer.from(await new Response(fresh.body).arrayBuffer()));
    expect(await checkBackupFile(file)).toMatchObject({ ok: true, header: { tables: { user: 4 } } });

    const audited = await handle.db.select().from(auditLog).where(eq(auditLog.action, 'backup.download'));
    expect(audited.map((row) => row.after)).toEqual([
      { fileName: 'herald-20260304T090000Z.herald.gz', fresh: false },
      { fileName: 'herald-20260304T090000Z.herald.gz', fresh: true },
    ]);
  });
});

describe('the control socket', () => {
  it('hands a running server’s backup to the CLI, and replaces a stale socket file', async () => {
    const dataDir = fs.mkdtempSync(path.join(scratch, 'data-'));
    // Left by a process that died: nothing answers on it.
    fs.writeFileSync(controlSocketPath(dataDir), '');
    const socket = await serveControlSocket({ dataDir, db: context.db });
    try {
      expect(fs.statSync(controlSocketPath(dataDir)).mode & 0o777).toBe(0o600);
      const file = path.join(scratch, 'from-the-server.herald.gz');
      const summary = await requestBackupFromServer(dataDir, file);
      expect(summary.tables.user).toBe(4);
      expect(summary.bytes).toBe(fs.statSync(file).size);
      expect(fs.existsSync(`${file}.partial`)).toBe(false);
      const header = await readBackupHeader(file);
      expect(header.tables).toEqual(summary.tables);
    } finally {
      await socket.close();
    }
    expect(fs.existsSync(controlSocketPath(dataDir))).toBe(false);
    await expect(requestBackupFromServer(dataDir, path.join(scratch, 'none.herald.gz'))).rejects.toThrow(/does not answer on/);
  });
});
